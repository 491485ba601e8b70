from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "referral_engine.feedback"
    label = "feedback"
