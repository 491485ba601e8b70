"""People and access: sign in and out, password reset, invitations, switching workspace, profile and settings.

Views parse the request, call a selector or a service, and render; the rules live in services.py.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from referral_engine.core.errors import Conflict
from referral_engine.core.web import add_service_error
from referral_engine.workspaces import selectors, services
from referral_engine.workspaces.access import SESSION_KEY, employee_required, manager_required
from referral_engine.workspaces.forms import (
    AcceptInvitationForm,
    InvitationForm,
    NewPasswordForm,
    PasswordChangeForm,
    PasswordResetRequestForm,
    ProfileForm,
    SignInForm,
    WorkspaceForm,
)
from referral_engine.workspaces.models import Membership, Role, User

# A user created here signs in at once; AUTHENTICATION_BACKENDS starts with django-axes, which only watches.
SIGN_IN_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _home_of(membership: Membership | None) -> str:
    return (
        reverse("portal") if membership is not None and membership.role == Role.PARTNER else reverse("today")
    )


# ------------------------------------------------------------------------------------------- signing in and out


class SignInView(auth_views.LoginView):
    template_name = "workspaces/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, "You have signed out.")
        return response


def axes_username(request: HttpRequest, credentials: dict | None = None) -> str:
    """The address django-axes counts failures against: e-mail addresses are case-insensitive here."""
    raw = (credentials or {}).get("username") or request.POST.get("username") or ""
    return raw.strip().lower()


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """The page django-axes shows once a sign-in is locked out (AXES_LOCKOUT_CALLABLE)."""
    limit = settings.AXES_FAILURE_LIMIT
    return render(
        request,
        "workspaces/locked_out.html",
        {
            "username": (credentials or {}).get("username") or request.POST.get("username", ""),
            "warning": f"For your safety, signing in is paused after {limit} wrong passwords in a row.",
            "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
        status=429,
    )


password_reset = auth_views.PasswordResetView.as_view(
    template_name="workspaces/password_reset_form.html",
    email_template_name="workspaces/email/password_reset.txt",
    subject_template_name="workspaces/email/password_reset_subject.txt",
    form_class=PasswordResetRequestForm,
    extra_email_context={"site_name": "Referral Engine"},
    success_url=reverse_lazy("password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="workspaces/password_reset_done.html"
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="workspaces/password_reset_confirm.html",
    form_class=NewPasswordForm,
    success_url=reverse_lazy("password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="workspaces/password_reset_complete.html"
)


# ------------------------------------------------------------------------------------------------- invitations


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = selectors.invitation_for_token(raw_token=token)
    if invitation is None:
        return render(
            request,
            "workspaces/invitation_problem.html",
            {
                "problem": "This invitation link is not valid. Check that you copied all of it from the e-mail."
            },
            status=404,
        )
    problem = services.invitation_problem(invitation=invitation)
    if problem:
        return render(request, "workspaces/invitation_problem.html", {"problem": problem}, status=410)

    context = {"invitation": invitation, "workspace": invitation.workspace}
    if request.user.is_authenticated:
        if request.user.email != invitation.email:
            return render(request, "workspaces/invitation_other_user.html", context)
        if request.method == "POST":
            return _accepted(request, invitation=invitation, user=request.user)
        return render(request, "workspaces/invitation_join.html", context)

    if selectors.user_with_email(email=invitation.email) is not None:
        context["login_url"] = f"{reverse('login')}?{urlencode({'next': request.path})}"
        return render(request, "workspaces/invitation_sign_in.html", context)

    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            return _accepted(
                request,
                invitation=invitation,
                user=None,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "password" in exc.error_dict:
                exc.error_dict["password1"] = exc.error_dict.pop("password")
            add_service_error(form, exc)
        except Conflict as exc:
            add_service_error(form, exc)
    return render(request, "workspaces/invitation_new_user.html", {**context, "form": form})


def _accepted(request: HttpRequest, *, invitation, user: User | None, **new_user) -> HttpResponse:
    membership = services.invitation_accept(invitation=invitation, user=user, **new_user)
    if user is None:
        login(request, membership.user, backend=SIGN_IN_BACKEND)
    request.session[SESSION_KEY] = membership.workspace_id
    messages.success(request, f"Welcome to {membership.workspace.name}.")
    return redirect(_home_of(membership))


# ----------------------------------------------------------------------------------------- switching workspace


@login_required
@require_POST
def workspace_switch(request: HttpRequest) -> HttpResponse:
    try:
        workspace_id = int(request.POST.get("workspace", ""))
    except ValueError:
        raise Http404("No such workspace") from None
    membership = selectors.membership_for_user(user=request.user, workspace=workspace_id)
    if membership is None:
        raise Http404("No such workspace")
    request.session[SESSION_KEY] = membership.workspace_id
    messages.success(request, f"You are now working in {membership.workspace.name}.")
    return redirect(_home_of(membership))


# ----------------------------------------------------------------------------------------------------- profile


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    profile_form = ProfileForm(initial={"full_name": user.full_name})
    password_form = PasswordChangeForm(user)
    if request.method == "POST" and request.POST.get("form") == "profile":
        profile_form = ProfileForm(request.POST)
        if profile_form.is_valid():
            try:
                services.user_update(user=user, full_name=profile_form.cleaned_data["full_name"])
            except ValidationError as exc:
                add_service_error(profile_form, exc)
            else:
                messages.success(request, "Your name is saved.")
                return redirect("profile")
    elif request.method == "POST" and request.POST.get("form") == "password":
        password_form = PasswordChangeForm(user, request.POST)
        if password_form.is_valid():
            try:
                services.user_password_set(user=user, password=password_form.cleaned_data["new_password1"])
            except ValidationError as exc:
                if hasattr(exc, "error_dict") and "password" in exc.error_dict:
                    exc.error_dict["new_password1"] = exc.error_dict.pop("password")
                add_service_error(password_form, exc)
            else:
                # Changing the password signs out every other session, but not this one.
                update_session_auth_hash(request, user)
                messages.success(request, "Your new password is set.")
                return redirect("profile")
    return render(
        request, "workspaces/profile.html", {"profile_form": profile_form, "password_form": password_form}
    )


# ---------------------------------------------------------------------------------------------------- settings


def _settings_page(request: HttpRequest, *, workspace_form=None, invitation_form=None) -> HttpResponse:
    membership = request.membership
    context = {
        "members": selectors.member_list(workspace=request.workspace),
        "can_manage": membership.can_manage,
        "now": timezone.now(),
    }
    if membership.can_manage:
        context.update(
            workspace_form=workspace_form or WorkspaceForm(initial={"name": request.workspace.name}),
            invitation_form=invitation_form or InvitationForm(inviter=membership),
            invitations=selectors.invitation_pending_list(workspace=request.workspace),
        )
    return render(request, "workspaces/settings.html", context)


@employee_required
def settings_page(request: HttpRequest) -> HttpResponse:
    return _settings_page(request)


@manager_required
@require_POST
def workspace_rename(request: HttpRequest) -> HttpResponse:
    form = WorkspaceForm(request.POST)
    if form.is_valid():
        try:
            services.workspace_update(
                workspace=request.workspace, actor=request.membership, name=form.cleaned_data["name"]
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "The workspace name is saved.")
            return redirect("settings")
    return _settings_page(request, workspace_form=form)


@manager_required
@require_POST
def invitation_create(request: HttpRequest) -> HttpResponse:
    form = InvitationForm(request.POST, inviter=request.membership)
    if form.is_valid():
        try:
            invitation, _ = services.invitation_create(
                workspace=request.workspace,
                actor=request.membership,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
            )
        except (ValidationError, Conflict) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("settings")
    return _settings_page(request, invitation_form=form)


@manager_required
@require_POST
def invitation_resend(request: HttpRequest, pk: int) -> HttpResponse:
    old = selectors.invitation_get(workspace=request.workspace, id=pk)
    try:
        invitation, _ = services.invitation_create(
            workspace=request.workspace,
            actor=request.membership,
            email=old.email,
            role=old.role,
            partner=old.partner,
        )
    except Conflict as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"A new invitation is on its way to {invitation.email}.")
    return redirect("settings")


@manager_required
@require_POST
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = selectors.invitation_get(workspace=request.workspace, id=pk)
    services.invitation_revoke(invitation=invitation, actor=request.membership)
    messages.success(request, f"The invitation to {invitation.email} is withdrawn.")
    return redirect("settings")
