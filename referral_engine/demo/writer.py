"""Fast bulk writes of generated rows: COPY on PostgreSQL, one executemany per table on SQLite.

The writer works inside the caller's transaction, so a failure or Ctrl-C anywhere writes nothing. It takes the
column list from each model's concrete fields (so it never drifts from the models), fills `workspace_id`,
`created_at` and `updated_at`, and gives every other column the generator left out the field's default, NULL or an
empty string (or refuses, naming the column, when none of those is allowed).

Ids are explicit. `start()` locks the tables being written on PostgreSQL (SHARE ROW EXCLUSIVE: readers carry on,
other writers wait) and returns the first free id of each; `finish()` moves the id sequences past the rows
written. Foreign keys are checked per statement (SET CONSTRAINTS ALL IMMEDIATE) rather than at commit, so the
server does not queue one deferred check per row until the end.

Row-by-row checks that one set-based check can replace are suspended while writing, inside the same transaction,
and made before it commits:

- The same-workspace guard triggers (core/db.py) cost more than the insert itself. After each batch, one query
  checks every reference they guard in the rows just written (still in the cache) and raises IntegrityError, as
  the trigger would have. Other connections never see the difference: SQLite holds the write lock for the whole
  transaction, and on PostgreSQL disabling a trigger takes the SHARE ROW EXCLUSIVE lock already held and is
  undone before commit.
- With `rebuild` (for a load at least as big as what the tables hold), the tables' secondary indexes are dropped
  and built again at the end, and on PostgreSQL their foreign keys too, then added back, which checks every row
  in one query per key. This is PostgreSQL's own advice for populating a database: growing an index or checking
  a key row by row costs several times more. Unique indexes refuse duplicates when they are built again. The
  price on PostgreSQL: dropping an index or a key takes an ACCESS EXCLUSIVE lock, so readers of those tables
  (and of the tables the keys point to) wait until the load commits. On SQLite readers see the last commit.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from django.db import DEFAULT_DB_ALIAS, DatabaseError, IntegrityError, connections, models, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from referral_engine.core.db import SameWorkspaceGuard
from referral_engine.demo.generator import Rows

# SQLite's page cache while writing (negative = KiB). The default 2 MiB thrashes on the indexes of a big firm;
# 256 MiB keeps memory bounded whatever the number of accounts.
SQLITE_CACHE_KIB = 256 * 1024
# PostgreSQL's sort memory for rebuilding an index (SET LOCAL: this transaction only).
PG_INDEX_BUILD_MEMORY = "256MB"


class BulkWriter:
    """Writes `Rows` of the given models into one workspace: start(), write() each batch, finish()."""

    def __init__(
        self,
        *,
        models_written: Sequence[type[models.Model]],
        workspace_id: int,
        rebuild: bool,
        using: str = DEFAULT_DB_ALIAS,
    ):
        self.connection = connections[using]
        self.vendor = self.connection.vendor
        if self.vendor not in ("sqlite", "postgresql"):
            raise NotImplementedError(f"The demo writer supports SQLite and PostgreSQL, not {self.vendor}.")
        self.models = tuple(models_written)
        self.workspace_id = workspace_id
        self.written: Counter[str] = Counter()
        self._now = timezone.now()
        self._sql: dict[type[models.Model], str] = {}
        self._sqlite_cache: int | None = None
        tables = {m._meta.db_table for m in self.models}
        self._guards = [g for g in same_workspace_guards() if g.table in tables]
        self.rebuild = rebuild
        self._indexes: list[str] = []  # CREATE INDEX statements to run again at the end
        self._keys: list[str] = []  # PostgreSQL: ADD CONSTRAINT statements of the foreign keys dropped
        self._triggers: list[str] = []  # SQLite: CREATE TRIGGER statements of the guards dropped
        self._disabled: list[tuple[str, str]] = []  # PostgreSQL: (table, trigger) to enable again
        self._unguarded: dict[str, SameWorkspaceGuard] = {}  # tables whose guard trigger is off, by name

    def _table(self, model: type[models.Model]) -> str:
        return self.connection.ops.quote_name(model._meta.db_table)

    def start(self) -> dict[type[models.Model], int]:
        """Lock the tables and return each one's first free id. Call inside transaction.atomic()."""
        if not self.connection.in_atomic_block:
            raise RuntimeError("BulkWriter must run inside a transaction.")
        with self.connection.cursor() as cursor:
            if self.vendor == "postgresql":
                tables = ", ".join(self._table(m) for m in self.models)
                cursor.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            else:
                cursor.execute("PRAGMA cache_size")
                self._sqlite_cache = cursor.fetchone()[0]
                cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
            first_free = {}
            for model in self.models:
                cursor.execute(f"SELECT MAX(id) FROM {self._table(model)}")
                first_free[model] = (cursor.fetchone()[0] or 0) + 1
        self._suspend_row_checks()
        return first_free

    def _suspend_row_checks(self) -> None:
        quote = self.connection.ops.quote_name
        with self.connection.cursor() as cursor:
            if self.rebuild:
                self._drop_indexes_and_keys(cursor)
            for guard in self._guards:
                if self.vendor == "sqlite":
                    for column, _ in guard.references:
                        cursor.execute(
                            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name = %s",
                            [f"{guard._name}_{column}_ins"],  # named by core/db.py
                        )
                        for name, sql in cursor.fetchall():
                            cursor.execute(f"DROP TRIGGER {quote(name)}")
                            self._triggers.append(sql)
                            self._unguarded[guard.table] = guard
                    continue
                name = guard._name
                cursor.execute(
                    "SELECT 1 FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname = %s",
                    [guard.table, name],
                )
                if cursor.fetchone() is None:
                    continue
                try:
                    # Only the table's owner may; anyone else keeps the (slower) row-by-row check.
                    with transaction.atomic(using=self.connection.alias):
                        cursor.execute(f"ALTER TABLE {quote(guard.table)} DISABLE TRIGGER {quote(name)}")
                except DatabaseError:
                    continue
                self._disabled.append((guard.table, name))
                self._unguarded[guard.table] = guard

    def _drop_indexes_and_keys(self, cursor) -> None:
        quote = self.connection.ops.quote_name
        tables = [m._meta.db_table for m in self.models]
        if self.vendor == "postgresql":
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
                [tables],
            )
            for table, name, definition in cursor.fetchall():
                cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
                self._keys.append(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
            # Secondary indexes only: not the ones behind a primary key or a unique constraint.
            cursor.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "WHERE i.indrelid = ANY(%s::regclass[]) "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) ORDER BY 1",
                [tables],
            )
        else:
            marks = ", ".join("%s" for _ in tables)
            cursor.execute(
                f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND tbl_name IN ({marks}) ORDER BY name",
                tables,
            )
        for name, sql in cursor.fetchall():
            cursor.execute(f"DROP INDEX {quote(name)}")
            self._indexes.append(sql)

    def _restore_row_checks(self) -> None:
        quote = self.connection.ops.quote_name
        with self.connection.cursor() as cursor:
            if self._indexes and self.vendor == "postgresql":
                cursor.execute(f"SET LOCAL maintenance_work_mem = '{PG_INDEX_BUILD_MEMORY}'")
            # A unique index refuses duplicates here.
            for sql in self._indexes:
                cursor.execute(sql)
            if self.vendor == "postgresql":
                # Fresh statistics, or the planner takes the tables for as small as they were when it checks the
                # foreign keys added back below, and so does every query after the commit until autovacuum runs.
                for model in self.models:
                    cursor.execute(f"ANALYZE {self._table(model)}")
            for sql in self._keys:
                cursor.execute(sql)
            for sql in self._triggers:
                cursor.execute(sql)
            for table, name in self._disabled:
                cursor.execute(f"ALTER TABLE {quote(table)} ENABLE TRIGGER {quote(name)}")
        self._indexes, self._keys, self._triggers, self._disabled = [], [], [], []
        self._unguarded = {}

    def _check_guard(self, guard: SameWorkspaceGuard, *, first_id: int, last_id: int) -> None:
        """What the suspended trigger would have refused, for the rows just written (ids first_id..last_id), in
        one query while they are still in the cache: a reference to a row of another workspace, or to none."""
        quote = self.connection.ops.quote_name
        # A correlated lookup by primary key per reference, as the trigger does: a join would let the planner
        # hash a whole referenced table for every batch (it has no statistics yet for the rows being written).
        wrong = []
        for column, ref_table in guard.references:
            col = f"t.{quote(column)}"
            lookup = f"(SELECT r.workspace_id FROM {quote(ref_table)} r WHERE r.id = {col})"
            wrong.append(
                f"CASE WHEN {col} IS NOT NULL AND COALESCE({lookup}, -1) <> t.workspace_id THEN 1 ELSE 0 END"
            )
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {', '.join(wrong)} FROM {quote(guard.table)} t "
                f"WHERE t.id BETWEEN %s AND %s AND ({' + '.join(wrong)}) > 0 LIMIT 1",
                [first_id, last_id],
            )
            found = cursor.fetchone()
        if found is not None:
            column = guard.references[list(found).index(1)][0]
            raise IntegrityError(f"cross-workspace reference: {guard.table}.{column}")

    def write(self, rows: Rows) -> None:
        n = len(rows)
        if n == 0:
            return
        model = rows.model
        fields = model._meta.concrete_fields
        if model not in self._sql:
            columns = ", ".join(self.connection.ops.quote_name(f.column) for f in fields)
            if self.vendor == "postgresql":
                self._sql[model] = f"COPY {self._table(model)} ({columns}) FROM STDIN"
            else:
                marks = ", ".join("?" for _ in fields)
                self._sql[model] = f"INSERT INTO {self._table(model)} ({columns}) VALUES ({marks})"
        unknown = set(rows.columns) - {f.attname for f in fields}
        if unknown:
            raise ValueError(f"{model._meta.label} has no column {', '.join(sorted(unknown))}")
        values = [self._values(f, rows.columns, n) for f in fields]
        with self.connection.wrap_database_errors:
            if self.vendor == "postgresql":
                with self.connection.cursor() as cursor, cursor.cursor.copy(self._sql[model]) as copy:
                    for row in zip(*values, strict=True):
                        copy.write_row(row)
            else:
                self.connection.ensure_connection()
                self.connection.connection.executemany(self._sql[model], zip(*values, strict=True))
        guard = self._unguarded.get(model._meta.db_table)
        if guard is not None:
            ids = rows.columns["id"]
            self._check_guard(guard, first_id=int(np.min(ids)), last_id=int(np.max(ids)))
        self.written[model._meta.label] += n

    def finish(self, *, next_free: dict[type[models.Model], int]) -> None:
        """Build the dropped indexes and keys again, put the guard triggers back, move each id sequence past the
        rows written, and leave the session as it was."""
        self._restore_row_checks()
        with self.connection.cursor() as cursor:
            if self.vendor == "postgresql":
                for model in self.models:
                    table = model._meta.db_table
                    cursor.execute(
                        "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                        "GREATEST(%s, (SELECT COALESCE(MAX(id), 1) FROM " + self._table(model) + ")))",
                        [table, next_free[model] - 1 if next_free[model] > 1 else 1],
                    )
                # Django declares its foreign keys DEFERRABLE INITIALLY DEFERRED; back to that for the rest of
                # the caller's transaction.
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            elif self._sqlite_cache is not None:
                cursor.execute(f"PRAGMA cache_size = {int(self._sqlite_cache)}")

    # --- One column's values as Python objects the driver takes ---------------------------------------------
    def _values(self, field: models.Field, columns: dict[str, Any], n: int) -> Iterable:
        name = field.attname
        if name in columns:
            value = columns[name]
        elif name == "workspace_id":
            value = self.workspace_id
        elif name in ("created_at", "updated_at"):
            value = self._now
        elif field.has_default():
            value = field.get_default()
        elif field.null:
            value = None
        elif field.empty_strings_allowed and field.blank:
            value = ""
        else:
            raise ValueError(f"The demo generator gives no value for {field.model._meta.label}.{name}")
        if isinstance(value, np.ndarray):
            if len(value) != n:
                raise ValueError(f"{field.model._meta.label}.{name}: {len(value)} values for {n} rows")
            return self._array(field, value)
        if isinstance(value, list):
            if len(value) != n:
                raise ValueError(f"{field.model._meta.label}.{name}: {len(value)} values for {n} rows")
            return value
        if field.is_relation and value == 0:
            value = None
        if value is not None:
            value = field.get_db_prep_save(value, connection=self.connection)
        return itertools.repeat(value, n)

    def _array(self, field: models.Field, value: np.ndarray) -> list:
        if value.dtype.kind == "M":
            if isinstance(field, models.DateTimeField):
                if self.vendor == "postgresql":
                    text = np.datetime_as_string(value.astype("datetime64[s]"), unit="s", timezone="UTC")
                else:
                    # Django stores SQLite datetimes as naive UTC text with a space ("2025-01-31 09:00:00"), and
                    # compares them as text, so the format must match exactly.
                    text = np.strings.replace(
                        np.datetime_as_string(value.astype("datetime64[s]"), unit="s"), "T", " "
                    )
            else:
                text = np.datetime_as_string(value.astype("datetime64[D]"), unit="D")
            return _with_nulls(text, np.isnat(value))
        if isinstance(field, models.DecimalField):
            rounded = np.round(value.astype(float), field.decimal_places)
            return _with_nulls(rounded, np.isnan(rounded))
        if field.is_relation and field.null:
            return _with_nulls(value, value == 0)
        return value.tolist()


def _with_nulls(values: np.ndarray, null: np.ndarray) -> list:
    if not null.any():
        return values.tolist()
    out = values.astype(object)
    out[null] = None
    return out.tolist()


def same_workspace_guards() -> list[SameWorkspaceGuard]:
    """Every same-workspace guard the migrations install, read from the migration files themselves."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return [
        operation
        for migration in loader.disk_migrations.values()
        for operation in migration.operations
        if isinstance(operation, SameWorkspaceGuard)
    ]
