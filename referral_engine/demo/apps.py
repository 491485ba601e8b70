from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "referral_engine.demo"
    label = "demo"
