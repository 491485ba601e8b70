"""The hourly jobs are registered, run through django-tasks, stay idempotent, and cost a fixed number of queries
whatever the number of people they find."""

from datetime import timedelta

import pytest
from django.utils import timezone

from referral_engine.core.testing import make_account, make_contact
from referral_engine.integrations.schedule import registered
from referral_engine.journeys.services import journey_tasks_create, reminder_settings_ensure
from referral_engine.journeys.tasks import create_journey_tasks, escalate_overdue_tasks
from referral_engine.journeys.tests.helpers import NOW, TODAY, journey_tasks, make_task

pytestmark = pytest.mark.django_db


def test_the_three_jobs_are_registered_hourly():
    jobs = {job.task_path: job.every for job in registered()}
    for name in ("create_journey_tasks", "escalate_overdue_tasks", "send_daily_digests"):
        assert jobs[f"referral_engine.journeys.tasks.{name}"] == timedelta(hours=1)


def test_the_jobs_run_on_the_real_clock_and_a_second_run_creates_nothing(firm):
    today = timezone.localdate()
    make_account(firm.workspace, name="Fabrikam", status="customer", won_at=today, owner=firm.bob)
    make_task(firm.workspace, assignee=firm.bob, due=today - timedelta(days=30))
    assert create_journey_tasks.call() == 1
    assert create_journey_tasks.call() == 0
    assert escalate_overdue_tasks.call() == 1
    assert escalate_overdue_tasks.call() == 0


def test_journey_queries_do_not_grow_with_the_people_found(firm, django_assert_max_num_queries):
    reminder_settings_ensure(workspace=firm.workspace)
    account = make_account(firm.workspace, name="Fabrikam", status="customer", won_at=TODAY, owner=firm.bob)
    for i in range(40):
        make_contact(firm.workspace, first_name=f"P{i}", account=account, birthday=TODAY.replace(year=1980))
    # Per step: one candidate query; then the existing keys, the insert, and a few set-up reads.
    with django_assert_max_num_queries(25):
        created = journey_tasks_create(workspace=firm.workspace, now=NOW - timedelta(days=3))
    assert created == 41
    assert journey_tasks(firm.workspace, contact__isnull=False).count() == 40
