"""Periodic jobs the worker's scheduler enqueues.

A job is a django-tasks task taking no arguments, named by its dotted path so registering one imports nothing.
Apps register theirs in `AppConfig.ready()`:

    from referral_engine.integrations.schedule import register
    register("referral_engine.referrals.tasks.check_deadlines", every=timedelta(minutes=5))
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils.module_loading import import_string


@dataclass(frozen=True)
class PeriodicJob:
    task_path: str
    every: timedelta


_jobs: dict[str, PeriodicJob] = {}


def register(task_path: str, *, every: timedelta = timedelta(minutes=1)) -> PeriodicJob:
    if every < timedelta(minutes=1):
        raise ValueError("The scheduler runs once a minute; a job cannot run more often.")
    job = PeriodicJob(task_path=task_path, every=every)
    _jobs[task_path] = job
    return job


def registered() -> list[PeriodicJob]:
    return list(_jobs.values())


@dataclass
class Scheduler:
    """Remembers when each job was last enqueued by this process; a job is due `every` after that."""

    last_enqueued: dict[str, datetime] = field(default_factory=dict)

    def due(self, now: datetime) -> list[PeriodicJob]:
        return [
            job
            for job in registered()
            if job.task_path not in self.last_enqueued or now - self.last_enqueued[job.task_path] >= job.every
        ]

    def tick(self, now: datetime) -> list[str]:
        """Enqueue every due job; returns their paths."""
        enqueued = []
        for job in self.due(now):
            import_string(job.task_path).enqueue()
            self.last_enqueued[job.task_path] = now
            enqueued.append(job.task_path)
        return enqueued
