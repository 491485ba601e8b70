"""Reads for journeys and reminders, always scoped to one workspace (or, for the calendar feed, one secret).

The journey candidates are one query per plan step, bounded by a window of dates rather than the size of the
workspace: the accounts won, the purchases made, the projects ended, the birthdays and anniversaries falling in
the window (matched on month and day in SQL), every client contact for a holiday, every top account for a new
quarter.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import chain

from django.apps import apps
from django.db.models import CharField, Exists, F, OuterRef, QuerySet, Value
from django.db.models.functions import Cast, Concat, ExtractDay, ExtractMonth

from referral_engine.core.selectors import get_in_workspace
from referral_engine.engagement.models import Task, TaskStatus
from referral_engine.journeys.models import (
    JourneyPlan,
    JourneyStep,
    ProjectEnd,
    ReminderPreference,
    ReminderSettings,
    Trigger,
)
from referral_engine.relationships.models import Account, AccountStatus, Contact, Purchase
from referral_engine.workspaces.models import Membership, Role, Workspace

OPEN_STATUSES = (TaskStatus.OPEN, TaskStatus.SNOOZED)
STREAM_CHUNK = 5000
ESCALATION_PREFIX = "escalation:"


# -------------------------------------------------------------------------------------------------- settings


def reminder_settings_get(*, workspace: Workspace) -> ReminderSettings:
    """The workspace's reminder rules, or the defaults (unsaved) when it never changed them."""
    return ReminderSettings.objects.filter(workspace=workspace).first() or ReminderSettings(
        workspace=workspace
    )


def reminder_preference_get(*, membership: Membership) -> ReminderPreference:
    return ReminderPreference.objects.filter(membership=membership).first() or ReminderPreference(
        membership=membership
    )


# ------------------------------------------------------------------------------------------------ plans, steps


def journey_plan_list(*, workspace: Workspace) -> QuerySet[JourneyPlan]:
    return JourneyPlan.objects.filter(workspace=workspace).prefetch_related("steps").order_by("name", "id")


def journey_plan_get(*, workspace: Workspace, id) -> JourneyPlan:
    return get_in_workspace(JourneyPlan.objects.all(), workspace=workspace, id=id)


def journey_step_get(*, plan: JourneyPlan, id) -> JourneyStep:
    return get_in_workspace(JourneyStep.objects.filter(plan=plan), workspace=plan.workspace, id=id)


def project_end_list(*, workspace: Workspace, account_id: int) -> QuerySet[ProjectEnd]:
    return ProjectEnd.objects.filter(workspace=workspace, account_id=account_id).order_by("-ended_on", "-id")


# ------------------------------------------------------------------------------------------------ candidates


@dataclass(frozen=True)
class Candidate:
    anchor: date
    account_id: int | None
    contact_id: int | None
    account_owner_id: int | None
    contact_owner_id: int | None
    name: str


def month_days(start: date, end: date) -> dict[int, date]:
    """month * 100 + day -> the date in [start, end] with that month and day (the window is shorter than a
    year). Someone born on 29 February is remembered on the 28th in other years."""
    found: dict[int, date] = {}
    day = start
    while day <= end:
        found[day.month * 100 + day.day] = day
        if day.month == 2 and day.day == 28 and (day + timedelta(days=1)).month == 3:
            found[229] = day
        day += timedelta(days=1)
    return found


def holiday_dates(holidays: list[str], start: date, end: date) -> list[date]:
    """The plan's holidays ("MM-DD" every year, "YYYY-MM-DD" once) falling in [start, end]."""
    days = month_days(start, end)
    found = set()
    for text in holidays:
        parts = text.split("-")
        if len(parts) == 2:
            day = days.get(int(parts[0]) * 100 + int(parts[1]))
            if day is not None:
                found.add(day)
        else:
            day = date.fromisoformat(text)
            if start <= day <= end:
                found.add(day)
    return sorted(found)


def quarter_starts(start: date, end: date) -> list[date]:
    return [
        date(year, month, 1)
        for year in range(start.year, end.year + 1)
        for month in (1, 4, 7, 10)
        if start <= date(year, month, 1) <= end
    ]


