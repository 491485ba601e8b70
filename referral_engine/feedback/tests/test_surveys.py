"""Survey rounds and their links: who is asked, e-mailed once after commit (never do-not-contact), single-use and
expiring links, the public page, and bad input that writes nothing."""

import hashlib
import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.http import Http404
from django.test import Client
from django.utils import timezone

from referral_engine.feedback.models import Audience, NpsResponse, RoundStatus, SurveyInvitation, SurveyRound
from referral_engine.feedback.services import (
    AnswerOutcome,
    survey_answer,
    survey_round_send,
    survey_rounds_close_expired,
)
from referral_engine.feedback.tests.conftest import LINK, T0, mailed_token
from referral_engine.integrations.models import OutboundEmail
from referral_engine.integrations.tests.conftest import IMMEDIATE


def _send(firm, **options):
    options = {"name": "Autumn 2026", "audience": Audience.EVERYONE, "now": T0, **options}
    return survey_round_send(workspace=firm.workspace, actor=firm.alice, **options)


def _invitation(survey_round, contact) -> SurveyInvitation:
    return SurveyInvitation.objects.get(round=survey_round, contact=contact)


def test_a_round_invites_reachable_customer_contacts_and_lists_the_rest_as_skipped(firm, world):
    survey_round = _send(firm)

    invited = set(survey_round.invitations.values_list("contact__first_name", flat=True))
    assert invited == {"Ann", "Ben", "Gil"}  # Eve's account is a prospect; Cat has no e-mail; Dan said no
    assert (
        survey_round.invited_count,
        survey_round.skipped_no_email,
        survey_round.skipped_do_not_contact,
    ) == (
        3,
        1,
        1,
    )
    assert {(s["name"], s["reason"]) for s in survey_round.skipped} == {
        ("Cat Cole", "no e-mail address"),
        ("Dan Dare", "do-not-contact"),
    }
    assert survey_round.status == RoundStatus.OPEN
    assert survey_round.expires_at == T0 + timedelta(days=30)
    # One e-mail per invitation, keyed by the invitation, and none to Dan.
    emails = OutboundEmail.objects.filter(workspace=firm.workspace, kind="survey_invitation")
    assert sorted(emails.values_list("to", flat=True)) == [
        "ann@initech.test",
        "ben@initech.test",
        "gil@hooli.test",
    ]
    ann = _invitation(survey_round, world.ann)
    email = emails.get(dedupe_key=f"survey:{ann.pk}")
    assert "How likely is it that you would recommend Acme Advisory" in email.body
    # Only the token's SHA-256 is stored; the token itself is only in the e-mail.
    token = mailed_token(ann)
    assert len(token) >= 43
    assert ann.token_digest == hashlib.sha256(token.encode()).hexdigest()
    assert not SurveyInvitation.objects.filter(token_digest=token).exists()
    assert len(set(SurveyInvitation.objects.values_list("token_digest", flat=True))) == 3


def test_contacts_asked_recently_are_left_out_and_an_empty_round_writes_nothing(firm, world):
    _send(firm)
    with pytest.raises(ValidationError) as error:
        _send(firm, name="Again", now=T0 + timedelta(days=40), not_asked_months=6)
    assert "audience" in error.value.message_dict
    assert SurveyRound.objects.count() == 1 and SurveyInvitation.objects.count() == 3

    later = _send(firm, name="Much later", now=T0 + timedelta(days=200), not_asked_months=6)
    assert later.invited_count == 3
    again = _send(firm, name="Ask everyone again", now=T0 + timedelta(days=41), not_asked_months=0)
    assert again.invited_count == 3


