"""Writes for journeys and reminders: the plans and their steps, the reminder settings, an employee's digest and
calendar choices, and the three hourly jobs (journey tasks, escalations, digests).

Each job is idempotent through a dedupe key: `journey:{step}:{contact}:{moment}` (or `a{account}` for an
account's moment) and `escalation:{task}` on engagement.Task, `digest:{membership}:{local date}` on the e-mail
outbox. A second run, or two workers at once, create nothing new.
"""

import secrets
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from referral_engine.core.errors import field_error
from referral_engine.core.validation import (
    apply_changes,
    check_fields,
    check_related,
    clean_and_save,
    raise_if,
)
from referral_engine.engagement.models import Task, TaskKind
from referral_engine.journeys import selectors
from referral_engine.journeys.builtin import BUILT_IN_PLANS
from referral_engine.journeys.models import (
    JourneyPlan,
    JourneyStep,
    ProjectEnd,
    ReminderPreference,
    ReminderSettings,
    StepAction,
    StepWho,
    Trigger,
)
from referral_engine.referrals.deadlines import SATURDAY, workspace_owner, workspace_tz
from referral_engine.relationships.models import Account, Contact, Purchase
from referral_engine.workspaces.models import Membership, Workspace

# The job creates the tasks falling due from GRACE_DAYS ago (a worker that was down, a client entered late) to
# LOOKAHEAD_DAYS ahead (so a card can be bought in time); older moments never flood anyone's list.
GRACE_DAYS = 7
LOOKAHEAD_DAYS = 7
MAX_HOLIDAYS = 50
# Tasks are inserted in batches of this many, so a holiday card for every client stays in bounded memory.
FLUSH_EVERY = 5000

# ------------------------------------------------------------------------------------------------ settings


def _manager_only(actor: Membership | None, workspace: Workspace, what: str) -> None:
    if actor is None or not actor.can_manage or actor.workspace_id != workspace.pk or not actor.is_active:
        raise_if({"__all__": [f"Only an owner or an admin may change {what}."]})


@transaction.atomic
def reminder_settings_ensure(*, workspace: Workspace) -> ReminderSettings:
    """The workspace's settings row, created on first use together with the built-in plans (once: a plan a
    manager deleted does not come back)."""
    settings, created = ReminderSettings.objects.get_or_create(workspace=workspace)
    if created:
        taken = set(JourneyPlan.objects.filter(workspace=workspace).values_list("name", flat=True))
        plans = [
            JourneyPlan(
                workspace=workspace,
                name=spec.name,
                trigger=spec.trigger,
                description=spec.description,
                holidays=list(spec.holidays),
                built_in=spec.key,
            )
            for spec in BUILT_IN_PLANS
            if spec.name not in taken
        ]
        JourneyPlan.objects.bulk_create(plans)
        saved = {p.built_in: p for p in JourneyPlan.objects.filter(workspace=workspace).exclude(built_in="")}
        JourneyStep.objects.bulk_create(
            JourneyStep(
                workspace=workspace,
                plan=saved[spec.key],
                offset_days=step.offset_days,
                action=step.action,
                title=step.title,
                script=step.script,
                who=step.who,
            )
            for spec in BUILT_IN_PLANS
            if spec.name not in taken
            for step in spec.steps
        )
    return settings


REMINDER_SETTINGS_FIELDS = ("escalate_after_working_days", "digest_hour", "digest_on_weekends")


@transaction.atomic
def reminder_settings_update(
    *, workspace: Workspace, actor: Membership | None, **changes
) -> ReminderSettings:
    check_fields(allowed=REMINDER_SETTINGS_FIELDS, given=changes, entity="reminder_settings_update")
    _manager_only(actor, workspace, "the reminder settings")
    settings = reminder_settings_ensure(workspace=workspace)
    changed = apply_changes(settings, changes)
    if changed:
        clean_and_save(settings, update_fields=changed)
    return settings


