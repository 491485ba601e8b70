from datetime import timedelta

from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "referral_engine.intake"
    label = "intake"
    verbose_name = "Referral links"

    def ready(self) -> None:
        from referral_engine.integrations.schedule import register

        register("referral_engine.intake.tasks.purge_intake_attempts", every=timedelta(hours=1))
