"""In real Chromium: log a touchpoint on an account's page and see it on the timeline, at desktop and phone size."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from referral_engine.core.testing import make_account, make_contact
from referral_engine.core.tests.browser import sign_in
from referral_engine.feedback.services import nps_response_create
from referral_engine.referrals.services import referral_create
from referral_engine.relationships.models import Touchpoint
from referral_engine.relationships.services import purchase_create, touchpoint_create

pytestmark = pytest.mark.browser


@pytest.fixture
def initech(firm):
    ws = firm.workspace
    account = make_account(
        ws, name="Initech", status="customer", industry="Software", domain="initech.test", owner=firm.alice
    )
    ann = make_contact(
        ws, first_name="Ann", last_name="Able", account=account, role="decision_maker", title="CEO"
    )
    make_contact(ws, first_name="Ben", last_name="Bright", account=account, role="influencer", title="CFO")
    purchase_create(
        workspace=ws,
        actor=firm.alice,
        account=account,
        date=timezone.localdate() - timedelta(days=30),
        amount=Decimal("12000"),
        description="Annual licence",
    )
    touchpoint_create(
        workspace=ws,
        actor=firm.alice,
        kind="call",
        channel="phone",
        direction="in",
        contact=ann,
        minutes=10,
        summary="Ann asked about the renewal.",
        at=timezone.now() - timedelta(days=5),
    )
    nps_response_create(workspace=ws, actor=None, contact=ann, score=9, comment="Always quick to answer.")
    referral_create(
        workspace=ws,
        actor=firm.alice,
        source_kind="customer",
        source_contact=ann,
        referred_account=make_account(ws, name="Hooli"),
    )
    return account


def test_log_a_touchpoint_on_the_account_page_and_see_it_on_the_timeline(page, firm, initech):
    sign_in(page, "bob@acme.test")
    page.goto(f"/accounts/{initech.pk}/")
    expect(page.get_by_role("heading", name="Initech")).to_be_visible()
    page.evaluate("window.__same_page = true")

    form = page.locator("#touchpoint-form")
    form.get_by_label("With").select_option(label="Ann Able")
    form.get_by_label("Kind").select_option("meeting")
    form.get_by_label("Channel").select_option("in_person")
    form.get_by_label("Minutes spent").fill("-10")
    form.get_by_role("button", name="Log touchpoint").click()
    # Bad input: the message sits beside the field and nothing is written.
    expect(page.locator("#touchpoint-form").get_by_text("greater than or equal to 0")).to_be_visible()
    assert not Touchpoint.objects.filter(kind="meeting").exists()

    form = page.locator("#touchpoint-form")
    form.get_by_label("Minutes spent").fill("45")
    form.get_by_label("What was said").fill("Quarterly review: they open a Berlin office in spring.")
    form.get_by_role("button", name="Log touchpoint").click()

    expect(page.get_by_text("Touchpoint logged.")).to_be_visible()
    timeline = page.locator("#touchpoints")
    expect(timeline.get_by_text("Quarterly review: they open a Berlin office in spring.")).to_be_visible()
    expect(timeline.locator("li").first).to_contain_text("Meeting")
    assert page.evaluate("window.__same_page") is True, "the page reloaded"
    touchpoint = Touchpoint.objects.get(kind="meeting")
    assert touchpoint.account == initech and touchpoint.contact.first_name == "Ann"
    assert touchpoint.employee == firm.bob and touchpoint.minutes == 45
    assert page.js_errors == []
    page.evaluate("window.scrollTo(0, 0)")


def test_log_a_touchpoint_at_phone_width_right_after_the_meeting(phone_page, firm, initech):
    sign_in(phone_page, "alice@acme.test")
    phone_page.goto(f"/accounts/{initech.pk}/")
    form = phone_page.locator("#touchpoint-form")
    expect(form).to_be_in_viewport()  # the form comes first on a phone
    form.get_by_label("Kind").select_option("meeting")
    form.get_by_label("What was said").fill("Lunch with Ann; she will introduce us to Hooli's CTO.")
    form.get_by_role("button", name="Log touchpoint").click()
    expect(phone_page.locator("#touchpoints").get_by_text("she will introduce us")).to_be_visible()
    phone_page.evaluate("window.scrollTo(0, 0)")


def test_the_search_box_drops_down_matches_and_opens_the_account(page, firm, initech):
    sign_in(page, "alice@acme.test")
    page.get_by_role("searchbox").first.fill("initech")
    dropdown = page.locator("#search-dropdown")
    expect(dropdown.get_by_role("option", name="Initech Customer")).to_be_visible()
    expect(dropdown).to_contain_text("Ann Able")  # a contact at Initech
    page.screenshot(path=str(_screenshots() / "search_dropdown.png"))
    dropdown.get_by_role("option", name="Initech Customer").click()
    expect(page.get_by_role("heading", name="Initech")).to_be_visible()


def _screenshots():
    from conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
