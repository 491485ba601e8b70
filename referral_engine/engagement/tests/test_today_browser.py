from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from referral_engine.core.testing import make_account, make_contact
from referral_engine.core.tests.browser import sign_in
from referral_engine.engagement.models import Task, TaskStatus
from referral_engine.engagement.services import task_create
from referral_engine.referrals.services import referral_create

pytestmark = pytest.mark.browser


def _day(offset: int):
    return timezone.localdate() + timedelta(days=offset)


@pytest.fixture
def bobs_day(firm):
    acme = make_account(firm.workspace, name="Northwind Traders")
    pat = make_contact(firm.workspace, first_name="Pat", last_name="Lee", account=acme)
    referral_create(
        workspace=firm.workspace,
        actor=firm.bob,
        source_kind="partner",
        source_partner=firm.carol_partner,
        referred_account=make_account(firm.workspace, name="Fabrikam"),
        owner=firm.bob,
        # A week ago: its thank-you (due the next working day) is overdue whatever weekday the test runs on.
        received_at=timezone.now() - timedelta(days=7),
    )
    # referral_create already gave bob the thank-you task for Carol; these are the rest of his day.
    tasks = [
        task_create(
            workspace=firm.workspace,
            actor=None,
            kind="follow_up",
            title="Send Pat the case study",
            due=_day(-2),
            assignee=firm.bob,
            account=acme,
            details="Promised at the quarterly review.",
        ),
        task_create(
            workspace=firm.workspace,
            actor=None,
            kind="ask",
            title="Ask Pat for an introduction",
            due=_day(0),
            assignee=firm.bob,
            contact=pat,
        ),
        task_create(
            workspace=firm.workspace,
            actor=None,
            kind="follow_up",
            title="Is all well after the install?",
            due=_day(0),
            assignee=firm.bob,
            account=acme,
        ),
        task_create(
            workspace=firm.workspace,
            actor=None,
            kind="journey_step",
            title="Quarterly check-in",
            due=_day(20),
            assignee=firm.bob,
            account=acme,
        ),
    ]
    return tasks


def test_today_shows_my_tasks_and_completing_one_removes_it_without_a_reload(page, firm, bobs_day):
    sign_in(page, "bob@acme.test")
    expect(page.get_by_role("heading", name="Overdue")).to_be_visible()
    expect(page.get_by_test_id("task")).to_have_count(5)
    page.evaluate("window.__same_page = true")

    row = page.get_by_test_id("task").filter(has_text="Ask Pat for an introduction")
    row.get_by_role("button", name="Done").click()

    expect(page.get_by_test_id("task")).to_have_count(4)
    expect(page.get_by_text("Ask Pat for an introduction")).to_have_count(0)
    assert page.evaluate("window.__same_page") is True, "the page reloaded"
    task = Task.objects.get(title="Ask Pat for an introduction")
    assert task.status == TaskStatus.DONE
    assert page.js_errors == []


def test_today_fits_a_phone_and_the_menu_reaches_every_section(phone_page, firm, bobs_day):
    page = phone_page
    sign_in(page, "bob@acme.test")
    expect(page.get_by_test_id("task")).to_have_count(5)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, (
        "the page scrolls sideways on a phone"
    )
    expect(page.get_by_role("link", name="Record a referral")).to_be_visible()

    page.get_by_label("Menu").click()
    menu = page.locator("#mobile-menu")
    for section in ("Today", "Referrals", "Accounts", "Contacts", "Partners", "Settings"):
        expect(menu.get_by_role("link", name=section)).to_be_visible()
