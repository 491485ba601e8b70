"""An owner rewords the "contacted" update in a real browser: the preview follows the typing, a bad blank is
refused beside the field, and the saved wording is the one in use."""

import pytest
from playwright.sync_api import expect

from referral_engine.core.tests.browser import sign_in, snap
from referral_engine.engagement.models import MessageTemplate

pytestmark = pytest.mark.browser


def test_an_owner_rewords_an_update_email_with_a_live_preview(firm, page):
    sign_in(page, "alice@acme.test", next_path="/settings/")
    page.get_by_role("link", name="Edit the wording").click()
    page.get_by_role("link", name="Edit").first.click()
    expect(page.get_by_test_id("preview-subject")).to_have_text("Fabrikam: we have been in touch")

    page.get_by_label("Message").fill(
        "Dear {referrer_first_name}, {referred_company} heard from {owner_name}."
    )
    expect(page.get_by_test_id("preview-body")).to_have_text("Dear Carol, Fabrikam heard from Alice Archer.")
    snap(page, "message_template_preview")

    page.get_by_label("Message").fill("Dear {first_name}")
    expect(page.get_by_test_id("message-preview")).to_contain_text("Unknown blank {first_name}")
    page.get_by_role("button", name="Save the wording").click()
    expect(page.get_by_text("Unknown blank {first_name}").first).to_be_visible()
    assert not MessageTemplate.objects.exists()

    page.get_by_label("Message").fill("Dear {referrer_first_name}, thank you.")
    page.get_by_role("button", name="Save the wording").click()
    expect(page.get_by_text("This is your firm's wording.")).to_be_visible()
    assert (
        MessageTemplate.objects.get(workspace=firm.workspace).body == "Dear {referrer_first_name}, thank you."
    )
    assert page.js_errors == []
