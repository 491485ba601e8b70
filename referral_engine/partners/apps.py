from datetime import timedelta

from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "referral_engine.partners"
    label = "partners"

    def ready(self) -> None:
        from referral_engine.integrations.schedule import register

        register("referral_engine.partners.tasks.nudge_neglected_partners", every=timedelta(days=1))
