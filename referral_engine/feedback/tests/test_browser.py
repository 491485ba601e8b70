"""In real Chromium: a customer answers the survey from their link on a phone; an employee then sees the answer,
the figure and the detractor's follow-up on the NPS page."""

import pytest
from playwright.sync_api import expect

from referral_engine.core.tests.browser import sign_in, snap
from referral_engine.feedback.models import Audience, SurveyInvitation
from referral_engine.feedback.services import survey_round_send
from referral_engine.feedback.tests.conftest import mailed_token

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_answer_a_survey_on_a_phone_then_see_it_on_the_nps_page(phone_page, page, firm, world):
    survey_round = survey_round_send(
        workspace=firm.workspace, actor=firm.alice, name="Autumn 2026", audience=Audience.EVERYONE
    )
    token = mailed_token(SurveyInvitation.objects.get(round=survey_round, contact=world.ann))

    phone_page.goto(f"/s/{token}/")
    expect(phone_page.get_by_role("heading")).to_contain_text(
        "How likely is it that you would recommend Acme Advisory to a friend or colleague?"
    )
    # Eleven big tap targets, all on screen without scrolling sideways.
    targets = phone_page.locator(".re-score")
    expect(targets).to_have_count(11)
    for i in range(11):
        box = targets.nth(i).bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44 and box["x"] + box["width"] <= 390
    snap(phone_page, "survey_phone_question")
    targets.nth(4).tap()
    phone_page.get_by_label("Anything you would like to add?").fill("Invoices are late & support is slow.")
    phone_page.get_by_role("button", name="Send my answer").tap()
    expect(phone_page.locator("#survey-thanks")).to_contain_text("Your answer (4 out of 10)")
    snap(phone_page, "survey_phone_thanks")

    # The same link again: already answered, nothing new to fill in.
    phone_page.goto(f"/s/{token}/")
    expect(phone_page.get_by_role("heading")).to_contain_text("You have already answered")

    sign_in(page, "bob@acme.test", next_path="/insights/nps/")
    page.wait_for_url("**/insights/nps/")
    expect(page.locator("#nps-overall")).to_contain_text("-100")
    expect(page.locator("#nps-comments")).to_contain_text("Invoices are late & support is slow.")
    expect(page.locator("#nps-follow-up")).to_contain_text("Call Ann Able back: NPS 4/10")
    expect(page.locator("canvas.chart")).to_be_visible()
    assert page.js_errors == []
    snap(page, "nps_page_after_answer")
