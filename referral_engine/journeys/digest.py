"""The words of the daily digest: an employee's open tasks due today or overdue, this week's ask list and, on
Mondays, last week's leaderboard. A few queries for the whole workspace, never one per person.

The ask lists come from the asking app and the leaderboard from the propensity app; each section is left out
when its app is not installed.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.urls import reverse

from referral_engine.journeys import selectors
from referral_engine.workspaces.models import Membership, Workspace

LEADERBOARD_ROWS = 5


@dataclass
class Digest:
    subject: str = ""
    body: str = ""
    tasks: list = field(default_factory=list)
    asks: list = field(default_factory=list)
    leaderboard: dict | None = None

    @property
    def is_empty(self) -> bool:
        return not self.tasks and not self.asks and not self.leaderboard


def _ask_lists(workspace: Workspace, today: date) -> dict[int, list]:
    if not apps.is_installed("referral_engine.asking"):
        return {}
    from referral_engine.asking.selectors import ask_list, week_of

    lists: dict[int, list] = defaultdict(list)
    for suggestion in ask_list(workspace=workspace, week=week_of(today)):
        lists[suggestion.employee_id].append(suggestion)
    return lists


def _leaderboard(workspace: Workspace, today: date, now: datetime) -> dict | None:
    if today.weekday() != 0 or not apps.is_installed("referral_engine.propensity"):
        return None
    try:
        from referral_engine.propensity.leaderboard import leaderboard_for
    except ImportError:
        return None
    board = leaderboard_for(workspace, "week", now, previous=True)
    return board if board.get("employees") else None


def _task_line(task, today: date) -> str:
    about = task.contact or task.account
    late = (today - task.due).days
    when = "today" if late == 0 else f"{late} day{'s' if late != 1 else ''} overdue"
    return f"- {task.title}{f' ({about})' if about and str(about) not in task.title else ''} — {when}"


def _body(membership: Membership, digest: Digest, today: date, workspace: Workspace) -> str:
    site = settings.SITE_URL
    lines = [f"Good morning {membership.user.get_short_name()},", ""]
    if digest.tasks:
        lines += [
            f"Your tasks for {today:%A %-d %B} ({len(digest.tasks)}):",
            *(_task_line(t, today) for t in digest.tasks),
            "",
        ]
    if digest.asks:
        lines.append("Your ask list this week:")
        for suggestion in digest.asks:
            company = f" ({suggestion.contact.account.name})" if suggestion.contact.account else ""
            reason = next(
                (r.get("text") for r in suggestion.reasons or [] if isinstance(r, dict) and r.get("text")), ""
            )
            lines.append(
                f"{suggestion.rank}. {suggestion.contact}{company}{f' — {reason}' if reason else ''}"
            )
        lines += ["Make the ask simple; no immediate answer expected.", ""]
    if digest.leaderboard:
        board = digest.leaderboard
        start, end = board["start"].date(), (board["end"] - timedelta(days=1)).date()
        lines.append(f"Last week's leaderboard ({start:%-d %b} – {end:%-d %b}):")
        for i, row in enumerate(board["employees"][:LEADERBOARD_ROWS], start=1):
            lines.append(
                f"{i}. {row['name']}: {row['referrals']} referrals, {row['asks']} asks, {row['thanks']} thank-yous"
            )
        lines.append("")
    lines += [
        f"Today in Referral Engine: {site}{reverse('today')}",
        f"No more digests? Switch them off on your profile: {site}{reverse('profile')}",
        "",
        f"— {workspace.name}",
    ]
    return "\n".join(lines)


def digest_contents(
    *, workspace: Workspace, recipients: list[Membership], today: date, now: datetime
) -> dict[int, Digest]:
    ids = [m.pk for m in recipients]
    tasks: dict[int, list] = defaultdict(list)
    for task in selectors.open_tasks_due_by(workspace=workspace, day=today, assignee_ids=ids):
        tasks[task.assignee_id].append(task)
    asks = _ask_lists(workspace, today)
    board = _leaderboard(workspace, today, now)
    out = {}
    for membership in recipients:
        digest = Digest(
            tasks=tasks.get(membership.pk, []), asks=asks.get(membership.pk, []), leaderboard=board
        )
        parts = []
        if digest.tasks:
            parts.append(f"{len(digest.tasks)} task{'s' if len(digest.tasks) != 1 else ''}")
        if digest.asks:
            parts.append(f"{len(digest.asks)} to ask")
        if board:
            parts.append("last week's leaderboard")
        digest.subject = f"Your day, {today:%a %-d %b}: {', '.join(parts)}"
        digest.body = _body(membership, digest, today, workspace)
        out[membership.pk] = digest
    return out
