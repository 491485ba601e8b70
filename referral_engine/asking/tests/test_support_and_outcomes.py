"""Never an ask inside a support conversation; logging an outcome from a list (frozen clock: NOW)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from referral_engine.asking import selectors
from referral_engine.asking.models import AskSuggestion, SuggestionStatus
from referral_engine.asking.services import (
    ask_lists_generate,
    ask_suggestion_outcome,
    support_meeting_task_create,
)
from referral_engine.asking.tests.helpers import NOW, WEEK, make_ready_contact
from referral_engine.core.errors import Conflict
from referral_engine.engagement.models import Ask, Task
from referral_engine.engagement.services import ask_create
from referral_engine.relationships.models import Touchpoint

pytestmark = pytest.mark.django_db


def _support(workspace, contact, employee, at):
    return Touchpoint.objects.create(
        workspace=workspace,
        kind="support",
        channel="phone",
        direction="in",
        employee=employee,
        contact=contact,
        at=at,
    )


def test_an_ask_inside_a_support_conversation_is_refused_with_a_meeting_suggested(firm):
    contact = make_ready_contact(firm.workspace, owner=firm.bob)
    _support(firm.workspace, contact, firm.bob, NOW - timedelta(hours=2))
    with pytest.raises(ValidationError) as caught:
        ask_create(workspace=firm.workspace, actor=firm.bob, contact=contact, channel="phone", at=NOW)
    message = caught.value.message_dict["dedicated_meeting"][0]
    assert "support conversation" in message and "how can we help each other" in message
    assert not Ask.objects.exists()


def test_an_ask_in_a_dedicated_meeting_or_away_from_support_is_logged(firm):
    contact = make_ready_contact(firm.workspace, owner=firm.bob)
    _support(firm.workspace, contact, firm.bob, NOW - timedelta(hours=2))
    ask_create(
        workspace=firm.workspace,
        actor=firm.bob,
        contact=contact,
        channel="in_person",
        at=NOW,
        dedicated_meeting=True,
    )
    ask_create(
        workspace=firm.workspace, actor=firm.bob, contact=contact, channel="phone", at=NOW + timedelta(days=3)
    )
    assert Ask.objects.count() == 2


def test_a_support_touchpoint_never_produces_an_ask_from_a_list(firm):
    contact = make_ready_contact(firm.workspace, owner=firm.bob)
    ask_lists_generate(workspace=firm.workspace, week=WEEK, now=NOW)
    suggestion = AskSuggestion.objects.get()
    _support(firm.workspace, contact, firm.bob, NOW + timedelta(minutes=30))
    with pytest.raises(ValidationError):
        ask_suggestion_outcome(
            workspace=firm.workspace,
            actor=firm.bob,
            suggestion=suggestion,
            outcome="declined",
            at=NOW + timedelta(hours=1),
        )
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.OPEN
    assert not Ask.objects.exists()


def test_the_meeting_task_is_made_once_per_day(firm):
    contact = make_ready_contact(firm.workspace, owner=firm.bob)
    first = support_meeting_task_create(workspace=firm.workspace, actor=firm.bob, contact=contact, now=NOW)
    again = support_meeting_task_create(workspace=firm.workspace, actor=firm.bob, contact=contact, now=NOW)
    assert first.pk == again.pk
    assert Task.objects.get().assignee == firm.bob
    assert "how can we help each other" in first.title
    assert first.due == NOW.date() + timedelta(days=1)


def test_an_outcome_logs_the_ask_and_the_person_leaves_every_list(firm):
    contacts = [make_ready_contact(firm.workspace, owner=firm.bob) for _ in range(2)]
    ask_lists_generate(workspace=firm.workspace, week=WEEK, now=NOW)
    suggestion = AskSuggestion.objects.get(contact=contacts[0])
    ask = ask_suggestion_outcome(
        workspace=firm.workspace, actor=firm.bob, suggestion=suggestion, outcome="maybe_later"
    )
    assert (ask.asker, ask.contact, ask.outcome) == (firm.bob, contacts[0], "maybe_later")
    remaining = list(
        selectors.ask_list(workspace=firm.workspace, week=WEEK).values_list("contact_id", flat=True)
    )
    assert remaining == [contacts[1].pk]
    with pytest.raises(Conflict):
        ask_suggestion_outcome(
            workspace=firm.workspace, actor=firm.bob, suggestion=suggestion, outcome="declined"
        )
    assert Ask.objects.count() == 1


def test_an_ask_logged_anywhere_takes_the_person_off_the_lists(firm):
    contact = make_ready_contact(firm.workspace, owner=firm.bob)
    ask_lists_generate(workspace=firm.workspace, week=WEEK, now=NOW)
    assert selectors.ask_list(workspace=firm.workspace, week=WEEK).count() == 1
    # Alice asks on the contact page (ask_create), not from Bob's list.
    ask_create(
        workspace=firm.workspace,
        actor=firm.alice,
        contact=contact,
        channel="phone",
        at=NOW + timedelta(days=1),
    )
    assert selectors.ask_list(workspace=firm.workspace, week=WEEK).count() == 0


def test_an_unknown_outcome_is_a_field_error(firm):
    make_ready_contact(firm.workspace, owner=firm.bob)
    ask_lists_generate(workspace=firm.workspace, week=WEEK, now=NOW)
    with pytest.raises(ValidationError) as caught:
        ask_suggestion_outcome(
            workspace=firm.workspace,
            actor=firm.bob,
            suggestion=AskSuggestion.objects.get(),
            outcome="pending",
        )
    assert "outcome" in caught.value.message_dict
    assert not Ask.objects.exists()
