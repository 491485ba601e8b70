"""The closed loop: promoters flagged as referral candidates, one follow-up task per detractor answer, for the right
person, due within two working days — whether the answer came from a survey link, the API or a service call."""

import datetime as dt
from datetime import timedelta

import pytest
from django.test import Client

from referral_engine.core.testing import make_account, make_contact
from referral_engine.engagement.models import Task, TaskKind
from referral_engine.feedback.models import Audience, NpsResponse, SurveyInvitation
from referral_engine.feedback.selectors import contact_is_promoter, promoter_contact_list
from referral_engine.feedback.services import (
    nps_detractor_follow_up_create,
    nps_response_create,
    nps_response_update,
    survey_answer,
    survey_round_send,
)
from referral_engine.feedback.tests.conftest import T0, mailed_token


def _answer(firm, contact, score, comment="", now=T0, **fields):
    return nps_response_create(
        workspace=firm.workspace, actor=None, contact=contact, score=score, comment=comment, now=now, **fields
    )


def _follow_ups():
    return Task.objects.filter(kind=TaskKind.DETRACTOR_FOLLOW_UP)


def test_a_detractor_gets_one_call_back_from_the_account_owner_within_two_working_days(firm, world):
    response = _answer(firm, world.ann, 4, comment="Invoices are always late.")

    task = _follow_ups().get()
    assert task.assignee == firm.bob  # Initech's owner
    assert task.due == dt.date(2026, 11, 30)  # Thursday + two working days = Monday
    assert (task.contact, task.account, task.dedupe_key) == (
        world.ann,
        world.initech,
        f"nps:{response.pk}:detractor",
    )
    assert "4 out of 10" in task.details and "Invoices are always late." in task.details
    assert task.title == "Call Ann Able back: NPS 4/10"
    assert not response.referral_candidate

    # The same answer again, or the loop closed again: still one task.
    assert nps_detractor_follow_up_create(response=response, now=T0 + timedelta(days=1)) is False
    nps_response_update(instance=response, actor=None, score=2, now=T0 + timedelta(days=1))
    nps_response_update(instance=response, actor=None, comment="Still late.")
    assert _follow_ups().count() == 1


def test_a_detractor_answering_twice_from_one_link_makes_one_task(firm, world):
    survey_round = survey_round_send(
        workspace=firm.workspace, actor=firm.alice, name="R", audience=Audience.EVERYONE, now=T0
    )
    token = mailed_token(SurveyInvitation.objects.get(round=survey_round, contact=world.ann))
    survey_answer(token=token, score=0, now=T0 + timedelta(hours=1))
    survey_answer(token=token, score=1, now=T0 + timedelta(hours=2))
    assert NpsResponse.objects.count() == 1
    assert _follow_ups().count() == 1


def test_who_calls_back_falls_back_to_the_contacts_owner_then_the_workspaces_owner(firm, world):
    # Hooli has no owner: Gil's own owner calls back; without one, Acme's owner does.
    nobody = make_contact(firm.workspace, first_name="Nia", email="nia@hooli.test", account=world.hooli)
    _answer(firm, nobody, 6)
    gil_owned = make_contact(firm.workspace, first_name="Ola", account=world.hooli, owner=firm.bob)
    _answer(firm, gil_owned, 5)
    # An account owner who left the firm does not get the call.
    firm.bob.is_active = False
    firm.bob.save(update_fields=["is_active"])
    _answer(firm, world.ben, 3)

    assignees = {task.contact.first_name: task.assignee for task in _follow_ups().select_related("contact")}
    assert assignees == {"Nia": firm.alice, "Ola": firm.bob, "Ben": firm.alice}


def test_a_do_not_contact_detractor_is_reviewed_internally_not_called(firm, world):
    _answer(firm, world.dan, 2, comment="Stop e-mailing me.")
    task = _follow_ups().get()
    assert "internally" in task.title and "do not call" in task.details


def test_passives_and_promoters_create_no_task(firm, world):
    _answer(firm, world.ann, 7)
    _answer(firm, world.ben, 10)
    assert not _follow_ups().exists()


def test_a_promoter_is_flagged_as_a_referral_candidate_until_a_later_answer_says_otherwise(firm, world):
    assert not contact_is_promoter(workspace=firm.workspace, contact_id=world.ann.pk)
    first = _answer(firm, world.ann, 9, now=T0)
    passive = _answer(firm, world.ben, 8, now=T0)
    assert first.referral_candidate and not passive.referral_candidate
    assert contact_is_promoter(workspace=firm.workspace, contact_id=world.ann.pk)
    assert list(promoter_contact_list(workspace=firm.workspace)) == [world.ann]
    # Another workspace never sees Acme's promoters.
    assert not contact_is_promoter(workspace=firm.other_workspace, contact_id=world.ann.pk)
    assert not promoter_contact_list(workspace=firm.other_workspace).exists()

    _answer(firm, world.ann, 6, at=T0 + timedelta(days=30), now=T0 + timedelta(days=30))
    assert not contact_is_promoter(workspace=firm.workspace, contact_id=world.ann.pk)
    assert not promoter_contact_list(workspace=firm.workspace).exists()

    # Correcting a score moves the flag with it.
    nps_response_update(instance=passive, actor=None, score=10)
    passive.refresh_from_db()
    assert passive.referral_candidate


# ------------------------------------------------------------------------------------------------------- API


@pytest.fixture
def alice_api(firm):
    return Client(headers={"Authorization": f"Bearer {firm.token(firm.alice)}"})


def test_an_answer_recorded_through_the_api_closes_the_loop_too(firm, world, alice_api):
    detractor = alice_api.post(
        "/api/v1/nps-responses",
        {"contact_id": world.ann.pk, "score": 3, "comment": "Slow"},
        content_type="application/json",
    )
    assert detractor.status_code == 201, detractor.content
    assert detractor.json()["referral_candidate"] is False
    task = _follow_ups().get()
    assert task.dedupe_key == f"nps:{detractor.json()['id']}:detractor" and task.assignee == firm.bob

    promoter = alice_api.post(
        "/api/v1/nps-responses", {"contact_id": world.ben.pk, "score": 10}, content_type="application/json"
    )
    assert promoter.json()["referral_candidate"] is True
    assert contact_is_promoter(workspace=firm.workspace, contact_id=world.ben.pk)


@pytest.mark.parametrize("body", [{"score": 11}, {"score": -1}, {}, {"score": "high"}])
def test_a_bad_answer_through_the_api_is_a_422_on_its_field_and_writes_nothing(firm, world, alice_api, body):
    answer = alice_api.post(
        "/api/v1/nps-responses", {"contact_id": world.ann.pk, **body}, content_type="application/json"
    )
    assert answer.status_code == 422
    assert ["body", "score"] in [error["loc"] for error in answer.json()["detail"]]
    assert not NpsResponse.objects.exists() and not _follow_ups().exists()


def test_an_answer_for_another_workspaces_contact_is_refused(firm, world):
    dave = Client(headers={"Authorization": f"Bearer {firm.token(firm.dave)}"})
    answer = dave.post(
        "/api/v1/nps-responses", {"contact_id": world.ann.pk, "score": 2}, content_type="application/json"
    )
    assert answer.status_code == 422
    assert not NpsResponse.objects.exists() and not _follow_ups().exists()


def test_an_answer_for_a_contact_without_an_account_goes_to_the_contacts_owner(firm):
    loner = make_contact(firm.workspace, first_name="Lou", owner=firm.bob)
    make_account(firm.workspace)
    response = _answer(firm, loner, 0)
    assert response.account_id is None
    assert _follow_ups().get().assignee == firm.bob
