from datetime import timedelta

from django.utils import timezone

from referral_engine.integrations.models import DeliveryStatus, WebhookDelivery
from referral_engine.integrations.services import (
    MAX_ATTEMPTS,
    RETRY_DELAYS,
    webhook_deliver,
    webhook_endpoint_create,
    webhook_event_emit,
    webhook_retry_due,
)


def _time_passes(delivery: WebhookDelivery) -> None:
    # The stored schedule moved into the past, as if the clock had reached it.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def test_a_failing_receiver_is_retried_with_back_off_then_delivered(
    firm, receiver, django_capture_on_commit_callbacks
):
    endpoint = webhook_endpoint_create(workspace=firm.workspace, url=receiver.url, events=["referral.lost"])
    receiver.secret = endpoint.secret
    receiver.answers = [500, 503]
    with django_capture_on_commit_callbacks(execute=True):
        [delivery] = webhook_event_emit(workspace=firm.workspace, event="referral.lost", payload={"id": 3})

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (DeliveryStatus.PENDING, 1, 500)
    assert delivery.response_body == "receiver is down"
    assert delivery.next_attempt_at - delivery.last_attempt_at == RETRY_DELAYS[0]
    # Not due yet: neither the retry job nor a direct call sends it again.
    assert webhook_retry_due() == 0
    assert webhook_deliver(delivery_id=delivery.pk) is None
    assert len(receiver.requests) == 1

    _time_passes(delivery)
    assert webhook_retry_due() == 1
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.response_code) == (2, 503)
    assert delivery.next_attempt_at - delivery.last_attempt_at == RETRY_DELAYS[1]

    _time_passes(delivery)
    assert webhook_retry_due() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (DeliveryStatus.DELIVERED, 3, 200)
    assert delivery.next_attempt_at is None
    # Every attempt carried the same idempotency key and a valid signature.
    assert len(receiver.requests) == 3
    assert {r.headers["X-Referral-Engine-Delivery"] for r in receiver.requests} == {str(delivery.event_id)}
    assert all(r.signature_valid for r in receiver.requests)
    assert webhook_retry_due() == 0


def test_a_delivery_fails_for_good_after_the_last_attempt(firm, receiver, django_capture_on_commit_callbacks):
    webhook_endpoint_create(workspace=firm.workspace, url=receiver.url, events=["referral.lost"])
    receiver.answers = [500] * MAX_ATTEMPTS
    with django_capture_on_commit_callbacks(execute=True):
        [delivery] = webhook_event_emit(workspace=firm.workspace, event="referral.lost", payload={})
    for _ in range(MAX_ATTEMPTS - 1):
        _time_passes(delivery)
        webhook_retry_due()

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, MAX_ATTEMPTS)
    assert delivery.next_attempt_at is None
    assert len(receiver.requests) == MAX_ATTEMPTS
    assert webhook_retry_due(now=timezone.now() + timedelta(days=30)) == 0
