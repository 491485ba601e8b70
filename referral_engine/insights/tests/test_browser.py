"""In real Chromium: the Value page draws its two charts, and the account page shows the value card."""

import pytest
from playwright.sync_api import expect

from referral_engine.core.tests.browser import sign_in, snap
from referral_engine.insights.services import insights_refresh
from referral_engine.insights.tests.helpers import NOW, add_relationship, small_firm

pytestmark = pytest.mark.browser


@pytest.fixture
def valued(firm):
    small = small_firm(firm)
    add_relationship(firm, small)
    insights_refresh(workspace=firm.workspace, now=NOW)
    return small


def _charts_drawn(page) -> list:
    return page.evaluate(
        "() => [...document.querySelectorAll('canvas.chart')].map(c => {"
        "  const chart = Chart.getChart(c);"
        "  return chart ? [chart.config.type, chart.data.datasets.reduce((n, d) => n + d.data.length, 0)] : null; })"
    )


def test_the_value_page_draws_the_80_20_curve_and_the_grid(page, firm, valued):
    sign_in(page, firm.alice.user.email, next_path="/insights/value/")
    expect(page.get_by_role("heading", name="Insights: value")).to_be_visible()
    page.wait_for_function(
        "() => typeof Chart !== 'undefined' && Chart.getChart(document.querySelector('canvas.chart'))"
    )
    drawn = _charts_drawn(page)
    assert drawn[0][0] == "line" and drawn[0][1] > 2
    assert drawn[1] == ["scatter", 3]  # the three valued accounts
    expect(page.get_by_test_id("top-referrers")).to_contain_text("Ann")
    assert page.js_errors == []
    snap(page, "insights-value")

    page.goto(f"/accounts/{valued.a.pk}/")
    card = page.get_by_test_id("value-card")
    expect(card).to_contain_text("Advocates")
    expect(card).to_contain_text("Referral value (CRV)")
    snap(page, "insights-account-value-card")
    page.goto(f"/contacts/{valued.ann.pk}/")
    expect(page.get_by_test_id("rq-card")).to_contain_text("Responsiveness")
    snap(page, "insights-contact-rq-card")


def test_a_member_sees_no_refresh_button_and_the_nav_leads_to_insights(page, firm, valued):
    sign_in(page, firm.bob.user.email)
    page.get_by_role("link", name="Insights").first.click()
    page.wait_for_url("**/insights/value/")
    expect(page.get_by_role("button", name="Refresh now")).to_have_count(0)
