from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _restore_guards(sender, using="default", **kwargs) -> None:
    from referral_engine.core.db import sqlite_guards_restore

    sqlite_guards_restore(using=using)


class CoreConfig(AppConfig):
    name = "referral_engine.core"
    label = "core"

    def ready(self) -> None:
        # post_migrate is sent once per app after the whole plan has run; listening for this app alone restores
        # the guards once per migrate.
        post_migrate.connect(_restore_guards, sender=self, dispatch_uid="referral_engine.core.restore_guards")