# ---------------------------------------------------------------------------------------------- plans, steps

PLAN_FIELDS = ("name", "trigger", "is_active", "description", "holidays")
STEP_FIELDS = ("offset_days", "action", "title", "script", "who")


def _holidays_clean(value) -> list[str]:
    """ "MM-DD" (every year) or "YYYY-MM-DD" (once), as a list or as text separated by commas or new lines."""
    if isinstance(value, str):
        value = [part for chunk in value.splitlines() for part in chunk.split(",")]
    if not isinstance(value, list | tuple):
        raise field_error("holidays", "Give a list of dates.")
    cleaned = []
    for raw in value:
        text = str(raw).strip()
        if not text:
            continue
        try:
            day = date.fromisoformat(text if text.count("-") == 2 else f"2000-{text}")
        except ValueError:
            raise field_error("holidays", f'Not a date: "{text[:20]}". Write MM-DD or YYYY-MM-DD.') from None
        cleaned.append(day.isoformat() if text.count("-") == 2 else f"{day:%m-%d}")
    if len(cleaned) > MAX_HOLIDAYS:
        raise field_error("holidays", f"At most {MAX_HOLIDAYS} dates.")
    return sorted(set(cleaned))


def _plan_check(plan: JourneyPlan) -> None:
    errors = {}
    plan.name = (plan.name or "").strip()
    if not plan.name:
        errors["name"] = ["Give the plan a name."]
    elif (
        JourneyPlan.objects.filter(workspace_id=plan.workspace_id, name__iexact=plan.name)
        .exclude(pk=plan.pk)
        .exists()
    ):
        errors["name"] = ["Another plan has this name."]
    if plan.trigger not in Trigger.values:
        errors["trigger"] = [f"Choose one of: {', '.join(Trigger.values)}."]
    elif plan.trigger == Trigger.HOLIDAYS and not plan.holidays:
        errors["holidays"] = ["A holidays plan needs at least one date."]
    raise_if(errors)


@transaction.atomic
def journey_plan_create(*, workspace: Workspace, actor: Membership | None, **fields) -> JourneyPlan:
    check_fields(allowed=PLAN_FIELDS, given=fields, entity="journey_plan_create")
    _manager_only(actor, workspace, "journeys")
    if "holidays" in fields:
        fields["holidays"] = _holidays_clean(fields["holidays"])
    plan = JourneyPlan(workspace=workspace, **fields)
    _plan_check(plan)
    return clean_and_save(plan, conflict_message="Another plan has this name.")


@transaction.atomic
def journey_plan_update(*, plan: JourneyPlan, actor: Membership | None, **changes) -> JourneyPlan:
    check_fields(allowed=PLAN_FIELDS, given=changes, entity="journey_plan_update")
    _manager_only(actor, plan.workspace, "journeys")
    if "holidays" in changes:
        changes["holidays"] = _holidays_clean(changes["holidays"])
    changed = apply_changes(plan, changes)
    if changed:
        _plan_check(plan)
        clean_and_save(plan, update_fields=changed, conflict_message="Another plan has this name.")
    return plan


@transaction.atomic
def journey_plan_delete(*, plan: JourneyPlan, actor: Membership | None) -> None:
    """Delete a plan and its steps; the tasks it created stay (they are someone's work now)."""
    _manager_only(actor, plan.workspace, "journeys")
    plan.delete()


def _step_check(step: JourneyStep) -> None:
    errors = {}
    step.title = (step.title or "").strip()
    if not step.title:
        errors["title"] = ["Say what to do, in a few words."]
    if step.action not in StepAction.values:
        errors["action"] = [f"Choose one of: {', '.join(StepAction.values)}."]
    if step.who not in StepWho.values:
        errors["who"] = [f"Choose one of: {', '.join(StepWho.values)}."]
    if not isinstance(step.offset_days, int) or isinstance(step.offset_days, bool):
        errors["offset_days"] = ["A whole number of days."]
    raise_if(errors)


