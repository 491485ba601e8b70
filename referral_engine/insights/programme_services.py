"""Writes of the programme insights: the stored figures of big workspaces, and the one-click "build the
relationship" task for a neglected influencer.

Stored figures. At a million accounts an insight takes from one to forty seconds (bench/insights_programme.py), too
slow to compute on every page view. `programme_figures` is the one way in for pages and the API: it serves stored
figures younger than SERVE_FOR, and otherwise computes them, storing the result when that took at least
`settings.PROGRAMME_STORE_SLOWER_THAN` seconds. A small workspace is therefore always computed on read and always
current; a big one is at most SERVE_FOR old, and the scheduler (`programme_figures_refresh`, every half hour)
recomputes the default period's figures of every workspace that has stored ones before anyone waits for them.
"""

import json
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from referral_engine.core.errors import field_error
from referral_engine.engagement.models import Task, TaskKind
from referral_engine.engagement.selectors import tasks_with_dedupe_key
from referral_engine.engagement.services import task_create
from referral_engine.insights import programme
from referral_engine.insights.models import ProgrammeFigures
from referral_engine.insights.programme import influencer_dedupe_key, workspace_today
from referral_engine.relationships.models import Contact
from referral_engine.workspaces.models import Membership, Workspace

INSIGHTS: dict[str, Callable[..., dict]] = programme.INSIGHTS  # by the names of their API endpoints
# The options each insight is computed with by default: the pages' and the API's, so the scheduler warms exactly
# what people open.
DEFAULT_OPTIONS: dict[str, dict] = {
    "value-per-hour": {"partners": 20},
    "chains": {"limit": 10},
    "influencers": {"limit": 25},
}
SERVE_FOR = timedelta(hours=1)
RECOMPUTE_AFTER = timedelta(minutes=30)
KEEP_FOR = timedelta(days=2)


def _key(insight: str, period: programme.Period, options: dict) -> str:
    # `today` is part of the key: the default period moves with it, and "no touchpoint lately" is counted from it.
    extra = ",".join(f"{name}={value}" for name, value in sorted(options.items()))
    return f"{insight}|{period.start}|{period.end}|{period.bucket}|{period.today}|{extra}"


def _encode(value):
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} cannot be stored")


def _decode(obj: dict):
    if len(obj) == 1:
        ((tag, text),) = obj.items()
        if tag == "$datetime":
            return datetime.fromisoformat(text)
        if tag == "$date":
            return date.fromisoformat(text)
        if tag == "$decimal":
            return Decimal(text)
    return obj


def figures_dumps(data: dict) -> str:
    return json.dumps(data, default=_encode, separators=(",", ":"))


def figures_loads(text: str) -> dict:
    return json.loads(text, object_hook=_decode)


def programme_figures(
    *, workspace: Workspace, insight: str, period: programme.Period, now: datetime | None = None, **options
) -> dict:
    """An insight's figures for the period, with `computed_at` and `stored` (served from the store). Options are
    the selector's (`partners`, `limit`); the influencers' task status is always read now."""
    now = now or timezone.now()
    key = _key(insight, period, options)
    stored = (
        ProgrammeFigures.objects.filter(workspace=workspace, key=key, computed_at__gt=now - SERVE_FOR)
        .values_list("payload", "computed_at")
        .first()
    )
    if stored is not None:
        data = figures_loads(stored[0])
        data.update(computed_at=stored[1], stored=True)
    else:
        data = _compute(workspace=workspace, insight=insight, period=period, options=options, now=now)
    if insight == "influencers":
        programme.with_task_status(workspace=workspace, result=data)
    return data


def _compute(
    *, workspace: Workspace, insight: str, period: programme.Period, options: dict, now: datetime
) -> dict:
    began = time.perf_counter()
    data = INSIGHTS[insight](workspace=workspace, period=period, **options)
    seconds = time.perf_counter() - began
    data.pop("computed_at", None)
    data.pop("stored", None)
    keep = seconds >= settings.PROGRAMME_STORE_SLOWER_THAN
    if keep:
        if insight == "influencers":
            for row in data["influencers"]:
                row.pop("task_status", None)  # read at serving time, never stored
        ProgrammeFigures.objects.bulk_create(
            [
                ProgrammeFigures(
                    workspace=workspace,
                    insight=insight,
                    key=_key(insight, period, options),
                    payload=figures_dumps(data),
                    computed_at=now,
                    seconds=seconds,
                )
            ],
            update_conflicts=True,
            unique_fields=["workspace", "key"],
            update_fields=["payload", "computed_at", "seconds", "updated_at"],
        )
    data.update(computed_at=now, stored=keep)
    return data


