from datetime import timedelta

from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "referral_engine.insights"
    label = "insights"

    def ready(self) -> None:
        from referral_engine.integrations.schedule import register

        register("referral_engine.insights.tasks.refresh_every_workspace", every=timedelta(hours=24))
        register("referral_engine.insights.tasks.refresh_changed_workspaces", every=timedelta(minutes=15))
        register("referral_engine.insights.tasks.refresh_programme_figures", every=timedelta(minutes=30))
        register("referral_engine.insights.tasks.warm_programme_figures", every=timedelta(hours=24))