@transaction.atomic
def journey_step_create(*, plan: JourneyPlan, actor: Membership | None, **fields) -> JourneyStep:
    check_fields(allowed=STEP_FIELDS, given=fields, entity="journey_step_create")
    _manager_only(actor, plan.workspace, "journeys")
    step = JourneyStep(workspace_id=plan.workspace_id, plan=plan, **fields)
    _step_check(step)
    return clean_and_save(step)


@transaction.atomic
def journey_step_update(*, step: JourneyStep, actor: Membership | None, **changes) -> JourneyStep:
    check_fields(allowed=STEP_FIELDS, given=changes, entity="journey_step_update")
    _manager_only(actor, step.plan.workspace, "journeys")
    changed = apply_changes(step, changes)
    if changed:
        _step_check(step)
        clean_and_save(step, update_fields=changed)
    return step


@transaction.atomic
def journey_step_delete(*, step: JourneyStep, actor: Membership | None) -> None:
    _manager_only(actor, step.plan.workspace, "journeys")
    step.delete()


@transaction.atomic
def project_end_record(
    *,
    workspace: Workspace,
    actor: Membership | None,
    account: Account,
    ended_on: date,
    contact: Contact | None = None,
    purchase: Purchase | None = None,
    note: str = "",
) -> ProjectEnd:
    """Record that a project ended: the end-of-project plans create their tasks from it on the next run."""
    check_related(
        workspace=workspace,
        values={"account": account, "contact": contact, "purchase": purchase},
        relations={"account": "account", "contact": "contact", "purchase": "purchase"},
    )
    errors = {}
    if purchase is not None and purchase.account_id != account.pk:
        errors["purchase"] = ["This purchase is another account's."]
    if contact is not None and contact.account_id not in (None, account.pk):
        errors["contact"] = ["This person works at another account."]
    raise_if(errors)
    end = ProjectEnd(
        workspace=workspace,
        account=account,
        contact=contact,
        purchase=purchase,
        ended_on=ended_on,
        note=(note or "").strip(),
        recorded_by=actor,
    )
    return clean_and_save(end)


# ------------------------------------------------------------------------------------------- journey tasks


def _pick(candidates: tuple[int | None, ...], employees: set[int], fallback: int | None) -> int | None:
    for membership_id in candidates:
        if membership_id in employees:
            return membership_id
    return fallback


def _moment(trigger: str) -> str:
    return {
        Trigger.NEW_CLIENT: "became a client",
        Trigger.AFTER_PURCHASE: "purchase",
        Trigger.BIRTHDAY: "birthday",
        Trigger.CLIENT_ANNIVERSARY: "anniversary as a client",
        Trigger.HOLIDAYS: "holiday",
        Trigger.END_OF_PROJECT: "end of the project",
        Trigger.QUARTERLY_TOP: "start of the quarter",
    }[trigger]


def _tasks_insert(workspace: Workspace, tasks: list[Task]) -> int:
    """Insert the tasks whose dedupe key is new; returns how many."""
    if not tasks:
        return 0
    existing = selectors.existing_dedupe_keys(workspace=workspace, keys=[t.dedupe_key for t in tasks])
    new = {t.dedupe_key: t for t in tasks if t.dedupe_key not in existing}
    # ignore_conflicts covers a second run racing this one past the check above (task_dedupe_key_unique).
    Task.objects.bulk_create(list(new.values()), batch_size=1000, ignore_conflicts=True)
    return len(new)


