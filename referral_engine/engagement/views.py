"""Today: the page each employee opens first. Their tasks by due date, referrals waiting too long for a first
contact, and a line about their week. Tasks are completed or snoozed in place (htmx), or by a plain form post."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from referral_engine.core.web import safe_next
from referral_engine.engagement import selectors, services
from referral_engine.engagement.models import Task, TaskStatus
from referral_engine.referrals.selectors import referral_list_past_first_contact
from referral_engine.workspaces.access import employee_required
from referral_engine.workspaces.models import Role

LATE_REFERRALS_SHOWN = 20
KIND_ICONS = {
    "thank": "favorite",
    "update": "campaign",
    "ask": "record_voice_over",
    "follow_up": "call",
    "journey_step": "route",
    "detractor_follow_up": "sentiment_dissatisfied",
}


@dataclass
class TaskGroup:
    key: str
    label: str
    tasks: list[Task] = field(default_factory=list)


@dataclass
class TaskBoard:
    groups: list[TaskGroup]
    snoozed_later: int
    today: date

    @property
    def count(self) -> int:
        return sum(len(group.tasks) for group in self.groups)


def _task_board(request: HttpRequest) -> TaskBoard:
    today = timezone.localdate()
    week_end = today + timedelta(days=6 - today.weekday())
    groups = {
        "overdue": TaskGroup("overdue", "Overdue"),
        "today": TaskGroup("today", "Today"),
        "week": TaskGroup("week", "Later this week"),
        "later": TaskGroup("later", "Later"),
    }
    snoozed_later = 0
    tasks = selectors.task_list_for_today(workspace=request.workspace, assignee_id=request.membership.pk)
    for task in tasks:
        task.icon = KIND_ICONS.get(task.kind, "task_alt")
        if task.status == TaskStatus.SNOOZED and task.due > today:
            # Snoozed means "not before then": it stays out of sight until the day it was put off to.
            snoozed_later += 1
            continue
        if task.due < today:
            task.days_late = (today - task.due).days
            groups["overdue"].tasks.append(task)
        elif task.due == today:
            groups["today"].tasks.append(task)
        elif task.due <= week_end:
            groups["week"].tasks.append(task)
        else:
            groups["later"].tasks.append(task)
    return TaskBoard(groups=[g for g in groups.values() if g.tasks], snoozed_later=snoozed_later, today=today)


def _week_start() -> datetime:
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    return timezone.make_aware(datetime.combine(monday, time.min))


def _snooze_choices(today: date) -> list[tuple[str, date]]:
    next_monday = today + timedelta(days=7 - today.weekday())
    return [
        ("Tomorrow", today + timedelta(days=1)),
        ("In 3 days", today + timedelta(days=3)),
        ("Next Monday", next_monday),
        ("In 2 weeks", today + timedelta(days=14)),
    ]


def _tasks_context(request: HttpRequest) -> dict:
    board = _task_board(request)
    return {
        "board": board,
        "snooze_choices": _snooze_choices(board.today),
        "summary": selectors.week_summary(
            workspace=request.workspace, membership_id=request.membership.pk, since=_week_start()
        ),
    }


def today(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    membership = request.membership
    if membership is not None and membership.role == Role.PARTNER:
        return redirect("portal")
    return _today(request)


@employee_required
def _today(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    late_referrals = list(
        referral_list_past_first_contact(
            workspace=request.workspace, owner_id=request.membership.pk, now=now
        )[:LATE_REFERRALS_SHOWN]
    )
    for referral in late_referrals:
        referral.hours_late = int((now - referral.first_contact_due).total_seconds() // 3600)
    return render(
        request, "engagement/today.html", {**_tasks_context(request), "late_referrals": late_referrals}
    )


def _after_task_change(request: HttpRequest, error: str = "") -> HttpResponse:
    if request.htmx:
        context = _tasks_context(request)
        context["task_error"] = error
        return render(request, "engagement/_tasks.html", {**context, "oob_summary": True})
    if error:
        messages.error(request, error)
    return redirect(safe_next(request, "/"))


@employee_required
@require_POST
def task_complete(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.task_get(workspace=request.workspace, id=pk)
    services.task_complete(task=task, actor=request.membership)
    return _after_task_change(request)


@employee_required
@require_POST
def task_snooze(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.task_get(workspace=request.workspace, id=pk)
    try:
        until = date.fromisoformat(request.POST.get("until", ""))
        services.task_snooze(task=task, actor=request.membership, until=until)
    except ValueError:
        return _after_task_change(request, "Choose the day to snooze the task until.")
    except ValidationError as exc:
        return _after_task_change(request, " ".join(exc.messages))
    return _after_task_change(request)
