"""In real Chromium, on a generated demo firm: every Insights page (value, NPS, propensity, leaderboard and each
programme insight) shows its figures and draws its charts with data (Chart.js shipped by unfold), each is saved as a
screenshot, and one click builds the relationship with an influencer."""

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from referral_engine.core.tests.browser import sign_in, snap
from referral_engine.demo.services import demo_firm_create
from referral_engine.insights.services import insights_refresh
from referral_engine.propensity.services import propensity_train

pytestmark = pytest.mark.browser

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
PAGES = [
    ("/insights/programme/source-mix/", "Insights: source mix", 2),
    ("/insights/programme/referred/", "Insights: referred vs not", 1),
    ("/insights/programme/value-per-hour/", "Insights: value per hour", 2),
    ("/insights/programme/chains/", "Insights: chains", 2),
    ("/insights/programme/influencers/", "Insights: neglected influencers", 0),
    ("/insights/programme/health/", "Insights: is it alive?", 2),
]


@pytest.fixture
def demo(transactional_db):
    with override_settings(PASSWORD_HASHERS=FAST_HASHER):
        return demo_firm_create(accounts=1500, seed=21, slug="demo-programme", chunk_size=1500)


def _charts_with_data(page) -> list:
    # Per chart: its type and how many of its points are other than zero (numbers, or {x, y} points).
    return page.evaluate(
        "() => [...document.querySelectorAll('canvas.chart')].map(c => {"
        "  const chart = Chart.getChart(c);"
        "  if (!chart) return null;"
        "  const points = chart.data.datasets.flatMap(d => d.data).filter(v => typeof v === 'number' ? v !== 0"
        "    : v !== null && typeof v === 'object' && (v.x || v.y));"
        "  return [chart.config.type, points.length]; })"
    )


def _wait_for_charts(page, n: int) -> None:
    page.wait_for_function(
        "n => typeof Chart !== 'undefined' && [...document.querySelectorAll('canvas.chart')]"
        ".filter(c => Chart.getChart(c)).length === n",
        arg=n,
    )


def test_every_programme_page_draws_its_charts_with_data(page, demo):
    # A live server sharing two cores with the rest of the suite: give each page time to compute.
    page.set_default_timeout(60_000)
    sign_in(page, demo.owner.email, demo.owner.password, next_path="/insights/value/")
    page.get_by_role("link", name="Programme").click()
    page.wait_for_url("**/insights/programme/source-mix/")
    for path, heading, charts in PAGES:
        page.goto(path)
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
        if charts:
            _wait_for_charts(page, charts)
        drawn = _charts_with_data(page)
        assert len(drawn) == charts, (path, drawn)
        for chart in drawn:
            assert chart is not None and chart[1] > 0, (path, drawn)
        assert page.js_errors == []
        snap(page, "programme-" + path.strip("/").split("/")[-1])


def test_one_click_builds_the_relationship_with_an_influencer(page, demo):
    page.set_default_timeout(60_000)
    sign_in(page, demo.owner.email, demo.owner.password, next_path="/insights/programme/influencers/")
    table = page.get_by_test_id("influencers")
    expect(table).to_be_visible()
    first = table.locator("tbody tr").first
    name = first.locator("td").first.locator("a").inner_text()
    first.get_by_role("button", name="Build the relationship").click()
    expect(page.get_by_text(f"Task created: Build the relationship with {name}")).to_be_visible()
    expect(page.get_by_test_id("influencers").locator("tbody tr").first).to_contain_text("Task open")
    snap(page, "programme-influencer-task")


def test_every_insights_page_on_the_demo_firm(page, demo):
    """Value, NPS, who is likely to refer, the leaderboard and the programme tabs, after the jobs that feed them
    (the value refresh and the propensity model) have run on the demo firm: each shows its figures."""
    workspace = demo.workspace
    insights_refresh(workspace=workspace)
    run = propensity_train(workspace=workspace)
    # The demo firm has signal enough for a model, so the calibration chart draws.
    assert not run.is_fallback, run.fallback_reason
    page.set_default_timeout(60_000)
    sign_in(page, demo.owner.email, demo.owner.password, next_path="/insights/value/")
    expect(page.get_by_role("heading", name="Insights: value")).to_be_visible()
    _wait_for_charts(page, 2)
    assert all(chart[1] > 0 for chart in _charts_with_data(page))
    expect(page.get_by_test_id("top-referrers").locator("tbody tr").first).to_be_visible()
    snap(page, "insights-demo-value")

    page.goto("/insights/nps/")
    expect(page.get_by_role("heading", name="Net Promoter Score")).to_be_visible()
    assert page.locator("#nps-overall").inner_text().strip() not in ("", "—")
    snap(page, "insights-demo-nps")

    page.goto("/insights/propensity/")
    expect(page.get_by_role("heading", name="Insights: who is likely to refer")).to_be_visible()
    _wait_for_charts(page, 1)
    assert _charts_with_data(page)[0][1] > 0
    snap(page, "insights-demo-propensity")

    page.goto("/insights/leaderboard/")
    expect(page.get_by_role("heading", name="Insights: asking leaderboard")).to_be_visible()
    expect(page.get_by_test_id("employees").locator("tbody tr").first).to_be_visible()
    snap(page, "insights-demo-leaderboard")
    assert page.js_errors == []
