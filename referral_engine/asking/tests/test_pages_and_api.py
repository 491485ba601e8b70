"""Today's ask list, the contact page's "why", Settings, and the API — with isolation: another workspace is a
404, a partner is refused, a colleague's list is a manager's business."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from referral_engine.asking.models import AskScript, AskSuggestion, ReferralProfile, SuccessMoment
from referral_engine.asking.selectors import week_of
from referral_engine.asking.services import ask_lists_generate
from referral_engine.asking.tests.helpers import make_ready_contact
from referral_engine.engagement.models import Ask, Task
from referral_engine.relationships.models import Touchpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed(firm):
    """Bob's list this week (the real clock: pages read this week): three people."""
    now = timezone.now()
    contacts = [make_ready_contact(firm.workspace, owner=firm.bob, now=now, rq=90 - i) for i in range(3)]
    ask_lists_generate(workspace=firm.workspace, now=now)
    return contacts


def _api(client, firm, membership, method, path, **kwargs):
    token = firm.token(membership)
    return getattr(client, method)(f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {token}", **kwargs)


# ------------------------------------------------------------------------------------------------- Today


def test_today_shows_the_people_to_ask_with_reasons_and_a_script(client, firm, listed):
    client.force_login(firm.bob.user)
    page = client.get("/").content.decode()
    assert "People to ask this week" in page
    for contact in listed:
        assert str(contact) in page
    assert "You look after this relationship." in page
    assert "room for one more great client" in page


def test_one_click_logs_the_outcome_and_the_person_leaves_the_list(client, firm, listed):
    client.force_login(firm.bob.user)
    suggestion = AskSuggestion.objects.get(contact=listed[0])
    response = client.post(
        reverse("ask_suggestion_outcome", args=[suggestion.pk]),
        {"outcome": "declined"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert str(listed[0]) not in response.content.decode().split("Logged:")[-1].split("</p>", 1)[1]
    assert Ask.objects.get().outcome == "declined"
    # Without JavaScript: a redirect back to Today.
    other = AskSuggestion.objects.get(contact=listed[1])
    response = client.post(reverse("ask_suggestion_outcome", args=[other.pk]), {"outcome": "maybe_later"})
    assert response.status_code == 302 and response["Location"].startswith("/")


def test_referral_given_opens_the_referral_form_prefilled(client, firm, listed):
    client.force_login(firm.bob.user)
    suggestion = AskSuggestion.objects.get(contact=listed[0])
    response = client.post(
        reverse("ask_suggestion_outcome", args=[suggestion.pk]), {"outcome": "referral_given"}
    )
    assert response.status_code == 302
    assert f"source_contact={listed[0].pk}" in response["Location"]
    response = client.post(
        reverse("ask_suggestion_outcome", args=[AskSuggestion.objects.get(contact=listed[1]).pk]),
        {"outcome": "referral_given"},
        HTTP_HX_REQUEST="true",
    )
    assert f"source_contact={listed[1].pk}" in response["HX-Redirect"]


def test_nobody_else_can_log_an_outcome_on_bobs_list(client, firm, listed):
    suggestion = AskSuggestion.objects.get(contact=listed[0])
    url = reverse("ask_suggestion_outcome", args=[suggestion.pk])
    client.force_login(firm.dave.user)
    assert client.post(url, {"outcome": "declined"}).status_code == 404
    client.force_login(firm.carol.user)
    assert client.post(url, {"outcome": "declined"}).status_code in (302, 403, 404)
    assert not Ask.objects.exists()


# ------------------------------------------------------------------------------------------- contact page


def test_the_contact_page_says_why_someone_is_not_on_the_list(client, firm):
    contact = make_ready_contact(firm.workspace, owner=firm.bob, nps=6, now=timezone.now())
    client.force_login(firm.bob.user)
    page = client.get(reverse("contact_detail", args=[contact.pk])).content.decode()
    assert "is not on the ask list" in page
    assert 'data-rule="promoter" data-passed="no"' in page
    assert 'data-rule="rq" data-passed="yes"' in page


def test_a_success_moment_is_one_click_and_scoped(client, firm):
    contact = make_ready_contact(firm.workspace, owner=firm.bob, success_days_ago=None, now=timezone.now())
    client.force_login(firm.bob.user)
    response = client.post(reverse("success_moment_create", args=[contact.pk]), {"kind": "go_live"})
    assert response.status_code == 302
    assert SuccessMoment.objects.filter(contact=contact, recorded_by=firm.bob).count() == 1
    client.force_login(firm.dave.user)
    assert client.post(reverse("success_moment_create", args=[contact.pk])).status_code == 404
    assert SuccessMoment.objects.count() == 1


def test_a_refused_ask_offers_a_one_click_meeting_task(client, firm):
    contact = make_ready_contact(firm.workspace, owner=firm.bob, now=timezone.now())
    Touchpoint.objects.create(
        workspace=firm.workspace,
        kind="support",
        channel="phone",
        direction="in",
        contact=contact,
        at=timezone.now(),
    )
    client.force_login(firm.bob.user)
    ask_url = reverse("contact_ask_create", args=[contact.pk])
    at = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        ask_url, {"channel": "phone", "at": at, "outcome": "pending"}, HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert "support conversation" in page and 'data-testid="support-meeting-offer"' in page
    assert not Ask.objects.exists()
    response = client.post(reverse("support_meeting_task", args=[contact.pk]), HTTP_HX_REQUEST="true")
    assert "Task added" in response.content.decode()
    assert Task.objects.get().contact == contact
    client.force_login(firm.dave.user)
    assert client.post(reverse("support_meeting_task", args=[contact.pk])).status_code == 404


# ------------------------------------------------------------------------------------------------ settings


def test_a_manager_edits_the_profile_and_a_member_cannot(client, firm):
    url = reverse("ask_profile_edit")
    client.force_login(firm.bob.user)
    assert client.get(url).status_code in (302, 403, 404)
    client.force_login(firm.alice.user)
    assert client.get(url).status_code == 200
    data = {
        "segments": ["top", "core"],
        "promoter_required": "on",
        "min_rq": "50",
        "success_within_days": "30",
        "not_asked_days": "90",
        "two_way_days": "180",
        "min_days_between_asks": "120",
        "max_asks_per_employee_week": "4",
        "list_size": "3",
        "support_window_hours": "24",
    }
    assert client.post(url, data).status_code == 302
    profile = ReferralProfile.objects.get(workspace=firm.workspace)
    assert (profile.segments, profile.min_rq, profile.success_required, profile.min_days_between_asks) == (
        ["top", "core"],
        50,
        False,
        120,
    )
    response = client.post(url, {**data, "min_rq": "101", "list_size": "0"})
    assert response.status_code == 400
    profile.refresh_from_db()
    assert profile.min_rq == 50


def test_scripts_are_readable_by_employees_and_editable_by_managers(client, firm):
    client.force_login(firm.bob.user)
    assert "room for one more great client" in client.get(reverse("ask_script_list")).content.decode()
    edit = reverse("ask_script_edit", args=["after_go_live"])
    assert client.post(edit, {"title": "x", "body": "y"}).status_code in (302, 403, 404)
    client.force_login(firm.alice.user)
    assert client.post(edit, {"title": "Go-live", "body": "Hi {first_name}, {nope}"}).status_code == 400
    assert client.post(edit, {"title": "Go-live", "body": "Hi {first_name}!"}).status_code == 302
    assert AskScript.objects.get(workspace=firm.workspace).body == "Hi {first_name}!"
    client.force_login(firm.dave.user)
    assert "Hi {first_name}!" not in client.get(reverse("ask_script_list")).content.decode()


# ----------------------------------------------------------------------------------------------------- API


def test_api_lists_the_callers_suggestions_and_managers_may_read_others(client, firm, listed):
    body = _api(client, firm, firm.bob, "get", "/ask-lists").json()
    assert body["employee_id"] == firm.bob.pk
    assert [item["contact_id"] for item in body["items"]] == [c.pk for c in listed]
    assert body["items"][0]["reasons"][0]["key"] == "owner"
    assert "{first_name}" not in body["items"][0]["script"]["text"]
    assert _api(client, firm, firm.alice, "get", f"/ask-lists?employee_id={firm.bob.pk}").json()["items"]
    assert _api(client, firm, firm.bob, "get", f"/ask-lists?employee_id={firm.alice.pk}").status_code == 403
    assert _api(client, firm, firm.dave, "get", f"/ask-lists?employee_id={firm.bob.pk}").status_code == 404
    assert _api(client, firm, firm.dave, "get", "/ask-lists").json()["items"] == []
    assert _api(client, firm, firm.carol, "get", "/ask-lists").status_code == 403
    last_week = (week_of(timezone.localdate()) - timedelta(days=7)).isoformat()
    assert _api(client, firm, firm.bob, "get", f"/ask-lists?week={last_week}").json()["items"] == []


def test_api_logs_an_outcome_once(client, firm, listed):
    suggestion = AskSuggestion.objects.get(contact=listed[0])
    path = f"/ask-suggestions/{suggestion.pk}/outcome"
    assert (
        _api(
            client,
            firm,
            firm.dave,
            "post",
            path,
            data={"outcome": "declined"},
            content_type="application/json",
        ).status_code
        == 404
    )
    assert (
        _api(
            client,
            firm,
            firm.carol,
            "post",
            path,
            data={"outcome": "declined"},
            content_type="application/json",
        ).status_code
        == 403
    )
    bad = _api(
        client, firm, firm.bob, "post", path, data={"outcome": "pending"}, content_type="application/json"
    )
    assert bad.status_code == 422 and not Ask.objects.exists()
    ok = _api(
        client,
        firm,
        firm.bob,
        "post",
        path,
        data={"outcome": "referral_given", "channel": "phone"},
        content_type="application/json",
    )
    assert ok.status_code == 200, ok.content
    assert f"source_contact={listed[0].pk}" in ok.json()["referral_form_url"]
    again = _api(
        client, firm, firm.bob, "post", path, data={"outcome": "declined"}, content_type="application/json"
    )
    assert again.status_code == 409
    assert Ask.objects.count() == 1
    items = _api(client, firm, firm.bob, "get", "/ask-lists").json()["items"]
    assert listed[0].pk not in [item["contact_id"] for item in items]


def test_api_profile_get_and_put(client, firm):
    assert _api(client, firm, firm.bob, "get", "/referral-profile").json()["min_rq"] == 60
    body = {
        "segments": ["core"],
        "promoter_required": False,
        "min_rq": 40,
        "success_required": True,
        "success_within_days": 45,
        "not_asked_days": 60,
        "min_days_between_asks": 90,
        "max_asks_per_employee_week": 3,
        "list_size": 2,
        "support_window_hours": 12,
        "two_way_days": 90,
    }

    def put(who, data):
        return _api(client, firm, who, "put", "/referral-profile", data=data, content_type="application/json")

    assert put(firm.bob, body).status_code == 403
    assert put(firm.alice, {**body, "min_rq": 101}).status_code == 422
    assert put(firm.alice, {**body, "segments": ["gold"]}).status_code == 422
    assert not ReferralProfile.objects.exists()
    assert put(firm.alice, body).json()["list_size"] == 2
    assert _api(client, firm, firm.dave, "get", "/referral-profile").json()["list_size"] == 3


def test_a_partner_ask_inside_support_is_refused_and_the_meeting_task_is_offered(client, firm):
    partner = firm.carol_partner
    Touchpoint.objects.create(
        workspace=firm.workspace,
        kind="support",
        channel="phone",
        direction="in",
        partner=partner,
        at=timezone.now(),
    )
    client.force_login(firm.bob.user)
    ask_url = reverse("partner_ask_create", args=[partner.pk])
    at = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    page = client.post(ask_url, {"channel": "phone", "at": at, "outcome": "pending"}, HTTP_HX_REQUEST="true")
    assert 'data-testid="support-meeting-offer"' in page.content.decode()
    assert not Ask.objects.exists()
    response = client.post(f"{ask_url}meeting-task/")
    assert response.status_code == 302
    assert Task.objects.get().partner == partner
    client.force_login(firm.dave.user)
    assert client.post(f"{ask_url}meeting-task/").status_code == 404
    assert Task.objects.count() == 1
