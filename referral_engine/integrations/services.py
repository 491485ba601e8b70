"""Webhook endpoints, events and their delivery.

An event becomes one WebhookDelivery row per subscribed endpoint inside the caller's transaction; the delivery
task is enqueued only once that transaction commits, so a rolled-back change never reaches a receiver.
"""

import json
import logging
import secrets
import time
import uuid
from datetime import datetime, timedelta
from ipaddress import ip_address
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from referral_engine.integrations.models import (
    PING_EVENT,
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from referral_engine.integrations.signing import signature_compute, signature_verify
from referral_engine.workspaces.models import Workspace

__all__ = [
    "clean_endpoint_fields",
    "signature_verify",
    "webhook_deliver",
    "webhook_endpoint_create",
    "webhook_endpoint_delete",
    "webhook_endpoint_update",
    "webhook_event_emit",
    "webhook_retry_due",
    "webhook_test_send",
]

logger = logging.getLogger(__name__)

USER_AGENT = "Referral-Engine-Webhooks/1"
TIMEOUT_SECONDS = 10.0
RESPONSE_EXCERPT_CHARS = 1000
# Waits before each retry; the first attempt plus one retry per entry, then the delivery is failed.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
MAX_ATTEMPTS = 1 + len(RETRY_DELAYS)
# A worker claims a delivery for longer than one request can take. If it dies while sending, another worker
# may send again after this; receivers deduplicate on the delivery id (at-least-once, like every webhook).
CLAIM_SECONDS = 5 * TIMEOUT_SECONDS
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


# ------------------------------------------------------------------------------------------------ endpoints


def _local_allowed() -> bool:
    return bool(settings.DEBUG or getattr(settings, "WEBHOOKS_ALLOW_LOCAL", False))


def _is_local_host(host: str) -> bool:
    if host in LOCAL_HOSTS or host.endswith(".localhost"):
        return True
    try:
        address = ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local or address.is_unspecified


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValidationError({"url": ["Enter a full URL starting with https://."]}) from None
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.username or parts.password:
        raise ValidationError(
            {"url": ["Put no user name or password in the URL; the signature proves the sender."]}
        )
    if _is_local_host(host):
        # Webhooks are requests made by our server: a local or private address would let a workspace reach
        # services on our own network. Allowed only for development and tests.
        if not (_local_allowed() and host in LOCAL_HOSTS):
            raise ValidationError({"url": ["The URL must point to a public server, not a local address."]})
        return url
    if parts.scheme != "https":
        raise ValidationError({"url": ["The URL must start with https://."]})
    return url


def _clean_events(events: Any) -> list[str]:
    if not isinstance(events, list | tuple) or not events:
        raise ValidationError({"events": ["Choose at least one event."]})
    unknown = [str(event) for event in events if event not in WebhookEvent.values]
    if unknown:
        raise ValidationError(
            {
                "events": [
                    f"Unknown event: {', '.join(unknown)}. Choose from {', '.join(WebhookEvent.values)}."
                ]
            }
        )
    # Kept in the documented order, each once.
    return [event for event in WebhookEvent.values if event in events]


def clean_endpoint_fields(*, url: str, events: list[str]) -> tuple[str, list[str]]:
    """The URL and events as they will be saved, or a ValidationError naming every field at fault."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for name, value, clean in (("url", url, _clean_url), ("events", events, _clean_events)):
        try:
            cleaned[name] = clean(value)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return cleaned["url"], cleaned["events"]


def _new_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


@transaction.atomic
def webhook_endpoint_create(
    *, workspace: Workspace, url: str, events: list[str], description: str = "", is_active: bool = True
) -> WebhookEndpoint:
    url, events = clean_endpoint_fields(url=url, events=events)
    endpoint = WebhookEndpoint(
        workspace=workspace,
        url=url,
        events=events,
        description=description.strip(),
        is_active=is_active,
        secret=_new_secret(),
    )
    endpoint.full_clean(exclude=["workspace"])
    endpoint.save()
    return endpoint


@transaction.atomic
def webhook_endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    events: list[str] | None = None,
    description: str | None = None,
    is_active: bool | None = None,
    rotate_secret: bool = False,
) -> WebhookEndpoint:
    changed = []
    if url is not None:
        endpoint.url = _clean_url(url)
        changed.append("url")
    if events is not None:
        endpoint.events = _clean_events(events)
        changed.append("events")
    if description is not None:
        endpoint.description = description.strip()
        changed.append("description")
    if is_active is not None:
        endpoint.is_active = is_active
        changed.append("is_active")
    if rotate_secret:
        endpoint.secret = _new_secret()
        changed.append("secret")
    if changed:
        endpoint.full_clean(exclude=["workspace"])
        endpoint.save(update_fields=[*changed, "updated_at"])
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    # Its deliveries go with it: the log describes an endpoint that no longer exists.
    endpoint.delete()


# --------------------------------------------------------------------------------------------------- events


def _enqueue_on_commit(delivery_ids: list[int]) -> None:
    from referral_engine.integrations.tasks import deliver_webhook

    def enqueue() -> None:
        for delivery_id in delivery_ids:
            deliver_webhook.enqueue(delivery_id)

    if delivery_ids:
        transaction.on_commit(enqueue)


def _create_deliveries(
    *, workspace: Workspace, endpoints: list[WebhookEndpoint], event: str, payload: dict, event_id: uuid.UUID
) -> list[WebhookDelivery]:
    deliveries = []
    for endpoint in endpoints:
        # The same event emitted twice (a job run twice) finds its delivery instead of creating a second.
        delivery, created = WebhookDelivery.objects.get_or_create(
            endpoint=endpoint,
            event_id=event_id,
            # Due at once: if the task enqueued after commit is lost (a crash), retry_due_webhooks sends it.
            defaults={
                "workspace": workspace,
                "event": event,
                "payload": payload,
                "next_attempt_at": timezone.now(),
            },
        )
        if created:
            deliveries.append(delivery)
    _enqueue_on_commit([delivery.pk for delivery in deliveries])
    return deliveries


@transaction.atomic
def webhook_event_emit(
    *, workspace: Workspace, event: str, payload: dict, event_id: uuid.UUID | None = None
) -> list[WebhookDelivery]:
    """Queue `event` for every active endpoint of the workspace subscribed to it; sent after commit.

    Pass a stable `event_id` when the same fact may be emitted again (a retried job): it is the idempotency key,
    and an endpoint gets one delivery per event_id.
    """
    if event not in WebhookEvent.values:
        raise ValidationError({"event": [f"Unknown event: {event}."]})
    # Normalised now, so the stored payload is exactly what will be sent.
    payload = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    # A workspace has a handful of endpoints; their JSON list of events is filtered here rather than with a
    # JSON containment lookup SQLite does not have.
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(workspace=workspace, is_active=True)
        if endpoint.subscribes_to(event)
    ]
    return _create_deliveries(
        workspace=workspace,
        endpoints=endpoints,
        event=event,
        payload=payload,
        event_id=event_id or uuid.uuid4(),
    )


@transaction.atomic
def webhook_test_send(*, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A "ping" event to this endpoint only, whatever it subscribes to, so its owner can check the receiver."""
    payload = {"message": "Test delivery from Referral Engine.", "endpoint_id": endpoint.pk}
    deliveries = _create_deliveries(
        workspace=endpoint.workspace,
        endpoints=[endpoint],
        event=PING_EVENT,
        payload=payload,
        event_id=uuid.uuid4(),
    )
    return deliveries[0]


# ------------------------------------------------------------------------------------------------- delivery


def delivery_body(delivery: WebhookDelivery) -> bytes:
    """The exact bytes sent: compact JSON with sorted keys, so the same delivery always signs the same."""
    envelope = {
        "id": str(delivery.event_id),
        "event": delivery.event,
        "created_at": delivery.created_at.isoformat(),
        "workspace": delivery.endpoint.workspace.slug,
        "data": delivery.payload,
    }
    return json.dumps(envelope, separators=(",", ":"), sort_keys=True, cls=DjangoJSONEncoder).encode("utf-8")


def delivery_headers(delivery: WebhookDelivery, body: bytes, timestamp: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Referral-Engine-Event": delivery.event,
        "X-Referral-Engine-Delivery": str(delivery.event_id),
        "X-Referral-Engine-Timestamp": str(timestamp),
        "X-Referral-Engine-Signature": signature_compute(delivery.endpoint.secret, timestamp, body),
    }


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    # Redirects are not followed: the URL was checked when it was saved, a redirect target was not.
    with (
        httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client,
        client.stream("POST", url, content=body, headers=headers) as response,
    ):
        # Only the start of the answer is kept; a receiver answering megabytes must not fill the log.
        excerpt = b""
        for chunk in response.iter_bytes():
            excerpt += chunk
            if len(excerpt) >= RESPONSE_EXCERPT_CHARS * 4:
                break
        return response.status_code, excerpt.decode("utf-8", "replace")[:RESPONSE_EXCERPT_CHARS]


def _claim(delivery_id: int, now: datetime) -> bool:
    """Take the delivery for this worker with one conditional UPDATE, so two workers never both send it."""
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS), updated_at=now)
    )
    return claimed == 1


