from datetime import timedelta

from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "referral_engine.integrations"
    label = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from referral_engine.integrations.schedule import register

        register("referral_engine.integrations.tasks.retry_due_webhooks", every=timedelta(minutes=1))
        register("referral_engine.integrations.tasks.retry_due_emails", every=timedelta(minutes=1))
