"""Checks every write service shares: related rows stay in the workspace, rows are cleaned, clashes become 409.

The database guards in core/db.py would refuse a cross-workspace reference too, but only as an IntegrityError
with no field name; checking here first gives the caller an error on the field it sent.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models.deletion import ProtectedError, RestrictedError

from referral_engine.core.errors import Conflict
from referral_engine.workspaces.models import Membership, Role, Workspace

# What a related field points at, in words, for "No <label> with this id in this workspace."
EMPLOYEE = "employee"
PARTNER_MEMBERSHIP = "partner sign-in"


def not_in_workspace(label: str) -> str:
    # One message for an unknown id and another workspace's id, so the answer never tells which ids exist.
    return f"No {label} with this id in this workspace."


def belongs(obj: models.Model, label: str, workspace: Workspace) -> bool:
    if getattr(obj, "workspace_id", None) != workspace.pk:
        return False
    if isinstance(obj, Membership):
        if not obj.is_active:
            return False
        if label == EMPLOYEE:
            return obj.role != Role.PARTNER
        if label == PARTNER_MEMBERSHIP:
            return obj.role == Role.PARTNER
    return True


def check_related(*, workspace: Workspace, values: dict, relations: dict[str, str]) -> None:
    """Raise a ValidationError naming every related field in `values` whose object is outside `workspace`.

    `relations` maps a field name to its label; fields of `values` not in it are ignored, None is allowed.
    """
    errors = {}
    for field, label in relations.items():
        obj = values.get(field)
        if obj is not None and not belongs(obj, label, workspace):
            errors[field] = [not_in_workspace(label)]
    if errors:
        raise ValidationError(errors)


def check_fields(*, allowed: Iterable[str], given: Iterable[str], entity: str) -> None:
    """A caller passing a field the service does not accept is a programming error, not a user's."""
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise TypeError(f"{entity} does not accept: {', '.join(unknown)}")


def clean_and_save(
    instance: models.Model,
    *,
    update_fields: list[str] | None = None,
    conflict_message: str = "This clashes with a record that already exists.",
) -> models.Model:
    """full_clean (fields and the model's constraints), then save in a savepoint.

    Services check their unique values (an e-mail, a dedupe key) before calling this, so a clash is a 409 that
    names the field; one that still reaches the database (two requests racing) becomes a Conflict too.
    """
    instance.full_clean(validate_unique=False, validate_constraints=True)
    try:
        with transaction.atomic():
            if update_fields is not None:
                if "updated_at" not in update_fields and hasattr(instance, "updated_at"):
                    update_fields = [*update_fields, "updated_at"]
                instance.save(update_fields=update_fields)
            else:
                instance.save()
    except IntegrityError as exc:
        # Two requests racing for the same unique value: the loser gets a 409, not a 500.
        raise Conflict(conflict_message) from exc
    return instance


def delete_or_conflict(instance: models.Model, *, message: str) -> None:
    """Delete a row; a PROTECT relation still pointing at it becomes a Conflict with `message`."""
    try:
        with transaction.atomic():
            instance.delete()
    except (ProtectedError, RestrictedError) as exc:
        raise Conflict(message) from exc


def apply_changes(instance: models.Model, changes: dict) -> list[str]:
    """Set attributes and return the names of the fields that really changed (for update_fields)."""
    changed = []
    for name, value in changes.items():
        field = instance._meta.get_field(name)
        if field.is_relation:
            # Compare ids, so an unchanged relation costs no query to load the old object.
            current = getattr(instance, field.attname)
            new = value.pk if value is not None else None
        else:
            current, new = getattr(instance, name), value
        if current != new:
            setattr(instance, name, value)
            changed.append(name)
    return changed


def raise_if(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)
