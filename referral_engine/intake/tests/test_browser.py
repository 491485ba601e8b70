"""In a real browser: an anonymous visitor opens a contact's personal link and refers themself; the relationship
owner then finds the referral on the board and the thank-you task on Today."""

import re

import pytest
from playwright.sync_api import expect

from referral_engine.core.tests.browser import sign_in, snap
from referral_engine.referrals.models import Referral, SourceKind

pytestmark = pytest.mark.browser


def test_a_visitor_refers_themself_through_a_personal_link_and_the_owner_sees_it(page, firm, ann, ann_link):
    page.goto(f"/r/{ann_link.code}/")
    expect(page.get_by_role("heading", name="Ann is recommending you to Acme Advisory")).to_be_visible()
    snap(page, "intake_public_form")

    page.get_by_label("Company").fill("Fabrikam")
    page.get_by_label("Your name").fill("Fiona Fox")
    page.get_by_label("E-mail").fill("fiona@fabrikam.test")
    page.get_by_label("Phone").fill("+44 20 7946 0000")
    page.get_by_label("A note").fill("Ann said you fixed their onboarding in a week.")
    page.get_by_role("button", name="Send to Acme Advisory").click()

    expect(page.get_by_test_id("referral-link-thanks")).to_be_visible()
    expect(page.get_by_role("heading", name="Thank you — Acme Advisory has your details")).to_be_visible()
    snap(page, "intake_public_thanks")
    referral = Referral.objects.get(referred_account__name="Fabrikam")
    assert (referral.source_kind, referral.source_contact, referral.owner) == (
        SourceKind.CUSTOMER,
        ann,
        firm.bob,
    )
    assert page.js_errors == []

    # Bob owns the relationship with Ann: the referral is his to follow up, and his to thank her for.
    sign_in(page, "bob@acme.test", next_path="/referrals/")
    card = page.locator(f"#referral-{referral.pk}")
    expect(card).to_be_visible()
    expect(card).to_contain_text("Fabrikam")
    expect(card).to_contain_text("Ann Able")
    snap(page, "intake_owner_board")

    page.goto("/")
    task = page.get_by_test_id("task").filter(has_text="Thank Ann Able for referring Fabrikam")
    expect(task).to_have_count(1)
    snap(page, "intake_owner_today")


def test_the_public_form_fits_a_phone_and_shows_errors_beside_the_fields(phone_page, firm, ann_link):
    page = phone_page
    page.goto(f"/r/{ann_link.code}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, (
        "the form scrolls sideways on a phone"
    )
    # The honeypot is out of sight.
    box = page.locator("input[name=website]").bounding_box()
    assert box["x"] + box["width"] <= 0, box

    page.get_by_role("button", name="Send to Acme Advisory").click()
    expect(page.get_by_text("This field is required.").first).to_be_visible()
    assert not Referral.objects.exists()
    snap(page, "intake_public_form_errors_phone")


def test_an_employee_creates_a_contacts_link_and_copies_it(page, firm, ann, live_server):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    sign_in(page, "bob@acme.test", next_path=f"/contacts/{ann.pk}/")
    card = page.get_by_test_id("referral-link-card")
    card.get_by_role("button", name="Create a link").click()

    url = page.get_by_test_id("referral-link-url")
    expect(url).to_have_value(re.compile(r"/r/[2-9A-Z]{8}/$"))
    card.get_by_role("button", name="Copy").click()
    expect(card.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == url.input_value()
    snap(page, "intake_contact_link_card")
    assert page.js_errors == []
