"""Reward pages: the employees' list with approve / decline / mark paid, the programme settings, and what a
referrer sees ("where is my reward?"): the partner portal page and a customer's public status page.

Employees' pages are scoped to the current workspace (another workspace's id is a 404). A partner sees only the
rewards for referrals they gave; the public page only the rewards of the contact its signed token names.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from referral_engine.core.errors import Conflict
from referral_engine.core.web import add_service_error, paginate, safe_next
from referral_engine.partners.models import Partner
from referral_engine.referrals import reward_selectors as selectors
from referral_engine.referrals import rewards as services
from referral_engine.referrals.models import RewardStatus
from referral_engine.referrals.reward_forms import (
    RewardDeclineForm,
    RewardProgrammeForm,
    RewardRuleForm,
)
from referral_engine.relationships.models import Contact
from referral_engine.workspaces.access import employee_required, manager_required, partner_required
from referral_engine.workspaces.models import Workspace

STATUS_FILTERS = [
    (RewardStatus.PROPOSED, "Waiting for approval"),
    (selectors.HELD, "Approved, on hold"),
    (selectors.READY, "Approved, ready to send"),
    (RewardStatus.PAID, "Paid"),
    (RewardStatus.DECLINED, "Declined"),
]
REFERRER_SHOWN = 200


def _error_text(exc: ValidationError | Conflict) -> str:
    if isinstance(exc, Conflict):
        return exc.message
    return " ".join(exc.messages)


# ------------------------------------------------------------------------------------------------------ list


def _budget_context(request: HttpRequest) -> dict:
    programme = selectors.reward_programme_of(workspace=request.workspace)
    return {
        "programme": programme,
        "budget": selectors.reward_budget(workspace=request.workspace, programme=programme),
        "currency": request.workspace.currency,
    }


@employee_required
@require_GET
def reward_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in selectors.REWARD_FILTERS:
        status = ""
    today = selectors.workspace_today(workspace=request.workspace)
    rewards = selectors.reward_list(workspace=request.workspace, status=status or None, today=today)
    page = paginate(request, rewards.order_by("-created_at", "-id"))
    page.object_list = selectors.reward_rows(page.object_list, today=today)
    context = {
        "page": page,
        "status": status,
        "status_filters": STATUS_FILTERS,
        "today": today,
        "next": request.get_full_path(),
        "decline_form": RewardDeclineForm(),
        **_budget_context(request),
    }
    return render(request, "rewards/list.html", context)


def _after_action(request: HttpRequest, pk: int, error: str = "", done: str = "") -> HttpResponse:
    """htmx: the reward's row again (with the error, if any) and the budget out of band. Otherwise: back to the
    list with a message."""
    if request.htmx:
        reward = selectors.reward_get(workspace=request.workspace, id=pk)
        today = selectors.workspace_today(workspace=request.workspace)
        [reward] = selectors.reward_rows([reward], today=today)
        context = {
            "reward": reward,
            "row_error": error,
            "next": safe_next(request, reverse("reward_list")),
            "decline_form": RewardDeclineForm(),
            "oob": True,
            **_budget_context(request),
        }
        return render(request, "rewards/_row.html", context)
    if error:
        messages.error(request, error)
    elif done:
        messages.success(request, done)
    return redirect(safe_next(request, reverse("reward_list")))


@manager_required
@require_POST
def reward_approve(request: HttpRequest, pk: int) -> HttpResponse:
    reward = selectors.reward_get(workspace=request.workspace, id=pk)
    try:
        services.reward_approve(reward=reward, actor=request.membership)
    except (ValidationError, Conflict) as exc:
        return _after_action(request, pk, error=_error_text(exc))
    return _after_action(request, pk, done="The reward is approved.")


@manager_required
@require_POST
def reward_decline(request: HttpRequest, pk: int) -> HttpResponse:
    reward = selectors.reward_get(workspace=request.workspace, id=pk)
    form = RewardDeclineForm(request.POST)
    if not form.is_valid():
        return _after_action(request, pk, error="Say why the reward is declined.")
    try:
        services.reward_decline(reward=reward, actor=request.membership, reason=form.cleaned_data["reason"])
    except (ValidationError, Conflict) as exc:
        return _after_action(request, pk, error=_error_text(exc))
    return _after_action(request, pk, done="The reward is declined.")


@employee_required
@require_POST
def reward_pay(request: HttpRequest, pk: int) -> HttpResponse:
    reward = selectors.reward_get(workspace=request.workspace, id=pk)
    try:
        services.reward_pay(reward=reward, actor=request.membership)
    except (ValidationError, Conflict) as exc:
        return _after_action(request, pk, error=_error_text(exc))
    return _after_action(request, pk, done="The reward is marked paid.")


# -------------------------------------------------------------------------------------------------- settings


def _settings_page(
    request: HttpRequest, programme_form=None, rule_form=None, status: int = 200
) -> HttpResponse:
    programme = selectors.reward_programme_of(workspace=request.workspace)
    programme_form = programme_form or RewardProgrammeForm(
        initial={
            "enabled": programme.enabled,
            "yearly_budget": programme.yearly_budget,
            "hold_days": programme.hold_days,
        }
    )
    rule_form = rule_form or RewardRuleForm(
        initial={"source_kinds": ["customer", "partner"], "is_active": True}
    )
    context = {
        "programme_form": programme_form,
        "rule_form": rule_form,
        "rules": list(selectors.reward_rule_list(workspace=request.workspace)),
        **_budget_context(request),
    }
    return render(request, "rewards/settings.html", context, status=status)


@manager_required
@require_http_methods(["GET", "POST"])
def reward_settings(request: HttpRequest) -> HttpResponse:
    """The programme (on/off, budget, hold) and its rules; a new rule is added on the same page."""
    if request.method == "GET":
        return _settings_page(request)
    if request.POST.get("form") == "rule":
        form = RewardRuleForm(request.POST)
        if form.is_valid():
            try:
                services.reward_rule_create(
                    workspace=request.workspace, actor=request.membership, **form.service_fields()
                )
            except (ValidationError, Conflict) as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, f"The rule “{form.cleaned_data['name']}” is saved.")
                return redirect("reward_settings")
        return _settings_page(request, rule_form=form, status=422)
    form = RewardProgrammeForm(request.POST)
    if form.is_valid():
        try:
            services.reward_programme_update(
                workspace=request.workspace, actor=request.membership, **form.cleaned_data
            )
        except (ValidationError, Conflict) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "The reward programme is saved.")
            return redirect("reward_settings")
    return _settings_page(request, programme_form=form, status=422)


@manager_required
@require_http_methods(["GET", "POST"])
def reward_rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = selectors.reward_rule_get(workspace=request.workspace, id=pk)
    if request.method == "GET":
        form = RewardRuleForm(initial=RewardRuleForm.initial_of(rule))
        return render(request, "rewards/rule_edit.html", {"rule": rule, "form": form})
    form = RewardRuleForm(request.POST)
    if form.is_valid():
        try:
            services.reward_rule_update(rule=rule, actor=request.membership, **form.service_fields())
        except (ValidationError, Conflict) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"The rule “{rule.name}” is saved.")
            return redirect("reward_settings")
    rule.refresh_from_db()
    return render(request, "rewards/rule_edit.html", {"rule": rule, "form": form}, status=422)


@manager_required
@require_POST
def reward_rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = selectors.reward_rule_get(workspace=request.workspace, id=pk)
    try:
        services.reward_rule_delete(rule=rule, actor=request.membership)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"The rule “{rule.name}” is deleted.")
    return redirect("reward_settings")


# ---------------------------------------------------------------------------------- "where is my reward?"


@partner_required
@require_GET
def portal_rewards(request: HttpRequest) -> HttpResponse:
    """A partner's own rewards, for the referrals they gave; nothing of anyone else's."""
    try:
        partner = request.membership.partner
    except Partner.DoesNotExist:
        return render(request, "partners/portal_unlinked.html")
    today = selectors.workspace_today(workspace=request.workspace)
    rewards = selectors.reward_list_for_partner(partner=partner).order_by("-created_at", "-id")
    rows = selectors.reward_rows(rewards[:REFERRER_SHOWN], today=today, for_referrer=True)
    return render(request, "rewards/portal.html", {"partner": partner, "rewards": rows})


@require_GET
def reward_status_public(request: HttpRequest, token: str) -> HttpResponse:
    """A customer's rewards at an unguessable signed link (no sign-in): only the rewards for the referrals this
    contact made. A token we did not sign, or for a contact that is gone, is a 404 that says nothing more."""
    ids = services.reward_status_token_read(token)
    if ids is None:
        raise Http404("Not found.")
    workspace = Workspace.objects.filter(pk=ids[0]).first()
    contact = Contact.objects.filter(workspace=workspace, pk=ids[1]).first() if workspace else None
    if contact is None:
        raise Http404("Not found.")
    today = selectors.workspace_today(workspace=workspace)
    rewards = selectors.reward_list_for_contact(workspace=workspace, contact_id=contact.pk).order_by(
        "-created_at", "-id"
    )
    rows = selectors.reward_rows(rewards[:REFERRER_SHOWN], today=today, for_referrer=True)
    response = render(
        request,
        "rewards/status_public.html",
        {"workspace": workspace, "contact": contact, "rewards": rows, "currency": workspace.currency},
    )
    # The link is the key: keep the page out of shared caches.
    response["Cache-Control"] = "private, no-store"
    return response
