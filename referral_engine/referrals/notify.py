"""Webhook events about referrals (issue 4, item 8): what the firm's other systems hear, and when.

    referral.received       referral_create recorded a referral
    referral.stage_changed  referral_move moved it to another stage (from, to)
    referral.won            ... and that stage is won
    referral.lost           ... and that stage is lost

The services call these inside their transaction; integrations.services.webhook_event_emit writes one delivery
per subscribed endpoint and sends it after commit. Each event has a stable id, a UUID made from the referral, the
stage and the stage's time, so the same fact recorded twice (a retried job) is delivered once per endpoint, while
a referral that really moves to a stage again, later, is news again.

The payload carries ids, the company, the stage, the stage times, the source kind, the won value and the lost
reason: never the referral's story or anyone's personal notes, which stay in the app. docs/updates-and-webhooks.md
documents it field by field.
"""

import uuid
from datetime import UTC, datetime
from typing import Any

from referral_engine.integrations.models import WebhookEvent
from referral_engine.integrations.services import webhook_event_emit
from referral_engine.referrals.models import STAGE_FIELDS, STATUS_STAGE_FIELD, Referral, ReferralStatus

# The namespace of every referral event id (uuid5); fixed, so ids stay the same across releases.
EVENT_NAMESPACE = uuid.UUID("6f0f8f52-4b7e-5c0e-9d53-2b7a1c3f5e01")

CLOSING_EVENTS = {
    ReferralStatus.WON: WebhookEvent.REFERRAL_WON,
    ReferralStatus.LOST: WebhookEvent.REFERRAL_LOST,
}


def referral_event_id(*parts: Any) -> uuid.UUID:
    # Times in UTC, so the same instant read back from the database in another zone gives the same id.
    text = (part.astimezone(UTC).isoformat() if isinstance(part, datetime) else str(part) for part in parts)
    return uuid.uuid5(EVENT_NAMESPACE, ":".join(text))


def referral_payload(referral: Referral) -> dict[str, Any]:
    """The referral as webhooks describe it (see the module's docstring for what is left out, and why)."""
    return {
        "referral_id": referral.pk,
        "status": referral.status,
        "company": referral.referred_account.name,
        "account_id": referral.referred_account_id,
        "referred_contact_id": referral.referred_contact_id,
        "source_kind": referral.source_kind,
        "source_contact_id": referral.source_contact_id,
        "source_partner_id": referral.source_partner_id,
        "source_employee_id": referral.source_employee_id,
        "source_event_id": referral.source_event_id,
        "owner_id": referral.owner_id,
        "tier": referral.tier,
        "parent_id": referral.parent_id,
        **{name: getattr(referral, name) for name in STAGE_FIELDS},
        "first_contact_due": referral.first_contact_due,
        # A string with two decimals, as the API shows money: no float rounding on the receiver's side.
        "won_value": None if referral.won_value is None else f"{referral.won_value:.2f}",
        "currency": referral.workspace.currency,
        "lost_reason": referral.lost_reason,
    }


def referral_received_emit(*, referral: Referral) -> None:
    """`referral.received`, once per referral."""
    webhook_event_emit(
        workspace=referral.workspace,
        event=WebhookEvent.REFERRAL_RECEIVED,
        payload=referral_payload(referral),
        event_id=referral_event_id("referral", referral.pk, "received"),
    )


def referral_moved_emit(*, referral: Referral, from_status: str) -> None:
    """`referral.stage_changed` after a move to another stage, then `referral.won` or `referral.lost` when the
    move closed it. A move to the stage it is already in (a corrected time) changes no stage: nothing is sent."""
    to_status = referral.status
    if to_status == from_status:
        return
    changed_at = getattr(referral, STATUS_STAGE_FIELD[ReferralStatus(to_status)])
    payload = referral_payload(referral)
    webhook_event_emit(
        workspace=referral.workspace,
        event=WebhookEvent.REFERRAL_STAGE_CHANGED,
        payload={**payload, "from_status": from_status, "to_status": to_status, "changed_at": changed_at},
        event_id=referral_event_id("referral", referral.pk, from_status, to_status, changed_at),
    )
    closing = CLOSING_EVENTS.get(ReferralStatus(to_status))
    if closing is not None:
        webhook_event_emit(
            workspace=referral.workspace,
            event=closing,
            payload=payload,
            event_id=referral_event_id("referral", referral.pk, to_status, changed_at),
        )
