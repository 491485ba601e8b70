"""The e-mail outbox: sent after commit to a real SMTP server, once, never to do-not-contact, retried on failure."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from referral_engine.core.testing import make_contact
from referral_engine.integrations.mail import email_queue, email_retry_due, email_send
from referral_engine.integrations.models import EmailStatus, OutboundEmail
from referral_engine.integrations.tests.conftest import IMMEDIATE


def _queue(firm, contact, key="k1"):
    return email_queue(
        workspace=firm.workspace,
        kind="referral_update",
        dedupe_key=key,
        to=contact.email,
        subject="Fabrikam has been contacted",
        body="Hello Ann,\nFabrikam has been contacted.",
        contact=contact,
    )


@pytest.mark.django_db(transaction=True)
def test_sent_after_commit_once_to_a_real_smtp_server(firm, smtp_server, settings):
    settings.TASKS = IMMEDIATE
    contact = make_contact(firm.workspace, first_name="Ann", email="Ann@Example.com")
    with transaction.atomic():
        email = _queue(firm, contact)
        # Nothing leaves before the transaction commits.
        assert smtp_server.messages == []
    assert len(smtp_server.messages) == 1
    assert smtp_server.messages[0]["To"] == "ann@example.com"
    assert "Fabrikam has been contacted." in smtp_server.body()
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT and email.attempts == 1
    # The same key again queues nothing; a second send of the same row sends nothing.
    assert _queue(firm, contact) is None
    assert email_send(email_id=email.pk) is None
    assert len(smtp_server.messages) == 1


@pytest.mark.django_db(transaction=True)
def test_rolled_back_email_is_never_sent(firm, smtp_server, settings):
    settings.TASKS = IMMEDIATE
    contact = make_contact(firm.workspace, first_name="Ann", email="ann@example.com")
    with pytest.raises(RuntimeError), transaction.atomic():
        _queue(firm, contact)
        raise RuntimeError("the caller failed")
    assert OutboundEmail.objects.count() == 0
    assert smtp_server.messages == []


def test_do_not_contact_is_never_mailed(firm, smtp_server):
    contact = make_contact(firm.workspace, first_name="Ann", email="ann@example.com", do_not_contact=True)
    assert _queue(firm, contact) is None
    queued = _queue(firm, make_contact(firm.workspace, first_name="Bo", email="bo@example.com"), key="k2")
    # Marked do-not-contact after queueing: the worker refuses to send it.
    queued.contact.do_not_contact = True
    queued.contact.save()
    sent = email_send(email_id=queued.pk)
    assert sent.status == EmailStatus.FAILED and "not to be contacted" in sent.error
    assert smtp_server.messages == []


def test_failure_is_retried_with_back_off_then_sent(firm, smtp_server, settings):
    contact = make_contact(firm.workspace, first_name="Ann", email="ann@example.com")
    email = _queue(firm, contact)
    settings.EMAIL_PORT = 1  # nothing listens there
    failed = email_send(email_id=email.pk)
    assert failed.status == EmailStatus.PENDING and failed.attempts == 1 and failed.error
    assert failed.next_attempt_at > timezone.now()
    assert email_send(email_id=email.pk) is None  # not due yet
    settings.EMAIL_PORT = smtp_server.port
    OutboundEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    settings.TASKS = IMMEDIATE
    assert email_retry_due() == 1
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT and email.attempts == 2
    assert len(smtp_server.messages) == 1


def test_bad_address_is_a_field_error(firm):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        email_queue(
            workspace=firm.workspace, kind="x", dedupe_key="x", to="not-an-address", subject="s", body="b"
        )
    assert "to" in exc.value.message_dict


def test_the_email_log_in_the_back_office_shows_only_the_workspaces_own(firm, client):
    from django.urls import reverse

    mine = _queue(firm, make_contact(firm.workspace, first_name="Ann", email="ann@acme-client.test"))
    theirs = email_queue(
        workspace=firm.other_workspace,
        kind="x",
        dedupe_key="x",
        to="zed@globex-client.test",
        subject="Globex only",
        body="b",
    )
    firm.alice.user.is_staff = True
    firm.alice.user.save(update_fields=["is_staff"])
    client.force_login(firm.alice.user)
    page = client.get(reverse("admin:integrations_outboundemail_changelist")).content.decode()
    assert mine.to in page and theirs.to not in page
    assert client.get(reverse("admin:integrations_outboundemail_change", args=[theirs.pk])).status_code == 302


def test_a_partner_marked_do_not_contact_after_queueing_is_not_mailed(firm, smtp_server):
    partner = firm.carol_partner
    queued = email_queue(
        workspace=firm.workspace,
        kind="referral_update",
        dedupe_key="p1",
        to="carol@clark.test",
        subject="s",
        body="b",
        partner=partner,
    )
    partner.do_not_contact = True
    partner.save(update_fields=["do_not_contact"])
    sent = email_send(email_id=queued.pk)
    assert sent.status == EmailStatus.FAILED and "not to be contacted" in sent.error
    assert smtp_server.messages == []
    # And once marked, nothing more is queued for them.
    assert (
        email_queue(
            workspace=firm.workspace,
            kind="x",
            dedupe_key="p2",
            to="carol@clark.test",
            subject="s",
            body="b",
            partner=partner,
        )
        is None
    )
