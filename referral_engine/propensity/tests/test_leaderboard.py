"""The asking leaderboard on a small hand-worked firm: each measure, each period, teams, and who may see it."""

from datetime import UTC, date, datetime

import pytest
from django.urls import reverse
from freezegun import freeze_time

from referral_engine.core.testing import PASSWORD, make_account, make_contact, make_user
from referral_engine.engagement.models import Ask
from referral_engine.engagement.services import ask_create, task_complete, task_create
from referral_engine.propensity.leaderboard import leaderboard_for, period_bounds
from referral_engine.referrals.models import Referral, ReferralStatus, SourceKind
from referral_engine.workspaces.models import Role
from referral_engine.workspaces.services import membership_add

NOW = datetime(2026, 2, 4, 12, tzinfo=UTC)  # a Wednesday


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _referral(ws, account, received: date, **source) -> Referral:
    kind = SourceKind.EMPLOYEE if "source_employee" in source else SourceKind.CUSTOMER
    return Referral.objects.create(
        workspace=ws,
        source_kind=kind,
        referred_account=account,
        status=ReferralStatus.RECEIVED,
        received_at=at(received),
        **source,
    )


def _thank(ws, who, done_on: date | None, kind: str = "thank"):
    task = task_create(
        workspace=ws, actor=who, kind=kind, title="Thank them", due=date(2026, 1, 1), assignee=who
    )
    if done_on is not None:
        with freeze_time(at(done_on)):
            task_complete(task=task, actor=who)
    return task


@pytest.fixture
def board(firm):
    ws = firm.workspace
    alice, bob = firm.alice, firm.bob
    bob.lead = alice
    bob.save(update_fields=["lead"])
    erin = membership_add(workspace=ws, user=make_user("erin@acme.test", "Erin Ellis"), role=Role.MEMBER)
    client = make_account(ws, name="Client", status="customer")
    ann = make_contact(ws, account=client, first_name="Ann")
    new1, new2, new3 = (make_account(ws, name=f"New {i}") for i in range(3))

    r1 = _referral(ws, new1, date(2026, 2, 3), source_employee=erin)  # erin sent it herself: this week
    r2 = _referral(ws, new2, date(2026, 2, 4), source_contact=ann)  # answers bob's asks: this week
    _referral(ws, new3, date(2026, 1, 15), source_employee=bob)  # bob's own: this quarter only

    ask = {"contact": ann, "channel": "phone", "dedicated_meeting": True}
    ask_create(workspace=ws, actor=bob, at=at(date(2026, 2, 3)), referral=r2, outcome="referral_given", **ask)
    ask_create(workspace=ws, actor=bob, at=at(date(2026, 1, 20)), referral=r2, **ask)  # same referral: once
    ask_create(workspace=ws, actor=alice, at=datetime(2026, 2, 2, tzinfo=UTC), **ask)  # Monday 00:00: in
    ask_create(workspace=ws, actor=alice, at=datetime(2026, 2, 9, tzinfo=UTC), **ask)  # next Monday: out

    _thank(ws, bob, date(2026, 2, 4))
    _thank(ws, alice, date(2026, 1, 5))
    _thank(ws, bob, None)  # still open
    _thank(ws, bob, date(2026, 2, 4), kind="follow_up")  # not a thank-you
    assert Referral.objects.get(pk=r1.pk).source_employee == erin
    return alice, bob, erin


def _rows(result):
    return {row["name"]: (row["asks"], row["referrals"], row["thanks"]) for row in result["employees"]}


def test_the_week_counts_asks_referrals_and_thanks_per_employee(firm, board):
    week = leaderboard_for(firm.workspace, "week", NOW)
    assert (week["start"], week["end"]) == (
        datetime(2026, 2, 2, tzinfo=UTC),
        datetime(2026, 2, 9, tzinfo=UTC),
    )
    assert _rows(week) == {
        "Alice Archer": (1, 0, 0),
        "Bob Baker": (1, 1, 1),
        "Erin Ellis": (0, 1, 0),
    }
    assert [row["name"] for row in week["employees"]] == ["Bob Baker", "Erin Ellis", "Alice Archer"]
    assert "Carol Clark" not in _rows(week)  # a partner is not on the board


