"""Reads for rewards, always scoped to one workspace, and for a referrer to their own rewards only."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from referral_engine.core.selectors import get_in_workspace
from referral_engine.partners.models import Partner
from referral_engine.referrals.models import Reward, RewardProgramme, RewardRule, RewardStatus
from referral_engine.workspaces.models import Membership, Workspace

REWARD_RELATED = (
    "workspace",
    "rule",
    "referral__referred_account",
    "referral__source_contact",
    "referral__source_partner",
    "referral__source_employee__user",
    "referral__source_event",
    "approved_by__user",
    "declined_by__user",
)
# The filter "ready": approved, the hold over, someone asked to send it, not yet marked paid.
READY = "ready"
HELD = "held"
REWARD_FILTERS = (*RewardStatus.values, HELD, READY)


def workspace_tz(workspace: Workspace) -> ZoneInfo:
    return ZoneInfo(workspace.timezone or "UTC")


def workspace_today(*, workspace: Workspace, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(workspace_tz(workspace)).date()


def reward_programme_of(*, workspace: Workspace) -> RewardProgramme:
    """The workspace's programme, or an unsaved one with the defaults (off) when it was never set up."""
    programme = RewardProgramme.objects.filter(workspace=workspace).first()
    return programme or RewardProgramme(workspace=workspace)


def reward_rule_list(*, workspace: Workspace, active: bool | None = None) -> QuerySet[RewardRule]:
    rules = RewardRule.objects.filter(workspace=workspace)
    if active is not None:
        rules = rules.filter(is_active=active)
    return rules


def reward_rule_get(*, workspace: Workspace, id: int) -> RewardRule:
    return get_in_workspace(RewardRule.objects.all(), workspace=workspace, id=id)


def reward_list(
    *,
    workspace: Workspace,
    status: str | None = None,
    referral_id: int | None = None,
    today: date | None = None,
) -> QuerySet[Reward]:
    """Rewards of the workspace; `status` is a RewardStatus or "held" (approved, still on hold) or "ready"
    (approved, the hold over)."""
    rewards = Reward.objects.filter(workspace=workspace).select_related(*REWARD_RELATED)
    if status in (HELD, READY):
        today = today or workspace_today(workspace=workspace)
        rewards = rewards.filter(status=RewardStatus.APPROVED)
        hold_over = Q(payable_from__isnull=True) | Q(payable_from__lte=today)
        rewards = rewards.filter(hold_over) if status == READY else rewards.exclude(hold_over)
    elif status:
        rewards = rewards.filter(status=status)
    if referral_id is not None:
        rewards = rewards.filter(referral_id=referral_id)
    return rewards


def reward_get(*, workspace: Workspace, id: int) -> Reward:
    return get_in_workspace(Reward.objects.select_related(*REWARD_RELATED), workspace=workspace, id=id)


@dataclass(frozen=True)
class Budget:
    year: int
    budget: Decimal | None
    used: Decimal

    @property
    def left(self) -> Decimal | None:
        return None if self.budget is None else self.budget - self.used

    @property
    def used_percent(self) -> int:
        if not self.budget:
            return 0
        return min(100, int(self.used * 100 / self.budget))


def year_bounds(*, workspace: Workspace, year: int) -> tuple[datetime, datetime]:
    """The calendar year in the workspace's time zone, as aware datetimes [start, end)."""
    tz = workspace_tz(workspace)
    start = datetime.combine(date(year, 1, 1), time.min, tzinfo=tz)
    end = datetime.combine(date(year + 1, 1, 1), time.min, tzinfo=tz)
    return start, end


def reward_budget(*, workspace: Workspace, now: datetime | None = None, programme=None) -> Budget:
    """This year's budget and what rewards approved this year (approved or since paid) add up to: one SUM."""
    year = workspace_today(workspace=workspace, now=now).year
    start, end = year_bounds(workspace=workspace, year=year)
    used = Reward.objects.filter(
        workspace=workspace,
        status__in=(RewardStatus.APPROVED, RewardStatus.PAID),
        approved_at__gte=start,
        approved_at__lt=end,
    ).aggregate(total=Sum("amount"))["total"]
    programme = programme or reward_programme_of(workspace=workspace)
    return Budget(year=year, budget=programme.yearly_budget, used=used or Decimal("0.00"))


# ------------------------------------------------------------------------------------ what a referrer sees


def reward_list_for_partner(*, partner: Partner) -> QuerySet[Reward]:
    """A partner's own rewards: for the referrals they gave, nothing else."""
    return Reward.objects.filter(
        workspace_id=partner.workspace_id, referral__source_partner=partner
    ).select_related(*REWARD_RELATED)


def reward_list_for_employee(*, membership: Membership) -> QuerySet[Reward]:
    """An employee's own rewards: for the referrals they made themselves."""
    return Reward.objects.filter(
        workspace_id=membership.workspace_id, referral__source_employee=membership
    ).select_related(*REWARD_RELATED)


def reward_list_for_contact(*, workspace: Workspace, contact_id: int) -> QuerySet[Reward]:
    """A customer contact's own rewards (the public status page)."""
    return Reward.objects.filter(workspace=workspace, referral__source_contact_id=contact_id).select_related(
        *REWARD_RELATED
    )


def workspaces_with_rewards_to_release(*, now: datetime) -> QuerySet[Workspace]:
    """Workspaces with an approved reward whose hold may be over (a day's slack for time zones ahead of UTC;
    the service decides with the workspace's own date)."""
    horizon = now.date() + timedelta(days=1)
    ids = (
        Reward.objects.filter(
            status=RewardStatus.APPROVED, released_at__isnull=True, payable_from__lte=horizon
        )
        .order_by()
        .values("workspace_id")
        .distinct()
    )
    return Workspace.objects.filter(pk__in=ids)


# --------------------------------------------------------------------------------------- status in words

SENT = {"gift": "sent", "fee": "paid", "donation": "made"}


def _day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def reward_in_words(reward: Reward, *, today: date, for_referrer: bool = False) -> str:
    """Where a reward stands, in plain words ("approved, will be sent from 14 March 2026").

    For the referrer, a declined reward says only that it is not going ahead: the reason is the firm's note.
    """
    sent = SENT.get(reward.kind, "sent")
    if reward.status == RewardStatus.PROPOSED:
        return "proposed, waiting for approval"
    if reward.status == RewardStatus.APPROVED:
        if reward.payable_from and reward.payable_from > today:
            return f"approved, will be {sent} from {_day(reward.payable_from)}"
        if reward.released_at:
            return f"approved, being {sent} now"
        return f"approved, will be {sent} in the next few days"
    if reward.status == RewardStatus.PAID:
        when = reward.paid_at.astimezone(workspace_tz(reward.workspace)).date() if reward.paid_at else None
        return f"{sent} on {_day(when)}" if when else sent
    if for_referrer or not reward.declined_reason:
        return "not going ahead"
    return f"declined: {reward.declined_reason}"


def reward_rows(rewards, *, today: date, for_referrer: bool = False) -> list[Reward]:
    """The rewards with `.words` set, for a page."""
    rows = list(rewards)
    for reward in rows:
        reward.words = reward_in_words(reward, today=today, for_referrer=for_referrer)
    return rows
