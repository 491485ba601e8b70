"""Template filters of the product's pages: `{% load re_pages %}`."""

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince, timeuntil

register = template.Library()


@register.filter
def age(value: datetime | None) -> str:
    """How long ago, in its largest unit ("3 days", "2 weeks"), or "just now" within the first minute."""
    if not value:
        return ""
    if timezone.now() - value < timedelta(minutes=1):
        return "just now"
    return timesince(value, depth=1)


@register.filter
def time_left(value: datetime | None) -> str:
    """How long until, in its largest unit ("23 hours")."""
    if not value:
        return ""
    return timeuntil(value, depth=1)
