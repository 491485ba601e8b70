"""A manager adds a step to a journey in Settings; an employee makes a calendar address on their profile and a
calendar client (no sign-in) reads it."""

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from referral_engine.core.tests.browser import sign_in, snap
from referral_engine.journeys.models import JourneyStep
from referral_engine.journeys.tests.helpers import make_task

pytestmark = pytest.mark.browser


def test_an_employee_makes_a_calendar_address_that_a_calendar_client_reads(page, firm, live_server):
    from datetime import date

    make_task(firm.workspace, assignee=firm.bob, due=date.today(), title="Call Fabrikam")
    sign_in(page, "bob@acme.test")
    page.goto("/profile/")
    page.get_by_role("button", name="Make my calendar address").click()
    url = page.get_by_test_id("calendar-url").input_value()
    snap(page, "journeys-calendar-address")
    path = "/" + url.split("://", 1)[1].split("/", 1)[1]
    response = page.context.request.get(f"{live_server.url}{path}", headers={"Cookie": ""})
    assert response.status == 200
    events = Calendar.from_ical(response.body()).walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == ["Call Fabrikam"]
    page.goto("/profile/")
    page.get_by_role("button", name="Stop the address").click()
    assert page.context.request.get(f"{live_server.url}{path}").status == 404


def test_a_manager_adds_a_step_and_a_bad_one_is_refused_beside_the_field(page, firm):
    sign_in(page, "alice@acme.test")
    page.goto("/settings/")
    page.get_by_role("link", name="Journeys").click()
    expect(page.get_by_test_id("journey-plans")).to_contain_text("Welcome a new client")
    page.get_by_role("link", name="Welcome a new client").click()
    form = page.get_by_test_id("step-form")
    form.get_by_label("Days after the moment").fill("400")
    form.get_by_label("What to do").fill("Lunch together")
    form.get_by_role("button", name="Add the step").click()
    expect(page.get_by_test_id("step-form")).to_contain_text("less than or equal to 365")
    assert not JourneyStep.objects.filter(title="Lunch together").exists()
    form = page.get_by_test_id("step-form")
    form.get_by_label("Days after the moment").fill("30")
    form.get_by_label("Action").select_option("meeting")
    form.get_by_role("button", name="Add the step").click()
    expect(page.get_by_test_id("journey-steps")).to_contain_text("Meeting: Lunch together")
    snap(page, "journeys-plan-edit")
    assert JourneyStep.objects.get(title="Lunch together").offset_days == 30
    assert page.js_errors == []
