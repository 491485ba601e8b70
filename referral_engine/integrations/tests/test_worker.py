from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from referral_engine.integrations.models import DeliveryStatus
from referral_engine.integrations.schedule import Scheduler, registered
from referral_engine.integrations.services import webhook_endpoint_create, webhook_event_emit

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


# A real commit: the database queue row must be written after the event's transaction, and the worker's own
# transactions must not run inside a test's.
@pytest.mark.django_db(transaction=True)
def test_the_worker_delivers_from_the_database_queue(firm, receiver, settings):
    settings.TASKS = DATABASE_QUEUE
    endpoint = webhook_endpoint_create(workspace=firm.workspace, url=receiver.url, events=["referral.won"])
    receiver.secret = endpoint.secret
    [delivery] = webhook_event_emit(workspace=firm.workspace, event="referral.won", payload={"id": 9})
    assert DBTaskResult.objects.filter(task_path__endswith="deliver_webhook").count() == 1
    assert receiver.requests == []  # queued, not sent

    call_command("worker", "--batch", verbosity=0)

    assert len(receiver.requests) == 1
    assert receiver.requests[0].signature_valid
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    # The scheduler ran once in batch mode: retry_due_webhooks was enqueued and run too, and sent nothing again.
    results = DBTaskResult.objects.all()
    assert {r.task_path.rsplit(".", 1)[1] for r in results} >= {"deliver_webhook", "retry_due_webhooks"}
    assert {r.status for r in results} == {"SUCCESSFUL"}


def test_the_worker_refuses_a_backend_that_is_not_the_database_queue(settings):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="TASKS_BACKEND"):
        call_command("worker", "--batch", verbosity=0)


def test_the_schedule_enqueues_each_job_once_per_period(settings, db):
    paths = [job.task_path for job in registered()]
    assert "referral_engine.integrations.tasks.retry_due_webhooks" in paths
    scheduler = Scheduler()
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    assert "referral_engine.integrations.tasks.retry_due_webhooks" in scheduler.tick(start)
    assert scheduler.tick(start + timedelta(seconds=30)) == []
    assert "referral_engine.integrations.tasks.retry_due_webhooks" in scheduler.tick(
        start + timedelta(minutes=1)
    )
