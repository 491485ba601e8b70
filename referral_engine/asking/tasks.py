"""Background jobs of asking: find the work, call a service; no rules of their own."""

from django.utils import timezone
from django_tasks import task

from referral_engine.asking.selectors import week_of
from referral_engine.asking.services import ask_lists_generate_if_missing
from referral_engine.workspaces.models import Workspace


@task()
def generate_current_week_ask_lists() -> int:
    """Make this week's ask lists in every workspace that has none yet. Hourly, so "every Monday" holds even
    when the worker was down at midnight; a workspace whose lists were made this week costs one lookup."""
    now = timezone.now()
    week = week_of(timezone.localdate(now))
    return sum(
        ask_lists_generate_if_missing(workspace=workspace, week=week, now=now)
        for workspace in Workspace.objects.order_by("pk").iterator()
    )
