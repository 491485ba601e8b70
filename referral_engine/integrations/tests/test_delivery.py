import json
import time

from referral_engine.integrations.models import DeliveryStatus, WebhookDelivery
from referral_engine.integrations.services import (
    webhook_deliver,
    webhook_endpoint_create,
    webhook_event_emit,
    webhook_test_send,
)
from referral_engine.integrations.signing import signature_compute, signature_verify

PAYLOAD = {"referral": {"id": 7, "company": "Initech", "status": "received"}, "value": "1200.00"}


def make_endpoint(firm, receiver, events=("referral.received",)):
    endpoint = webhook_endpoint_create(workspace=firm.workspace, url=receiver.url, events=list(events))
    receiver.secret = endpoint.secret
    return endpoint


def test_the_receiver_verifies_the_signature_from_the_raw_body(
    firm, receiver, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint(firm, receiver)
    with django_capture_on_commit_callbacks(execute=True):
        [delivery] = webhook_event_emit(workspace=firm.workspace, event="referral.received", payload=PAYLOAD)

    [request] = receiver.requests
    assert request.signature_valid
    assert request.path == "/hooks"
    assert request.headers["X-Referral-Engine-Event"] == "referral.received"
    assert request.headers["X-Referral-Engine-Delivery"] == str(delivery.event_id)
    assert request.headers["Content-Type"] == "application/json"
    # Compact JSON with sorted keys, so the signed bytes are predictable.
    body = json.loads(request.body)
    assert request.body == json.dumps(body, separators=(",", ":"), sort_keys=True).encode()
    assert body["id"] == str(delivery.event_id)
    assert body["event"] == "referral.received"
    assert body["workspace"] == "acme"
    assert body["data"] == PAYLOAD
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 1
    assert delivery.response_code == 200
    assert delivery.response_body == "ok"
    assert delivery.delivered_at is not None
    assert endpoint.secret.startswith("whsec_")


def test_a_wrong_secret_a_changed_body_or_an_old_timestamp_fail_verification(
    firm, receiver, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint(firm, receiver)
    receiver.secret = "whsec_not-the-right-one"
    with django_capture_on_commit_callbacks(execute=True):
        webhook_event_emit(workspace=firm.workspace, event="referral.received", payload=PAYLOAD)

    [request] = receiver.requests
    assert not request.signature_valid
    timestamp = request.headers["X-Referral-Engine-Timestamp"]
    header = request.headers["X-Referral-Engine-Signature"]
    assert header.startswith("sha256=")
    assert signature_verify(endpoint.secret, timestamp, request.body, header)
    assert not signature_verify(endpoint.secret, timestamp, request.body + b" ", header)
    assert not signature_verify(endpoint.secret, int(timestamp) + 1, request.body, header)
    old = int(time.time()) - 301
    assert not signature_verify(
        endpoint.secret, old, request.body, signature_compute(endpoint.secret, old, request.body)
    )
    assert not signature_verify(endpoint.secret, "not-a-time", request.body, header)
    assert not signature_verify(endpoint.secret, timestamp, request.body, "")


def test_only_subscribed_active_endpoints_get_the_event(firm, receiver, django_capture_on_commit_callbacks):
    make_endpoint(firm, receiver, events=["referral.won"])
    with django_capture_on_commit_callbacks(execute=True):
        assert webhook_event_emit(workspace=firm.workspace, event="referral.received", payload=PAYLOAD) == []
    assert receiver.requests == []


def test_a_test_send_pings_the_endpoint_whatever_it_subscribes_to(
    firm, receiver, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint(firm, receiver, events=["reward.approved"])
    with django_capture_on_commit_callbacks(execute=True):
        delivery = webhook_test_send(endpoint=endpoint)

    [request] = receiver.requests
    assert request.signature_valid
    assert request.headers["X-Referral-Engine-Event"] == "ping"
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED


def test_a_receiver_that_cannot_be_reached_is_retried_later(firm, django_capture_on_commit_callbacks):
    endpoint = webhook_endpoint_create(
        workspace=firm.workspace, url="http://127.0.0.1:9/closed", events=["referral.received"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        [delivery] = webhook_event_emit(workspace=firm.workspace, event="referral.received", payload={})

    delivery.refresh_from_db()
    assert delivery.endpoint == endpoint
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1
    assert delivery.response_code is None
    assert "ConnectError" in delivery.error
    assert delivery.next_attempt_at > delivery.last_attempt_at


def test_a_disabled_endpoint_gets_nothing(firm, receiver, django_capture_on_commit_callbacks):
    from referral_engine.integrations.services import webhook_endpoint_update

    endpoint = make_endpoint(firm, receiver)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        [delivery] = webhook_event_emit(workspace=firm.workspace, event="referral.received", payload={})
    webhook_endpoint_update(endpoint=endpoint, is_active=False)
    for callback in callbacks:
        callback()

    assert receiver.requests == []
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert webhook_deliver(delivery_id=delivery.pk) is None
    assert WebhookDelivery.objects.count() == 1
