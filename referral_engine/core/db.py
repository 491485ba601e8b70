"""Database-level guarantees Django cannot declare: references that stay inside one workspace."""

from django.db.migrations.operations.base import Operation


class SameWorkspaceGuard(Operation):
    """Refuse, in the database itself, a row whose foreign keys point into another workspace.

    Django has no composite foreign keys, so `(workspace_id, contact_id) -> contact(workspace_id, id)` is
    enforced with a trigger per table on SQLite and PostgreSQL. Both raise an integrity error.
    """

    reversible = True

    def __init__(self, table: str, references: list[tuple[str, str]], suffix: str = ""):
        # A table guarded again by a later migration takes a suffix, so its PostgreSQL function is a new one.
        self.table = table
        self.references = references
        self.suffix = suffix

    def deconstruct(self):
        kwargs = {"table": self.table, "references": self.references}
        if self.suffix:
            kwargs["suffix"] = self.suffix
        return (self.__class__.__qualname__, [], kwargs)

    def state_forwards(self, app_label, state):
        pass

    def describe(self):
        return f"Guard {self.table} references within one workspace"

    @property
    def _name(self) -> str:
        return f"{self.table}_same_workspace{self.suffix}"

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        vendor = schema_editor.connection.vendor
        if vendor == "sqlite":
            self.sqlite_create(schema_editor)
        elif vendor == "postgresql":
            checks = "\n".join(
                f"  IF NEW.{column} IS NOT NULL AND NOT EXISTS ("
                f"SELECT 1 FROM {ref_table} WHERE id = NEW.{column} AND workspace_id = NEW.workspace_id) THEN\n"
                f"    RAISE EXCEPTION 'cross-workspace reference: {self.table}.{column}' USING ERRCODE = '23514';\n"
                f"  END IF;"
                for column, ref_table in self.references
            )
            schema_editor.execute(
                f"CREATE FUNCTION {self._name}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n{checks}\n"
                f"  RETURN NEW;\nEND $$"
            )
            schema_editor.execute(
                f"CREATE TRIGGER {self._name} BEFORE INSERT OR UPDATE ON {self.table} "
                f"FOR EACH ROW EXECUTE FUNCTION {self._name}()"
            )

    def sqlite_create(self, executor) -> None:
        """The SQLite triggers; IF NOT EXISTS, so restoring them after a table rebuild is harmless. `executor`
        is a schema editor or a cursor."""
        for column, ref_table in self.references:
            condition = (
                f"NEW.{column} IS NOT NULL AND "
                f"(SELECT workspace_id FROM {ref_table} WHERE id = NEW.{column}) IS NOT NEW.workspace_id"
            )
            message = f"cross-workspace reference: {self.table}.{column}"
            for event in ("INSERT", f"UPDATE OF {column}, workspace_id"):
                suffix = "ins" if event == "INSERT" else "upd"
                executor.execute(
                    f"CREATE TRIGGER IF NOT EXISTS {self._name}_{column}_{suffix} BEFORE {event} ON {self.table} "
                    f"FOR EACH ROW WHEN {condition} BEGIN SELECT RAISE(ABORT, '{message}'); END"
                )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        vendor = schema_editor.connection.vendor
        if vendor == "sqlite":
            for column, _ in self.references:
                for suffix in ("ins", "upd"):
                    schema_editor.execute(f"DROP TRIGGER IF EXISTS {self._name}_{column}_{suffix}")
        elif vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {self._name} ON {self.table}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {self._name}()")


def sqlite_guards_restore(*, using: str = "default", **kwargs) -> int:
    """Re-create every applied guard's SQLite triggers that are missing; returns how many guards were checked.

    SQLite cannot alter most of a table in place, so Django rebuilds it (copy, drop, rename) for many
    migrations, and the rebuild drops the table's triggers. Run after every `migrate` (post_migrate), this puts
    them back, so no migration has to remember to. PostgreSQL alters tables in place and keeps its triggers.
    """
    from django.db import connections, transaction
    from django.db.migrations.loader import MigrationLoader

    connection = connections[using]
    if connection.vendor != "sqlite":
        return 0
    loader = MigrationLoader(connection)
    tables = set(connection.introspection.table_names())
    guards = [
        operation
        for key in sorted(loader.applied_migrations)
        if key in loader.graph.nodes
        for operation in loader.graph.nodes[key].operations
        if isinstance(operation, SameWorkspaceGuard)
        and operation.table in tables
        and all(ref_table in tables for _, ref_table in operation.references)
    ]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for guard in guards:
            guard.sqlite_create(cursor)
    return len(guards)
