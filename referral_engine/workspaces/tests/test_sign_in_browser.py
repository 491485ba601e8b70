import re

import pytest
from playwright.sync_api import expect

from referral_engine.core.tests.browser import sign_in, snap

pytestmark = pytest.mark.browser


def test_a_wrong_password_shows_an_error_and_the_right_one_signs_in(page, firm):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/signin/\?next=/$"))

    page.get_by_label("E-mail").fill("alice@acme.test")
    page.get_by_label("Password").fill("not-her-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("sign-in-error")).to_contain_text("do not match")
    snap(page, "sign_in_wrong_password")

    sign_in(page, "alice@acme.test", next_path="/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Today")
    expect(page.get_by_text("Alice Archer").first).to_be_visible()
    assert page.js_errors == []