def _month_day(field: str):
    return ExtractMonth(field) * 100 + ExtractDay(field)


def _top_segment_available() -> bool:
    try:
        model = apps.get_model("insights", "AccountValue")
    except LookupError:
        return False
    return any(f.name == "segment" for f in model._meta.get_fields())


CONTACT_COLUMNS = {
    "j_contact": F("pk"),
    "j_account": F("account_id"),
    "j_contact_owner": F("owner_id"),
    "j_account_owner": F("account__owner_id"),
    "j_first": F("first_name"),
    "j_last": F("last_name"),
    "j_company": F("account__name"),
}
ACCOUNT_COLUMNS = {"j_account": F("pk"), "j_account_owner": F("owner_id"), "j_company": F("name")}


def _candidates(rows, anchor_of) -> Iterator[Candidate]:
    for row in rows:
        anchor = anchor_of(row)
        if anchor is None:
            continue
        person = f"{row.get('j_first') or ''} {row.get('j_last') or ''}".strip()
        company = row.get("j_company") or ""
        name = f"{person} ({company})" if person and company else person or company
        yield Candidate(
            anchor=anchor,
            account_id=row.get("j_account"),
            contact_id=row.get("j_contact"),
            account_owner_id=row.get("j_account_owner"),
            contact_owner_id=row.get("j_contact_owner"),
            name=name,
        )


def journey_candidates(
    *, workspace: Workspace, plan: JourneyPlan, start: date, end: date
) -> Iterator[Candidate]:
    """Everyone whose moment for `plan` falls in [start, end], with that moment's date: one query (one per
    holiday or quarter start in the window), streamed so a holiday over a million contacts stays in bounded
    memory."""
    trigger = plan.trigger
    live_accounts = Account.objects.filter(workspace=workspace).exclude(status=AccountStatus.CHURNED)
    if trigger == Trigger.NEW_CLIENT:
        rows = live_accounts.filter(won_at__gte=start, won_at__lte=end).values(
            **ACCOUNT_COLUMNS, j_anchor=F("won_at")
        )
        return _candidates(rows, lambda r: r["j_anchor"])
    if trigger == Trigger.AFTER_PURCHASE:
        rows = (
            Purchase.objects.filter(workspace=workspace, date__gte=start, date__lte=end)
            .values(
                j_account=F("account_id"),
                j_account_owner=F("account__owner_id"),
                j_company=F("account__name"),
                j_anchor=F("date"),
            )
            .distinct()
        )
        return _candidates(rows, lambda r: r["j_anchor"])
    if trigger == Trigger.CLIENT_ANNIVERSARY:
        days = month_days(start, end)
        rows = (
            live_accounts.filter(won_at__isnull=False, won_at__lt=start)
            .annotate(j_md=_month_day("won_at"))
            .filter(j_md__in=list(days))
            .values("j_md", **ACCOUNT_COLUMNS, j_won=F("won_at"))
        )
        # A first anniversary at the earliest: the moment must fall in a later year than the win.
        return _candidates(
            rows, lambda r: days[r["j_md"]] if days[r["j_md"]].year > r["j_won"].year else None
        )
    if trigger == Trigger.BIRTHDAY:
        days = month_days(start, end)
        rows = (
            Contact.objects.filter(workspace=workspace, birthday__isnull=False, do_not_contact=False)
            .annotate(j_md=_month_day("birthday"))
            .filter(j_md__in=list(days))
            .values("j_md", **CONTACT_COLUMNS)
        )
        return _candidates(rows, lambda r: days[r["j_md"]])
    if trigger == Trigger.HOLIDAYS:
        holidays = holiday_dates(plan.holidays or [], start, end)
        if not holidays:
            return iter(())
        clients = Contact.objects.filter(
            workspace=workspace, do_not_contact=False, account__status=AccountStatus.CUSTOMER
        ).values(**CONTACT_COLUMNS)
        return chain.from_iterable(
            _candidates(clients.iterator(chunk_size=STREAM_CHUNK), lambda r, day=day: day) for day in holidays
        )
    if trigger == Trigger.END_OF_PROJECT:
        rows = ProjectEnd.objects.filter(workspace=workspace, ended_on__gte=start, ended_on__lte=end).values(
            j_account=F("account_id"),
            j_contact=F("contact_id"),
            j_contact_owner=F("contact__owner_id"),
            j_account_owner=F("account__owner_id"),
            j_first=F("contact__first_name"),
            j_last=F("contact__last_name"),
            j_company=F("account__name"),
            j_anchor=F("ended_on"),
        )
        return _candidates(rows, lambda r: r["j_anchor"])
    if trigger == Trigger.QUARTERLY_TOP:
        quarters = quarter_starts(start, end)
        # The value segments come from insights (docs/value.md); without them there is no "top" to check in with.
        if not quarters or not _top_segment_available():
            return iter(())
        top = live_accounts.filter(value__segment="top").values(**ACCOUNT_COLUMNS)
        return chain.from_iterable(
            _candidates(top.iterator(chunk_size=STREAM_CHUNK), lambda r, day=day: day) for day in quarters
        )
    return iter(())


