from datetime import timedelta

from django.apps import AppConfig


class AskingConfig(AppConfig):
    name = "referral_engine.asking"
    label = "asking"
    verbose_name = "Who to ask and when"

    def ready(self) -> None:
        from referral_engine.integrations.schedule import register

        # Hourly rather than "Monday at midnight": a worker that was down at midnight still makes the lists.
        register("referral_engine.asking.tasks.generate_current_week_ask_lists", every=timedelta(hours=1))
