"""The calendar feed at a secret address: parsed by the icalendar library, the member's open dated tasks as
all-day events with stable UIDs in the workspace's time zone; revoked or replaced, the old address is a 404."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from icalendar import Calendar

from referral_engine.core.errors import Conflict
from referral_engine.journeys.models import ReminderPreference
from referral_engine.journeys.services import calendar_token_create, calendar_token_revoke
from referral_engine.journeys.tests.helpers import NOW, TODAY, make_task

pytestmark = pytest.mark.django_db


def _feed(client, token):
    return client.get(reverse("calendar_feed", kwargs={"token": token}))


def _events(response):
    calendar = Calendar.from_ical(response.content)
    return calendar, {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_the_feed_lists_the_members_open_tasks_as_all_day_events_in_the_workspace_time_zone(client, firm):
    firm.workspace.timezone = "Europe/Berlin"
    firm.workspace.save(update_fields=["timezone"])
    call = make_task(
        firm.workspace, assignee=firm.bob, due=TODAY, title="Call Fabrikam", details="Ask about Q1."
    )
    card = make_task(firm.workspace, assignee=firm.bob, due=TODAY + timedelta(days=5), title="Card to Ann")
    make_task(
        firm.workspace, assignee=firm.bob, due=TODAY, title="Done already", status="done", completed_at=NOW
    )
    make_task(firm.workspace, assignee=firm.alice, due=TODAY, title="Alice's task")
    token = calendar_token_create(membership=firm.bob)
    # No sign-in: the secret is the credential.
    response = _feed(client, token)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar, events = _events(response)
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Berlin"
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    assert set(events) == {f"task-{call.pk}@acme.referral-engine", f"task-{card.pk}@acme.referral-engine"}
    first = events[f"task-{call.pk}@acme.referral-engine"]
    assert str(first["SUMMARY"]) == "Call Fabrikam"
    assert first.decoded("DTSTART") == date(2026, 11, 4) and first.decoded("DTEND") == date(2026, 11, 5)
    assert "Ask about Q1." in str(first["DESCRIPTION"])
    # The task moves: the same UID carries the new date, so a calendar app updates the event it has.
    call.due = TODAY + timedelta(days=2)
    call.save()
    _, again = _events(_feed(client, token))
    assert again[f"task-{call.pk}@acme.referral-engine"].decoded("DTSTART") == date(2026, 11, 6)


def test_a_revoked_or_replaced_address_is_a_404_and_only_a_digest_is_stored(client, firm):
    make_task(firm.workspace, assignee=firm.bob, due=TODAY)
    old = calendar_token_create(membership=firm.bob)
    assert not ReminderPreference.objects.filter(calendar_digest=old).exists()
    new = calendar_token_create(membership=firm.bob)
    assert _feed(client, old).status_code == 404
    assert _feed(client, new).status_code == 200
    calendar_token_revoke(membership=firm.bob)
    assert _feed(client, new).status_code == 404
    assert _feed(client, "not-a-token").status_code == 404
    # Someone who left the firm: their address stops working.
    newest = calendar_token_create(membership=firm.bob)
    firm.bob.is_active = False
    firm.bob.save()
    assert _feed(client, newest).status_code == 404


def test_a_partner_has_no_task_calendar(firm):
    with pytest.raises(Exception) as exc:
        calendar_token_create(membership=firm.carol)
    assert not isinstance(exc.value, Conflict)
    assert not ReminderPreference.objects.filter(membership=firm.carol).exists()


def test_the_profile_page_makes_revokes_and_remakes_the_address(client, firm):
    make_task(firm.workspace, assignee=firm.bob, due=TODAY, title="Call Fabrikam")
    client.force_login(firm.bob.user)
    page = client.get(reverse("profile")).content.decode()
    assert "Make my calendar address" in page and "Stop the daily digest" in page
    response = client.post(reverse("calendar_create"))
    assert response.status_code == 200
    url = response.context["url"]
    assert url.startswith("http") and url.endswith(".ics")
    path = url.split("://", 1)[1].split("/", 1)[1]
    client.logout()
    assert client.get(f"/{path}").status_code == 200
    client.force_login(firm.bob.user)
    assert "Stop the address" in client.get(reverse("profile")).content.decode()
    assert client.post(reverse("calendar_revoke")).status_code == 302
    client.logout()
    assert client.get(f"/{path}").status_code == 404


def test_a_partner_and_a_stranger_cannot_use_the_profile_actions(client, firm):
    assert client.post(reverse("calendar_create")).status_code == 302  # to the sign-in page
    client.force_login(firm.carol.user)
    assert client.post(reverse("calendar_create")).status_code == 404
    assert client.post(reverse("digest_preference"), {"digest_enabled": "0"}).status_code == 404
    assert "Make my calendar address" not in client.get(reverse("profile")).content.decode()
    assert not ReminderPreference.objects.exists()
