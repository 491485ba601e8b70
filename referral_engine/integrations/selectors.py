"""Reads of webhook endpoints and deliveries, always within one workspace."""

from django.db.models import QuerySet
from django.http import Http404

from referral_engine.integrations.models import WebhookDelivery, WebhookEndpoint
from referral_engine.workspaces.models import Workspace


def webhook_endpoint_list(
    *, workspace: Workspace, is_active: bool | None = None
) -> QuerySet[WebhookEndpoint]:
    endpoints = WebhookEndpoint.objects.filter(workspace=workspace)
    if is_active is not None:
        endpoints = endpoints.filter(is_active=is_active)
    return endpoints


def webhook_endpoint_get(*, workspace: Workspace, id: int) -> WebhookEndpoint:
    try:
        return WebhookEndpoint.objects.get(workspace=workspace, pk=id)
    except (WebhookEndpoint.DoesNotExist, ValueError, TypeError):
        raise Http404("No such webhook endpoint.") from None


def webhook_delivery_list(
    *,
    workspace: Workspace,
    endpoint_id: int | None = None,
    status: str | None = None,
    event: str | None = None,
) -> QuerySet[WebhookDelivery]:
    deliveries = WebhookDelivery.objects.filter(workspace=workspace).select_related("endpoint")
    if endpoint_id is not None:
        deliveries = deliveries.filter(endpoint_id=endpoint_id)
    if status:
        deliveries = deliveries.filter(status=status)
    if event:
        deliveries = deliveries.filter(event=event)
    return deliveries


def webhook_delivery_get(*, workspace: Workspace, id: int) -> WebhookDelivery:
    try:
        return WebhookDelivery.objects.select_related("endpoint").get(workspace=workspace, pk=id)
    except (WebhookDelivery.DoesNotExist, ValueError, TypeError):
        raise Http404("No such webhook delivery.") from None
