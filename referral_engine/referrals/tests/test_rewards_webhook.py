"""Approving a reward sends `reward.approved` once to a real HTTP server, signed; a refused approval sends nothing."""

import json
from decimal import Decimal

import pytest

from referral_engine.core.errors import Conflict
from referral_engine.integrations.models import WebhookDelivery
from referral_engine.integrations.services import webhook_endpoint_create
from referral_engine.integrations.tests.conftest import IMMEDIATE, receiver  # noqa: F401  (the fixture)
from referral_engine.referrals.models import Reward
from referral_engine.referrals.rewards import reward_approve, reward_event_id
from referral_engine.referrals.tests.rewards_setup import fee_rule, programme, won_referral


@pytest.fixture(autouse=True)
def _webhooks(settings):
    settings.TASKS = IMMEDIATE
    settings.WEBHOOKS_ALLOW_LOCAL = True


def test_reward_approved_reaches_the_receiver_once_with_a_valid_signature(
    firm,
    receiver,  # noqa: F811 (the fixture imported above)
    django_capture_on_commit_callbacks,
):
    endpoint = webhook_endpoint_create(workspace=firm.workspace, url=receiver.url, events=["reward.approved"])
    receiver.secret = endpoint.secret
    programme(firm, budget="1000")
    fee_rule(firm, percent=Decimal("5"))
    reward = Reward.objects.get(referral=won_referral(firm, value="12000", company="Hooli"))

    with django_capture_on_commit_callbacks(execute=True):
        reward_approve(reward=reward, actor=firm.alice)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Conflict):
        reward_approve(reward=reward, actor=firm.alice)

    [request] = receiver.requests
    assert request.signature_valid
    assert request.headers["X-Referral-Engine-Event"] == "reward.approved"
    body = json.loads(request.body)
    assert body["id"] == str(reward_event_id(reward, "approved"))
    data = body["data"]
    assert data["reward"]["id"] == reward.pk
    assert (data["reward"]["kind"], data["reward"]["amount"], data["reward"]["currency"]) == (
        "fee",
        "600.00",
        "EUR",
    )
    assert data["reward"]["status"] == "approved"
    assert data["reward"]["payable_from"] == "2026-03-15"
    assert data["referral"]["company"] == "Hooli"
    assert data["referral"]["source_partner_id"] == firm.carol_partner.pk
    assert data["referral"]["won_value"] == "12000.00"
    assert "story" not in json.dumps(data)
    assert WebhookDelivery.objects.get().status == "delivered"


def test_an_approval_refused_by_the_budget_sends_nothing(
    firm,
    receiver,  # noqa: F811 (the fixture imported above)
    django_capture_on_commit_callbacks,
):
    endpoint = webhook_endpoint_create(workspace=firm.workspace, url=receiver.url, events=["reward.approved"])
    receiver.secret = endpoint.secret
    programme(firm, budget="100")
    fee_rule(firm, percent=Decimal("5"))
    reward = Reward.objects.get(referral=won_referral(firm, value="12000"))

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Conflict, match="budget"):
        reward_approve(reward=reward, actor=firm.alice)

    assert receiver.requests == []
    assert not WebhookDelivery.objects.exists()
