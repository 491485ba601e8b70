"""In real Chromium: record a referral from the quick form, then move it across the board to won."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from referral_engine.core.testing import make_account, make_contact
from referral_engine.core.tests.browser import sign_in
from referral_engine.referrals.models import Referral, ReferralStatus
from referral_engine.referrals.services import referral_create

pytestmark = pytest.mark.browser


@pytest.fixture
def ann(firm):
    initech = make_account(firm.workspace, name="Initech", status="customer")
    return make_contact(
        firm.workspace, first_name="Ann", last_name="Able", email="ann@initech.test", account=initech
    )


def _shot(page, name: str) -> None:
    from conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # A full-page shot of a scrolled page draws the sticky top bar mid-page.
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_record_a_referral_from_the_quick_form_and_move_it_across_the_board_to_won(page, firm, ann):
    sign_in(page, "bob@acme.test")
    page.get_by_role("link", name="Record a referral").first.click()
    expect(page.get_by_role("heading", name="Record a referral")).to_be_visible()

    # The source is picked from suggestions as you type, never from a select of every contact.
    page.get_by_label("Customer contact").fill("ann")
    page.get_by_role("button", name="Ann Able").click()
    expect(page.get_by_label("Customer contact")).to_have_value("Ann Able")
    page.get_by_label("Company").fill("Umbrella Corp")
    page.get_by_label("First name").fill("Rita")
    page.get_by_label("Last name").fill("Rain")
    page.get_by_label("E-mail").fill("rita@umbrella.test")
    page.get_by_label("The story").fill(
        "Ann and Rita sit on the same charity board; Ann offered to introduce us."
    )
    _shot(page, "referral_quick_form_filled")
    page.get_by_role("button", name="Record the referral").click()

    expect(page.get_by_role("heading", name="Umbrella Corp")).to_be_visible()
    expect(page.get_by_text("Ann and Rita sit on the same charity board")).to_be_visible()
    referral = Referral.objects.get(referred_account__name="Umbrella Corp")
    assert referral.source_contact == ann and referral.referred_contact.first_name == "Rita"
    _shot(page, "referral_page_after_recording")

    page.goto("/referrals/")
    card = page.locator(f"#referral-{referral.pk}")
    expect(page.locator("#column-received").locator("xpath=ancestor::section")).to_contain_text(
        "Umbrella Corp"
    )

    # The keyboard way: the stage picker on the card.
    card.get_by_label("Stage of Umbrella Corp").select_option("contacted")
    card.get_by_role("button", name="Move").click()
    expect(page.locator("section[data-status=contacted]").locator(f"#referral-{referral.pk}")).to_be_visible()

    # Drag and drop to the next stage.
    page.locator(f"#referral-{referral.pk}").drag_to(page.locator("section[data-status=meeting] .js-drop"))
    expect(page.locator("section[data-status=meeting]").locator(f"#referral-{referral.pk}")).to_be_visible()

    # Won asks for the value first: without it nothing moves and the message sits beside the field.
    card = page.locator(f"#referral-{referral.pk}")
    card.get_by_label("Stage of Umbrella Corp").select_option("won")
    card.get_by_role("button", name="Move").click()
    expect(card.get_by_text("Enter the value it was won for.")).to_be_visible()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.MEETING
    _shot(page, "referral_board_won_needs_a_value")

    card.get_by_label("Won value").fill("18500")
    card.get_by_role("button", name="Move").click()
    won_card = page.locator("section[data-status=won]").locator(f"#referral-{referral.pk}")
    expect(won_card).to_be_visible()
    expect(won_card).to_contain_text("18,500")
    won_card.scroll_into_view_if_needed()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.WON and referral.won_value == Decimal("18500")
    assert referral.contacted_at and referral.meeting_at and referral.closed_at
    assert page.js_errors == []
    page.evaluate("window.scrollTo(0, 0)")


def test_the_board_at_phone_width(phone_page, firm, ann):
    for i, name in enumerate(["Hooli", "Soylent", "Cyberdyne"]):
        referral_create(
            workspace=firm.workspace,
            actor=firm.alice,
            source_kind="customer" if i % 2 else "partner",
            source_contact=ann if i % 2 else None,
            source_partner=None if i % 2 else firm.carol_partner,
            referred_account=make_account(firm.workspace, name=name),
            owner=firm.alice,
        )
    sign_in(phone_page, "alice@acme.test")
    phone_page.goto("/referrals/")
    expect(phone_page.get_by_role("navigation", name="Stages")).to_be_visible()
    expect(phone_page.get_by_text("Hooli")).to_be_visible()
