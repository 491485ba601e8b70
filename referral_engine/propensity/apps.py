from datetime import timedelta

from django.apps import AppConfig


class PropensityConfig(AppConfig):
    name = "referral_engine.propensity"
    label = "propensity"
    verbose_name = "Propensity to refer"

    def ready(self) -> None:
        from referral_engine.integrations.schedule import register

        register("referral_engine.propensity.tasks.retrain_every_workspace", every=timedelta(days=7))
