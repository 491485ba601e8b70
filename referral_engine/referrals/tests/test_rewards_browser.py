"""In a real browser: a manager approves a reward with one click (htmx swaps the row and the budget), and the
partner then sees it in the portal in plain words."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from referral_engine.core.tests.browser import sign_in, snap
from referral_engine.referrals.models import Reward, RewardStatus
from referral_engine.referrals.tests.rewards_setup import fee_rule, programme, won_referral

pytestmark = pytest.mark.browser


def test_a_manager_approves_a_reward_and_the_partner_sees_where_it_is(page, firm):
    programme(firm, budget="1000", hold_days=14)
    fee_rule(firm, percent=Decimal("5"))
    won_referral(firm, value="10000", company="Hooli", at=timezone.now() - timedelta(days=1))
    reward = Reward.objects.get()

    sign_in(page, "alice@acme.test", next_path="/referrals/rewards/settings/")
    expect(page.get_by_test_id("rule-list")).to_contain_text("5% of the won value")
    snap(page, "rewards_settings")
    page.get_by_role("link", name="Rewards").last.click()
    page.wait_for_url("**/referrals/rewards/")
    budget = page.get_by_test_id("reward-budget")
    expect(budget).to_contain_text("1,000.00 EUR left")
    row = page.locator(f"#reward-{reward.pk}")
    expect(row).to_contain_text("Proposed, waiting for approval")
    snap(page, "rewards_before_approval")

    row.get_by_role("button", name="Approve").click()
    expect(page.locator(f"#reward-{reward.pk}")).to_contain_text("Approved, will be paid from")
    expect(page.get_by_test_id("reward-budget")).to_contain_text("500.00 EUR left")
    assert page.url.endswith("/referrals/rewards/")  # swapped in place, no page load
    reward.refresh_from_db()
    assert reward.status == RewardStatus.APPROVED
    assert page.js_errors == []

    page.context.clear_cookies()
    sign_in(page, "carol@partner.test")
    page.get_by_test_id("portal-rewards-link").click()
    expect(page.get_by_test_id("referrer-rewards")).to_contain_text("Hooli")
    expect(page.get_by_test_id("referrer-rewards")).to_contain_text("Approved, will be paid from")
