import re

import pytest
from playwright.sync_api import expect

from referral_engine.core.testing import make_account
from referral_engine.core.tests.browser import sign_in, snap
from referral_engine.referrals.models import Referral

pytestmark = pytest.mark.browser


def test_a_partner_refers_someone_from_the_portal_and_sees_it_listed(page, firm):
    sign_in(page, "carol@partner.test")
    expect(page).to_have_url(re.compile(r"/portal/$"))
    expect(page.get_by_text("No referrals yet.")).to_be_visible()

    page.get_by_label("Company").fill("Tailspin Toys")
    page.get_by_label("Person to talk to").fill("Mia Wong")
    page.get_by_label("E-mail").fill("mia@tailspin.test")
    page.get_by_label("How did this come about?").fill("Mia asked me who could help with their year-end.")
    page.get_by_role("button", name="Send the referral").click()

    expect(page.get_by_text("Thank you! Tailspin Toys is with Acme Advisory now")).to_be_visible()
    listed = page.get_by_test_id("portal-referrals")
    expect(listed).to_contain_text("Tailspin Toys")
    expect(listed).to_contain_text("Mia Wong")
    expect(listed).to_contain_text("Received")
    referral = Referral.objects.get(referred_account__name="Tailspin Toys")
    assert referral.source_partner == firm.carol_partner
    assert referral.source_kind == "partner"
    assert page.js_errors == []


def test_a_partner_cannot_open_an_account_page(page, firm):
    account = make_account(firm.workspace, name="Secret Customer Ltd")
    sign_in(page, "carol@partner.test")

    response = page.goto(f"/accounts/{account.pk}/")
    snap(page, "partner_opens_account_url")
    assert response.status == 404 or re.search(r"/portal/$", page.url)
    expect(page.get_by_text("Secret Customer Ltd")).to_have_count(0)
