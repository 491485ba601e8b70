import pytest
from django.db import transaction

from referral_engine.integrations.models import WebhookDelivery
from referral_engine.integrations.services import webhook_endpoint_create, webhook_event_emit


class Rollback(Exception):
    pass


def test_an_event_in_a_rolled_back_transaction_is_never_sent(
    firm, receiver, django_capture_on_commit_callbacks
):
    webhook_endpoint_create(workspace=firm.workspace, url=receiver.url, events=["referral.won"])
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Rollback),
        transaction.atomic(),
    ):
        webhook_event_emit(workspace=firm.workspace, event="referral.won", payload={"id": 1})
        raise Rollback

    assert callbacks == []
    assert receiver.requests == []
    assert not WebhookDelivery.objects.exists()


def test_nothing_is_sent_before_the_transaction_commits(firm, receiver, django_capture_on_commit_callbacks):
    webhook_endpoint_create(workspace=firm.workspace, url=receiver.url, events=["referral.won"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        webhook_event_emit(workspace=firm.workspace, event="referral.won", payload={"id": 1})
        assert receiver.requests == []

    assert receiver.requests == []
    for callback in callbacks:  # the commit
        callback()
    assert len(receiver.requests) == 1
