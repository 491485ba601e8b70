import pytest
from playwright.sync_api import expect

from referral_engine.core.testing import make_account
from referral_engine.core.tests.browser import sign_in

pytestmark = pytest.mark.browser


def test_the_search_box_shows_matches_while_typing_and_enter_opens_all_results(page, firm):
    make_account(firm.workspace, name="Northwind Traders")
    make_account(firm.other_workspace, name="Northwind Globex")
    sign_in(page, "alice@acme.test")
    search = page.get_by_placeholder("Search accounts, contacts, partners, referrals")

    search.fill("north")

    dropdown = page.locator("#search-dropdown")
    expect(dropdown).to_contain_text("Northwind Traders")
    expect(dropdown).not_to_contain_text("Northwind Globex")
    search.press("Enter")
    page.wait_for_url("**/search/?q=north")
    assert page.js_errors == []
