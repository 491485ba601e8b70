"""The bulk writer: explicit ids, the database's own checks kept (or done set-based), and the schema as it was."""

import numpy as np
import pytest
from django.db import IntegrityError, connection, transaction

from referral_engine.core.testing import make_account, make_contact
from referral_engine.demo.generator import BULK_MODELS, Ids, Rows
from referral_engine.demo.writer import BulkWriter
from referral_engine.relationships.models import Account, Contact

pytestmark = pytest.mark.django_db


def schema_checks() -> set:
    """The triggers (and whether they fire), indexes and foreign keys of the tables the demo writes."""
    tables = [m._meta.db_table for m in BULK_MODELS]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            marks = ", ".join("%s" for _ in tables)
            cursor.execute(
                f"SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
                f"AND tbl_name IN ({marks})",
                tables,
            )
        else:
            cursor.execute(
                "SELECT 'trigger', tgname::text, tgenabled::text FROM pg_trigger JOIN pg_class c ON c.oid = tgrelid "
                "WHERE c.relname = ANY(%s) AND NOT tgisinternal UNION ALL "
                "SELECT 'index', indexname::text, indexdef FROM pg_indexes WHERE tablename = ANY(%s) UNION ALL "
                "SELECT 'key', conname::text, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])",
                [tables, tables, tables],
            )
        return set(cursor.fetchall())


def contact_rows(*, ids: Ids, account_ids: list[int]) -> Rows:
    n = len(account_ids)
    return Rows(
        Contact,
        {
            "id": ids.take(Contact, n),
            "account_id": np.array(account_ids, dtype=np.int64),
            "first_name": ["Ada"] * n,
            "last_name": [f"Lovelace {i}" for i in range(n)],
            "birthday": np.array(["1990-05-01"] * n, dtype="datetime64[D]"),
            "owner_id": 0,
        },
    )


def write(*, workspace_id: int, rebuild: bool, account_ids: list[int]) -> list[int]:
    writer = BulkWriter(models_written=BULK_MODELS, workspace_id=workspace_id, rebuild=rebuild)
    ids = Ids(writer.start())
    rows = contact_rows(ids=ids, account_ids=account_ids)
    writer.write(rows)
    writer.finish(next_free={m: ids.next_free(m) for m in BULK_MODELS})
    return rows.columns["id"].tolist()


@pytest.mark.parametrize("rebuild", [False, True])
def test_rows_get_the_next_free_ids_and_the_schema_is_as_it_was(firm, rebuild):
    account = make_account(firm.workspace)
    existing = make_contact(firm.workspace, account=account)
    before = schema_checks()

    with transaction.atomic():
        written = write(workspace_id=firm.workspace.pk, rebuild=rebuild, account_ids=[account.pk] * 3)

    assert written == [existing.pk + 1, existing.pk + 2, existing.pk + 3]
    saved = Contact.objects.filter(pk__in=written).order_by("pk")
    assert [(c.account_id, c.last_name, str(c.birthday), c.owner_id, c.email) for c in saved] == [
        (account.pk, f"Lovelace {i}", "1990-05-01", None, "") for i in range(3)
    ]
    assert schema_checks() == before
    # The id sequence moved past the rows written: the ORM's next contact does not clash.
    assert make_contact(firm.workspace).pk > written[-1]


def test_a_reference_into_another_workspace_is_refused_before_commit(firm):
    theirs = Account.objects.create(workspace=firm.other_workspace, name="Globex account")
    before = schema_checks()

    refused = pytest.raises(
        IntegrityError, match="cross-workspace reference: relationships_contact.account_id"
    )
    with refused, transaction.atomic():
        write(workspace_id=firm.workspace.pk, rebuild=True, account_ids=[theirs.pk])

    assert not Contact.objects.filter(workspace=firm.workspace).exists()
    assert schema_checks() == before
    # The guard trigger is back in force for everyone else.
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(workspace=firm.workspace, account=theirs, first_name="Eve")
