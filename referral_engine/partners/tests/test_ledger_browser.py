"""In a real browser: the ledger chart draws, a referral is given from a contact's page, the portal ledger shows."""

import pytest
from playwright.sync_api import expect

from referral_engine.core.testing import make_account, make_contact
from referral_engine.core.tests.browser import sign_in, snap
from referral_engine.partners.models import ReferralGiven
from referral_engine.partners.tests.ledger_firm import build

pytestmark = pytest.mark.browser


def _chart_drawn(page) -> bool:
    return page.evaluate(
        "() => { const c = document.querySelector('canvas.chart'); return !!(c && window.Chart && Chart.getChart(c)); }"
    )


def test_the_partner_page_draws_the_balance_chart_and_gives_a_referral(page, firm):
    lf = build(firm)
    account = make_account(firm.workspace, name="Hansen Bakery")
    contact = make_contact(firm.workspace, account=account, first_name="Hanne", last_name="Hansen")
    sign_in(page, "alice@acme.test")
    page.goto(f"/partners/{lf.ewa.pk}/")
    expect(page.get_by_test_id("ledger-balance")).to_contain_text("-1,200.00")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.querySelector('canvas.chart'))")
    assert _chart_drawn(page)
    page.get_by_test_id("ledger").scroll_into_view_if_needed()
    snap(page, "partner_ledger")

    page.goto(f"/contacts/{contact.pk}/")
    card = page.get_by_test_id("refer-to-partner")
    card.get_by_label("Who could").select_option(label="Lars Berg — lawyer")
    card.get_by_role("button", name="Record the referral").click()
    expect(page.get_by_text("Recorded: you referred Hansen Bakery to Lars Berg.")).to_be_visible()
    assert ReferralGiven.objects.filter(contact=contact, partner=lf.lars, account=account).exists()

    page.goto("/partners/ledger/?order=value_per_hour")
    expect(page.get_by_test_id("ledger-table")).to_contain_text("Ewa Nowak")
    snap(page, "partner_ledger_list")
    assert page.js_errors == []


def test_the_portal_partner_sees_her_ledger_chart(page, firm):
    build(firm)
    sign_in(page, "carol@partner.test")
    page.goto("/portal/ledger/")
    expect(page.get_by_test_id("ledger-received")).to_contain_text("0 referrals")
    expect(page.get_by_text("Ewa Nowak")).to_have_count(0)
    snap(page, "portal_ledger")
    assert page.js_errors == []
