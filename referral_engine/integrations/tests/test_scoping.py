import pytest
from django.db import IntegrityError, transaction
from django.http import Http404

from referral_engine.integrations.models import WebhookDelivery
from referral_engine.integrations.selectors import (
    webhook_delivery_get,
    webhook_delivery_list,
    webhook_endpoint_get,
    webhook_endpoint_list,
)
from referral_engine.integrations.services import webhook_endpoint_create, webhook_event_emit


def test_another_workspaces_endpoints_never_receive_an_event(
    firm, receiver, other_receiver, django_capture_on_commit_callbacks
):
    webhook_endpoint_create(workspace=firm.workspace, url=receiver.url, events=["referral.received"])
    webhook_endpoint_create(
        workspace=firm.other_workspace, url=other_receiver.url, events=["referral.received"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        webhook_event_emit(workspace=firm.workspace, event="referral.received", payload={"for": "acme"})

    assert len(receiver.requests) == 1
    assert other_receiver.requests == []


def test_selectors_show_only_the_workspaces_own_rows(firm, receiver, other_receiver):
    acme = webhook_endpoint_create(workspace=firm.workspace, url=receiver.url, events=["referral.won"])
    globex = webhook_endpoint_create(
        workspace=firm.other_workspace, url=other_receiver.url, events=["referral.won"]
    )
    [delivery] = webhook_event_emit(workspace=firm.other_workspace, event="referral.won", payload={})

    assert list(webhook_endpoint_list(workspace=firm.workspace)) == [acme]
    assert webhook_endpoint_get(workspace=firm.other_workspace, id=globex.pk) == globex
    with pytest.raises(Http404):
        webhook_endpoint_get(workspace=firm.workspace, id=globex.pk)
    assert list(webhook_delivery_list(workspace=firm.workspace)) == []
    assert list(webhook_delivery_list(workspace=firm.other_workspace, status="pending")) == [delivery]
    with pytest.raises(Http404):
        webhook_delivery_get(workspace=firm.workspace, id=delivery.pk)


def test_the_database_refuses_a_delivery_for_another_workspaces_endpoint(firm, other_receiver):
    globex = webhook_endpoint_create(
        workspace=firm.other_workspace, url=other_receiver.url, events=["referral.won"]
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        WebhookDelivery.objects.create(workspace=firm.workspace, endpoint=globex, event="referral.won")