def test_an_account_round_asks_only_that_accounts_contacts(firm, world):
    survey_round = _send(firm, audience=Audience.ACCOUNT, account=world.hooli)
    assert list(survey_round.invitations.values_list("contact", flat=True)) == [world.gil.pk]
    assert survey_round.audience_description.startswith("The contacts of Hooli")


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"name": "  "}, "name"),
        ({"audience": "nobody"}, "audience"),
        ({"audience": Audience.ACCOUNT}, "account"),
        ({"expires_after_days": 0}, "expires_after_days"),
        ({"expires_after_days": 91}, "expires_after_days"),
        ({"not_asked_months": -1}, "not_asked_months"),
    ],
)
def test_a_bad_round_is_a_field_error_and_writes_nothing(firm, world, options, field):
    with pytest.raises(ValidationError) as error:
        _send(firm, **options)
    assert field in error.value.message_dict
    assert not SurveyRound.objects.exists() and not OutboundEmail.objects.exists()


def test_another_workspaces_account_cannot_be_surveyed(firm, world):
    from referral_engine.core.testing import make_account

    globex_account = make_account(firm.other_workspace, status="customer")
    with pytest.raises(ValidationError) as error:
        _send(firm, audience=Audience.ACCOUNT, account=globex_account)
    assert "account" in error.value.message_dict
    assert not SurveyRound.objects.exists()


def test_a_segment_round_asks_only_the_accounts_stored_in_that_segment(firm, world):
    from referral_engine.insights.models import AccountValue

    def value(account, segment, rank):
        AccountValue.objects.create(
            workspace=firm.workspace,
            account=account,
            rank=rank,
            cumulative_share=0.5 * rank,
            segment=segment,
            quadrant="champion",
            computed_at=T0,
        )

    value(world.hooli, "top", 1)
    value(world.initech, "long_tail", 2)
    survey_round = _send(firm, audience=Audience.SEGMENT, segment="top")

    assert set(survey_round.invitations.values_list("contact__first_name", flat=True)) == {"Gil"}
    with pytest.raises(ValidationError) as error:
        _send(firm, audience=Audience.SEGMENT, segment="")
    assert "segment" in error.value.message_dict


def test_a_link_answers_once(firm, world):
    invitation = _invitation(_send(firm), world.ann)
    token = mailed_token(invitation)

    first = survey_answer(token=token, score=9, comment="Quick and kind.", now=T0 + timedelta(days=1))
    assert first.outcome == AnswerOutcome.ANSWERED
    assert (first.response.score, first.response.invitation_id, first.response.account_id) == (
        9,
        invitation.pk,
        world.initech.pk,
    )
    second = survey_answer(token=token, score=0, comment="Changed my mind", now=T0 + timedelta(days=2))
    assert second.outcome == AnswerOutcome.ALREADY_ANSWERED and second.response is None
    assert list(NpsResponse.objects.values_list("score", "comment")) == [(9, "Quick and kind.")]
    invitation.refresh_from_db()
    assert invitation.answered_at == T0 + timedelta(days=1) and invitation.is_used


def test_a_link_expires(firm, world):
    survey_round = _send(firm, expires_after_days=7)
    ann, ben = _invitation(survey_round, world.ann), _invitation(survey_round, world.ben)

    late = survey_answer(token=mailed_token(ann), score=10, now=T0 + timedelta(days=7))
    assert late.outcome == AnswerOutcome.EXPIRED
    assert not NpsResponse.objects.exists()
    just_in_time = survey_answer(token=mailed_token(ben), score=10, now=T0 + timedelta(days=7, seconds=-1))
    assert just_in_time.outcome == AnswerOutcome.ANSWERED

    assert survey_rounds_close_expired(now=T0 + timedelta(days=6)) == 0
    assert survey_rounds_close_expired(now=T0 + timedelta(days=7)) == 1
    survey_round.refresh_from_db()
    assert survey_round.status == RoundStatus.CLOSED


@pytest.mark.parametrize("token", ["", "x" * 43, "x" * 500])
def test_an_unknown_link_is_not_found(firm, world, token):
    _send(firm)
    with pytest.raises(Http404):
        survey_answer(token=token, score=5, now=T0)
    assert not NpsResponse.objects.exists()