def active_employee_ids(*, workspace: Workspace) -> set[int]:
    return set(
        Membership.objects.filter(workspace=workspace, is_active=True)
        .exclude(role=Role.PARTNER)
        .values_list("pk", flat=True)
    )


def existing_dedupe_keys(*, workspace: Workspace, keys: list[str], chunk: int = 2000) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(keys), chunk):
        found.update(
            Task.objects.filter(workspace=workspace, dedupe_key__in=keys[i : i + chunk]).values_list(
                "dedupe_key", flat=True
            )
        )
    return found


# ------------------------------------------------------------------------------------------------- reminders


def overdue_tasks_to_escalate(*, workspace: Workspace, due_on_or_before: date) -> QuerySet[Task]:
    """Open tasks due on or before the day, not escalations themselves, and not escalated yet (one query)."""
    escalated = Task.objects.filter(
        workspace=workspace,
        dedupe_key=Concat(Value(ESCALATION_PREFIX), Cast(OuterRef("pk"), output_field=CharField())),
    )
    return (
        Task.objects.filter(workspace=workspace, status__in=OPEN_STATUSES, due__lte=due_on_or_before)
        .exclude(dedupe_key__startswith=ESCALATION_PREFIX)
        .filter(~Exists(escalated))
        .select_related("assignee__user", "assignee__lead__user", "account", "contact")
        .order_by("due", "id")
    )


def open_tasks_due_by(*, workspace: Workspace, day: date, assignee_ids) -> QuerySet[Task]:
    """Open tasks of these people due on or before `day` (today's and the overdue ones), for the digests."""
    return (
        Task.objects.filter(
            workspace=workspace, status__in=OPEN_STATUSES, due__lte=day, assignee_id__in=assignee_ids
        )
        .select_related("account", "contact")
        .order_by("assignee_id", "due", "id")
    )


def digest_recipients(*, workspace: Workspace) -> QuerySet[Membership]:
    """Active employees who did not opt out of the digest."""
    opted_out = ReminderPreference.objects.filter(membership=OuterRef("pk"), digest_enabled=False)
    return (
        Membership.objects.filter(workspace=workspace, is_active=True)
        .exclude(role=Role.PARTNER)
        .filter(~Exists(opted_out))
        .select_related("user")
        .order_by("pk")
    )


def calendar_membership(*, raw_token: str) -> Membership | None:
    """Whose calendar a secret opens: None for an unknown or revoked secret or a member who left."""
    if not raw_token or len(raw_token) > 200:
        return None
    preference = (
        ReminderPreference.objects.filter(calendar_digest=ReminderPreference.digest_of(raw_token))
        .select_related("membership__workspace", "membership__user")
        .first()
    )
    if preference is None or not preference.membership.is_active or not preference.membership.is_employee:
        return None
    return preference.membership


CALENDAR_LIMIT = 2000


def calendar_tasks(*, membership: Membership) -> QuerySet[Task]:
    """The member's dated open tasks, soonest first (capped: a calendar client need not load years of them)."""
    return (
        Task.objects.filter(
            workspace_id=membership.workspace_id, assignee=membership, status__in=OPEN_STATUSES
        )
        .select_related("account", "contact")
        .order_by("due", "id")[:CALENDAR_LIMIT]
    )
