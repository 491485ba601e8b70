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
            for column, ref_table in self.references:
                condition = (
                    f"NEW.{column} IS NOT NULL AND "
                    f"(SELECT workspace_id FROM {ref_table} WHERE id = NEW.{column}) IS NOT NEW.workspace_id"
                )
                message = f"cross-workspace reference: {self.table}.{column}"
                for event in ("INSERT", f"UPDATE OF {column}, workspace_id"):
                    suffix = "ins" if event == "INSERT" else "upd"
                    schema_editor.execute(
                        f"CREATE TRIGGER {self._name}_{column}_{suffix} BEFORE {event} ON {self.table} "
                        f"FOR EACH ROW WHEN {condition} BEGIN SELECT RAISE(ABORT, '{message}'); END"
                    )
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

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        vendor = schema_editor.connection.vendor
        if vendor == "sqlite":
            for column, _ in self.references:
                for suffix in ("ins", "upd"):
                    schema_editor.execute(f"DROP TRIGGER IF EXISTS {self._name}_{column}_{suffix}")
        elif vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {self._name} ON {self.table}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {self._name}()")
