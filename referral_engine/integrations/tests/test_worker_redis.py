"""The worker with the Redis queue (REDIS_URL set): tasks go to a real Redis and RQ's worker runs them.

The tests use their own Redis database number and flush only that one. They are skipped only where no Redis
answers at 127.0.0.1:6379 and CI is not "true" (like the browser tests); in CI a missing Redis fails them.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django_tasks import task

from referral_engine.integrations.models import DeliveryStatus
from referral_engine.integrations.services import webhook_endpoint_create, webhook_event_emit

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
# Chosen far from 0 (the default) so a developer's own queue is never touched; each xdist worker gets its own.
REDIS_DB = 11 + int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0) % 4
REDIS_URL = f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"
REDIS_QUEUE = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
ROOT = Path(__file__).resolve().parents[3]


@task()
def add(a: int, b: int) -> int:
    """A task with a result to read back."""
    return a + b


@pytest.fixture
def redis_queue(settings):
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisConnectionError

    client = Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB, socket_connect_timeout=2)
    try:
        client.ping()
    except RedisConnectionError:
        message = f"Redis does not answer at {REDIS_HOST}:{REDIS_PORT}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI requires the Redis tests to run.")
        pytest.skip(message)
    client.flushdb()
    settings.TASKS = REDIS_QUEUE
    settings.RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 60}}
    try:
        yield client
    finally:
        client.flushdb()
        client.close()


def test_a_task_enqueued_on_the_redis_queue_is_run_by_the_worker_and_its_result_read_back(redis_queue, db):
    result = add.enqueue(2, 3)
    assert result.status == "READY"
    assert redis_queue.dbsize() > 0  # the job is stored in Redis, not run yet
    assert add.get_result(result.id).status == "READY"

    call_command("worker", "--batch", "--no-scheduler", verbosity=0)

    done = add.get_result(result.id)
    assert done.status == "SUCCESSFUL"
    assert done.return_value == 5


@pytest.mark.django_db(transaction=True)
def test_the_worker_delivers_a_webhook_from_the_redis_queue(firm, receiver, redis_queue):
    endpoint = webhook_endpoint_create(workspace=firm.workspace, url=receiver.url, events=["referral.won"])
    receiver.secret = endpoint.secret
    [delivery] = webhook_event_emit(workspace=firm.workspace, event="referral.won", payload={"id": 9})
    assert receiver.requests == []  # queued in Redis after the commit, not sent

    call_command("worker", "--batch", verbosity=0)

    assert len(receiver.requests) == 1
    assert receiver.requests[0].signature_valid
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED


def test_redis_url_selects_the_redis_queue_and_tasks_backend_still_wins(tmp_path):
    def tasks_setting(**variables) -> str:
        environment = {
            key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "TASKS_BACKEND")
        }
        environment.update(variables, DJANGO_SETTINGS_MODULE="config.settings")
        code = (
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.TASKS['default']['BACKEND'], 'django_rq' in settings.INSTALLED_APPS)"
        )
        run = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True
        )
        return (run.stdout + run.stderr).strip().splitlines()[-1]

    assert tasks_setting() == "django_tasks_db.DatabaseBackend False"
    assert tasks_setting(REDIS_URL=REDIS_URL) == "django_tasks_rq.RQBackend True"
    assert (
        tasks_setting(REDIS_URL=REDIS_URL, TASKS_BACKEND="django_tasks_db.DatabaseBackend")
        == "django_tasks_db.DatabaseBackend False"
    )
    assert "REDIS_URL must start with redis://" in tasks_setting(REDIS_URL="http://127.0.0.1:6379")
