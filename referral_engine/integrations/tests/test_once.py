import uuid
from datetime import timedelta

from django.utils import timezone

from referral_engine.integrations.models import WebhookDelivery
from referral_engine.integrations.services import (
    webhook_deliver,
    webhook_endpoint_create,
    webhook_event_emit,
    webhook_retry_due,
)
from referral_engine.integrations.tasks import deliver_webhook


def test_delivering_the_same_delivery_twice_sends_it_once(firm, receiver, django_capture_on_commit_callbacks):
    webhook_endpoint_create(workspace=firm.workspace, url=receiver.url, events=["referral.received"])
    with django_capture_on_commit_callbacks(execute=True):
        [delivery] = webhook_event_emit(workspace=firm.workspace, event="referral.received", payload={})

    assert webhook_deliver(delivery_id=delivery.pk) is None
    deliver_webhook.enqueue(delivery.pk)
    assert webhook_retry_due(now=timezone.now() + timedelta(days=1)) == 0
    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 1


def test_a_delivery_being_sent_by_another_worker_is_not_sent_again(firm, receiver):
    webhook_endpoint_create(workspace=firm.workspace, url=receiver.url, events=["referral.received"])
    # Emitted without running the on-commit task: the first worker's claim is taken here by hand.
    [delivery] = webhook_event_emit(workspace=firm.workspace, event="referral.received", payload={})
    from referral_engine.integrations.services import _claim

    assert _claim(delivery.pk, timezone.now())
    assert webhook_deliver(delivery_id=delivery.pk) is None
    assert receiver.requests == []


def test_emitting_the_same_event_id_twice_makes_one_delivery(
    firm, receiver, django_capture_on_commit_callbacks
):
    webhook_endpoint_create(workspace=firm.workspace, url=receiver.url, events=["reward.approved"])
    event_id = uuid.uuid4()
    with django_capture_on_commit_callbacks(execute=True):
        first = webhook_event_emit(
            workspace=firm.workspace, event="reward.approved", payload={}, event_id=event_id
        )
        second = webhook_event_emit(
            workspace=firm.workspace, event="reward.approved", payload={}, event_id=event_id
        )

    assert len(first) == 1
    assert second == []
    assert WebhookDelivery.objects.filter(event_id=event_id).count() == 1
    assert len(receiver.requests) == 1
