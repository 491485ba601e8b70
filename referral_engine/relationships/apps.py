from django.apps import AppConfig


class RelationshipsConfig(AppConfig):
    name = "referral_engine.relationships"
    label = "relationships"
