from datetime import timedelta

from django.apps import AppConfig


class JourneysConfig(AppConfig):
    name = "referral_engine.journeys"
    label = "journeys"
    verbose_name = "Journeys and reminders"

    def ready(self) -> None:
        from referral_engine.integrations.schedule import register

        # Hourly and idempotent: a worker that was down catches up, and a second run creates nothing new.
        register("referral_engine.journeys.tasks.create_journey_tasks", every=timedelta(hours=1))
        register("referral_engine.journeys.tasks.escalate_overdue_tasks", every=timedelta(hours=1))
        # Hourly so each workspace's digest goes out soon after its own local morning begins.
        register("referral_engine.journeys.tasks.send_daily_digests", every=timedelta(hours=1))
