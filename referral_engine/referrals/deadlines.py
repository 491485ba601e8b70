"""First-contact deadlines in working days, and the alerts when one passes (issue 4, item 3).

Respond promptly (seed 000): a new referral is due for a first contact a workspace-configured number of working
days after it was received. Working days are Monday to Friday in the workspace's time zone. Public holidays are not
considered yet: a referral received before Christmas is due on the 25th like on any other Friday.
"""

from datetime import date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from referral_engine.engagement.models import Task, TaskKind
from referral_engine.referrals.selectors import referral_list_overdue
from referral_engine.workspaces.models import Membership, Role, Workspace

SATURDAY = 5  # datetime.weekday(): Monday is 0, so 5 and 6 are the weekend.


def add_working_days(start: datetime, days: int, tz: tzinfo) -> datetime:
    """`start` plus `days` working days (Monday to Friday in `tz`), at the same wall-clock time.

    A start on a weekend counts from that weekend: Saturday plus one working day is Monday. Stepping on the
    local calendar, not in 24-hour blocks, keeps the wall-clock time across a daylight-saving change. Public
    holidays are not considered yet. The result is in UTC.
    """
    if timezone.is_naive(start):
        raise ValueError("add_working_days needs an aware datetime.")
    if days < 0:
        raise ValueError("add_working_days counts forward only.")
    local = start.astimezone(tz).replace(tzinfo=None)
    remaining = days
    while remaining:
        local += timedelta(days=1)
        if local.weekday() < SATURDAY:
            remaining -= 1
    return timezone.make_aware(local, tz).astimezone(ZoneInfo("UTC"))


def workspace_tz(workspace: Workspace) -> ZoneInfo:
    return ZoneInfo(workspace.timezone or "UTC")


def first_contact_due(*, workspace: Workspace, received_at: datetime) -> datetime:
    return add_working_days(received_at, workspace.first_contact_working_days, workspace_tz(workspace))


def next_working_day(*, workspace: Workspace, now: datetime) -> date:
    """The local date one working day after `now`: when a thank-you or an update is due."""
    tz = workspace_tz(workspace)
    return add_working_days(now, 1, tz).astimezone(tz).date()


def workspace_owner(workspace: Workspace) -> Membership | None:
    """Who gets what no one else owns: the workspace's first active owner."""
    return (
        Membership.objects.filter(workspace=workspace, role=Role.OWNER, is_active=True)
        .select_related("user")
        .order_by("created_at", "id")
        .first()
    )


def _is_active_employee(membership: Membership | None) -> bool:
    return membership is not None and membership.is_active and membership.is_employee


@transaction.atomic
def referral_overdue_alerts_create(*, workspace: Workspace, now: datetime) -> int:
    """Create a follow-up task, due today, for the owner of every referral past its first-contact deadline, and
    one for the owner's lead when they have one. Each alert is created once per referral, however often this
    runs (the scheduled deadline check may run twice, or two workers at once): the task's dedupe key says which.

    One query for the overdue referrals, one for the alerts that already exist, one insert. Returns how many
    tasks were created. A referral without an active owner alerts the workspace's owner.
    """
    overdue = list(referral_list_overdue(workspace=workspace, now=now).select_related("owner__lead__user"))
    if not overdue:
        return 0
    today = now.astimezone(workspace_tz(workspace)).date()
    fallback: list[Membership | None] = []
    tasks: list[Task] = []
    for referral in overdue:
        owner = referral.owner if _is_active_employee(referral.owner) else None
        if owner is None:
            if not fallback:
                fallback.append(workspace_owner(workspace))
            owner = fallback[0]
        due_at = timezone.localtime(referral.first_contact_due, workspace_tz(workspace))
        context = (
            f"{referral.referred_account} was referred by {referral.source_label} on "
            f"{timezone.localtime(referral.received_at, workspace_tz(workspace)):%a %d %b %Y}; the first contact "
            f"was due {due_at:%a %d %b %Y %H:%M}. Respond promptly: a referral cools quickly."
        )
        if referral.story:
            context += f"\n\nHow the recommendation came about: {referral.story}"
        tasks.append(
            Task(
                workspace=workspace,
                kind=TaskKind.FOLLOW_UP,
                title=f"First contact overdue: {referral.referred_account}"[:200],
                details=context,
                due=today,
                assignee=owner,
                account=referral.referred_account,
                referral=referral,
                dedupe_key=f"referral:{referral.pk}:overdue:owner",
            )
        )
        lead = owner.lead if owner is not None else None
        if _is_active_employee(lead) and lead.pk != owner.pk:
            tasks.append(
                Task(
                    workspace=workspace,
                    kind=TaskKind.FOLLOW_UP,
                    title=f"{owner.user.get_short_name()}'s referral {referral.referred_account} is past "
                    f"its first-contact deadline"[:200],
                    details=f"You lead {owner.user}, who owns this referral.\n\n{context}",
                    due=today,
                    assignee=lead,
                    account=referral.referred_account,
                    referral=referral,
                    dedupe_key=f"referral:{referral.pk}:overdue:lead",
                )
            )
    existing = set(
        Task.objects.filter(workspace=workspace, dedupe_key__in=[t.dedupe_key for t in tasks]).values_list(
            "dedupe_key", flat=True
        )
    )
    new = [t for t in tasks if t.dedupe_key not in existing]
    # ignore_conflicts covers a second run racing this one past the filter above (task_dedupe_key_unique).
    Task.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)