@transaction.atomic
def journey_tasks_create(*, workspace: Workspace, now: datetime | None = None) -> int:
    """Create the dated tasks of every active plan step falling due in the window around today (workspace time
    zone). Each (step, person or account, moment) becomes one task, however often this runs. Returns how many
    tasks were created."""
    now = now or timezone.now()
    reminder_settings_ensure(workspace=workspace)
    today = now.astimezone(workspace_tz(workspace)).date()
    first, last = today - timedelta(days=GRACE_DAYS), today + timedelta(days=LOOKAHEAD_DAYS)
    employees = selectors.active_employee_ids(workspace=workspace)
    owner = workspace_owner(workspace)
    fallback = owner.pk if owner is not None else None
    tasks: list[Task] = []
    created = 0
    steps = JourneyStep.objects.filter(workspace=workspace, plan__is_active=True).select_related("plan")
    for step in steps:
        plan = step.plan
        offset = timedelta(days=step.offset_days)
        candidates = selectors.journey_candidates(
            workspace=workspace, plan=plan, start=first - offset, end=last - offset
        )
        action = StepAction(step.action).label
        for c in candidates:
            who = (c.account_owner_id, c.contact_owner_id)
            if step.who == StepWho.CONTACT_OWNER:
                who = (c.contact_owner_id, c.account_owner_id)
            subject = str(c.contact_id) if plan.is_contact_plan or c.contact_id else f"a{c.account_id}"
            details = f"{plan.name}: {_moment(plan.trigger)} on {c.anchor:%a %-d %b %Y}."
            if step.script:
                details += f"\n\n{step.script}"
            details += "\n\nNothing is sent automatically: this is for you to do."
            tasks.append(
                Task(
                    workspace=workspace,
                    kind=TaskKind.JOURNEY_STEP,
                    title=f"{action}: {step.title} — {c.name}"[:200],
                    details=details,
                    due=c.anchor + offset,
                    assignee_id=_pick(who, employees, fallback),
                    account_id=c.account_id,
                    contact_id=c.contact_id,
                    dedupe_key=f"journey:{step.pk}:{subject}:{c.anchor:%Y-%m-%d}",
                )
            )
            if len(tasks) >= FLUSH_EVERY:
                created += _tasks_insert(workspace, tasks)
                tasks = []
    return created + _tasks_insert(workspace, tasks)


# ----------------------------------------------------------------------------------------------- escalation


def escalation_cutoff(today: date, working_days: int) -> date:
    """The latest due date overdue by more than `working_days` working days on `today`: a task due on it has
    more than that many working days (Monday to Friday) after its due date, up to and including today."""
    day, counted = today, 0
    while counted <= working_days:
        if day.weekday() < SATURDAY:
            counted += 1
        day -= timedelta(days=1)
    return day


@transaction.atomic
def task_escalations_create(*, workspace: Workspace, now: datetime | None = None) -> int:
    """Give the assignee's lead (else the workspace owner) one task for each open task overdue by more than the
    workspace's working days; once per task. Returns how many escalations were created."""
    now = now or timezone.now()
    settings = selectors.reminder_settings_get(workspace=workspace)
    tz = workspace_tz(workspace)
    today = now.astimezone(tz).date()
    cutoff = escalation_cutoff(today, settings.escalate_after_working_days)
    employees = selectors.active_employee_ids(workspace=workspace)
    owner = workspace_owner(workspace)
    new = []
    for task in selectors.overdue_tasks_to_escalate(workspace=workspace, due_on_or_before=cutoff):
        assignee = task.assignee
        lead_id = assignee.lead_id if assignee is not None else None
        target = _pick((lead_id,), employees, owner.pk if owner else None)
        if target is None or (assignee is not None and target == assignee.pk):
            continue  # the owner's own overdue task: there is nobody above them to tell
        who = assignee.user.get_full_name() if assignee is not None else "nobody"
        details = (
            f"Original task #{task.pk}: {task.title}\n"
            f"Assigned to {who}, due {task.due:%a %-d %b %Y}, still {task.get_status_display().lower()}.\n"
            f"More than {settings.escalate_after_working_days} working days overdue: help them or reassign it."
        )
        new.append(
            Task(
                workspace=workspace,
                kind=TaskKind.FOLLOW_UP,
                title=f"Overdue: {task.title}"[:200],
                details=details,
                due=today,
                assignee_id=target,
                account_id=task.account_id,
                contact_id=task.contact_id,
                partner_id=task.partner_id,
                referral_id=task.referral_id,
                dedupe_key=f"{selectors.ESCALATION_PREFIX}{task.pk}",
            )
        )
    Task.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    return len(new)


