"""Writes for rewards (issue 4, item 6; PRODUCT capability 8: "optional rewards or gifts with a budget").

The flow: a workspace turns its programme on and writes rules. When a referral is won, every active rule that
applies to its source kind proposes a reward once (the amount fixed, or a percentage of the won value; payable from
the close date plus the hold period). A manager approves it (refused when it would take the year past the budget;
the `reward.approved` webhook goes out) or declines it. Moving the referral back out of won before the reward is
paid declines it with a reason. When the hold is over, a scheduled job asks the person who owns the relationship
with the referrer to send it (one task); marking it paid records when.

Automate the remembering, never the relationship: the engine never sends the gift itself.
"""

import uuid
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from referral_engine.core.errors import Conflict, field_error
from referral_engine.core.validation import (
    EMPLOYEE,
    apply_changes,
    belongs,
    check_fields,
    clean_and_save,
    delete_or_conflict,
    raise_if,
)
from referral_engine.engagement.models import Task, TaskKind, TaskStatus
from referral_engine.referrals.models import (
    Referral,
    ReferralStatus,
    Reward,
    RewardBasis,
    RewardProgramme,
    RewardRule,
    RewardStatus,
    SourceKind,
)
from referral_engine.referrals.reward_selectors import (
    reward_budget,
    workspace_today,
    workspace_tz,
)
from referral_engine.workspaces.models import Membership, Workspace

CENT = Decimal("0.01")
PROGRAMME_FIELDS = ("enabled", "yearly_budget", "hold_days")
RULE_FIELDS = (
    "name",
    "kind",
    "basis",
    "amount",
    "percent",
    "for_customers",
    "for_partners",
    "for_employees",
    "hold_days",
    "is_active",
)
SOURCE_FLAG = {
    SourceKind.CUSTOMER: "for_customers",
    SourceKind.PARTNER: "for_partners",
    SourceKind.EMPLOYEE: "for_employees",
}
# A stable namespace for the ids of reward events, so the same fact always has the same event id.
REWARD_EVENTS = uuid.UUID("5d0e3c1e-8f0a-4b8e-9a43-6f1b7f2d9c10")
STATUS_SALT = "referral_engine.rewards.status"


def _manager(actor: Membership | None, workspace: Workspace) -> None:
    if actor is None or not belongs(actor, EMPLOYEE, workspace):
        raise PermissionDenied("Not a member of this workspace.")
    if not actor.can_manage:
        raise PermissionDenied("Only an owner or an admin can do this.")


def _employee(actor: Membership | None, workspace: Workspace) -> None:
    if actor is None or not belongs(actor, EMPLOYEE, workspace):
        raise PermissionDenied("Not a member of this workspace.")


# ---------------------------------------------------------------------------------------- programme and rules


@transaction.atomic
def reward_programme_update(*, workspace: Workspace, actor: Membership | None, **changes) -> RewardProgramme:
    """Turn the programme on or off, set the yearly budget (None: no limit) and the default hold in days."""
    check_fields(allowed=PROGRAMME_FIELDS, given=changes, entity="reward_programme_update")
    _manager(actor, workspace)
    programme, _ = RewardProgramme.objects.select_for_update().get_or_create(workspace=workspace)
    errors: dict = {}
    if changes.get("yearly_budget") is not None and changes["yearly_budget"] < 0:
        errors["yearly_budget"] = ["The budget cannot be negative."]
    if "hold_days" in changes and (changes["hold_days"] is None or not 0 <= changes["hold_days"] <= 3650):
        errors["hold_days"] = ["Give a number of days from 0 to 3650."]
    raise_if(errors)
    changed = apply_changes(programme, changes)
    if changed:
        clean_and_save(programme, update_fields=changed)
    return programme


def _rule_check(rule: RewardRule) -> None:
    errors: dict = {}
    if not (rule.name or "").strip():
        errors["name"] = ["Give the rule a name."]
    if rule.basis == RewardBasis.FIXED:
        if rule.amount is None:
            errors["amount"] = ["Give the amount of the reward."]
        elif rule.amount < 0:
            errors["amount"] = ["The amount cannot be negative."]
        rule.percent = None
    elif rule.basis == RewardBasis.PERCENT:
        if rule.percent is None:
            errors["percent"] = ["Give the percentage of the won value."]
        elif not 0 <= rule.percent <= 100:
            errors["percent"] = ["The percentage must be from 0 to 100."]
        rule.amount = None
    else:
        errors["basis"] = [f"Choose one of: {', '.join(RewardBasis.values)}."]
    if not (rule.for_customers or rule.for_partners or rule.for_employees):
        errors["source_kinds"] = ["Choose who the rule rewards: customers, partners or colleagues."]
    if rule.hold_days is not None and not 0 <= rule.hold_days <= 3650:
        errors["hold_days"] = ["Give a number of days from 0 to 3650, or leave it empty."]
    raise_if(errors)


