from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "referral_engine.partners"
    label = "partners"
