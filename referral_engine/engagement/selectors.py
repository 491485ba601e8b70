"""Reads for asks and tasks, always scoped to one workspace."""

from datetime import date, datetime

from django.db import connection
from django.db.models import QuerySet

from referral_engine.core.selectors import get_in_workspace
from referral_engine.engagement.models import Ask, Task, TaskStatus
from referral_engine.workspaces.models import Workspace

ASK_RELATED = ("asker__user", "contact", "partner", "referral")
TASK_RELATED = ("assignee__user", "account", "contact", "partner", "referral")


def ask_list(
    *,
    workspace: Workspace,
    asker_id: int | None = None,
    contact_id: int | None = None,
    partner_id: int | None = None,
    outcome: str | None = None,
    at_from: datetime | None = None,
    at_to: datetime | None = None,
) -> QuerySet[Ask]:
    asks = Ask.objects.filter(workspace=workspace).select_related(*ASK_RELATED)
    if asker_id is not None:
        asks = asks.filter(asker_id=asker_id)
    if contact_id is not None:
        asks = asks.filter(contact_id=contact_id)
    if partner_id is not None:
        asks = asks.filter(partner_id=partner_id)
    if outcome:
        asks = asks.filter(outcome=outcome)
    if at_from is not None:
        asks = asks.filter(at__gte=at_from)
    if at_to is not None:
        asks = asks.filter(at__lte=at_to)
    return asks


def ask_get(*, workspace: Workspace, id: int) -> Ask:
    return get_in_workspace(Ask.objects.select_related(*ASK_RELATED), workspace=workspace, id=id)


def task_list(
    *,
    workspace: Workspace,
    assignee_id: int | None = None,
    status: str | None = None,
    kind: str | None = None,
    due_from: date | None = None,
    due_to: date | None = None,
) -> QuerySet[Task]:
    """Tasks of a workspace. `status="open"` includes snoozed tasks: snoozing puts a task off, not away."""
    tasks = Task.objects.filter(workspace=workspace).select_related(*TASK_RELATED)
    if assignee_id is not None:
        tasks = tasks.filter(assignee_id=assignee_id)
    if status == TaskStatus.OPEN:
        tasks = tasks.filter(status__in=(TaskStatus.OPEN, TaskStatus.SNOOZED))
    elif status:
        tasks = tasks.filter(status=status)
    if kind:
        tasks = tasks.filter(kind=kind)
    if due_from is not None:
        tasks = tasks.filter(due__gte=due_from)
    if due_to is not None:
        tasks = tasks.filter(due__lte=due_to)
    return tasks


def task_get(*, workspace: Workspace, id: int) -> Task:
    return get_in_workspace(Task.objects.select_related(*TASK_RELATED), workspace=workspace, id=id)


# ------------------------------------------------------------------------------------------ the Today page
# (appended for engagement/views.py)


def task_list_for_today(*, workspace: Workspace, assignee_id: int) -> QuerySet[Task]:
    """An employee's open and snoozed tasks, soonest first, with what each is about (one query)."""
    return (
        task_list(workspace=workspace, assignee_id=assignee_id, status=TaskStatus.OPEN)
        .select_related("referral__referred_account")
        .order_by("due", "id")
    )


def week_summary(*, workspace: Workspace, membership_id: int, since: datetime) -> dict[str, int]:
    """What an employee did since `since`: asks made, referrals received for them, thank-yous done."""
    from referral_engine.engagement.models import TaskKind
    from referral_engine.referrals.models import Referral

    return {
        "asks": Ask.objects.filter(workspace=workspace, asker_id=membership_id, at__gte=since).count(),
        "referrals": Referral.objects.filter(
            workspace=workspace, owner_id=membership_id, received_at__gte=since
        ).count(),
        "thanks": Task.objects.filter(
            workspace=workspace,
            assignee_id=membership_id,
            kind=TaskKind.THANK,
            status=TaskStatus.DONE,
            completed_at__gte=since,
        ).count(),
    }


# ----------------------------------------------------------------------------------------- message templates


def message_template_get(*, workspace: Workspace, key: str):
    """The wording a workspace uses for `key`: its own, else the built-in one. Http404 for an unknown key."""
    from django.http import Http404

    from referral_engine.engagement.message_templates import Wording, default_wording
    from referral_engine.engagement.models import MessageTemplate, MessageTemplateKey

    if key not in MessageTemplateKey.values:
        raise Http404("Not found.")
    row = MessageTemplate.objects.filter(workspace=workspace, key=key).first()
    if row is None:
        return default_wording(key)
    return Wording(key=key, subject=row.subject, body=row.body, is_default=False)


def message_template_list(*, workspace: Workspace) -> list:
    """Every e-mail a workspace can reword, in a fixed order, each with the wording in use."""
    from referral_engine.engagement.message_templates import Wording, default_wording
    from referral_engine.engagement.models import MessageTemplate, MessageTemplateKey

    own = {
        row.key: row
        for row in MessageTemplate.objects.filter(workspace=workspace, key__in=MessageTemplateKey.values)
    }
    return [
        Wording(key=key, subject=own[key].subject, body=own[key].body, is_default=False)
        if key in own
        else default_wording(key)
        for key in MessageTemplateKey.values
    ]


def tasks_with_dedupe_key(*, workspace_id: int, key: str) -> QuerySet[Task]:
    """The task (at most one) the engine made for the fact `key` names.

    The blank-key exclusion is not redundant: the unique index on (workspace, dedupe_key) is partial (blank keys
    are left out), and SQLite only uses a partial index for a query that states its condition. Without it, this
    lookup reads the whole task table (670 ms at 900,000 tasks, bench/referral_intake.py).
    """
    return Task.objects.filter(workspace_id=workspace_id, dedupe_key=key).exclude(dedupe_key="")


def tasks_with_dedupe_prefix(*, workspace_id: int, prefix: str) -> QuerySet[Task]:
    """The tasks the engine made for facts of one kind (their keys start with `prefix`, case included), unordered.

    On SQLite, LIKE ignores case and so cannot use an index: a range on the key (SQLite compares text bytewise)
    reads only the matching stretch of the partial unique index, whose condition is stated as above (230 ms to
    4 ms at a million accounts, bench/programme_figures.py). The upper bound is the prefix with its last character
    incremented, the first string above every key it starts. Not on PostgreSQL: a database in a locale collation
    does not order keys bytewise, so a range could leave some out; there LIKE decides alone."""
    tasks = Task.objects.filter(workspace_id=workspace_id, dedupe_key__startswith=prefix).exclude(
        dedupe_key=""
    )
    if connection.vendor == "sqlite":
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        tasks = tasks.filter(dedupe_key__gte=prefix, dedupe_key__lt=upper)
    return tasks.order_by()
