"""An employee opens the propensity page in a real browser: the figures, the calibration chart drawn by Chart.js
(shipped by unfold), the top contacts with their reasons; then the leaderboard by quarter."""

import pytest
from playwright.sync_api import expect

from referral_engine.core.tests.browser import sign_in, snap
from referral_engine.propensity.tests.test_fallback_and_access import _scored_run, _short_history

pytestmark = pytest.mark.browser


def test_an_employee_reads_the_model_and_the_leaderboard(firm, page):
    ann = _short_history(firm)
    _scored_run(firm, ann)
    sign_in(page, "bob@acme.test", next_path="/insights/propensity/")
    expect(page.get_by_test_id("auc")).to_have_text("0.710")
    expect(page.get_by_test_id("top")).to_contain_text(ann.name)
    expect(page.get_by_test_id("top")).to_contain_text("Latest NPS answer a promoter")
    drawn = page.wait_for_function(
        "() => { const c = document.querySelector('canvas.chart'); return c && window.Chart && Chart.getChart(c); }"
    )
    assert drawn
    snap(page, "propensity_page")

    page.get_by_role("link", name="Leaderboard").click()
    page.get_by_role("link", name="This quarter").click()
    expect(page.get_by_test_id("employees")).to_contain_text("Bob Baker")
    assert page.js_errors == []
