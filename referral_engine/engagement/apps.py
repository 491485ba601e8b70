from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "referral_engine.engagement"
    label = "engagement"
