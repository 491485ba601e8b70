from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "referral_engine.core"
    label = "core"
