"""The references guarded by core migration 0002 refuse another workspace's rows, and accept their own."""

import pytest
from django.db import IntegrityError, transaction

from referral_engine.partners.models import Partner
from referral_engine.workspaces.models import Membership
from referral_engine.workspaces.services import token_create


def _refused(save) -> None:
    with pytest.raises(IntegrityError, match="cross-workspace"), transaction.atomic():
        save()


def test_a_membership_lead_must_be_in_the_same_workspace(firm):
    firm.bob.lead = firm.alice
    firm.bob.save(update_fields=["lead"])

    firm.bob.lead = firm.dave
    _refused(lambda: firm.bob.save(update_fields=["lead"]))
    assert Membership.objects.get(pk=firm.bob.pk).lead == firm.alice


def test_a_partner_portal_sign_in_must_be_in_the_same_workspace(firm):
    # make_firm links carol's Acme membership to her Acme partner row: the same workspace is accepted.
    assert firm.carol_partner.portal_membership == firm.carol

    _refused(lambda: Partner.objects.filter(pk=firm.carol_partner.pk).update(portal_membership=firm.dave))


def test_an_api_token_must_act_as_a_membership_of_its_workspace(firm):
    token, _ = token_create(membership=firm.bob)
    _refused(lambda: type(token).objects.filter(pk=token.pk).update(membership=firm.dave))


def test_a_guard_lost_in_a_sqlite_table_rebuild_is_restored_after_migrate(db):
    """SQLite rebuilds a table for many migrations, which drops its triggers; post_migrate puts them back."""
    from django.db import connection

    from referral_engine.core.db import sqlite_guards_restore

    if connection.vendor != "sqlite":
        # PostgreSQL alters tables in place and keeps their triggers: nothing to restore, and nothing is done.
        assert sqlite_guards_restore(using=connection.alias) == 0
        return
    name = "relationships_contact_same_workspace_account_id_ins"

    def present() -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = %s", [name])
            return cursor.fetchone()[0] == 1

    assert present()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {name}")
    assert not present()
    assert sqlite_guards_restore(using=connection.alias) > 10
    assert present()