# ----------------------------------------------------------------------------------- an employee's choices


def _preference_locked(membership: Membership) -> ReminderPreference:
    preference, _ = ReminderPreference.objects.get_or_create(membership=membership)
    return ReminderPreference.objects.select_for_update().get(pk=preference.pk)


@transaction.atomic
def digest_preference_set(*, membership: Membership, enabled: bool) -> ReminderPreference:
    """Opt in or out of the daily digest (each person decides for themselves)."""
    if not membership.is_employee:
        raise field_error("digest_enabled", "Only employees receive the daily digest.")
    preference = _preference_locked(membership)
    if preference.digest_enabled != bool(enabled):
        preference.digest_enabled = bool(enabled)
        clean_and_save(preference, update_fields=["digest_enabled"])
    return preference


@transaction.atomic
def calendar_token_create(*, membership: Membership) -> str:
    """A new secret for the member's calendar feed; any earlier address stops working. Returns the raw token,
    which is shown once and stored only as a digest."""
    if not membership.is_employee:
        raise field_error("calendar", "Only employees have a task calendar.")
    raw = secrets.token_urlsafe(32)
    preference = _preference_locked(membership)
    preference.calendar_digest = ReminderPreference.digest_of(raw)
    preference.calendar_prefix = raw[:8]
    preference.calendar_created_at = timezone.now()
    clean_and_save(preference, update_fields=["calendar_digest", "calendar_prefix", "calendar_created_at"])
    return raw


@transaction.atomic
def calendar_token_revoke(*, membership: Membership) -> None:
    preference = _preference_locked(membership)
    preference.calendar_digest = None
    preference.calendar_prefix = ""
    preference.calendar_created_at = None
    clean_and_save(preference, update_fields=["calendar_digest", "calendar_prefix", "calendar_created_at"])


# ---------------------------------------------------------------------------------------------------- digest


@transaction.atomic
def daily_digests_queue(*, workspace: Workspace, now: datetime | None = None) -> int:
    """Queue today's digest for every employee who wants one, once their local morning has come; each is sent
    by the worker after commit, once (dedupe key `digest:{membership}:{date}`). Returns how many were queued."""
    from referral_engine.integrations.mail import email_queue
    from referral_engine.integrations.models import OutboundEmail
    from referral_engine.journeys import digest

    now = now or timezone.now()
    settings = selectors.reminder_settings_get(workspace=workspace)
    local = now.astimezone(workspace_tz(workspace))
    today = local.date()
    if local.hour < settings.digest_hour:
        return 0
    if today.weekday() >= SATURDAY and not settings.digest_on_weekends:
        return 0
    recipients = list(selectors.digest_recipients(workspace=workspace))
    keys = {m.pk: f"digest:{m.pk}:{today.isoformat()}" for m in recipients}
    done = set(
        OutboundEmail.objects.filter(workspace=workspace, dedupe_key__in=list(keys.values())).values_list(
            "dedupe_key", flat=True
        )
    )
    recipients = [m for m in recipients if keys[m.pk] not in done]
    if not recipients:
        return 0
    contents = digest.digest_contents(workspace=workspace, recipients=recipients, today=today, now=now)
    queued = 0
    for membership in recipients:
        content = contents[membership.pk]
        if content.is_empty:
            continue
        email = email_queue(
            workspace=workspace,
            kind="daily_digest",
            dedupe_key=keys[membership.pk],
            to=membership.user.email,
            subject=content.subject,
            body=content.body,
        )
        queued += email is not None
    return queued
