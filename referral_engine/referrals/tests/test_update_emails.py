"""Updates to a referrer who chose e-mail updates: one e-mail per stage, in the workspace's wording, received by a
real SMTP server after commit; never to someone marked do-not-contact; a task for everyone else."""

from decimal import Decimal

import pytest
from django.db import transaction

from referral_engine.core.testing import make_account, make_contact
from referral_engine.engagement.message_templates import DEFAULTS, PLACEHOLDERS, default_wording, fill_in
from referral_engine.engagement.models import MessageTemplateKey, Task, TaskKind
from referral_engine.engagement.services import message_template_save
from referral_engine.integrations.models import EmailStatus, OutboundEmail
from referral_engine.integrations.tests.conftest import IMMEDIATE
from referral_engine.referrals.gratitude import referral_stage_news_create
from referral_engine.referrals.models import Referral, SourceKind
from referral_engine.referrals.services import referral_create, referral_move

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _tasks_inline(settings):
    # The e-mail is sent by the queue after commit; inline here, as the worker would.
    settings.TASKS = IMMEDIATE


def _ann(firm, **fields):
    fields.setdefault("email", "ann@initech.test")
    fields.setdefault("email_updates", True)
    return make_contact(firm.workspace, first_name="Ann", last_name="Ames", owner=firm.bob, **fields)


def _referral_from(firm, *, contact=None, partner=None) -> Referral:
    source = (
        {"source_kind": SourceKind.CUSTOMER, "source_contact": contact}
        if contact is not None
        else {"source_kind": SourceKind.PARTNER, "source_partner": partner}
    )
    return referral_create(
        workspace=firm.workspace,
        actor=firm.bob,
        referred_account=make_account(firm.workspace, name="Fabrikam"),
        owner=firm.bob,
        story="Ann plays golf with their CFO.",
        **source,
    )


def _updates(referral: Referral) -> list[Task]:
    return list(Task.objects.filter(referral=referral, kind=TaskKind.UPDATE))


def test_a_contact_who_chose_email_updates_hears_at_each_stage_once(firm, smtp_server):
    referral = _referral_from(firm, contact=_ann(firm))
    assert smtp_server.messages == []  # a new referral is a thank-you task, not an e-mail

    referral_move(referral=referral, actor=firm.bob, status="contacted")

    [message] = smtp_server.messages
    assert message["To"] == "ann@initech.test"
    assert message["Subject"] == "Fabrikam: we have been in touch"
    body = smtp_server.body().replace("\r\n", "\n")  # SMTP sends lines ending in CRLF
    assert body.startswith("Hi Ann,\n\nA quick note to let you know we have now been in touch with Fabrikam.")
    assert body.rstrip().endswith("Warm regards,\nBob Baker\nAcme Advisory")
    assert "golf" not in body  # the story stays in the app
    assert _updates(referral) == []  # instead of the task, not as well

    # The same stage recorded again (a job run twice) mails nothing more.
    assert referral_stage_news_create(referral=referral) is False
    assert len(smtp_server.messages) == 1
    [email] = OutboundEmail.objects.filter(workspace=firm.workspace)
    assert email.dedupe_key == f"referral:{referral.pk}:update:contacted"
    assert email.status == EmailStatus.SENT and email.contact.first_name == "Ann"

    referral_move(referral=referral, actor=firm.bob, status="meeting")
    referral_move(referral=referral, actor=firm.bob, status="proposal")
    assert [m["Subject"] for m in smtp_server.messages] == [
        "Fabrikam: we have been in touch",
        "Fabrikam: we have met",
        "Fabrikam: our proposal is with them",
    ]


def test_the_workspaces_own_wording_is_used(firm, smtp_server):
    message_template_save(
        workspace=firm.workspace,
        actor=firm.alice,
        key=MessageTemplateKey.REFERRAL_CONTACTED,
        subject="{referred_company} and {firm_name}",
        body="Dear {referrer_first_name}, {referred_company} is now {stage}. {{Braces}} stay. {owner_name}",
    )
    referral = _referral_from(firm, contact=_ann(firm))

    referral_move(referral=referral, actor=firm.bob, status="contacted")

    [message] = smtp_server.messages
    assert message["Subject"] == "Fabrikam and Acme Advisory"
    assert smtp_server.body().strip() == "Dear Ann, Fabrikam is now contacted. {Braces} stay. Bob Baker"


