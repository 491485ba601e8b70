"""A member's open tasks as an iCalendar feed (RFC 5545), built with the `icalendar` library.

Each task is an all-day VEVENT on its due date (DTEND the day after, as RFC 5545 §3.6.1 asks of a one-day event)
with a UID that never changes, so a calendar client updates an event when the task moves instead of adding a
second one. The calendar names the workspace's time zone (X-WR-TIMEZONE and a VTIMEZONE).
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, Timezone

from referral_engine.workspaces.models import Membership


def task_uid(task, workspace_slug: str) -> str:
    return f"task-{task.pk}@{workspace_slug}.referral-engine"


def calendar_build(*, membership: Membership, tasks) -> bytes:
    workspace = membership.workspace
    tzid = workspace.timezone or "UTC"
    calendar = Calendar()
    calendar.add("prodid", "-//Referral Engine//Tasks//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{workspace.name}: tasks of {membership.user.get_full_name()}")
    calendar.add("x-wr-timezone", tzid)
    calendar.add_component(Timezone.from_tzid(tzid))
    stamp = timezone.now()
    for task in tasks:
        event = Event()
        event.add("uid", task_uid(task, workspace.slug))
        event.add("dtstamp", stamp)
        event.add("last-modified", task.updated_at)
        event.add("dtstart", task.due)
        event.add("dtend", task.due + timedelta(days=1))
        event.add("summary", task.title)
        about = task.contact or task.account
        description = task.details
        if about is not None:
            description = f"About: {about}\n\n{description}".strip()
        if description:
            event.add("description", description)
        event.add("url", f"{settings.SITE_URL}/")
        event.add("transp", "TRANSPARENT")
        event.add("status", "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical()
