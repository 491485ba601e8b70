from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from referral_engine.core.testing import make_contact
from referral_engine.engagement.models import TaskKind, TaskStatus
from referral_engine.engagement.selectors import task_list
from referral_engine.engagement.services import ask_create, task_complete, task_create, task_snooze


def _task(firm, **fields):
    fields.setdefault("kind", TaskKind.FOLLOW_UP)
    fields.setdefault("title", "Call back")
    fields.setdefault("due", timezone.localdate())
    return task_create(workspace=firm.workspace, actor=firm.alice, **fields)


def test_completing_a_task_marks_it_done_now(firm):
    task = _task(firm)
    before = timezone.now()

    task_complete(task=task, actor=firm.bob)

    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert before <= task.completed_at <= timezone.now()


def test_snoozing_moves_the_due_date_and_the_task_still_lists_as_open(firm):
    task = _task(firm)
    until = timezone.localdate() + timedelta(days=3)

    task_snooze(task=task, actor=firm.bob, until=until)

    task.refresh_from_db()
    assert (task.status, task.due) == (TaskStatus.SNOOZED, until)
    assert list(task_list(workspace=firm.workspace, status=TaskStatus.OPEN)) == [task]


@pytest.mark.parametrize("days", [0, -1])
def test_a_task_cannot_be_snoozed_to_today_or_the_past(firm, days):
    task = _task(firm)
    with pytest.raises(ValidationError) as error:
        task_snooze(task=task, actor=firm.bob, until=timezone.localdate() + timedelta(days=days))
    assert "until" in error.value.message_dict
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN


def test_a_done_task_cannot_be_snoozed(firm):
    task = _task(firm)
    task_complete(task=task, actor=firm.bob)
    with pytest.raises(ValidationError):
        task_snooze(task=task, actor=firm.bob, until=timezone.localdate() + timedelta(days=3))


def test_an_ask_is_of_exactly_one_person_and_defaults_to_the_logger_as_asker(firm):
    contact = make_contact(firm.workspace)
    ask = ask_create(workspace=firm.workspace, actor=firm.bob, contact=contact, channel="phone")
    assert ask.asker == firm.bob

    with pytest.raises(ValidationError) as error:
        ask_create(
            workspace=firm.workspace,
            actor=firm.bob,
            contact=contact,
            partner=firm.carol_partner,
            channel="phone",
        )
    assert "contact" in error.value.message_dict
