"""The daily digest, received by a real SMTP server after commit, once, with the right tasks — never for someone
who opted out, never before the workspace's morning; the ask list and, on Mondays, the leaderboard."""

from datetime import date, datetime, timedelta

import pytest

from referral_engine.asking.services import ask_lists_generate
from referral_engine.asking.tests.helpers import make_ready_contact
from referral_engine.core.testing import make_contact
from referral_engine.engagement.models import Ask
from referral_engine.integrations.models import OutboundEmail
from referral_engine.integrations.tests.conftest import IMMEDIATE
from referral_engine.journeys.services import daily_digests_queue, digest_preference_set
from referral_engine.journeys.tests.helpers import NOW, TODAY, make_task

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _immediate(settings):
    settings.TASKS = IMMEDIATE


def _messages_to(smtp_server, address):
    return [m for m in smtp_server.messages if m["To"] == address]


def test_the_digest_has_todays_and_overdue_tasks_and_is_sent_once(firm, smtp_server):
    make_task(firm.workspace, assignee=firm.bob, due=TODAY, title="Call Fabrikam about the invoice")
    make_task(firm.workspace, assignee=firm.bob, due=TODAY - timedelta(days=3), title="Write to Contoso")
    make_task(firm.workspace, assignee=firm.bob, due=TODAY + timedelta(days=1), title="Tomorrow's meeting")
    make_task(
        firm.workspace, assignee=firm.bob, due=TODAY, title="Already done", status="done", completed_at=NOW
    )
    make_task(firm.workspace, assignee=firm.alice, due=TODAY, title="Alice's call")
    make_task(firm.other_workspace, assignee=firm.dave, due=TODAY, title="Globex work")

    assert daily_digests_queue(workspace=firm.workspace, now=NOW) == 2
    bob = _messages_to(smtp_server, "bob@acme.test")
    assert len(bob) == 1
    body = smtp_server.body(smtp_server.messages.index(bob[0]))
    assert "Good morning Bob," in body
    assert "Call Fabrikam about the invoice — today" in body
    assert "Write to Contoso — 3 days overdue" in body
    assert "Tomorrow's meeting" not in body and "Already done" not in body and "Alice's call" not in body
    assert bob[0]["Subject"] == "Your day, Wed 4 Nov: 2 tasks"
    assert "/profile/" in body
    # The hourly job runs again: nothing new is queued or sent.
    assert daily_digests_queue(workspace=firm.workspace, now=NOW + timedelta(hours=1)) == 0
    assert len(smtp_server.messages) == 2
    assert OutboundEmail.objects.filter(dedupe_key=f"digest:{firm.bob.pk}:2026-11-04").count() == 1
    # Partners get no digest; Globex's people are not Acme's business.
    assert not _messages_to(smtp_server, "carol@partner.test") and not _messages_to(
        smtp_server, "dave@globex.test"
    )


def test_someone_who_opted_out_gets_nothing(firm, smtp_server):
    make_task(firm.workspace, assignee=firm.bob, due=TODAY, title="Call Fabrikam")
    make_task(firm.workspace, assignee=firm.alice, due=TODAY, title="Call Contoso")
    digest_preference_set(membership=firm.bob, enabled=False)
    assert daily_digests_queue(workspace=firm.workspace, now=NOW) == 1
    assert [m["To"] for m in smtp_server.messages] == ["alice@acme.test"]
    assert not OutboundEmail.objects.filter(to="bob@acme.test").exists()


def test_the_digest_waits_for_the_workspaces_morning(firm, smtp_server):
    firm.workspace.timezone = "America/New_York"
    firm.workspace.save(update_fields=["timezone"])
    make_task(firm.workspace, assignee=firm.bob, due=date(2026, 11, 4), title="Call Fabrikam")
    # 09:00 UTC is 04:00 in New York: too early.
    assert daily_digests_queue(workspace=firm.workspace, now=NOW) == 0
    assert smtp_server.messages == []
    # 12:30 UTC is 07:30 in New York.
    assert (
        daily_digests_queue(workspace=firm.workspace, now=datetime.fromisoformat("2026-11-04T12:30:00+00:00"))
        == 1
    )
    assert len(smtp_server.messages) == 1
    # Saturday: no digest unless the workspace wants them on weekends.
    make_task(firm.workspace, assignee=firm.bob, due=date(2026, 11, 7), title="Weekend")
    assert (
        daily_digests_queue(workspace=firm.workspace, now=datetime.fromisoformat("2026-11-07T14:00:00+00:00"))
        == 0
    )


def test_the_monday_digest_has_the_ask_list_and_last_weeks_leaderboard(firm, smtp_server):
    monday = datetime.fromisoformat("2026-11-09T08:00:00+00:00")
    make_ready_contact(firm.workspace, owner=firm.bob, now=monday, first_name="Ann", last_name="Lee")
    assert ask_lists_generate(workspace=firm.workspace, now=monday) == 1
    someone = make_contact(firm.workspace, first_name="Sam")
    Ask.objects.create(
        workspace=firm.workspace,
        asker=firm.alice,
        contact=someone,
        at=monday - timedelta(days=5),
        channel="phone",
    )
    daily_digests_queue(workspace=firm.workspace, now=monday)
    bob = _messages_to(smtp_server, "bob@acme.test")[0]
    body = smtp_server.body(smtp_server.messages.index(bob))
    assert "Your ask list this week:" in body
    assert "1. Ann Lee" in body and "You look after this relationship." in body
    assert "Last week's leaderboard (2 Nov – 8 Nov):" in body
    assert "Alice Archer: 0 referrals, 1 asks, 0 thank-yous" in body
    assert "last week's leaderboard" in bob["Subject"]
