"""NPS figures worked by hand on a small case, through the selector, the API, the page and its CSV downloads;
and who may read them (a partner, an outsider, nobody signed in)."""

import csv
import io
import math
from datetime import UTC, date, datetime

import pytest
from django.test import Client

from referral_engine.core.testing import make_account, make_contact
from referral_engine.feedback.selectors import nps_figures, nps_period, segment_path
from referral_engine.feedback.services import nps_response_create

JAN, FEB = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)


def at(month: int, day: int, year: int = 2026) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)


@pytest.fixture
def answers(firm):
    """Six people answering in January and February 2026, plus answers outside the period.

    Latest in the period: Ann 10 (P, alice's account), Ben 9 (P, alice's), Cat 6 (D, bob's), Dan 9 (P, bob's),
    Fay 7 (passive, bob's), Eve 0 (D, no account). Overall: 3 promoters, 1 passive, 2 detractors of 6:
    NPS = (3 - 2) / 6 * 100 = 16.67. By owner: alice 2 of 2 promoters = +100; bob 1 P, 1 D of 3 = 0; no owner
    -100. January: Ann 3 (D), Ben 9 (P), Eve 0 (D) = (1 - 2) / 3 = -33.33; February: Ann 10, Cat 6, Dan 9,
    Fay 7 = (2 - 1) / 4 = +25.
    """
    ws = firm.workspace
    alices = make_account(ws, name="Alpha", status="customer", owner=firm.alice)
    bobs = make_account(ws, name="Beta", status="customer", owner=firm.bob)
    people = {
        name: make_contact(ws, first_name=name, account=account)
        for name, account in [("Ann", alices), ("Ben", alices), ("Cat", bobs), ("Dan", bobs), ("Fay", bobs)]
    }
    people["Eve"] = make_contact(ws, first_name="Eve")
    for name, score, when, comment in [
        ("Cat", 10, at(12, 20, 2025), "Before the period"),
        ("Ann", 3, at(1, 10), ""),
        ("Eve", 0, at(1, 15), "Nobody <b>calls</b> back"),
        ("Ben", 9, at(1, 20), ""),
        ("Cat", 6, at(2, 1), ""),
        ("Ann", 10, at(2, 5), "Much better now"),
        ("Dan", 9, at(2, 10), ""),
        ("Fay", 7, at(2, 20), ""),
        ("Ben", 0, at(3, 2), "After the period"),
    ]:
        nps_response_create(
            workspace=ws, actor=None, contact=people[name], score=score, comment=comment, at=when, now=when
        )
    # Globex's answers never count for Acme.
    outsider = make_contact(firm.other_workspace, first_name="Olga")
    nps_response_create(workspace=firm.other_workspace, actor=None, contact=outsider, score=0, at=at(1, 5))
    return people


def _by_key(rows):
    return {row.key: (round(row.nps, 6) if not math.isnan(row.nps) else None, row.n) for row in rows}


def test_nps_worked_by_hand(firm, answers):
    figures = nps_figures(workspace=firm.workspace, start=JAN, end=FEB)

    overall = figures.overall
    assert (overall.n, overall.promoters, overall.passives, overall.detractors) == (6, 3, 1, 2)
    assert overall.nps == pytest.approx(100 / 6) and overall.rounded == 17
    assert _by_key(figures.monthly) == {"2026-01": (round(-100 / 3, 6), 3), "2026-02": (25.0, 4)}
    by_owner = {row.label: (row.nps, row.n) for row in figures.by_owner}
    assert by_owner == {"Alice Archer": (100.0, 2), "Bob Baker": (0.0, 3), "No account owner": (-100.0, 1)}
    # No value segments stored for these accounts: all of them are unsegmented.
    assert _by_key(figures.by_segment) == {"unsegmented": (round(100 / 6, 6), 6)}


def test_an_empty_period_has_no_nps_and_empty_months(firm, answers):
    figures = nps_figures(
        workspace=firm.workspace, start=datetime(2024, 1, 1, tzinfo=UTC), end=datetime(2024, 3, 1, tzinfo=UTC)
    )
    assert figures.overall.n == 0 and math.isnan(figures.overall.nps) and figures.overall.rounded is None
    assert [(row.key, row.n, row.value) for row in figures.monthly] == [
        ("2024-01", 0, None),
        ("2024-02", 0, None),
    ]
    assert figures.by_owner == [] and figures.by_segment == []