@transaction.atomic
def reward_rule_create(*, workspace: Workspace, actor: Membership | None, **fields) -> RewardRule:
    check_fields(allowed=RULE_FIELDS, given=fields, entity="reward_rule_create")
    _manager(actor, workspace)
    fields["name"] = (fields.get("name") or "").strip()
    rule = RewardRule(workspace=workspace, **fields)
    _rule_check(rule)
    return clean_and_save(rule)


@transaction.atomic
def reward_rule_update(*, rule: RewardRule, actor: Membership | None, **changes) -> RewardRule:
    """Change a rule. Rewards it already proposed keep their amount; the change applies to the next win."""
    check_fields(allowed=RULE_FIELDS, given=changes, entity="reward_rule_update")
    _manager(actor, rule.workspace)
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
    changed = apply_changes(rule, changes)
    _rule_check(rule)
    if not changed:
        return rule
    for name in ("amount", "percent"):
        if name not in changed:
            changed.append(name)
    return clean_and_save(rule, update_fields=changed)


@transaction.atomic
def reward_rule_delete(*, rule: RewardRule, actor: Membership | None) -> None:
    _manager(actor, rule.workspace)
    delete_or_conflict(rule, message="Rewards were proposed by this rule: make it inactive instead.")


# ------------------------------------------------------------------------------------------ proposing on won


