"""The asking leaderboard (issue 6, item 8): asks made, referrals earned and thank-yous done, per employee and per
team, for a week, a month or a quarter. One set-based query per measure, whatever the size of the workspace.

- Asks made: asks logged with the employee as the asker, dated in the period.
- Referrals earned: referrals received in the period that the employee sent themselves (`source_employee`) or
  that answered an ask the employee made; a referral counts once per employee even when both hold.
- Thank-yous done: thank-you tasks assigned to the employee and completed in the period.
- A team is a lead and the employees whose lead they are (Membership.lead); an employee with no lead heads their
  own team. Team figures are the sums of their people's.
Periods follow the workspace's time zone: weeks start on Monday, quarters in January, April, July and October.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Count, F

from referral_engine.engagement.models import Ask, Task, TaskKind, TaskStatus
from referral_engine.referrals.models import Referral
from referral_engine.workspaces.models import Membership, Role, Workspace

PERIODS = ("week", "month", "quarter")
MEASURES = ("asks", "referrals", "thanks")


def period_bounds(
    *, period: str, now: datetime, tz: ZoneInfo, previous: bool = False
) -> tuple[datetime, datetime]:
    """[start, end) of the week, month or quarter containing `now` (or the one before), as aware datetimes."""
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}")
    today = now.astimezone(tz).date()
    if period == "week":
        start = today - timedelta(days=today.weekday())
        end = start + timedelta(days=7)
        if previous:
            start, end = start - timedelta(days=7), start
    else:
        months = 1 if period == "month" else 3
        first_month = (today.month - 1) // months * months + 1
        start = date(today.year, first_month, 1)
        if previous:
            start = _add_months(start, -months)
        end = _add_months(start, months)
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end, time.min, tzinfo=tz),
    )


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _asks(workspace: Workspace, start: datetime, end: datetime) -> dict[int, int]:
    rows = (
        Ask.objects.filter(workspace=workspace, at__gte=start, at__lt=end)
        .values("asker_id")
        .annotate(n=Count("id"))
        .values_list("asker_id", "n")
    )
    return dict(rows)


def _referrals(workspace: Workspace, start: datetime, end: datetime) -> dict[int, int]:
    sent = (
        Referral.objects.filter(
            workspace=workspace, received_at__gte=start, received_at__lt=end, source_employee__isnull=False
        )
        .order_by()
        .values(emp=F("source_employee_id"), ref=F("id"))
    )
    asked = (
        Ask.objects.filter(
            workspace=workspace,
            referral__isnull=False,
            referral__received_at__gte=start,
            referral__received_at__lt=end,
        )
        .order_by()
        .values(emp=F("asker_id"), ref=F("referral_id"))
    )
    # UNION (not UNION ALL) keeps each (employee, referral) pair once; then one GROUP BY counts them.
    sent_sql, sent_params = sent.query.sql_with_params()
    asked_sql, asked_params = asked.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT earned.emp, COUNT(*) FROM ({sent_sql} UNION {asked_sql}) earned GROUP BY earned.emp",
            [*sent_params, *asked_params],
        )
        return dict(cursor.fetchall())


def _thanks(workspace: Workspace, start: datetime, end: datetime) -> dict[int, int]:
    rows = (
        Task.objects.filter(
            workspace=workspace,
            kind=TaskKind.THANK,
            status=TaskStatus.DONE,
            assignee__isnull=False,
            completed_at__gte=start,
            completed_at__lt=end,
        )
        .values("assignee_id")
        .annotate(n=Count("id"))
        .values_list("assignee_id", "n")
    )
    return dict(rows)


def leaderboard_for(workspace: Workspace, period: str, now: datetime, *, previous: bool = False) -> dict:
    """The leaderboard of the period containing `now` (or, with `previous`, the one before — what a Monday
    digest shows): {period, start, end, employees: [...], teams: [...]}, each list best first (referrals earned,
    then asks made, then thank-yous, then name)."""
    tz = ZoneInfo(workspace.timezone or "UTC")
    start, end = period_bounds(period=period, now=now, tz=tz, previous=previous)
    counts = {
        "asks": _asks(workspace, start, end),
        "referrals": _referrals(workspace, start, end),
        "thanks": _thanks(workspace, start, end),
    }
    people = (
        Membership.objects.filter(workspace=workspace)
        .exclude(role=Role.PARTNER)
        .select_related("user", "lead__user")
        .order_by("id")
    )
    by_id = {m.pk: m for m in people}
    employees = []
    for m in people:
        measured = {name: counts[name].get(m.pk, 0) for name in MEASURES}
        if not m.is_active and not any(measured.values()):
            continue
        lead = m.lead if m.lead_id in by_id else None
        employees.append(
            {
                "membership_id": m.pk,
                "name": m.user.full_name or m.user.email,
                "team_lead_id": lead.pk if lead else m.pk,
                **measured,
            }
        )
    teams: dict[int, dict] = {}
    for row in employees:
        lead = by_id[row["team_lead_id"]]
        team = teams.setdefault(
            lead.pk,
            {
                "lead_id": lead.pk,
                "name": lead.user.full_name or lead.user.email,
                "members": 0,
                **dict.fromkeys(MEASURES, 0),
            },
        )
        team["members"] += 1
        for name in MEASURES:
            team[name] += row[name]
    order = lambda r: (-r["referrals"], -r["asks"], -r["thanks"], r["name"])  # noqa: E731
    return {
        "period": period,
        "start": start,
        "end": end,
        "employees": sorted(employees, key=order),
        "teams": sorted(teams.values(), key=order),
    }
