"""Background jobs of journeys and reminders: find the work, call a service; no rules of their own."""

from django.utils import timezone
from django_tasks import task

from referral_engine.journeys.services import (
    daily_digests_queue,
    journey_tasks_create,
    task_escalations_create,
)
from referral_engine.workspaces.models import Workspace


@task()
def create_journey_tasks() -> int:
    """The dated tasks of every journey in every workspace; hourly and idempotent."""
    now = timezone.now()
    return sum(
        journey_tasks_create(workspace=w, now=now) for w in Workspace.objects.order_by("pk").iterator()
    )


@task()
def escalate_overdue_tasks() -> int:
    """One escalation per task overdue by more than the workspace's working days; hourly and idempotent."""
    now = timezone.now()
    return sum(
        task_escalations_create(workspace=w, now=now) for w in Workspace.objects.order_by("pk").iterator()
    )


@task()
def send_daily_digests() -> int:
    """Queue each employee's digest once their workspace's morning has come; once a day per person."""
    now = timezone.now()
    return sum(daily_digests_queue(workspace=w, now=now) for w in Workspace.objects.order_by("pk").iterator())