def reward_amount(*, rule: RewardRule, won_value: Decimal | None) -> Decimal:
    """The reward a rule gives for a referral won for `won_value`: fixed, or a percentage rounded to the cent."""
    if rule.basis == RewardBasis.FIXED:
        return rule.amount
    return (Decimal(won_value or 0) * rule.percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def _payable_from(*, referral: Referral, programme: RewardProgramme, rule: RewardRule):
    hold = rule.hold_days if rule.hold_days is not None else programme.hold_days
    closed_day = referral.closed_at.astimezone(workspace_tz(referral.workspace)).date()
    return closed_day + timedelta(days=hold)


@transaction.atomic
def referral_rewards_sync(*, referral: Referral, now: datetime | None = None) -> list[Reward]:
    """After a referral moved: propose its rewards when it is won, withdraw the unpaid ones when it left won."""
    if referral.status == ReferralStatus.WON:
        return reward_propose_for_won(referral=referral, now=now)
    reward_withdraw_for_referral(referral=referral, now=now)
    return []


@transaction.atomic
def reward_propose_for_won(*, referral: Referral, now: datetime | None = None) -> list[Reward]:
    """Propose one reward per active rule that applies to the referral's source, when the programme is on.

    Once per referral and rule, however often the win is recorded (the unique constraint reward_once_per_rule;
    two workers racing insert one row). A reward the engine withdrew because the referral left won is proposed
    again, with the new value and date; one a person declined stays declined. Returns the rewards proposed now.
    """
    workspace = referral.workspace
    if referral.status != ReferralStatus.WON or referral.closed_at is None:
        return []
    programme = RewardProgramme.objects.filter(workspace=workspace, enabled=True).first()
    flag = SOURCE_FLAG.get(SourceKind(referral.source_kind))
    if programme is None or flag is None:
        return []
    rules = list(RewardRule.objects.filter(workspace=workspace, is_active=True, **{flag: True}))
    if not rules:
        return []
    existing = {
        reward.rule_id: reward
        for reward in Reward.objects.select_for_update().filter(referral=referral, rule__in=rules)
    }
    new, reopened = [], []
    for rule in rules:
        amount = reward_amount(rule=rule, won_value=referral.won_value)
        payable_from = _payable_from(referral=referral, programme=programme, rule=rule)
        reward = existing.get(rule.pk)
        if reward is None:
            new.append(
                Reward(
                    workspace=workspace,
                    referral=referral,
                    rule=rule,
                    kind=rule.kind,
                    amount=amount,
                    payable_from=payable_from,
                    note=f"Proposed by the rule “{rule.name}”."[:300],
                )
            )
        elif reward.status == RewardStatus.DECLINED and reward.declined_by_id is None:
            reward.status, reward.amount, reward.payable_from = RewardStatus.PROPOSED, amount, payable_from
            reward.kind = rule.kind
            reward.declined_at, reward.declined_reason = None, ""
            reward.approved_at = reward.approved_by = reward.released_at = None
            clean_and_save(
                reward,
                update_fields=[
                    "status",
                    "amount",
                    "payable_from",
                    "kind",
                    "declined_at",
                    "declined_reason",
                    "approved_at",
                    "approved_by",
                    "released_at",
                ],
            )
            reopened.append(reward)
    if new:
        for reward in new:
            reward.full_clean(validate_unique=False, validate_constraints=False)
        # ignore_conflicts: a second worker recording the same win at the same moment creates nothing.
        Reward.objects.bulk_create(new, ignore_conflicts=True)
        new = list(Reward.objects.filter(referral=referral, rule__in=[reward.rule_id for reward in new]))
    return [*new, *reopened]


@transaction.atomic
def reward_withdraw_for_referral(*, referral: Referral, now: datetime | None = None) -> int:
    """Decline the referral's unpaid rewards because it is no longer won; cancel any open task to send them."""
    now = now or timezone.now()
    open_rewards = list(
        Reward.objects.filter(
            referral=referral, status__in=(RewardStatus.PROPOSED, RewardStatus.APPROVED)
        ).values_list("pk", flat=True)
    )
    if not open_rewards:
        return 0
    stage = ReferralStatus(referral.status).label.lower()
    Reward.objects.filter(pk__in=open_rewards).update(
        status=RewardStatus.DECLINED,
        declined_at=now,
        declined_by=None,
        declined_reason=f"The referral was moved back to {stage} before the reward was paid.",
        updated_at=now,
    )
    Task.objects.filter(
        workspace=referral.workspace,
        dedupe_key__in=[f"reward:{pk}:send" for pk in open_rewards],
        status__in=(TaskStatus.OPEN, TaskStatus.SNOOZED),
    ).update(status=TaskStatus.CANCELLED, updated_at=now)
    return len(open_rewards)


# ---------------------------------------------------------------------------------------- the approval step


def _locked(reward: Reward) -> Reward:
    # Two managers deciding at once must not both win: the second waits here and then sees the first's decision.
    return (
        Reward.objects.select_for_update(of=("self",))
        .select_related("referral__referred_account", "workspace")
        .get(pk=reward.pk, workspace_id=reward.workspace_id)
    )


def _already(reward: Reward) -> Conflict:
    return Conflict(f"This reward was already {reward.get_status_display().lower()}.", "status")


def reward_event_id(reward: Reward, event: str) -> uuid.UUID:
    """The same fact about the same reward always has the same id, so a retried job emits it once."""
    return uuid.uuid5(REWARD_EVENTS, f"reward:{reward.pk}:{event}")


def reward_payload(reward: Reward) -> dict:
    """The `reward.approved` webhook's data: ids, amounts and dates; no personal notes."""
    referral = reward.referral
    return {
        "reward": {
            "id": reward.pk,
            "kind": reward.kind,
            "amount": f"{reward.amount:.2f}",
            "currency": reward.workspace.currency,
            "status": reward.status,
            "rule_id": reward.rule_id,
            "payable_from": reward.payable_from.isoformat() if reward.payable_from else None,
            "approved_at": reward.approved_at.isoformat() if reward.approved_at else None,
            "approved_by_id": reward.approved_by_id,
        },
        "referral": {
            "id": referral.pk,
            "company": referral.referred_account.name,
            "source_kind": referral.source_kind,
            "source_contact_id": referral.source_contact_id,
            "source_partner_id": referral.source_partner_id,
            "source_employee_id": referral.source_employee_id,
            "won_value": f"{referral.won_value:.2f}" if referral.won_value is not None else None,
            "closed_at": referral.closed_at.isoformat() if referral.closed_at else None,
        },
    }


@transaction.atomic
def reward_approve(*, reward: Reward, actor: Membership | None, now: datetime | None = None) -> Reward:
    """A manager approves a proposed reward. Refused (409) when it was already decided, or when it would take
    the rewards approved this year (approved or since paid) past the programme's yearly budget."""
    from referral_engine.integrations.services import webhook_event_emit

    workspace = reward.workspace
    _manager(actor, workspace)
    now = now or timezone.now()
    # Lock the programme first: two approvals of different rewards must not both fit the same budget left.
    programme = RewardProgramme.objects.select_for_update().filter(workspace=workspace).first()
    reward = _locked(reward)
    if reward.status != RewardStatus.PROPOSED:
        raise _already(reward)
    if programme is not None and programme.yearly_budget is not None:
        budget = reward_budget(workspace=workspace, now=now, programme=programme)
        if budget.used + reward.amount > budget.budget:
            currency = workspace.currency
            raise Conflict(
                f"Approving {reward.amount:.2f} {currency} would exceed the {budget.year} budget: "
                f"{budget.used:.2f} of {budget.budget:.2f} {currency} is already approved or paid, "
                f"{budget.left:.2f} left.",
                "amount",
            )
    reward.status, reward.approved_by, reward.approved_at = RewardStatus.APPROVED, actor, now
    changed = ["status", "approved_by", "approved_at"]
    if reward.payable_from is None:
        reward.payable_from = workspace_today(workspace=workspace, now=now)
        changed.append("payable_from")
    clean_and_save(reward, update_fields=changed)
    webhook_event_emit(
        workspace=workspace,
        event="reward.approved",
        payload=reward_payload(reward),
        event_id=reward_event_id(reward, "approved"),
    )
    return reward


@transaction.atomic
def reward_decline(
    *, reward: Reward, actor: Membership | None, reason: str, now: datetime | None = None
) -> Reward:
    """A manager declines a proposed reward, saying why. Refused (409) when it was already decided."""
    _manager(actor, reward.workspace)
    reason = (reason or "").strip()
    if not reason:
        raise field_error("reason", "Say why the reward is declined.")
    if len(reason) > 300:
        raise field_error("reason", "Keep the reason under 300 characters.")
    reward = _locked(reward)
    if reward.status != RewardStatus.PROPOSED:
        raise _already(reward)
    reward.status, reward.declined_by = RewardStatus.DECLINED, actor
    reward.declined_at, reward.declined_reason = now or timezone.now(), reason
    return clean_and_save(reward, update_fields=["status", "declined_by", "declined_at", "declined_reason"])


@transaction.atomic
def reward_pay(
    *,
    reward: Reward,
    actor: Membership | None,
    paid_at: datetime | None = None,
    now: datetime | None = None,
) -> Reward:
    """Record that an approved reward was sent (any employee: often the person asked to send it).

    Refused (409) before approval, once paid or declined, and while it is still on hold. `paid_at` defaults
    to now and may not be in the future nor before the approval. The task to send it is marked done.
    """
    workspace = reward.workspace
    _employee(actor, workspace)
    now = now or timezone.now()
    paid_at = paid_at or now
    if timezone.is_naive(paid_at):
        raise field_error("paid_at", "Give the time with its time zone.")
    reward = _locked(reward)
    if reward.status == RewardStatus.PROPOSED:
        raise Conflict("Approve this reward before marking it paid.", "status")
    if reward.status != RewardStatus.APPROVED:
        raise _already(reward)
    today = workspace_today(workspace=workspace, now=now)
    if reward.payable_from and reward.payable_from > today:
        raise Conflict(
            f"This reward is on hold until {reward.payable_from:%Y-%m-%d}: the referral may still fall through.",
            "status",
        )
    errors: dict = {}
    if paid_at > now + timedelta(minutes=5):
        errors["paid_at"] = ["The payment date cannot be in the future."]
    elif reward.approved_at and paid_at < reward.approved_at:
        errors["paid_at"] = [f"This is before the reward was approved ({reward.approved_at:%Y-%m-%d %H:%M})."]
    raise_if(errors)
    reward.status, reward.paid_at = RewardStatus.PAID, paid_at
    clean_and_save(reward, update_fields=["status", "paid_at"])
    Task.objects.filter(
        workspace=workspace,
        dedupe_key=f"reward:{reward.pk}:send",
        status__in=(TaskStatus.OPEN, TaskStatus.SNOOZED),
    ).update(status=TaskStatus.DONE, completed_at=now, updated_at=now)
    return reward


# --------------------------------------------------------------------------------- releasing after the hold


def reward_status_token(*, workspace: Workspace, contact_id: int) -> str:
    """The signed, unguessable token of a customer contact's public reward status page."""
    return signing.dumps({"w": workspace.pk, "c": contact_id}, salt=STATUS_SALT)


def reward_status_token_read(token: str) -> tuple[int, int] | None:
    """(workspace id, contact id) of a status token, or None when it was not signed by us."""
    try:
        data = signing.loads(token, salt=STATUS_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("w"), int) or not isinstance(data.get("c"), int):
        return None
    return data["w"], data["c"]


def reward_status_url(*, workspace: Workspace, contact_id: int) -> str:
    """The full link to a customer contact's reward status page, for tasks and e-mails to mention."""
    from django.conf import settings

    path = reverse(
        "reward_status_public", args=[reward_status_token(workspace=workspace, contact_id=contact_id)]
    )
    return settings.SITE_URL.rstrip("/") + path


def _send_task(reward: Reward, today) -> Task:
    from referral_engine.referrals.gratitude import referral_referrer

    referral = reward.referral
    referrer = referral_referrer(referral=referral)
    what = f"{reward.get_kind_display().lower()} of {reward.amount:.2f} {reward.workspace.currency}"
    company = referral.referred_account
    if referrer.do_not_contact:
        title = (
            f"{referrer.first_name} asked not to be contacted: arrange their {what} without contacting them"
        )
        details = (
            f"The {what} for referring {company} is approved and its hold is over. {referrer.name} asked not "
            "to be contacted: do not call, write or e-mail them. A donation can be made in their name; "
            "otherwise note the reward on their record. Mark it paid on the Rewards page when it is done."
        )
    else:
        title = f"Send {referrer.first_name} their {what} for referring {company}"
        details = (
            f"The {what} for {referrer.name}, who referred {company}, is approved and its hold is over. "
            "Send it with a personal note (a handwritten card beats an e-mail), then mark it paid on the "
            "Rewards page."
        )
        if referral.source_contact_id:
            status_url = reward_status_url(workspace=reward.workspace, contact_id=referral.source_contact_id)
            details += f"\n\n{referrer.first_name} can follow their reward here: {status_url}"
    return Task(
        workspace=reward.workspace,
        kind=TaskKind.THANK,
        title=title[:200],
        details=details,
        due=today,
        assignee=referrer.relationship_owner,
        contact_id=referral.source_contact_id,
        partner_id=referral.source_partner_id,
        referral=referral,
        dedupe_key=f"reward:{reward.pk}:send",
    )


@transaction.atomic
def reward_release_due(*, workspace: Workspace, now: datetime | None = None) -> int:
    """Release the approved rewards whose hold is over: one task each, for the person who owns the relationship
    with the referrer ("send Carol her gift"). Once per reward, however often this runs: the task's dedupe key
    and the release time both say so. Returns how many were released."""
    now = now or timezone.now()
    today = workspace_today(workspace=workspace, now=now)
    due = list(
        Reward.objects.select_for_update(of=("self",))
        .filter(
            workspace=workspace,
            status=RewardStatus.APPROVED,
            released_at__isnull=True,
            payable_from__lte=today,
        )
        .select_related(
            "workspace",
            "referral__workspace",
            "referral__referred_account",
            "referral__referred_contact",
            "referral__source_contact__owner__user",
            "referral__source_contact__account__owner__user",
            "referral__source_partner__owner__user",
            "referral__source_employee__user",
            "referral__source_employee__lead__user",
            "referral__source_event",
            "referral__owner__user",
        )
        .order_by("payable_from", "id")
    )
    if not due:
        return 0
    # ignore_conflicts: a task already created for a reward (a job run twice, two workers) is not created again.
    Task.objects.bulk_create([_send_task(reward, today) for reward in due], ignore_conflicts=True)
    # A reward withdrawn (its referral left won) and proposed again finds its old task cancelled: reopen it.
    Task.objects.filter(
        workspace=workspace,
        dedupe_key__in=[f"reward:{reward.pk}:send" for reward in due],
        status=TaskStatus.CANCELLED,
    ).update(status=TaskStatus.OPEN, due=today, completed_at=None, updated_at=now)
    Reward.objects.filter(pk__in=[reward.pk for reward in due], released_at__isnull=True).update(
        released_at=now, updated_at=now
    )
    return len(due)
