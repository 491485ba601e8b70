"""The survey round pages: managers count who will be asked before sending; employees list rounds with their
response rates; nobody sees another workspace's rounds."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from referral_engine.feedback.models import Audience, SurveyInvitation, SurveyRound
from referral_engine.feedback.services import survey_answer, survey_round_send
from referral_engine.feedback.tests.conftest import mailed_token
from referral_engine.integrations.models import OutboundEmail

NEW = "/insights/nps/surveys/new/"


def _form(**overrides):
    return {
        "name": "Autumn 2026",
        "audience": "everyone",
        "segment": "",
        "account": "",
        "account_q": "",
        "not_asked_months": "6",
        "expires_after_days": "30",
        **overrides,
    }


def test_a_manager_sees_how_many_will_be_asked_before_sending(firm, world, client):
    client.force_login(firm.alice.user)
    assert client.get(NEW).status_code == 200

    preview = client.post(NEW, _form(preview="1"))
    assert preview.status_code == 200
    body = preview.content.decode()
    assert '<span class="font-semibold text-important">3</span> contacts will be asked' in body
    assert "Cat Cole" in body and "Dan Dare" in body and "Send to 3 contacts" in body
    assert not SurveyRound.objects.exists() and not OutboundEmail.objects.exists()

    sent = client.post(NEW, _form(send="1"))
    survey_round = SurveyRound.objects.get()
    assert sent.status_code == 302 and sent["Location"] == f"/insights/nps/surveys/{survey_round.pk}/"
    assert (survey_round.created_by, survey_round.invited_count) == (firm.alice, 3)
    assert OutboundEmail.objects.filter(kind="survey_invitation").count() == 3


def test_an_account_round_from_the_typed_name(firm, world, client):
    client.force_login(firm.alice.user)
    prefilled = client.get(NEW, {"account": world.hooli.pk}).content.decode()
    assert 'value="Hooli"' in prefilled
    client.post(NEW, _form(audience="account", account_q="Hooli", send="1"))
    assert list(SurveyRound.objects.get().invitations.values_list("contact", flat=True)) == [world.gil.pk]


def test_a_bad_round_form_is_a_400_with_the_errors_and_sends_nothing(firm, world, client):
    client.force_login(firm.alice.user)
    for data in (
        _form(name="", send="1"),
        _form(expires_after_days="0", send="1"),
        _form(audience="account", account_q="No such company", send="1"),
        _form(audience="segment", send="1"),
    ):
        page = client.post(NEW, data)
        assert page.status_code == 400
        assert "errors" in page.content.decode()
    assert not SurveyRound.objects.exists() and not OutboundEmail.objects.exists()


def test_only_managers_may_send_a_round(firm, world, client):
    client.force_login(firm.bob.user)
    assert client.get(NEW).status_code == 404
    assert client.post(NEW, _form(send="1")).status_code == 404
    client.force_login(firm.carol.user)
    assert client.post(NEW, _form(send="1")).status_code == 404
    assert not SurveyRound.objects.exists()


def test_the_rounds_list_shows_response_rates_in_a_fixed_number_of_queries(firm, world, client):
    now = timezone.now()
    first = survey_round_send(
        workspace=firm.workspace, actor=firm.alice, name="First", audience=Audience.EVERYONE, now=now
    )
    for contact in (world.ann, world.ben):
        invitation = SurveyInvitation.objects.get(round=first, contact=contact)
        survey_answer(token=mailed_token(invitation), score=9, now=now + timedelta(minutes=1))
    client.force_login(firm.bob.user)
    with CaptureQueriesContext(connection) as one_round:
        body = client.get("/insights/nps/surveys/").content.decode()
    assert "First" in body and "67%" in body  # 2 of 3

    for i in range(3):
        survey_round_send(
            workspace=firm.workspace,
            actor=firm.alice,
            name=f"Round {i}",
            audience=Audience.ACCOUNT,
            account=world.hooli,
            not_asked_months=0,
            now=now,
        )
    with CaptureQueriesContext(connection) as four_rounds:
        client.get("/insights/nps/surveys/")
    assert len(four_rounds) == len(one_round)

    detail = client.get(f"/insights/nps/surveys/{first.pk}/").content.decode()
    assert 'id="round-answered">2<' in detail and "Dan Dare" in detail and "do-not-contact" in detail


def test_another_workspaces_rounds_do_not_exist(firm, world, client):
    survey_round = survey_round_send(
        workspace=firm.workspace, actor=firm.alice, name="Acme only", audience=Audience.EVERYONE
    )
    client.force_login(firm.dave.user)
    assert client.get(f"/insights/nps/surveys/{survey_round.pk}/").status_code == 404
    assert "Acme only" not in client.get("/insights/nps/surveys/").content.decode()
    client.force_login(firm.carol.user)
    assert client.get("/insights/nps/surveys/").status_code == 404
    assert client.get(f"/insights/nps/surveys/{survey_round.pk}/").status_code == 404