@pytest.mark.parametrize("score", [11, -1, None, "", "abc", "7.5", True, 3.5])
def test_a_bad_score_is_a_field_error_and_writes_nothing(firm, world, score):
    invitation = _invitation(_send(firm), world.ann)
    with pytest.raises(ValidationError) as error:
        survey_answer(token=mailed_token(invitation), score=score, now=T0)
    assert "score" in error.value.message_dict
    invitation.refresh_from_db()
    assert invitation.answered_at is None and not NpsResponse.objects.exists()


# ---------------------------------------------------------------------------------------------- public page


def test_the_public_page_asks_the_one_question_and_takes_an_answer(firm, world, client):
    firm.workspace.name = "Acme <b>Advisory</b>"
    firm.workspace.save()
    invitation = _invitation(_send(firm, now=None), world.ann)
    url = f"/s/{mailed_token(invitation)}/"

    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "How likely is it that you would recommend Acme &lt;b&gt;Advisory&lt;/b&gt; to a friend" in body
    assert "<b>Advisory</b>" not in body
    assert body.count('type="radio"') == 11

    answered = client.post(url, {"score": "3", "comment": "<script>alert(1)</script> slow replies"})
    assert answered.status_code == 200
    assert "Thank you, Ann" in answered.content.decode()
    response = NpsResponse.objects.get()
    assert (response.score, response.comment) == (3, "<script>alert(1)</script> slow replies")

    again = client.post(url, {"score": "10"})
    assert again.status_code == 409
    assert "already answered" in again.content.decode()
    assert NpsResponse.objects.count() == 1 and NpsResponse.objects.get().score == 3
    assert "already answered" in client.get(url).content.decode()


@pytest.mark.parametrize(
    "data", [{"score": "11"}, {}, {"score": "ten"}, {"score": "5", "comment": "x" * 5001}]
)
def test_the_public_page_refuses_bad_input_and_writes_nothing(firm, world, client, data):
    invitation = _invitation(_send(firm, now=None), world.ann)
    page = client.post(f"/s/{mailed_token(invitation)}/", data)
    assert page.status_code == 400
    assert 'role="alert"' in page.content.decode()
    invitation.refresh_from_db()
    assert invitation.answered_at is None and not NpsResponse.objects.exists()


def test_the_public_page_of_an_expired_or_unknown_link(firm, world, client):
    survey_round = _send(firm, expires_after_days=1)  # sent at T0, long past
    token = mailed_token(_invitation(survey_round, world.ann))
    expired = client.get(f"/s/{token}/")
    assert expired.status_code == 410 and "expired" in expired.content.decode()
    assert client.post(f"/s/{token}/", {"score": "9"}).status_code == 410
    assert not NpsResponse.objects.exists()
    assert client.get("/s/not-a-real-token-at-all-but-long-enough-to-look-like-one/").status_code == 404


def test_the_public_form_is_csrf_protected(firm, world):
    invitation = _invitation(_send(firm, now=None), world.ann)
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(f"/s/{mailed_token(invitation)}/", {"score": "9"}).status_code == 403
    assert not NpsResponse.objects.exists()


# ------------------------------------------------------------------------------------------------ real SMTP