def test_the_month_and_the_quarter(firm, board):
    assert _rows(leaderboard_for(firm.workspace, "month", NOW)) == {
        "Alice Archer": (2, 0, 0),
        "Bob Baker": (1, 1, 1),
        "Erin Ellis": (0, 1, 0),
    }
    quarter = leaderboard_for(firm.workspace, "quarter", NOW)
    assert quarter["start"] == datetime(2026, 1, 1, tzinfo=UTC) and quarter["end"] == datetime(
        2026, 4, 1, tzinfo=UTC
    )
    assert _rows(quarter) == {
        "Alice Archer": (2, 0, 1),
        "Bob Baker": (2, 2, 1),
        "Erin Ellis": (0, 1, 0),
    }
    teams = {t["name"]: (t["members"], t["asks"], t["referrals"], t["thanks"]) for t in quarter["teams"]}
    assert teams == {"Alice Archer": (2, 4, 2, 2), "Erin Ellis": (1, 0, 1, 0)}


def test_the_previous_period_is_what_a_monday_digest_shows(firm, board):
    last_week = leaderboard_for(firm.workspace, "week", NOW, previous=True)
    assert last_week["start"] == datetime(2026, 1, 26, tzinfo=UTC)
    assert all(row[:2] == (0, 0) for row in _rows(last_week).values())
    assert _rows(leaderboard_for(firm.workspace, "quarter", NOW, previous=True))["Bob Baker"] == (0, 0, 0)


def test_periods_follow_the_workspace_time_zone():
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Pacific/Auckland")
    start, end = period_bounds(period="month", now=datetime(2026, 1, 31, 12, tzinfo=UTC), tz=tz)
    assert start.date() == date(2026, 2, 1) and end.date() == date(2026, 3, 1)  # already February there
    with pytest.raises(ValueError):
        period_bounds(period="year", now=NOW, tz=tz)


def test_one_query_per_measure_whatever_the_number_of_people(firm, board, django_assert_num_queries):
    with django_assert_num_queries(4):  # asks, referrals, thank-yous, the people
        leaderboard_for(firm.workspace, "quarter", NOW)


def _api(client, firm, membership, path):
    return client.get(f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {firm.token(membership)}")


@freeze_time(NOW)
def test_the_page_and_the_api_for_employees_only(firm, board, client):
    client.login(username=firm.bob.user.email, password=PASSWORD)
    page = client.get(reverse("insights_leaderboard") + "?period=quarter")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Erin Ellis" in html and 'data-testid="teams"' in html
    assert (
        client.get(reverse("insights_leaderboard") + "?period=decade").status_code == 200
    )  # falls back to week

    client.logout()
    client.login(username=firm.carol.user.email, password=PASSWORD)
    assert client.get(reverse("insights_leaderboard")).status_code == 404
    client.logout()
    client.login(username=firm.dave.user.email, password=PASSWORD)
    assert "Erin Ellis" not in client.get(reverse("insights_leaderboard")).content.decode()

    got = _api(client, firm, firm.bob, "/insights/leaderboard?period=quarter")
    assert got.status_code == 200
    body = got.json()
    assert body["period"] == "quarter"
    bob = next(r for r in body["employees"] if r["name"] == "Bob Baker")
    assert (bob["asks"], bob["referrals"], bob["thanks"]) == (2, 2, 1)
    assert _api(client, firm, firm.bob, "/insights/leaderboard?period=decade").status_code == 422
    assert _api(client, firm, firm.carol, "/insights/leaderboard").status_code == 403
    theirs = _api(client, firm, firm.dave, "/insights/leaderboard?period=quarter").json()
    assert [r["name"] for r in theirs["employees"]] == ["Dave Dunn"]
    assert Ask.objects.filter(workspace=firm.other_workspace).count() == 0
