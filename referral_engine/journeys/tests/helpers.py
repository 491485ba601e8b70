"""The frozen clock and small builders of the journeys tests."""

from datetime import datetime

from referral_engine.core.testing import make_user
from referral_engine.engagement.models import Task, TaskKind
from referral_engine.workspaces.models import Membership, Role
from referral_engine.workspaces.services import membership_add

# Wednesday 4 November 2026, 09:00 UTC.
NOW = datetime.fromisoformat("2026-11-04T09:00:00+00:00")
TODAY = NOW.date()


def journey_tasks(workspace, **filters):
    return Task.objects.filter(workspace=workspace, kind=TaskKind.JOURNEY_STEP, **filters).order_by(
        "due", "id"
    )


def make_employee(workspace, email: str, name: str, *, lead: Membership | None = None) -> Membership:
    membership = membership_add(workspace=workspace, user=make_user(email, name), role=Role.MEMBER)
    if lead is not None:
        membership.lead = lead
        membership.save(update_fields=["lead"])
    return membership


def make_task(workspace, *, assignee, due, title="Call Fabrikam", status="open", **fields) -> Task:
    return Task.objects.create(
        workspace=workspace,
        kind=TaskKind.FOLLOW_UP,
        title=title,
        due=due,
        assignee=assignee,
        status=status,
        **fields,
    )
