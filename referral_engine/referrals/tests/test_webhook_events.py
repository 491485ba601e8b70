"""Webhook events from the referral services, received by a real HTTP server that verifies each signature from the
raw body: received, stage_changed, won and lost, each once, with the documented payload and nothing personal."""

import json
from decimal import Decimal

import pytest
from django.db import transaction

from referral_engine.core.testing import make_account, make_contact
from referral_engine.integrations.models import DeliveryStatus, WebhookDelivery
from referral_engine.integrations.services import webhook_endpoint_create
from referral_engine.integrations.tests.conftest import IMMEDIATE
from referral_engine.referrals.models import Referral, SourceKind
from referral_engine.referrals.notify import referral_moved_emit, referral_received_emit
from referral_engine.referrals.services import referral_create, referral_move, referral_update

pytestmark = pytest.mark.django_db(transaction=True)

REFERRAL_EVENTS = ["referral.received", "referral.stage_changed", "referral.won", "referral.lost"]
PAYLOAD_KEYS = {
    "referral_id",
    "status",
    "company",
    "account_id",
    "referred_contact_id",
    "source_kind",
    "source_contact_id",
    "source_partner_id",
    "source_employee_id",
    "source_event_id",
    "owner_id",
    "tier",
    "parent_id",
    "received_at",
    "contacted_at",
    "meeting_at",
    "proposal_at",
    "closed_at",
    "first_contact_due",
    "won_value",
    "currency",
    "lost_reason",
}


@pytest.fixture(autouse=True)
def _webhook_settings(settings):
    settings.TASKS = IMMEDIATE
    settings.WEBHOOKS_ALLOW_LOCAL = True


def _listen(workspace, receiver, events=REFERRAL_EVENTS):
    endpoint = webhook_endpoint_create(workspace=workspace, url=receiver.url, events=events)
    receiver.secret = endpoint.secret
    return endpoint


def _refer(firm, **fields) -> Referral:
    fields.setdefault("source_kind", SourceKind.PARTNER)
    fields.setdefault("source_partner", firm.carol_partner)
    return referral_create(
        workspace=firm.workspace,
        actor=firm.bob,
        referred_account=make_account(firm.workspace, name="Fabrikam"),
        owner=firm.bob,
        story="Carol's private note: their CFO is leaving in March.",
        **fields,
    )


def _events(receiver) -> list[dict]:
    assert all(request.signature_valid for request in receiver.requests)
    return [json.loads(request.body) for request in receiver.requests]


def test_each_referral_event_is_received_once_signed_with_the_documented_payload(firm, receiver):
    _listen(firm.workspace, receiver)

    referral = _refer(firm)
    referral_move(referral=referral, actor=firm.bob, status="contacted")
    referral_move(referral=referral, actor=firm.bob, status="won", won_value=Decimal("12000"))

    events = _events(receiver)
    assert [e["event"] for e in events] == [
        "referral.received",
        "referral.stage_changed",
        "referral.stage_changed",
        "referral.won",
    ]
    received, contacted, closed, won = events
    assert received["workspace"] == "acme"
    assert set(received["data"]) == PAYLOAD_KEYS
    assert received["data"]["referral_id"] == referral.pk
    assert received["data"]["company"] == "Fabrikam"
    assert received["data"]["source_kind"] == "partner"
    assert received["data"]["source_partner_id"] == firm.carol_partner.pk
    assert received["data"]["status"] == "received" and received["data"]["won_value"] is None
    assert (contacted["data"]["from_status"], contacted["data"]["to_status"]) == ("received", "contacted")
    assert contacted["data"]["changed_at"] == contacted["data"]["contacted_at"]
    assert (closed["data"]["from_status"], closed["data"]["to_status"]) == ("contacted", "won")
    assert won["data"]["won_value"] == "12000.00" and won["data"]["currency"] == "EUR"
    assert won["data"]["closed_at"] == closed["data"]["changed_at"]
    # Each event its own id; the header carries the same id as the body.
    assert len({e["id"] for e in events}) == 4
    assert [r.headers["X-Referral-Engine-Delivery"] for r in receiver.requests] == [e["id"] for e in events]
    # Nothing personal leaves the app.
    assert not any(b"CFO" in r.body or b"Carol" in r.body for r in receiver.requests)
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}


def test_lost_carries_its_reason(firm, receiver):
    _listen(firm.workspace, receiver)
    referral = _refer(firm)

    referral_update(instance=referral, actor=firm.bob, status="lost", lost_reason="Chose a competitor")

    events = _events(receiver)
    assert [e["event"] for e in events] == ["referral.received", "referral.stage_changed", "referral.lost"]
    assert events[2]["data"]["lost_reason"] == "Chose a competitor"
    assert events[2]["data"]["status"] == "lost"


def test_the_same_fact_emitted_again_is_delivered_once(firm, receiver):
    _listen(firm.workspace, receiver)
    referral = _refer(firm)
    referral_move(referral=referral, actor=firm.bob, status="contacted")
    referral_move(referral=referral, actor=firm.bob, status="won", won_value=Decimal(500))
    assert len(receiver.requests) == 4

    # A retried job records the same facts again, from the row as stored.
    referral = Referral.objects.get(pk=referral.pk)
    referral_received_emit(referral=referral)
    referral_moved_emit(referral=referral, from_status="contacted")

    assert len(receiver.requests) == 4
    assert WebhookDelivery.objects.count() == 4


def test_a_move_back_and_forth_is_news_each_time(firm, receiver):
    _listen(firm.workspace, receiver, events=["referral.stage_changed"])
    referral = _refer(firm)

    referral_move(referral=referral, actor=firm.bob, status="contacted")
    referral_move(referral=referral, actor=firm.bob, status="received", at=referral.received_at)
    referral_move(referral=referral, actor=firm.bob, status="contacted")

    moves = [(e["data"]["from_status"], e["data"]["to_status"]) for e in _events(receiver)]
    assert moves == [("received", "contacted"), ("contacted", "received"), ("received", "contacted")]


def test_a_move_to_the_stage_it_is_in_changes_no_stage(firm, receiver):
    _listen(firm.workspace, receiver, events=["referral.stage_changed"])
    referral = _refer(firm)

    referral_move(referral=referral, actor=firm.bob, status="received", at=referral.received_at)

    assert receiver.requests == []


def test_an_endpoint_receives_only_the_events_it_chose(firm, receiver):
    _listen(firm.workspace, receiver, events=["referral.won"])
    referral = _refer(firm)
    referral_move(referral=referral, actor=firm.bob, status="contacted")
    referral_move(referral=referral, actor=firm.bob, status="won", won_value=Decimal(1))

    assert [e["event"] for e in _events(receiver)] == ["referral.won"]


def test_another_firms_endpoint_hears_nothing_of_ours(firm, receiver, other_receiver):
    _listen(firm.workspace, receiver)
    _listen(firm.other_workspace, other_receiver)

    referral = _refer(
        firm,
        source_kind=SourceKind.CUSTOMER,
        source_partner=None,
        source_contact=make_contact(firm.workspace, first_name="Ann"),
    )
    referral_move(referral=referral, actor=firm.bob, status="lost", lost_reason="No budget")

    assert len(receiver.requests) == 3
    assert other_receiver.requests == []


def test_a_referral_that_rolls_back_is_never_announced(firm, receiver):
    _listen(firm.workspace, receiver)

    with pytest.raises(RuntimeError), transaction.atomic():
        _refer(firm)
        raise RuntimeError("the request failed after the referral was recorded")

    assert receiver.requests == []
    assert WebhookDelivery.objects.count() == 0
