"""An open task overdue by more than the set working days escalates to the assignee's lead, else the owner: once."""

from datetime import date, datetime

import pytest

from referral_engine.engagement.models import Task
from referral_engine.journeys.services import (
    escalation_cutoff,
    reminder_settings_update,
    task_escalations_create,
)
from referral_engine.journeys.tests.helpers import make_employee, make_task

pytestmark = pytest.mark.django_db

# Thursday 5 November 2026, 09:00 UTC.
THURSDAY = datetime.fromisoformat("2026-11-05T09:00:00+00:00")


def _escalations(workspace):
    return Task.objects.filter(workspace=workspace, dedupe_key__startswith="escalation:").order_by("id")


def test_working_days_skip_the_weekend():
    # Due Monday, on Thursday: Tuesday, Wednesday and Thursday have passed, 3 > 2.
    assert escalation_cutoff(date(2026, 11, 5), 2) == date(2026, 11, 2)
    # Due Friday 30 October, on Tuesday 3 November: only Monday and Tuesday count.
    assert escalation_cutoff(date(2026, 11, 3), 2) == date(2026, 10, 29)
    # On Wednesday, a task due Friday or over the weekend has Monday to Wednesday behind it: 3 > 2.
    assert escalation_cutoff(date(2026, 11, 4), 2) == date(2026, 11, 1)


def test_an_overdue_task_escalates_to_the_lead_once_with_the_original_linked(firm):
    erin = make_employee(firm.workspace, "erin@acme.test", "Erin Evans")
    firm.bob.lead = erin
    firm.bob.save(update_fields=["lead"])
    late = make_task(firm.workspace, assignee=firm.bob, due=date(2026, 11, 2), title="Call Fabrikam back")
    make_task(firm.workspace, assignee=firm.bob, due=date(2026, 11, 3), title="Only two working days late")
    make_task(
        firm.workspace,
        assignee=firm.bob,
        due=date(2026, 10, 1),
        title="Done long ago",
        status="done",
        completed_at=THURSDAY,
    )
    assert task_escalations_create(workspace=firm.workspace, now=THURSDAY) == 1
    assert task_escalations_create(workspace=firm.workspace, now=THURSDAY) == 0
    escalation = _escalations(firm.workspace).get()
    assert escalation.assignee == erin
    assert escalation.title == "Overdue: Call Fabrikam back"
    assert escalation.due == date(2026, 11, 5)
    assert f"Original task #{late.pk}: Call Fabrikam back" in escalation.details
    assert "Bob Baker" in escalation.details
    assert escalation.dedupe_key == f"escalation:{late.pk}"
    # The escalation does not escalate in turn, even once it is late itself.
    later = datetime.fromisoformat("2026-11-20T09:00:00+00:00")
    assert (
        task_escalations_create(workspace=firm.workspace, now=later) == 1
    )  # the two-day one, now late enough
    assert _escalations(firm.workspace).count() == 2
    assert not Task.objects.filter(
        dedupe_key__startswith="escalation:", title__startswith="Overdue: Overdue"
    ).exists()


def test_without_a_lead_the_workspace_owner_is_told_and_the_owners_own_task_goes_nowhere(firm):
    make_task(firm.workspace, assignee=firm.bob, due=date(2026, 11, 2))
    make_task(firm.workspace, assignee=firm.alice, due=date(2026, 11, 2), title="Alice's own")
    make_task(firm.other_workspace, assignee=firm.dave, due=date(2026, 11, 2), title="Globex")
    assert task_escalations_create(workspace=firm.workspace, now=THURSDAY) == 1
    assert _escalations(firm.workspace).get().assignee == firm.alice
    assert not _escalations(firm.other_workspace).exists()


def test_the_workspace_setting_decides_how_many_working_days(firm):
    make_task(firm.workspace, assignee=firm.bob, due=date(2026, 11, 3))
    assert task_escalations_create(workspace=firm.workspace, now=THURSDAY) == 0
    reminder_settings_update(workspace=firm.workspace, actor=firm.alice, escalate_after_working_days=1)
    assert task_escalations_create(workspace=firm.workspace, now=THURSDAY) == 1
