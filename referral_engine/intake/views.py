"""The public referral form a personal link opens (no sign-in), and the employees' buttons that give, revoke and
renew links. Views parse and answer; the services in intake/services.py decide."""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from referral_engine.core.errors import Conflict
from referral_engine.core.web import add_service_error, safe_next
from referral_engine.intake import selectors, services
from referral_engine.intake.forms import LinkCreateForm, PublicReferralForm
from referral_engine.intake.models import ReferralLink, ReferrerKind
from referral_engine.partners.models import Partner
from referral_engine.partners.selectors import partner_for_membership, partner_get
from referral_engine.relationships.selectors import contact_get
from referral_engine.workspaces.access import employee_required
from referral_engine.workspaces.models import Membership

# ------------------------------------------------------------------------------------------------ public form


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies the address the outermost one saw: each proxy appends
    the address it was called from to X-Forwarded-For, so the client is that many entries from the right. Entries
    further left are whatever the client sent, and never trusted."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _not_found(request: HttpRequest) -> HttpResponse:
    # The same page for a code that never existed and one that was revoked: it tells a guesser nothing.
    return render(request, "intake/link_not_found.html", status=404)


def _size_limited(view: Callable) -> Callable:
    """Refuse a body over REFERRAL_FORM_MAX_BYTES with 413 before anything reads it (CSRF checking included)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "POST":
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = settings.REFERRAL_FORM_MAX_BYTES + 1
            if length > settings.REFERRAL_FORM_MAX_BYTES:
                return render(request, "intake/too_large.html", status=413)
        return view(request, *args, **kwargs)

    return wrapped


def _rate_limited(request: HttpRequest, link: ReferralLink, message: str) -> HttpResponse:
    response = render(request, "intake/rate_limited.html", {"link": link, "message": message}, status=429)
    response["Retry-After"] = str(settings.REFERRAL_FORM_IP_WINDOW_MINUTES * 60)
    return response


# The intake's field names (the account's name, the contact's first and last name) as the form calls them.
FORM_FIELD_OF = {"name": "company", "first_name": "person", "last_name": "person"}


def _on_form_fields(exc: ValidationError | Conflict) -> ValidationError | Conflict:
    if isinstance(exc, Conflict):
        return Conflict(exc.message, field=FORM_FIELD_OF.get(exc.field or "", exc.field))
    if not hasattr(exc, "error_dict"):
        return exc
    errors: dict[str, list] = {}
    for field, messages_ in exc.error_dict.items():
        errors.setdefault(FORM_FIELD_OF.get(field, field), []).extend(messages_)
    return ValidationError(errors)


# CSRF is checked (csrf_protect) inside the size limit, because checking it reads the body; the middleware's own
# check, which would read it first, is skipped for this view only.
@csrf_exempt
@require_http_methods(["GET", "POST"])
@_size_limited
@csrf_protect
def referral_link_form(request: HttpRequest, code: str) -> HttpResponse:
    """`/r/<code>/`: "<first name> is recommending you to <firm>", and the form that records the referral."""
    link = selectors.referral_link_by_code(code=code)
    if link is None:
        return _not_found(request)
    source = services.link_source(link=link)
    context = {"link": link, "workspace": link.workspace, "first_name": source.first_name}
    if request.method == "GET":
        return render(request, "intake/public_form.html", {**context, "form": PublicReferralForm()})

    thanks = redirect("referral_link_thanks", code=link.code)
    form = PublicReferralForm(request.POST)
    if form.is_robot:
        # A robot filled the field no person sees: it is told it succeeded, and nothing is written.
        return thanks
    ip = client_ip(request)
    try:
        services.referral_link_rate_check(link=link, ip=ip)
    except services.RateLimited as exc:
        return _rate_limited(request, link, exc.message)
    if form.is_valid():
        try:
            services.referral_link_submit(link=link, ip=ip, **form.intake_fields())
        except services.RateLimited as exc:
            return _rate_limited(request, link, exc.message)
        except (ValidationError, Conflict) as exc:
            add_service_error(form, _on_form_fields(exc))
        else:
            return thanks
    return render(request, "intake/public_form.html", {**context, "form": form}, status=400)


@require_GET
def referral_code_entry(request: HttpRequest) -> HttpResponse:
    """`/r/`: a box to type a code someone read out or wrote on a card; it opens that code's form."""
    code = (request.GET.get("code") or "").strip()
    if code:
        link = selectors.referral_link_by_code(code=code)
        if link is None:
            return _not_found(request)
        return redirect("referral_link_form", code=link.code)
    return render(request, "intake/code_entry.html")