def programme_figures_refresh(*, now: datetime | None = None) -> dict[str, int]:
    """The half-hourly job. For every workspace with stored figures (its insights are slow), recompute the default
    period's figures that are missing or older than RECOMPUTE_AFTER: stored again if still slow, dropped if not
    (the workspace then leaves this job). Figures older than KEEP_FOR are forgotten (other periods people looked at,
    yesterday's default). Returns counts: recomputed, forgotten."""
    now = now or timezone.now()
    heavy = list(ProgrammeFigures.objects.values_list("workspace_id", flat=True).distinct())
    forgotten, _ = ProgrammeFigures.objects.filter(computed_at__lt=now - KEEP_FOR).delete()
    recomputed = 0
    for workspace in Workspace.objects.filter(pk__in=heavy).order_by("pk"):
        period = programme.programme_period(workspace=workspace)
        recent = set(
            ProgrammeFigures.objects.filter(
                workspace=workspace, computed_at__gt=now - RECOMPUTE_AFTER
            ).values_list("key", flat=True)
        )
        for insight in INSIGHTS:
            options = DEFAULT_OPTIONS.get(insight, {})
            key = _key(insight, period, options)
            if key in recent:
                continue
            data = _compute(workspace=workspace, insight=insight, period=period, options=options, now=now)
            if not data["stored"]:
                ProgrammeFigures.objects.filter(workspace=workspace, key=key).delete()
            recomputed += 1
    return {"recomputed": recomputed, "forgotten": forgotten}


def programme_figures_warm(*, now: datetime | None = None) -> int:
    """The nightly job: compute the default-period figures of every workspace without stored ones, so a workspace
    that has grown slow gets them (and the half-hourly refresh) before anyone opens its pages. Returns how many
    were stored."""
    now = now or timezone.now()
    stored = 0
    heavy = ProgrammeFigures.objects.values("workspace_id").distinct()
    for workspace in Workspace.objects.exclude(pk__in=heavy).order_by("pk"):  # the half-hourly job has those
        period = programme.programme_period(workspace=workspace)
        for insight in INSIGHTS:
            data = _compute(
                workspace=workspace,
                insight=insight,
                period=period,
                options=DEFAULT_OPTIONS.get(insight, {}),
                now=now,
            )
            stored += data["stored"]
    return stored


TASK_DUE_DAYS = 7


@transaction.atomic
def influencer_task_create(
    *, workspace: Workspace, actor: Membership | None, contact: Contact, today: date | None = None
) -> tuple[Task, bool]:
    """A follow-up task to build the relationship with an influencer: assigned to the contact's owner, else the
    account's, else whoever clicked; due in a week. Once per person and month (dedupe key): a second click
    returns the first task. Returns (task, created)."""
    if contact.workspace_id != workspace.pk:
        raise field_error("contact", "This contact is not in the workspace.")
    if contact.do_not_contact:
        raise field_error("contact", "This person asked not to be contacted.")
    today = today or workspace_today(workspace)
    key = influencer_dedupe_key(contact_id=contact.pk, today=today)
    existing = tasks_with_dedupe_key(workspace_id=workspace.pk, key=key).first()
    if existing is not None:
        return existing, False
    account = contact.account
    assignee = contact.owner or (account.owner if account else None)
    if assignee is None and actor is not None and actor.is_employee:
        assignee = actor
    where = f" at {account.name}" if account else ""
    task = task_create(
        workspace=workspace,
        actor=actor,
        kind=TaskKind.FOLLOW_UP,
        title=f"Build the relationship with {contact.name}{where}"[:200],
        details=(
            f"{contact.name} is central in {account.name if account else 'their'}'s buying circle but has had no "
            "touchpoint lately and a weak relationship. Meet, call or help them with something that matters to them."
        ),
        due=today + timedelta(days=TASK_DUE_DAYS),
        assignee=assignee,
        contact=contact,
        account=account,
        dedupe_key=key,
    )
    return task, True