def test_months_follow_the_workspaces_time_zone(firm, answers):
    # 31 Jan 23:30 UTC is already February in Berlin.
    ws = firm.workspace
    ws.timezone = "Europe/Berlin"
    ws.save()
    late = make_contact(ws, first_name="Lea")
    nps_response_create(
        workspace=ws, actor=None, contact=late, score=10, at=datetime(2026, 1, 31, 23, 30, tzinfo=UTC)
    )
    start, end = nps_period(
        workspace=ws, start=date(2026, 1, 1), end=date(2026, 2, 28), today=date(2026, 6, 1)
    )
    assert start == datetime(2025, 12, 31, 23, tzinfo=UTC) and end == datetime(2026, 2, 28, 23, tzinfo=UTC)
    monthly = {row.key: row.n for row in nps_figures(workspace=ws, start=start, end=end).monthly}
    assert monthly == {"2026-01": 3, "2026-02": 5}


# ------------------------------------------------------------------------------------------------------- API


def _api(firm, membership=None) -> Client:
    if membership is None:
        return Client()
    return Client(headers={"Authorization": f"Bearer {firm.token(membership)}"})


PERIOD = {"start": "2026-01-01", "end": "2026-02-28"}


def test_the_api_returns_unrounded_figures_with_their_answers(firm, answers):
    answer = _api(firm, firm.bob).get("/api/v1/insights/nps", PERIOD)
    assert answer.status_code == 200
    body = answer.json()
    assert body["overall"]["nps"] == pytest.approx(16.666666666666668) and body["overall"]["n"] == 6
    assert [(m["key"], m["n"]) for m in body["monthly"]] == [("2026-01", 3), ("2026-02", 4)]
    assert {row["label"]: row["nps"] for row in body["by_owner"]} == {
        "Alice Archer": 100.0,
        "Bob Baker": 0.0,
        "No account owner": -100.0,
    }
    assert body["by_segment"][0]["key"] == "unsegmented"


def test_the_api_is_for_employees_of_the_workspace_only(firm, answers):
    assert _api(firm).get("/api/v1/insights/nps", PERIOD).status_code == 401
    assert _api(firm, firm.carol).get("/api/v1/insights/nps", PERIOD).status_code == 403
    daves = _api(firm, firm.dave).get("/api/v1/insights/nps", PERIOD).json()
    # Dave sees Globex's one answer, never Acme's six.
    assert daves["overall"]["n"] == 1 and daves["overall"]["nps"] == -100.0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2026-03-01", "end": "2026-01-01"}, "start"),
        ({"start": "2026-13-01"}, "start"),
        ({"end": "x"}, "end"),
    ],
)
def test_a_bad_period_is_a_422_on_its_parameter(firm, answers, params, field):
    answer = _api(firm, firm.alice).get("/api/v1/insights/nps", params)
    assert answer.status_code == 422
    assert ["query", field] in [error["loc"] for error in answer.json()["detail"]]


# ------------------------------------------------------------------------------------------------------ page


def test_the_nps_page_shows_the_figures_comments_and_follow_ups(firm, answers, client):
    client.force_login(firm.bob.user)
    page = client.get("/insights/nps/", PERIOD)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="nps-overall"' in body and "+17" in body
    assert "Much better now" in body and "Nobody &lt;b&gt;calls&lt;/b&gt; back" in body
    assert "After the period" not in body and "Before the period" not in body
    assert 'data-type="line"' in body and "2026-01" in body
    # Ann's 3 and Eve's 0 (January) and Cat's 6 (February) each asked for a call back.
    assert '<span class="font-semibold text-important">3</span> open' in body


def test_the_nps_page_is_not_for_partners_outsiders_or_strangers(firm, answers, client):
    assert client.get("/insights/nps/").status_code == 302
    client.force_login(firm.carol.user)
    assert client.get("/insights/nps/").status_code == 404
    assert client.get("/insights/nps/trend.csv").status_code == 404
    client.force_login(firm.dave.user)
    body = client.get("/insights/nps/", PERIOD).content.decode()
    assert "Much better now" not in body and "Alice Archer" not in body


