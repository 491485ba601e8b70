from datetime import timedelta

from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "referral_engine.feedback"
    label = "feedback"

    def ready(self) -> None:
        from referral_engine.integrations.schedule import register

        register("referral_engine.feedback.tasks.close_expired_survey_rounds", every=timedelta(hours=1))
