"""Pages of journeys and reminders: Settings → Journeys (managers), the reminders card of the profile page, and
the calendar feed at a secret address (no sign-in: the secret is the credential).

Views parse, call a selector or a service, and answer with a page or a redirect."""

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from referral_engine.core.web import add_service_error
from referral_engine.journeys import selectors, services
from referral_engine.journeys.forms import JourneyPlanForm, JourneyStepForm, ReminderSettingsForm
from referral_engine.journeys.ical import calendar_build
from referral_engine.relationships.selectors import account_get
from referral_engine.workspaces.access import employee_required, manager_required

# ------------------------------------------------------------------------------------------------- settings


def _plan_list_page(request: HttpRequest, *, settings_form=None, status: int = 200) -> HttpResponse:
    reminder = selectors.reminder_settings_get(workspace=request.workspace)
    form = settings_form or ReminderSettingsForm(
        initial={name: getattr(reminder, name) for name in services.REMINDER_SETTINGS_FIELDS}
    )
    context = {"plans": selectors.journey_plan_list(workspace=request.workspace), "settings_form": form}
    return render(request, "journeys/plan_list.html", context, status=status)


@manager_required
def plan_list(request: HttpRequest) -> HttpResponse:
    services.reminder_settings_ensure(workspace=request.workspace)  # the built-in plans, on first use
    return _plan_list_page(request)


@manager_required
@require_POST
def reminder_settings_edit(request: HttpRequest) -> HttpResponse:
    form = ReminderSettingsForm(request.POST)
    if form.is_valid():
        try:
            services.reminder_settings_update(
                workspace=request.workspace, actor=request.membership, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "The reminder settings are saved.")
            return redirect("journey_plan_list")
    return _plan_list_page(request, settings_form=form, status=400)


@manager_required
def plan_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = JourneyPlanForm(request.POST)
        if form.is_valid():
            try:
                plan = services.journey_plan_create(
                    workspace=request.workspace, actor=request.membership, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, f"The plan {plan.name} is saved; add its steps.")
                return redirect("journey_plan_edit", pk=plan.pk)
        return render(request, "journeys/plan_create.html", {"form": form}, status=400)
    form = JourneyPlanForm(initial={"is_active": True})
    return render(request, "journeys/plan_create.html", {"form": form})


def _plan_page(request, plan, *, form=None, step_form=None, status=200) -> HttpResponse:
    form = form or JourneyPlanForm(
        initial={
            "name": plan.name,
            "trigger": plan.trigger,
            "is_active": plan.is_active,
            "description": plan.description,
            "holidays": "\n".join(plan.holidays or []),
        }
    )
    context = {
        "plan": plan,
        "form": form,
        "steps": plan.steps.order_by("offset_days", "id"),
        "step_form": step_form or JourneyStepForm(initial={"offset_days": 0}),
    }
    return render(request, "journeys/plan_edit.html", context, status=status)


@manager_required
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.journey_plan_get(workspace=request.workspace, id=pk)
    if request.method == "POST":
        form = JourneyPlanForm(request.POST)
        if form.is_valid():
            try:
                services.journey_plan_update(plan=plan, actor=request.membership, **form.cleaned_data)
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, f"The plan {plan.name} is saved.")
                return redirect("journey_plan_edit", pk=plan.pk)
        plan.refresh_from_db()
        return _plan_page(request, plan, form=form, status=400)
    return _plan_page(request, plan)


@manager_required
@require_POST
def plan_delete(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.journey_plan_get(workspace=request.workspace, id=pk)
    services.journey_plan_delete(plan=plan, actor=request.membership)
    messages.success(request, f"The plan {plan.name} is deleted; the tasks it made stay.")
    return redirect("journey_plan_list")


@manager_required
@require_POST
def step_create(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.journey_plan_get(workspace=request.workspace, id=pk)
    form = JourneyStepForm(request.POST)
    if form.is_valid():
        try:
            services.journey_step_create(plan=plan, actor=request.membership, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "The step is added.")
            return redirect("journey_plan_edit", pk=plan.pk)
    return _plan_page(request, plan, step_form=form, status=400)


@manager_required
def step_edit(request: HttpRequest, pk: int, step_pk: int) -> HttpResponse:
    plan = selectors.journey_plan_get(workspace=request.workspace, id=pk)
    step = selectors.journey_step_get(plan=plan, id=step_pk)
    if request.method == "POST":
        form = JourneyStepForm(request.POST)
        if form.is_valid():
            try:
                services.journey_step_update(step=step, actor=request.membership, **form.cleaned_data)
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, "The step is saved.")
                return redirect("journey_plan_edit", pk=plan.pk)
        return render(
            request, "journeys/step_edit.html", {"plan": plan, "step": step, "form": form}, status=400
        )
    form = JourneyStepForm(initial={name: getattr(step, name) for name in services.STEP_FIELDS})
    return render(request, "journeys/step_edit.html", {"plan": plan, "step": step, "form": form})


@manager_required
@require_POST
def step_delete(request: HttpRequest, pk: int, step_pk: int) -> HttpResponse:
    plan = selectors.journey_plan_get(workspace=request.workspace, id=pk)
    step = selectors.journey_step_get(plan=plan, id=step_pk)
    services.journey_step_delete(step=step, actor=request.membership)
    messages.success(request, "The step is deleted.")
    return redirect("journey_plan_edit", pk=plan.pk)


# ------------------------------------------------------------------------------------------- an account's page


@employee_required
@require_POST
def project_end_create(request: HttpRequest, pk: int) -> HttpResponse:
    account = account_get(workspace=request.workspace, id=pk)
    target = reverse("account_detail", args=[account.pk]) + "#project-end"
    try:
        ended_on = date.fromisoformat(request.POST.get("ended_on", ""))
    except ValueError:
        messages.error(request, "Give the day the project ended.")
        return redirect(target)
    try:
        services.project_end_record(
            workspace=request.workspace,
            actor=request.membership,
            account=account,
            ended_on=ended_on,
            note=request.POST.get("note", "")[:300],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Recorded: the end-of-project journeys add their tasks within the hour.")
    return redirect(target)


# ------------------------------------------------------------------------------------------ the profile page


@employee_required
@require_POST
def digest_preference(request: HttpRequest) -> HttpResponse:
    enabled = request.POST.get("digest_enabled") in ("1", "on", "true")
    services.digest_preference_set(membership=request.membership, enabled=enabled)
    messages.success(
        request,
        "You will get the daily digest." if enabled else "No more daily digests; switch them on here.",
    )
    return redirect(reverse("profile") + "#reminders")


@employee_required
@require_POST
def calendar_create(request: HttpRequest) -> HttpResponse:
    raw = services.calendar_token_create(membership=request.membership)
    # Shown once, on this answer only: the address is stored as a digest and cannot be shown again.
    url = settings.SITE_URL + reverse("calendar_feed", kwargs={"token": raw})
    return render(request, "journeys/calendar_created.html", {"url": url})


@employee_required
@require_POST
def calendar_revoke(request: HttpRequest) -> HttpResponse:
    services.calendar_token_revoke(membership=request.membership)
    messages.success(request, "Your calendar address no longer works.")
    return redirect(reverse("profile") + "#reminders")


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    membership = selectors.calendar_membership(raw_token=token)
    if membership is None:
        raise Http404("Not found.")
    body = calendar_build(membership=membership, tasks=selectors.calendar_tasks(membership=membership))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="tasks.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