def test_each_chart_downloads_its_numbers_as_csv(firm, answers, client):
    client.force_login(firm.alice.user)
    trend = client.get("/insights/nps/trend.csv", PERIOD)
    assert trend.status_code == 200 and trend["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(trend.content.decode())))
    assert rows[0] == ["month", "nps", "answers", "promoters", "passives", "detractors"]
    assert rows[1][0] == "2026-01" and float(rows[1][1]) == pytest.approx(-100 / 3) and rows[1][2] == "3"
    assert rows[-1][0] == "Overall" and float(rows[-1][1]) == pytest.approx(100 / 6)
    owners = list(csv.reader(io.StringIO(client.get("/insights/nps/owners.csv", PERIOD).content.decode())))
    assert ["Alice Archer", "100.0", "2", "2", "0", "0"] in owners
    assert client.get("/insights/nps/segments.csv", PERIOD).status_code == 200
    assert client.get("/insights/nps/other.csv").status_code == 404


# --------------------------------------------------------------------------------------------------- segments


def _store_segment(account, segment: str) -> None:
    """A stored value row for `account` with the given segment (insights.AccountValue, reached as account.value),
    every other required column filled with a neutral value, so this test depends on the field name only."""
    model = type(account)._meta.get_field("value").related_model
    values = {"workspace": account.workspace, "account": account, "segment": segment}
    for field in model._meta.concrete_fields:
        if field.name in values or field.primary_key or field.null or field.has_default():
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            continue
        if field.choices:
            values[field.name] = field.choices[0][0]
        elif field.get_internal_type() == "DateTimeField":
            values[field.name] = datetime(2026, 1, 1, tzinfo=UTC)
        elif field.get_internal_type() in ("FloatField", "DecimalField"):
            values[field.name] = 0
        else:
            values[field.name] = 1
    model.objects.create(**values)


@pytest.mark.skipif(segment_path() is None, reason="value segments are not stored by the insights app")
def test_nps_by_segment_reads_the_stored_segment(firm, answers):
    _store_segment(answers["Ann"].account, "top")  # Alpha: Ann 10, Ben 9
    _store_segment(answers["Cat"].account, "long_tail")  # Beta: Cat 6, Dan 9, Fay 7
    figures = nps_figures(workspace=firm.workspace, start=JAN, end=FEB)
    assert [(row.key, row.nps, row.n) for row in figures.by_segment] == [
        ("top", 100.0, 2),
        ("long_tail", 0.0, 3),
        ("unsegmented", -100.0, 1),
    ]
    assert figures.segmented


@pytest.mark.skipif(segment_path() is None, reason="value segments are not stored by the insights app")
def test_a_segment_round_asks_the_customers_of_that_segment(firm, world):
    from referral_engine.feedback.models import Audience
    from referral_engine.feedback.services import survey_round_send

    _store_segment(world.hooli, "top")
    _store_segment(world.initech, "core")
    survey_round = survey_round_send(
        workspace=firm.workspace, actor=firm.alice, name="Top", audience=Audience.SEGMENT, segment="top"
    )
    assert list(survey_round.invitations.values_list("contact", flat=True)) == [world.gil.pk]
    assert survey_round.audience_description.startswith("Customers in the top segment")


def test_the_nps_page_costs_the_same_queries_for_more_answers_owners_and_follow_ups(firm, answers, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from referral_engine.core.testing import make_user
    from referral_engine.workspaces.models import Role
    from referral_engine.workspaces.services import membership_add

    client.force_login(firm.bob.user)
    with CaptureQueriesContext(connection) as few:
        client.get("/insights/nps/", PERIOD)
    for i in range(6):
        owner = membership_add(
            workspace=firm.workspace, user=make_user(f"owner{i}@acme.test", f"Owner {i}"), role=Role.MEMBER
        )
        account = make_account(firm.workspace, status="customer", owner=owner)
        person = make_contact(firm.workspace, first_name=f"P{i}", account=account)
        nps_response_create(
            workspace=firm.workspace, actor=None, contact=person, score=i, comment=f"c{i}", at=at(2, 3 + i)
        )
    with CaptureQueriesContext(connection) as many:
        body = client.get("/insights/nps/", PERIOD).content.decode()
    assert "Owner 5" in body
    assert len(many) == len(few)
