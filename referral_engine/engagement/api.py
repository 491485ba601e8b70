"""/asks and /tasks: parse, call a service or selector, answer with a schema."""

from ninja import Query, Router, Status

from referral_engine.core.api import Page, employee_auth, paginate, resolve_ids, workspace_of
from referral_engine.core.validation import EMPLOYEE
from referral_engine.engagement import selectors, services
from referral_engine.engagement.schemas import (
    ASK_ORDERINGS,
    TASK_ORDERINGS,
    AskIn,
    AskOut,
    AskPatch,
    AskQuery,
    TaskIn,
    TaskOut,
    TaskPatch,
    TaskQuery,
)
from referral_engine.partners.models import Partner
from referral_engine.referrals.models import Referral
from referral_engine.relationships.models import Account, Contact
from referral_engine.workspaces.models import Membership

# -------------------------------------------------------------------------------------------------------- asks

ask_router = Router(tags=["asks"], auth=employee_auth)
ASK_IDS = {
    "asker": (Membership, EMPLOYEE),
    "contact": (Contact, "contact"),
    "partner": (Partner, "partner"),
    "referral": (Referral, "referral"),
}


@ask_router.get("", response=Page[AskOut])
def ask_list(request, query: Query[AskQuery]):
    """List asks for referrals, newest first by default."""
    asks = selectors.ask_list(workspace=workspace_of(request), **query.filters())
    return paginate(asks, query, orderings=ASK_ORDERINGS)


@ask_router.post("", response={201: AskOut})
def ask_create(request, payload: AskIn):
    """Log an ask of a contact or a partner."""
    workspace = workspace_of(request)
    fields = resolve_ids(workspace=workspace, data=payload.model_dump(), relations=ASK_IDS)
    ask = services.ask_create(workspace=workspace, actor=request.auth, **fields)
    # Read back, so the answer shows what was stored exactly as a GET would (UTC times, 2-decimal money).
    return Status(201, selectors.ask_get(workspace=workspace, id=ask.pk))


@ask_router.get("/{int:id}", response=AskOut)
def ask_get(request, id: int):
    """One ask."""
    return selectors.ask_get(workspace=workspace_of(request), id=id)


@ask_router.patch("/{int:id}", response=AskOut)
def ask_update(request, id: int, payload: AskPatch):
    """Change some fields of an ask, typically its outcome."""
    workspace = workspace_of(request)
    ask = selectors.ask_get(workspace=workspace, id=id)
    changes = resolve_ids(workspace=workspace, data=payload.model_dump(exclude_unset=True), relations=ASK_IDS)
    services.ask_update(instance=ask, actor=request.auth, **changes)
    return selectors.ask_get(workspace=workspace, id=ask.pk)


@ask_router.delete("/{int:id}", response={204: None})
def ask_delete(request, id: int):
    """Delete an ask."""
    ask = selectors.ask_get(workspace=workspace_of(request), id=id)
    services.ask_delete(instance=ask, actor=request.auth)
    return Status(204, None)


# ------------------------------------------------------------------------------------------------------- tasks

task_router = Router(tags=["tasks"], auth=employee_auth)
TASK_IDS = {
    "assignee": (Membership, EMPLOYEE),
    "account": (Account, "account"),
    "contact": (Contact, "contact"),
    "partner": (Partner, "partner"),
    "referral": (Referral, "referral"),
}


@task_router.get("", response=Page[TaskOut])
def task_list(request, query: Query[TaskQuery]):
    """List tasks, soonest due first by default. `status=open` includes snoozed tasks."""
    tasks = selectors.task_list(workspace=workspace_of(request), **query.filters())
    return paginate(tasks, query, orderings=TASK_ORDERINGS)


@task_router.post("", response={201: TaskOut})
def task_create(request, payload: TaskIn):
    """Create a task. A `dedupe_key` already used in the workspace is a 409."""
    workspace = workspace_of(request)
    fields = resolve_ids(workspace=workspace, data=payload.model_dump(), relations=TASK_IDS)
    task = services.task_create(workspace=workspace, actor=request.auth, **fields)
    # Read back, so the answer shows what was stored exactly as a GET would (UTC times, 2-decimal money).
    return Status(201, selectors.task_get(workspace=workspace, id=task.pk))


@task_router.get("/{int:id}", response=TaskOut)
def task_get(request, id: int):
    """One task."""
    return selectors.task_get(workspace=workspace_of(request), id=id)


@task_router.patch("/{int:id}", response=TaskOut)
def task_update(request, id: int, payload: TaskPatch):
    """Change some fields of a task; `status: done` completes it now."""
    workspace = workspace_of(request)
    task = selectors.task_get(workspace=workspace, id=id)
    changes = resolve_ids(
        workspace=workspace, data=payload.model_dump(exclude_unset=True), relations=TASK_IDS
    )
    services.task_update(instance=task, actor=request.auth, **changes)
    return selectors.task_get(workspace=workspace, id=task.pk)


@task_router.delete("/{int:id}", response={204: None})
def task_delete(request, id: int):
    """Delete a task."""
    task = selectors.task_get(workspace=workspace_of(request), id=id)
    services.task_delete(instance=task, actor=request.auth)
    return Status(204, None)
