"""Writes of the programme insights: the one-click "build the relationship" task for a neglected influencer."""

from datetime import date, timedelta

from django.db import transaction

from referral_engine.core.errors import field_error
from referral_engine.engagement.models import Task, TaskKind
from referral_engine.engagement.selectors import tasks_with_dedupe_key
from referral_engine.engagement.services import task_create
from referral_engine.insights.programme import influencer_dedupe_key, workspace_today
from referral_engine.relationships.models import Contact
from referral_engine.workspaces.models import Membership, Workspace

TASK_DUE_DAYS = 7


@transaction.atomic
def influencer_task_create(
    *, workspace: Workspace, actor: Membership | None, contact: Contact, today: date | None = None
) -> tuple[Task, bool]:
    """A follow-up task to build the relationship with an influencer: assigned to the contact's owner, else the
    account's, else whoever clicked; due in a week. Once per person and month (dedupe key): a second click
    returns the first task. Returns (task, created)."""
    if contact.workspace_id != workspace.pk:
        raise field_error("contact", "This contact is not in the workspace.")
    if contact.do_not_contact:
        raise field_error("contact", "This person asked not to be contacted.")
    today = today or workspace_today(workspace)
    key = influencer_dedupe_key(contact_id=contact.pk, today=today)
    existing = tasks_with_dedupe_key(workspace_id=workspace.pk, key=key).first()
    if existing is not None:
        return existing, False
    account = contact.account
    assignee = contact.owner or (account.owner if account else None)
    if assignee is None and actor is not None and actor.is_employee:
        assignee = actor
    where = f" at {account.name}" if account else ""
    task = task_create(
        workspace=workspace,
        actor=actor,
        kind=TaskKind.FOLLOW_UP,
        title=f"Build the relationship with {contact.name}{where}"[:200],
        details=(
            f"{contact.name} is central in {account.name if account else 'their'}'s buying circle but has had no "
            "touchpoint lately and a weak relationship. Meet, call or help them with something that matters to them."
        ),
        due=today + timedelta(days=TASK_DUE_DAYS),
        assignee=assignee,
        contact=contact,
        account=account,
        dedupe_key=key,
    )
    return task, True