@require_GET
def referral_link_thanks(request: HttpRequest, code: str) -> HttpResponse:
    link = selectors.referral_link_by_code(code=code)
    if link is None:
        return _not_found(request)
    source = services.link_source(link=link)
    return render(
        request,
        "intake/thanks.html",
        {"link": link, "workspace": link.workspace, "first_name": source.first_name},
    )


# -------------------------------------------------------------------------------------- employees' buttons


def _link_back(request: HttpRequest, fallback: str) -> HttpResponse:
    return redirect(safe_next(request, fallback))


def _done(request: HttpRequest, action: Callable[[], object], message: str) -> None:
    try:
        action()
    except (ValidationError, Conflict) as exc:
        text = exc.message if isinstance(exc, Conflict) else " ".join(exc.messages)
        messages.error(request, text)
    else:
        messages.success(request, message)


@employee_required
@require_POST
def referral_link_create(request: HttpRequest) -> HttpResponse:
    """Give a contact, a partner or a colleague their personal link (or keep the one they have)."""
    form = LinkCreateForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("Say whose link to create: a contact, a partner or a colleague.")
    kind, pk = form.cleaned_data["kind"], form.cleaned_data["referrer"]
    workspace = request.workspace
    if kind == ReferrerKind.CONTACT:
        referrer = {"contact": contact_get(workspace=workspace, id=pk)}
        fallback = reverse("contact_detail", args=[pk])
    elif kind == ReferrerKind.PARTNER:
        referrer = {"partner": partner_get(workspace=workspace, id=pk)}
        fallback = reverse("partner_detail", args=[pk])
    else:
        employee = Membership.objects.filter(workspace=workspace, pk=pk, is_active=True).first()
        if employee is None or not employee.is_employee:
            raise Http404("Not found")
        referrer = {"employee": employee}
        fallback = reverse("profile")
    _done(
        request,
        lambda: services.referral_link_get_or_create(
            workspace=workspace, actor=request.membership, **referrer
        ),
        "The personal link is ready: copy it and pass it on.",
    )
    return _link_back(request, fallback)


@employee_required
@require_POST
def referral_link_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    link = selectors.referral_link_get(workspace=request.workspace, id=pk)
    _done(
        request,
        lambda: services.referral_link_revoke(link=link, actor=request.membership),
        "The link is switched off; it opens nothing any more.",
    )
    return _link_back(request, reverse("today"))


@employee_required
@require_POST
def referral_link_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    link = selectors.referral_link_get(workspace=request.workspace, id=pk)
    _done(
        request,
        lambda: services.referral_link_rotate(link=link, actor=request.membership),
        "A new link replaces the old one, which opens nothing any more.",
    )
    return _link_back(request, reverse("today"))


@login_required
@require_POST
def referral_link_mine(request: HttpRequest) -> HttpResponse:
    """The signed-in person's own link: an employee's from their profile, a partner's from the portal."""
    membership = request.membership
    if membership is None:
        raise Http404("Not found")
    if membership.is_employee:
        referrer: dict = {"employee": membership}
        fallback = reverse("profile")
    else:
        partner: Partner | None = partner_for_membership(membership=membership)
        if partner is None:
            raise Http404("Not found")
        referrer = {"partner": partner}
        fallback = reverse("portal")
    _done(
        request,
        lambda: services.referral_link_get_or_create(
            workspace=membership.workspace, actor=membership, **referrer
        ),
        "Your personal link is ready: copy it and pass it on.",
    )
    return _link_back(request, fallback)