def test_on_won_a_partner_gets_the_email_and_a_person_still_thanks_them(firm, smtp_server):
    carol = firm.carol_partner
    carol.email_updates = True
    carol.owner = firm.alice
    carol.save(update_fields=["email_updates", "owner"])
    referral = _referral_from(firm, partner=carol)

    referral_move(referral=referral, actor=firm.bob, status="won", won_value=Decimal("12000"))

    [message] = smtp_server.messages
    assert message["To"] == "carol@partner.test"
    assert message["Subject"] == "Good news about Fabrikam"
    assert "Hi Carol," in smtp_server.body() and "Alice Archer" in smtp_server.body()
    closing = Task.objects.get(referral=referral, dedupe_key=f"referral:{referral.pk}:won-thanks")
    assert closing.title == "Thank Carol Clark for closing business: we won Fabrikam"
    assert closing.assignee == firm.alice
    assert _updates(referral) == []

    # Recorded twice: still one e-mail and one closing thanks.
    assert referral_stage_news_create(referral=referral) is False
    assert len(smtp_server.messages) == 1
    assert Task.objects.filter(referral=referral, kind=TaskKind.THANK).count() == 2  # thanks + closing thanks


def test_lost_is_told_without_the_reason(firm, smtp_server):
    referral = _referral_from(firm, contact=_ann(firm))

    referral_move(referral=referral, actor=firm.bob, status="lost", lost_reason="Their CFO hated our pricing")

    [message] = smtp_server.messages
    assert message["Subject"] == "Fabrikam: not this time"
    assert "pricing" not in smtp_server.body()


@pytest.mark.parametrize("who", ["contact", "partner"])
def test_a_referrer_marked_do_not_contact_is_never_mailed(firm, smtp_server, who):
    if who == "contact":
        referral = _referral_from(firm, contact=_ann(firm, do_not_contact=True))
    else:
        carol = firm.carol_partner
        carol.email_updates, carol.do_not_contact = True, True
        carol.save(update_fields=["email_updates", "do_not_contact"])
        referral = _referral_from(firm, partner=carol)

    for status in ("contacted", "meeting", "proposal", "won"):
        referral_move(referral=referral, actor=firm.bob, status=status, won_value=Decimal(1))
    referral_move(referral=referral, actor=firm.bob, status="lost", lost_reason="Went elsewhere")
    referral_stage_news_create(referral=referral)

    assert smtp_server.messages == []
    assert OutboundEmail.objects.count() == 0
    assert _updates(referral) == []
    # The closing thanks is an internal note, never a call.
    closing = Task.objects.get(referral=referral, dedupe_key=f"referral:{referral.pk}:won-thanks")
    assert "asked not to be contacted" in closing.title


def test_marked_do_not_contact_after_the_email_was_queued_it_is_not_sent(firm, smtp_server, settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}
    }
    ann = _ann(firm)
    referral = _referral_from(firm, contact=ann)
    referral_move(referral=referral, actor=firm.bob, status="contacted")
    ann.do_not_contact = True
    ann.save(update_fields=["do_not_contact"])

    from referral_engine.integrations.mail import email_send

    email = OutboundEmail.objects.get(workspace=firm.workspace)
    assert email_send(email_id=email.pk).status == EmailStatus.FAILED
    assert smtp_server.messages == []


@pytest.mark.parametrize(
    "fields",
    [{"email_updates": False}, {"email": ""}],
    ids=["not-chosen", "no-address"],
)
def test_otherwise_the_update_is_a_task_for_a_person(firm, smtp_server, fields):
    referral = _referral_from(firm, contact=_ann(firm, **fields))

    referral_move(referral=referral, actor=firm.bob, status="contacted")

    assert smtp_server.messages == []
    [update] = _updates(referral)
    assert update.title == "Tell Ann that Fabrikam has been contacted"


def test_a_referrer_who_changes_their_choice_between_two_runs_still_hears_once(firm, smtp_server):
    ann = _ann(firm, email_updates=False)
    referral = _referral_from(firm, contact=ann)
    referral_move(referral=referral, actor=firm.bob, status="contacted")
    assert len(_updates(referral)) == 1

    ann.email_updates = True
    ann.save(update_fields=["email_updates"])
    referral.refresh_from_db()
    assert referral_stage_news_create(referral=referral) is False

    assert smtp_server.messages == []
    assert len(_updates(referral)) == 1


def test_a_move_that_rolls_back_mails_nothing(firm, smtp_server):
    referral = _referral_from(firm, contact=_ann(firm))

    with pytest.raises(RuntimeError), transaction.atomic():
        referral_move(referral=referral, actor=firm.bob, status="contacted")
        raise RuntimeError("the request failed after the move")

    assert smtp_server.messages == []
    assert OutboundEmail.objects.count() == 0


def test_every_built_in_wording_fills_in_completely():
    values = {name: f"<{name}>" for name in PLACEHOLDERS}
    for key in MessageTemplateKey.values:
        wording = default_wording(key)
        for text in (wording.subject, wording.body):
            filled = fill_in(text, values)
            assert "{" not in filled and "}" not in filled, key
        assert "<referrer_first_name>" in fill_in(wording.body, values)
    assert set(DEFAULTS) == set(MessageTemplateKey.values)
