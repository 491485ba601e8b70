from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "referral_engine.insights"
    label = "insights"