@pytest.mark.django_db(transaction=True)
def test_invitations_reach_a_real_smtp_server_after_commit_and_their_link_works(
    firm, world, smtp_server, settings
):
    settings.TASKS = IMMEDIATE
    with transaction.atomic():
        survey_round = survey_round_send(
            workspace=firm.workspace, actor=firm.alice, name="Autumn", audience=Audience.EVERYONE
        )
        assert smtp_server.messages == []  # nothing leaves before the commit
    recipients = sorted(message["To"] for message in smtp_server.messages)
    assert recipients == ["ann@initech.test", "ben@initech.test", "gil@hooli.test"]  # never Dan
    index = next(i for i, m in enumerate(smtp_server.messages) if m["To"] == "ben@initech.test")
    body = smtp_server.body(index)
    assert "Hello Ben," in body
    path = LINK.search(body).group(0).split("://", 1)[1].split("/", 1)[1]

    client = Client()
    assert client.get(f"/{path}").status_code == 200
    assert client.post(f"/{path}", {"score": "10", "comment": "Great team"}).status_code == 200
    response = NpsResponse.objects.get()
    assert (response.contact_id, response.score, response.referral_candidate) == (world.ben.pk, 10, True)
    assert survey_round.invitations.filter(answered_at__isnull=False).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks are PostgreSQL's; SQLite writes one at a time"
)
def test_two_submits_racing_each_other_record_one_answer(firm, world):
    invitation = _invitation(_send(firm, now=None), world.ann)
    token = mailed_token(invitation)
    barrier = threading.Barrier(2)
    outcomes = []

    def submit(score):
        try:
            barrier.wait()
            outcomes.append(survey_answer(token=token, score=score).outcome)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(score,)) for score in (2, 10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == [AnswerOutcome.ALREADY_ANSWERED, AnswerOutcome.ANSWERED]
    assert NpsResponse.objects.count() == 1
    from referral_engine.engagement.models import Task

    assert Task.objects.filter(kind="detractor_follow_up").count() == (
        1 if NpsResponse.objects.get().score == 2 else 0
    )


# ----------------------------------------------------------------------------------------------- big rounds


@pytest.mark.django_db(transaction=True)
def test_a_big_round_is_invited_by_the_worker_after_commit_in_batches(firm, world, settings, monkeypatch):
    from referral_engine.feedback import services

    settings.TASKS = IMMEDIATE
    monkeypatch.setattr(services, "INLINE_INVITATIONS", 1)
    monkeypatch.setattr(services, "INVITATION_BATCH", 2)
    with transaction.atomic():
        survey_round = _send(firm, now=None)
        assert survey_round.status == RoundStatus.SENDING
        assert not SurveyInvitation.objects.exists()  # the request only saved the round
    survey_round.refresh_from_db()
    assert (survey_round.status, survey_round.invited_count) == (RoundStatus.OPEN, 3)
    assert set(survey_round.invitations.values_list("contact__first_name", flat=True)) == {
        "Ann",
        "Ben",
        "Gil",
    }
    assert OutboundEmail.objects.filter(kind="survey_invitation").count() == 3


def test_sending_a_round_again_after_an_interruption_invites_nobody_twice(firm, world, monkeypatch):
    from referral_engine.feedback import services

    monkeypatch.setattr(services, "INLINE_INVITATIONS", 1)
    survey_round = _send(firm)  # on_commit never runs inside this test's transaction: nothing invited yet
    assert survey_round.status == RoundStatus.SENDING and not SurveyInvitation.objects.exists()
    assert services.survey_rounds_stalled(now=T0 + timedelta(days=1)) == []  # it has just been saved

    # A worker that stopped after its first batch of two...
    services._invite(
        survey_round,
        [(world.ann, "token-ann-" + "a" * 40), (world.ben, "token-ben-" + "b" * 40)],
    )
    SurveyRound.objects.filter(pk=survey_round.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    assert services.survey_rounds_stalled() == [survey_round.pk]
    # ...and the job run again: only Gil is left to invite, then the round is open.
    assert services.survey_round_invite(survey_round=survey_round, batch_size=2) == 1
    assert services.survey_round_invite(survey_round=survey_round, batch_size=2) == 0
    survey_round.refresh_from_db()
    assert (survey_round.status, survey_round.invited_count) == (RoundStatus.OPEN, 3)
    assert SurveyInvitation.objects.filter(round=survey_round).count() == 3
    assert services.survey_rounds_stalled(now=timezone.now() + timedelta(hours=1)) == []
