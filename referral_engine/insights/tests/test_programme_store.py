"""Stored programme figures (programme_services.programme_figures): small workspaces compute on read, slow
insights are stored and served for an hour, the influencers' task status is always current, the scheduler
recomputes and forgets, and one workspace's stored figures are never another's."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from referral_engine.engagement.models import Ask
from referral_engine.insights import programme
from referral_engine.insights.models import ProgrammeFigures
from referral_engine.insights.programme_services import (
    INSIGHTS,
    KEEP_FOR,
    figures_dumps,
    figures_loads,
    influencer_task_create,
    programme_figures,
    programme_figures_refresh,
    programme_figures_warm,
)
from referral_engine.insights.tests.programme_firm import (
    END,
    START,
    TODAY,
    at,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def store_everything(settings):
    # Every insight counts as slow, as on a big workspace.
    settings.PROGRAMME_STORE_SLOWER_THAN = 0


def _ask(pf, day: date) -> None:
    firm = pf.firm
    Ask.objects.create(
        workspace=firm.workspace, asker=firm.alice, contact=pf.contacts["c_src"], at=at(day), channel="email"
    )


@pytest.mark.parametrize("insight", list(INSIGHTS))
def test_stored_figures_read_back_equal_to_the_computed_ones(pf, period, insight):
    computed = INSIGHTS[insight](workspace=pf.firm.workspace, period=period)
    again = figures_loads(figures_dumps(computed))
    assert again == computed
    # Dates and times come back as dates and times, not strings (the pages format them).
    assert isinstance(again["period"]["start"], date)


def test_a_small_workspace_is_computed_on_every_read_and_stores_nothing(pf, period):
    ws = pf.firm.workspace
    first = programme_figures(workspace=ws, insight="programme-health", period=period)
    assert first["stored"] is False
    _ask(pf, date(2026, 6, 2))
    second = programme_figures(workspace=ws, insight="programme-health", period=period)
    assert second["totals"]["asks"] == first["totals"]["asks"] + 1
    assert not ProgrammeFigures.objects.exists()


def test_slow_figures_are_served_stored_for_an_hour_then_recomputed(pf, period, store_everything):
    ws = pf.firm.workspace
    now = timezone.now()
    first = programme_figures(workspace=ws, insight="programme-health", period=period, now=now)
    assert first["stored"] is True
    assert first["computed_at"] == now
    row = ProgrammeFigures.objects.get(workspace=ws, insight="programme-health")
    assert row.seconds >= 0

    _ask(pf, date(2026, 6, 2))
    later = programme_figures(
        workspace=ws, insight="programme-health", period=period, now=now + timedelta(minutes=59)
    )
    assert later["stored"] is True
    assert later["computed_at"] == now
    assert later["totals"] == first["totals"]  # the new ask is not in the stored figures yet

    after_an_hour = programme_figures(
        workspace=ws, insight="programme-health", period=period, now=now + timedelta(hours=1)
    )
    assert after_an_hour["totals"]["asks"] == first["totals"]["asks"] + 1
    assert after_an_hour["computed_at"] == now + timedelta(hours=1)
    assert (
        ProgrammeFigures.objects.filter(workspace=ws, insight="programme-health").count() == 1
    )  # replaced, not added


def test_options_and_periods_are_stored_apart(pf, period, store_everything):
    ws = pf.firm.workspace
    two = programme_figures(workspace=ws, insight="chains", period=period, limit=2)
    one = programme_figures(workspace=ws, insight="chains", period=period, limit=1)
    assert len(two["longest"]) == 2
    assert len(one["longest"]) == 1
    by_month = programme.programme_period(workspace=ws, start=START, end=END, period="month", today=TODAY)
    monthly = programme_figures(workspace=ws, insight="source-mix", period=by_month)
    quarterly = programme_figures(workspace=ws, insight="source-mix", period=period)
    assert len(monthly["trend"]) == 6
    assert len(quarterly["trend"]) == 2
    assert ProgrammeFigures.objects.filter(workspace=ws).count() == 4


def test_the_influencers_task_status_is_read_now_even_from_stored_figures(pf, period, store_everything):
    ws = pf.firm.workspace
    first = programme_figures(workspace=ws, insight="influencers", period=period)
    top = first["influencers"][0]
    assert top["task_status"] is None
    assert "task_status" not in ProgrammeFigures.objects.get(workspace=ws, insight="influencers").payload

    contact = pf.contacts["p1"]
    assert top["contact_id"] == contact.pk
    influencer_task_create(workspace=ws, actor=pf.firm.alice, contact=contact, today=TODAY)
    served = programme_figures(workspace=ws, insight="influencers", period=period)
    assert served["stored"] is True
    assert served["influencers"][0]["task_status"] == "open"


def test_another_workspace_never_gets_stored_figures(pf, period, store_everything):
    acme, globex = pf.firm.workspace, pf.firm.other_workspace
    mine = programme_figures(workspace=acme, insight="source-mix", period=period)
    theirs_period = programme.programme_period(
        workspace=globex, start=START, end=END, period="quarter", today=TODAY
    )
    theirs = programme_figures(workspace=globex, insight="source-mix", period=theirs_period)
    assert theirs["sources"] != mine["sources"]
    assert ProgrammeFigures.objects.filter(workspace=globex).count() == 1
    assert ProgrammeFigures.objects.filter(workspace=acme).count() == 1


def test_the_half_hourly_job_recomputes_stored_workspaces_and_forgets_old_figures(
    pf, period, store_everything, settings
):
    acme, globex = pf.firm.workspace, pf.firm.other_workspace
    now = timezone.now()
    # Acme has stored figures (it is "slow"); an old custom period of Acme's is past KEEP_FOR.
    programme_figures(
        workspace=acme, insight="chains", period=period, now=now - KEEP_FOR - timedelta(minutes=1)
    )

    counts = programme_figures_refresh(now=now)
    assert counts == {"recomputed": len(INSIGHTS), "forgotten": 1}
    default = programme.programme_period(workspace=acme)
    stored = ProgrammeFigures.objects.filter(workspace=acme)
    assert sorted(stored.values_list("insight", flat=True)) == sorted(INSIGHTS)
    assert all(
        key.split("|")[1:3] == [str(default.start), str(default.end)]
        for key in stored.values_list("key", flat=True)
    )
    assert not ProgrammeFigures.objects.filter(
        workspace=globex
    ).exists()  # nothing stored, so nothing to refresh

    # Within the half hour the job has nothing to do; after it, everything again.
    assert programme_figures_refresh(now=now + timedelta(minutes=29)) == {"recomputed": 0, "forgotten": 0}
    assert programme_figures_refresh(now=now + timedelta(minutes=31))["recomputed"] == len(INSIGHTS)

    # A workspace whose figures have become quick leaves the job: recomputed once more, then dropped.
    settings.PROGRAMME_STORE_SLOWER_THAN = 3600
    assert programme_figures_refresh(now=now + timedelta(minutes=62))["recomputed"] == len(INSIGHTS)
    assert not ProgrammeFigures.objects.exists()
    assert programme_figures_refresh(now=now + timedelta(minutes=93)) == {"recomputed": 0, "forgotten": 0}


def test_the_nightly_warm_up_stores_slow_workspaces_only_once(pf, settings):
    settings.PROGRAMME_STORE_SLOWER_THAN = 3600  # nothing is slow: nothing stored
    assert programme_figures_warm() == 0
    assert not ProgrammeFigures.objects.exists()

    settings.PROGRAMME_STORE_SLOWER_THAN = 0
    assert programme_figures_warm() == 2 * len(INSIGHTS)  # Acme and Globex
    # The next night both have stored figures: the half-hourly job keeps those, the warm-up skips them.
    assert programme_figures_warm() == 0


def test_the_api_says_whether_figures_are_stored_and_when(pf, connect, store_everything):
    firm = pf.firm
    alice = connect(firm.token(firm.alice))
    query = {"start": str(START), "end": str(END), "period": "quarter"}
    first = alice.get("/insights/programme-health", params=query)
    second = alice.get("/insights/programme-health", params=query)
    assert first.status_code == second.status_code == 200
    assert first.json()["stored"] is True
    assert first.json()["computed_at"] == second.json()["computed_at"]
    assert second.json()["totals"] == first.json()["totals"]


def test_the_page_says_when_stored_figures_were_computed(client, pf, store_everything):
    firm = pf.firm
    client.force_login(firm.alice.user)
    url = f"/insights/programme/health/?start={START}&end={END}&period=quarter"
    page = client.get(url)
    assert page.status_code == 200
    assert b'data-testid="stored-figures"' in page.content


def test_small_workspaces_pages_say_nothing_about_stored_figures(client, pf):
    client.force_login(pf.firm.alice.user)
    page = client.get(f"/insights/programme/health/?start={START}&end={END}&period=quarter")
    assert page.status_code == 200
    assert b'data-testid="stored-figures"' not in page.content
