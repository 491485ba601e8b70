"""An employee opens Today, sees three people to ask with reasons, logs one outcome, and the person disappears
from every list (a colleague who also talks with them does not get them either)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from referral_engine.asking import selectors
from referral_engine.asking.services import ask_lists_generate
from referral_engine.asking.tests.helpers import make_ready_contact
from referral_engine.core.tests.browser import sign_in, snap
from referral_engine.engagement.models import Ask
from referral_engine.relationships.models import Touchpoint

pytestmark = pytest.mark.browser


@pytest.fixture
def lists(firm):
    now = timezone.now()
    names = [("Pat", "Lee"), ("Sam", "Ortiz"), ("Kim", "Novak")]
    bobs = [
        make_ready_contact(firm.workspace, owner=firm.bob, now=now, rq=90 - i, first_name=f, last_name=last)
        for i, (f, last) in enumerate(names)
    ]
    alices = make_ready_contact(firm.workspace, owner=firm.alice, now=now, first_name="Ada", last_name="Moss")
    # Alice talks with Pat both ways too: Pat could go on her list, were Pat not asked.
    for direction in ("in", "out"):
        Touchpoint.objects.create(
            workspace=firm.workspace,
            kind="call",
            channel="phone",
            direction=direction,
            employee=firm.alice,
            contact=bobs[0],
            at=now - timedelta(days=3),
        )
    ask_lists_generate(workspace=firm.workspace, now=now)
    return bobs, alices


def test_an_employee_logs_an_ask_from_today_and_the_person_leaves_every_list(page, firm, lists):
    bobs, alices = lists
    sign_in(page, "bob@acme.test")
    section = page.get_by_test_id("ask-list")
    expect(section.get_by_role("heading", name="People to ask this week")).to_be_visible()
    expect(section.get_by_test_id("ask-suggestion")).to_have_count(3)
    pat = section.get_by_test_id("ask-suggestion").filter(has_text="Pat Lee")
    expect(pat.get_by_test_id("ask-reasons")).to_contain_text("You look after this relationship.")
    expect(pat.get_by_test_id("ask-reasons")).to_contain_text("Go-live on")
    pat.get_by_test_id("ask-script").locator("summary").click()
    expect(pat.get_by_test_id("ask-script")).to_contain_text("room for one more great client")
    snap(page, "asking-today-three-people")
    page.evaluate("window.__same_page = true")

    pat.get_by_role("button", name="Maybe later").click()

    expect(section.get_by_test_id("ask-suggestion")).to_have_count(2)
    expect(page.get_by_test_id("ask-list").get_by_text("Logged: Pat Lee")).to_be_visible()
    expect(
        page.get_by_test_id("ask-list").get_by_test_id("ask-name").filter(has_text="Pat Lee")
    ).to_have_count(0)
    assert page.evaluate("window.__same_page") is True, "the page reloaded"
    ask = Ask.objects.get()
    assert (ask.asker, ask.contact, ask.outcome) == (firm.bob, bobs[0], "maybe_later")
    snap(page, "asking-today-after-outcome")

    # The hourly job runs again: Pat goes to nobody, not even Alice, who talks with Pat too.
    ask_lists_generate(workspace=firm.workspace, now=timezone.now())
    week = selectors.week_of(timezone.localdate())
    assert bobs[0].pk not in selectors.ask_list(workspace=firm.workspace, week=week).values_list(
        "contact_id", flat=True
    )
    page.context.clear_cookies()
    sign_in(page, "alice@acme.test")
    alice_list = page.get_by_test_id("ask-list")
    expect(alice_list.get_by_test_id("ask-suggestion")).to_have_count(1)
    expect(alice_list).to_contain_text("Ada Moss")
    expect(alice_list.get_by_text("Pat Lee")).to_have_count(0)
    assert page.js_errors == []


def test_the_contact_page_explains_the_rules_and_a_success_moment_is_one_click(page, firm):
    now = timezone.now()
    pat = make_ready_contact(
        firm.workspace, owner=firm.bob, now=now, success_days_ago=None, first_name="Pat", last_name="Lee"
    )
    Touchpoint.objects.create(
        workspace=firm.workspace, kind="support", channel="phone", direction="in", contact=pat, at=now
    )
    sign_in(page, "bob@acme.test", next_path=f"/contacts/{pat.pk}/")
    card = page.get_by_test_id("ask-profile")
    expect(card.get_by_test_id("ask-profile-verdict")).to_contain_text("is not on the ask list")
    expect(card.locator('[data-rule="success"][data-passed="no"]')).to_be_visible()
    card.get_by_role("button", name="Record a success moment").click()
    expect(page.get_by_test_id("ask-profile-verdict")).to_contain_text("meets the referral profile")
    expect(page.locator('[data-rule="success"][data-passed="yes"]')).to_contain_text("Go-live on")

    # An ask now would fall inside the support call: refused, with the one-click meeting task offered.
    page.locator("#ask-form").get_by_role("button", name="Log ask").click()
    expect(page.locator("#ask-form")).to_contain_text("support conversation")
    offer = page.get_by_test_id("support-meeting-offer")
    snap(page, "asking-contact-support-refused")
    offer.get_by_role("button").click()
    expect(page.locator("#support-meeting-offer")).to_contain_text("Task added")
    assert Ask.objects.count() == 0
    assert page.js_errors == []
