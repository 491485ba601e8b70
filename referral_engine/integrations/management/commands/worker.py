"""`referral-engine worker`: the task queue worker (database or Redis queue, whichever TASKS uses) and the
scheduler of periodic jobs, in one process."""

import logging
import threading
import time
from functools import partial

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connections
from django.utils import timezone
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db.backend import DatabaseBackend

from referral_engine.integrations.schedule import Scheduler, registered

logger = logging.getLogger(__name__)

TICK_SECONDS = 60


def _tick(scheduler: Scheduler) -> None:
    try:
        enqueued = scheduler.tick(timezone.now())
        if enqueued:
            logger.info("Scheduled: %s", ", ".join(enqueued))
    except Exception:
        # One failed tick (the database restarting) must not stop the schedule; the next minute tries again.
        logger.exception("Scheduler tick failed")
    finally:
        close_old_connections()


def _run_scheduler(stop: threading.Event) -> None:
    scheduler = Scheduler()
    try:
        while not stop.is_set():
            _tick(scheduler)
            # Wake on the minute, so jobs run at a steady rhythm whatever a tick cost.
            stop.wait(TICK_SECONDS - time.time() % TICK_SECONDS)
    finally:
        connections.close_all()


def _is_redis_backend(backend) -> bool:
    try:
        from django_tasks_rq import RQBackend
    except (
        ImportError
    ):  # pragma: no cover - a dependency of the project, but the database queue needs none of it
        return False
    return isinstance(backend, RQBackend)


def _run_rq_worker(
    *, backend, queue_name: str, batch: bool, max_tasks: int | None, worker_id: str | None, verbosity: int
) -> None:
    """RQ's worker on the Redis queues, with django-tasks-rq's job class (what `rqworker --job-class
    django_tasks_rq.Job` runs). It runs each task in this process (no fork per task): the scheduler's thread
    lives here too, and forking a process with a running thread can copy a lock held by that thread."""
    import django_rq
    from django_tasks_rq import Job
    from rq.worker import SimpleWorker

    class Worker(SimpleWorker):
        def execute_job(self, job, queue):
            # As Django does around a request: a connection the database dropped is replaced, not reused.
            close_old_connections()
            try:
                return super().execute_job(job, queue)
            finally:
                close_old_connections()

    names = (
        sorted(backend.queues) if queue_name.strip() == "*" else [q.strip() for q in queue_name.split(",")]
    )
    unknown = [name for name in names if name not in backend.queues]
    if unknown:
        raise CommandError(
            f"Unknown queue: {', '.join(unknown)} (the Redis backend has {', '.join(sorted(backend.queues))})."
        )
    options = {"name": worker_id} if worker_id else {}
    worker = django_rq.get_worker(*names, job_class=Job, worker_class=Worker, **options)
    # with_scheduler: RQ moves tasks deferred with run_after into the queue when they are due.
    work = {"burst": batch, "with_scheduler": True, "logging_level": "INFO" if verbosity > 1 else "WARNING"}
    if max_tasks is not None:
        work["max_jobs"] = max_tasks
    worker.work(**work)


class Command(BaseCommand):
    help = (
        "Run background work: the task queue (django-tasks' db_worker for the database queue, RQ's worker when "
        "REDIS_URL selects the Redis queue) and, in the same process, a scheduler that enqueues the registered "
        "periodic jobs once a minute."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--queue-name",
            default="default",
            help="Queues to process, separated by commas; '*' for all (default: default).",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Seconds to wait before looking again when the queue is empty (default: 1).",
        )
        parser.add_argument(
            "--batch",
            action="store_true",
            help="Enqueue the periodic jobs once, run every task waiting in the queue, then exit (for cron).",
        )
        parser.add_argument("--max-tasks", type=int, default=None, help="Exit after running this many tasks.")
        parser.add_argument(
            "--no-scheduler",
            action="store_false",
            dest="scheduler",
            help="Only run tasks. With several workers, run the scheduler in exactly one of them.",
        )
        parser.add_argument(
            "--worker-id", default=None, help="A name unique across workers (default: random)."
        )

    def handle(
        self,
        *,
        queue_name: str,
        interval: float,
        batch: bool,
        max_tasks: int | None,
        scheduler: bool,
        worker_id: str | None,
        verbosity: int,
        **options,
    ) -> None:
        backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
        redis_queue = _is_redis_backend(backend)
        if not (redis_queue or isinstance(backend, DatabaseBackend)):
            raise CommandError(
                f"The worker runs the database queue or the Redis queue, but TASKS_BACKEND is "
                f"{type(backend).__name__}. Unset TASKS_BACKEND (the default is django_tasks_db.DatabaseBackend, "
                "or django_tasks_rq.RQBackend when REDIS_URL is set)."
            )
        worker_options = {
            "queue_name": queue_name,
            "interval": interval,
            "batch": batch,
            "reload": False,
            "startup_delay": False,
            "verbosity": verbosity,
            "stdout": self.stdout,
            "stderr": self.stderr,
        }
        if max_tasks is not None:
            worker_options["max_tasks"] = max_tasks
        if worker_id:
            worker_options["worker_id"] = worker_id

        if scheduler and verbosity:
            jobs = ", ".join(f"{job.task_path} every {job.every}" for job in registered()) or "none"
            self.stdout.write(f"Periodic jobs: {jobs}")
        if redis_queue:
            run_queue = partial(
                _run_rq_worker,
                backend=backend,
                queue_name=queue_name,
                batch=batch,
                max_tasks=max_tasks,
                worker_id=worker_id,
                verbosity=verbosity,
            )
        else:
            run_queue = partial(call_command, "db_worker", **worker_options)
        if batch:
            if scheduler:
                _tick(Scheduler())
            run_queue()
            return

        stop = threading.Event()
        thread = None
        if scheduler:
            thread = threading.Thread(target=_run_scheduler, args=(stop,), name="scheduler", daemon=True)
            thread.start()
        try:
            run_queue()
        finally:
            stop.set()
            if thread is not None:
                thread.join(timeout=5)
