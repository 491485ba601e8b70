"""Pages of who to ask and when: the outcome buttons of Today's ask list, a success moment and the "book a
dedicated meeting" task from a contact's page, and Settings → Referral profile and Ask scripts.

Views parse, call a selector or a service, and answer htmx with a partial, a plain POST with a redirect."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from referral_engine.asking import selectors, services
from referral_engine.asking.forms import AskScriptForm, ReferralProfileForm
from referral_engine.asking.models import Situation, SuccessKind
from referral_engine.asking.templatetags.asking import today_context
from referral_engine.core.errors import Conflict
from referral_engine.core.web import add_service_error
from referral_engine.engagement.models import AskOutcome
from referral_engine.partners.selectors import partner_get
from referral_engine.relationships.selectors import contact_get
from referral_engine.workspaces.access import employee_required, manager_required

# ----------------------------------------------------------------------------------------- Today's ask list


def _suggestion_for(request: HttpRequest, pk: int):
    """A suggestion on the caller's own list; a manager may act on anyone's. Anything else is a 404."""
    suggestion = selectors.ask_suggestion_get(workspace=request.workspace, id=pk)
    if suggestion.employee_id != request.membership.pk and not request.membership.can_manage:
        raise Http404("Not found.")
    return suggestion


def _ask_list_answer(request: HttpRequest, error: str = "", done: str = "") -> HttpResponse:
    if request.htmx:
        context = {**today_context(request), "ask_error": error, "ask_done": done}
        return render(request, "asking/_today.html", context)
    if error:
        messages.error(request, error)
    elif done:
        messages.success(request, done)
    return redirect(reverse("today") + "#ask-list")


@employee_required
@require_POST
def suggestion_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    suggestion = _suggestion_for(request, pk)
    outcome = request.POST.get("outcome", "")
    try:
        services.ask_suggestion_outcome(
            workspace=request.workspace, actor=request.membership, suggestion=suggestion, outcome=outcome
        )
    except (ValidationError, Conflict) as exc:
        message = exc.message if isinstance(exc, Conflict) else " ".join(exc.messages)
        return _ask_list_answer(request, error=message)
    if outcome == AskOutcome.REFERRAL_GIVEN:
        # Straight to the referral form, with the person who gave it filled in.
        query = urlencode({"source_kind": "customer", "source_contact": suggestion.contact_id})
        target = f"{reverse('referral_create')}?{query}"
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return redirect(target)
    label = AskOutcome(outcome).label.lower()
    return _ask_list_answer(
        request, done=f"Logged: {suggestion.contact} — {label}. Thank them whatever the answer."
    )


# ---------------------------------------------------------------------------------------- a contact's page


@employee_required
@require_POST
def success_moment_create(request: HttpRequest, pk: int) -> HttpResponse:
    contact = contact_get(workspace=request.workspace, id=pk)
    kind = request.POST.get("kind", SuccessKind.GO_LIVE)
    try:
        services.success_moment_record(
            workspace=request.workspace,
            actor=request.membership,
            contact=contact,
            kind=kind,
            note=request.POST.get("note", "")[:300],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{SuccessKind(kind).label} recorded: a good moment to ask.")
    return redirect(reverse("contact_detail", args=[contact.pk]) + "#ask-profile")


def _meeting_task_answer(request: HttpRequest, task, back: str) -> HttpResponse:
    done = f"Task added to your Today page for {task.due:%a %-d %b}: {task.title}."
    if request.htmx:
        return render(request, "asking/_meeting_task_done.html", {"done": done})
    messages.success(request, done)
    return redirect(back)


@employee_required
@require_POST
def support_meeting_task(request: HttpRequest, pk: int) -> HttpResponse:
    contact = contact_get(workspace=request.workspace, id=pk)
    task = services.support_meeting_task_create(
        workspace=request.workspace, actor=request.membership, contact=contact
    )
    return _meeting_task_answer(request, task, reverse("contact_detail", args=[contact.pk]))


@employee_required
@require_POST
def partner_support_meeting_task(request: HttpRequest, pk: int) -> HttpResponse:
    partner = partner_get(workspace=request.workspace, id=pk)
    task = services.support_meeting_task_create(
        workspace=request.workspace, actor=request.membership, partner=partner
    )
    return _meeting_task_answer(request, task, reverse("partner_detail", args=[partner.pk]))


# ------------------------------------------------------------------------------------------------ settings


@manager_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    profile = selectors.referral_profile_get(workspace=request.workspace)
    if request.method == "POST":
        form = ReferralProfileForm(request.POST, instance=profile)
        if form.is_valid():
            changes = {name: form.cleaned_data[name] for name in form.Meta.fields}
            try:
                services.referral_profile_update(
                    workspace=request.workspace, actor=request.membership, **changes
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, "The referral profile is saved; next week's lists follow it.")
                return redirect("ask_profile_edit")
        # The form changed the unsaved instance while validating; show what was typed, save nothing.
        return render(request, "asking/profile_edit.html", {"form": form}, status=400)
    form = ReferralProfileForm(instance=profile, initial={"segments": profile.segments})
    return render(request, "asking/profile_edit.html", {"form": form})


@employee_required
def script_list(request: HttpRequest) -> HttpResponse:
    library = selectors.ask_script_library(workspace=request.workspace)
    scripts = [library[situation] for situation in Situation.values]
    return render(request, "asking/scripts.html", {"scripts": scripts, "situations": dict(Situation.choices)})


@manager_required
def script_edit(request: HttpRequest, situation: str) -> HttpResponse:
    script = selectors.ask_script_get(workspace=request.workspace, situation=situation)
    if request.method == "POST":
        form = AskScriptForm(request.POST)
        if form.is_valid():
            try:
                services.ask_script_save(
                    workspace=request.workspace,
                    actor=request.membership,
                    situation=situation,
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, f"The script for {Situation(situation).label.lower()} is saved.")
                return redirect("ask_script_list")
        return render(request, "asking/script_edit.html", {"script": script, "form": form}, status=400)
    form = AskScriptForm(initial={"title": script.title, "body": script.body})
    return render(request, "asking/script_edit.html", {"script": script, "form": form})


@manager_required
@require_POST
def script_reset(request: HttpRequest, situation: str) -> HttpResponse:
    selectors.ask_script_get(workspace=request.workspace, situation=situation)
    services.ask_script_reset(workspace=request.workspace, actor=request.membership, situation=situation)
    messages.success(request, "Back to the built-in script.")
    return redirect("ask_script_list")
