"""E-mail the engine sends: queued in the caller's transaction, sent by the worker after commit, once.

    email_queue(workspace=ws, kind="referral_update", dedupe_key=f"referral:{r.pk}:update:contacted",
                to=contact.email, subject=..., body=..., contact=contact)

A contact or partner marked do-not-contact is never mailed (email_queue returns None). The same dedupe key queues one
e-mail, however often it is asked for. Sending claims the row with one conditional UPDATE, as webhooks do, so
two workers never both send it; a failure is retried with back-off, then the e-mail is marked failed.
"""

import logging
from datetime import datetime, timedelta
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from referral_engine.core.errors import field_error
from referral_engine.integrations.models import EmailStatus, OutboundEmail
from referral_engine.workspaces.models import Workspace

logger = logging.getLogger(__name__)

RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=10), timedelta(hours=1), timedelta(hours=6))
MAX_ATTEMPTS = 1 + len(RETRY_DELAYS)
# Longer than an SMTP conversation can take (EMAIL_TIMEOUT), so a claim outlives the send it covers.
CLAIM_SECONDS = 120


def _enqueue_on_commit(email_id: int) -> None:
    from referral_engine.integrations.tasks import send_email

    transaction.on_commit(lambda: send_email.enqueue(email_id))


@transaction.atomic
def email_queue(
    *,
    workspace: Workspace,
    kind: str,
    dedupe_key: str,
    to: str,
    subject: str,
    body: str,
    contact=None,
    partner=None,
) -> OutboundEmail | None:
    """Queue one e-mail, sent after the surrounding transaction commits. None when it must not be sent (the
    contact or partner is do-not-contact) or was queued before under the same key."""
    if _do_not_contact(contact, partner):
        return None
    to = (to or "").strip().lower()
    try:
        validate_email(to)
    except Exception as exc:
        raise field_error("to", f"Not an e-mail address: {to!r}.") from exc
    email, created = OutboundEmail.objects.get_or_create(
        workspace=workspace,
        dedupe_key=dedupe_key[:160],
        defaults={
            "kind": kind,
            "to": to,
            "subject": " ".join(subject.split())[:200],
            "body": body,
            "contact": contact,
            "partner": partner,
            # Due at once: if the task enqueued after commit is lost, retry_due_emails sends it.
            "next_attempt_at": timezone.now(),
        },
    )
    if not created:
        return None
    _enqueue_on_commit(email.pk)
    return email


def _do_not_contact(*people) -> bool:
    return any(person is not None and person.do_not_contact for person in people)


def _claim(email_id: int, now: datetime) -> bool:
    claimed = (
        OutboundEmail.objects.filter(pk=email_id, status=EmailStatus.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS), updated_at=now)
    )
    return claimed == 1


def email_send(*, email_id: int) -> OutboundEmail | None:
    """Send one queued e-mail if it is pending and due; None when there was nothing to send."""
    now = timezone.now()
    if not _claim(email_id, now):
        return None
    email = OutboundEmail.objects.select_related("contact", "partner").get(pk=email_id)
    error = ""
    refused = _do_not_contact(email.contact, email.partner)
    if refused:
        # Marked do-not-contact after it was queued: never sent.
        error = "The recipient asked not to be contacted."
    else:
        message = EmailMessage(
            subject=email.subject,
            body=email.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[email.to],
            headers={"X-Referral-Engine-Email": str(email.pk)},
        )
        try:
            message.send(fail_silently=False)
        except (SMTPException, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:300]
    finished = timezone.now()
    attempts = email.attempts + 1
    update = {"attempts": attempts, "error": error, "last_attempt_at": finished, "updated_at": finished}
    if not error:
        update |= {"status": EmailStatus.SENT, "sent_at": finished, "next_attempt_at": None}
    elif attempts >= MAX_ATTEMPTS or refused:
        update |= {"status": EmailStatus.FAILED, "next_attempt_at": None}
    else:
        update |= {"next_attempt_at": finished + RETRY_DELAYS[attempts - 1]}
    OutboundEmail.objects.filter(pk=email_id).update(**update)
    for name, value in update.items():
        setattr(email, name, value)
    if error:
        logger.warning("E-mail %s to %s not sent (attempt %s): %s", email.pk, email.to, attempts, error)
    return email


def email_retry_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Enqueue the pending e-mails whose next attempt is due; returns how many."""
    from referral_engine.integrations.tasks import send_email

    now = now or timezone.now()
    due = list(
        OutboundEmail.objects.filter(status=EmailStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for email_id in due:
        send_email.enqueue(email_id)
    return len(due)
