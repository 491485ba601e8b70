from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "referral_engine.workspaces"
    label = "workspaces"