def webhook_deliver(*, delivery_id: int) -> WebhookDelivery | None:
    """Send one delivery if it is pending and due; record the answer and schedule a retry on failure.

    Returns the delivery, or None when there was nothing to send (delivered already, failed, not yet due, or
    being sent by another worker). Not one transaction: a row must not stay locked while a remote server
    answers, so the claim and the result are two short writes around the request.
    """
    now = timezone.now()
    if not _claim(delivery_id, now):
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint", "endpoint__workspace").get(pk=delivery_id)
    endpoint = delivery.endpoint
    attempts = delivery.attempts + 1
    code: int | None = None
    excerpt = ""
    error = ""
    if not endpoint.is_active:
        error = "The endpoint is disabled."
    else:
        body = delivery_body(delivery)
        timestamp = int(time.time())
        try:
            code, excerpt = _post(endpoint.url, body, delivery_headers(delivery, body, timestamp))
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:300]
    finished = timezone.now()
    update: dict[str, Any] = {
        "attempts": attempts,
        "response_code": code,
        "response_body": excerpt,
        "error": error,
        "last_attempt_at": finished,
        "updated_at": finished,
    }
    if code is not None and 200 <= code < 300:
        update |= {"status": DeliveryStatus.DELIVERED, "delivered_at": finished, "next_attempt_at": None}
    elif attempts >= MAX_ATTEMPTS or not endpoint.is_active:
        update |= {"status": DeliveryStatus.FAILED, "next_attempt_at": None}
    else:
        update |= {"next_attempt_at": finished + RETRY_DELAYS[attempts - 1]}
    WebhookDelivery.objects.filter(pk=delivery_id).update(**update)
    for name, value in update.items():
        setattr(delivery, name, value)
    if delivery.status != DeliveryStatus.DELIVERED:
        logger.warning(
            "Webhook delivery %s to %s failed (attempt %s): %s",
            delivery.event_id,
            endpoint.url,
            attempts,
            error or code,
        )
    return delivery


def webhook_retry_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Enqueue the pending deliveries whose next attempt is due; returns how many."""
    from referral_engine.integrations.tasks import deliver_webhook

    now = now or timezone.now()
    due = list(
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for delivery_id in due:
        deliver_webhook.enqueue(delivery_id)
    return len(due)
