"""Writes for asks and tasks."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from referral_engine.core.errors import Conflict, field_error
from referral_engine.core.validation import (
    EMPLOYEE,
    apply_changes,
    check_fields,
    check_related,
    clean_and_save,
    delete_or_conflict,
    raise_if,
)
from referral_engine.engagement.models import Ask, Task, TaskStatus
from referral_engine.engagement.selectors import tasks_with_dedupe_key
from referral_engine.workspaces.models import Membership, Workspace

# -------------------------------------------------------------------------------------------------------- asks

ASK_FIELDS = (
    "asker",
    "contact",
    "partner",
    "at",
    "channel",
    "dedicated_meeting",
    "outcome",
    "referral",
    "note",
)
ASK_RELATIONS = {"asker": EMPLOYEE, "contact": "contact", "partner": "partner", "referral": "referral"}


def _ask_check(ask: Ask) -> None:
    errors: dict = {}
    if ask.asker_id is None:
        errors["asker"] = ["Say who asked."]
    if (ask.contact_id is None) == (ask.partner_id is None):
        errors["contact"] = ["An ask is of one person: give a contact or a partner, not both."]
    raise_if(errors)


@transaction.atomic
def ask_create(*, workspace: Workspace, actor: Membership | None, **fields) -> Ask:
    """Log an ask. The asker defaults to the employee logging it."""
    check_fields(allowed=ASK_FIELDS, given=fields, entity="ask_create")
    check_related(workspace=workspace, values=fields, relations=ASK_RELATIONS)
    if fields.get("asker") is None and actor is not None and actor.is_employee:
        fields["asker"] = actor
    if fields.get("at") is None:
        fields["at"] = timezone.now()
    ask = Ask(workspace=workspace, **fields)
    _ask_check(ask)
    # Never an ask inside a support conversation (issue 6; the rule and its window live in asking).
    from referral_engine.asking.services import ask_refuse_inside_support

    ask_refuse_inside_support(ask)
    return clean_and_save(ask)


@transaction.atomic
def ask_update(*, instance: Ask, actor: Membership | None, **changes) -> Ask:
    check_fields(allowed=ASK_FIELDS, given=changes, entity="ask_update")
    check_related(workspace=instance.workspace, values=changes, relations=ASK_RELATIONS)
    changed = apply_changes(instance, changes)
    if not changed:
        return instance
    _ask_check(instance)
    return clean_and_save(instance, update_fields=changed)


@transaction.atomic
def ask_delete(*, instance: Ask, actor: Membership | None) -> None:
    delete_or_conflict(instance, message="This ask cannot be deleted.")


# ------------------------------------------------------------------------------------------------------- tasks

TASK_FIELDS = (
    "kind",
    "title",
    "details",
    "due",
    "assignee",
    "status",
    "account",
    "contact",
    "partner",
    "referral",
    "dedupe_key",
)
TASK_RELATIONS = {
    "assignee": EMPLOYEE,
    "account": "account",
    "contact": "contact",
    "partner": "partner",
    "referral": "referral",
}


def _task_check(task: Task) -> None:
    errors: dict = {}
    if not (task.title or "").strip():
        errors["title"] = ["A task needs a title."]
    raise_if(errors)
    # A done task always says when; leaving done forgets it.
    if task.status == TaskStatus.DONE and task.completed_at is None:
        task.completed_at = timezone.now()
    elif task.status != TaskStatus.DONE:
        task.completed_at = None
    if task.dedupe_key:
        taken = (
            tasks_with_dedupe_key(workspace_id=task.workspace_id, key=task.dedupe_key)
            .exclude(pk=task.pk)
            .exists()
        )
        if taken:
            raise Conflict("A task with this dedupe key already exists.", field="dedupe_key")


@transaction.atomic
def task_create(*, workspace: Workspace, actor: Membership | None, **fields) -> Task:
    check_fields(allowed=TASK_FIELDS, given=fields, entity="task_create")
    check_related(workspace=workspace, values=fields, relations=TASK_RELATIONS)
    task = Task(workspace=workspace, **fields)
    task.title = (task.title or "").strip()
    _task_check(task)
    return clean_and_save(task, conflict_message="A task with this dedupe key already exists.")


@transaction.atomic
def task_update(*, instance: Task, actor: Membership | None, **changes) -> Task:
    check_fields(allowed=TASK_FIELDS, given=changes, entity="task_update")
    check_related(workspace=instance.workspace, values=changes, relations=TASK_RELATIONS)
    if "title" in changes:
        changes["title"] = (changes["title"] or "").strip()
    changed = apply_changes(instance, changes)
    if not changed:
        return instance
    completed_before = instance.completed_at
    _task_check(instance)
    if instance.completed_at != completed_before:
        changed.append("completed_at")
    return clean_and_save(
        instance, update_fields=changed, conflict_message="A task with this dedupe key already exists."
    )


@transaction.atomic
def task_delete(*, instance: Task, actor: Membership | None) -> None:
    delete_or_conflict(instance, message="This task cannot be deleted.")


@transaction.atomic
def task_complete(*, task: Task, actor: Membership | None) -> Task:
    """Mark a task done now. Completing a task already done keeps its first completion time."""
    if task.status == TaskStatus.DONE and task.completed_at is not None:
        return task
    task.status = TaskStatus.DONE
    task.completed_at = timezone.now()
    return clean_and_save(task, update_fields=["status", "completed_at"])


@transaction.atomic
def task_snooze(*, task: Task, actor: Membership | None, until: date) -> Task:
    """Put a task off until a later day. A snoozed task still counts as open; it just is not due yet."""
    if task.status in (TaskStatus.DONE, TaskStatus.CANCELLED):
        raise field_error("status", f"A {task.get_status_display().lower()} task cannot be snoozed.")
    if until <= timezone.localdate():
        raise field_error("until", "Snooze until a day in the future.")
    task.due = until
    task.status = TaskStatus.SNOOZED
    return clean_and_save(task, update_fields=["due", "status"])


# ----------------------------------------------------------------------------------------- message templates


def _message_template_key(key: str) -> str:
    from referral_engine.engagement.models import MessageTemplateKey

    if key not in MessageTemplateKey.values:
        raise field_error("key", f"Choose one of: {', '.join(MessageTemplateKey.values)}.")
    return key


@transaction.atomic
def message_template_save(
    *, workspace: Workspace, actor: Membership | None, key: str, subject: str, body: str
):
    """Reword one e-mail for the workspace. Unknown blanks or unpaired braces are field errors and save nothing."""
    from referral_engine.engagement.message_templates import wording_check
    from referral_engine.engagement.models import MessageTemplate

    key = _message_template_key(key)
    subject, body = (subject or "").strip(), (body or "").strip().replace("\r\n", "\n")
    wording_check(subject=subject, body=body)
    # Locked, so two managers saving at once end with one row, the later wording.
    row = MessageTemplate.objects.select_for_update().filter(workspace=workspace, key=key).first()
    if row is None:
        row = MessageTemplate(workspace=workspace, key=key)
    row.subject, row.body = subject, body
    row.edited_by = actor if actor is not None and actor.workspace_id == workspace.pk else None
    return clean_and_save(
        row, conflict_message="Someone else saved this wording at the same time; try again."
    )


@transaction.atomic
def message_template_reset(*, workspace: Workspace, actor: Membership | None, key: str) -> None:
    """Go back to the built-in wording of one e-mail."""
    from referral_engine.engagement.models import MessageTemplate

    key = _message_template_key(key)
    MessageTemplate.objects.filter(workspace=workspace, key=key).delete()
