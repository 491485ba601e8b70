"""/journeys (touchpoint plans and their steps) and /project-ends (the end-of-project trigger): parse, call a
service or selector, answer.

Employees' tokens only (a partner's token is a 403); reading plans is for every employee, changing them for
owners and admins (403 otherwise); another workspace's plan is a 404.
"""

from ninja import Router, Status
from ninja.errors import AuthorizationError

from referral_engine.core.api import employee_auth, resolve_ids, workspace_of
from referral_engine.journeys import selectors, services
from referral_engine.journeys.schemas import (
    JourneyPlanIn,
    JourneyPlanOut,
    JourneyPlanPatch,
    JourneyStepIn,
    JourneyStepOut,
    ProjectEndIn,
    ProjectEndOut,
)
from referral_engine.relationships.models import Account, Contact, Purchase

journey_router = Router(tags=["journeys"], auth=employee_auth)
project_end_router = Router(tags=["journeys"], auth=employee_auth)


def _managers_only(request) -> None:
    if not request.auth.can_manage:
        raise AuthorizationError(message="Only an owner or an admin may change journeys.")


def _plan_out(plan) -> dict:
    return {
        **{name: getattr(plan, name) for name in ("id", "name", "trigger", "is_active", "description")},
        "holidays": plan.holidays or [],
        "steps": list(plan.steps.all()),
    }


@journey_router.get("", response=list[JourneyPlanOut])
def journey_plan_list(request):
    """The workspace's touchpoint plans with their steps (the built-in ones are created on first use)."""
    workspace = workspace_of(request)
    services.reminder_settings_ensure(workspace=workspace)
    return [_plan_out(plan) for plan in selectors.journey_plan_list(workspace=workspace)]


@journey_router.post("", response={201: JourneyPlanOut})
def journey_plan_create(request, payload: JourneyPlanIn):
    """Make a plan (owners and admins); add its steps with POST /journeys/{id}/steps."""
    _managers_only(request)
    plan = services.journey_plan_create(
        workspace=workspace_of(request), actor=request.auth, **payload.model_dump()
    )
    return Status(201, _plan_out(plan))


@journey_router.get("/{int:id}", response=JourneyPlanOut)
def journey_plan_get(request, id: int):
    """One plan with its steps."""
    return _plan_out(selectors.journey_plan_get(workspace=workspace_of(request), id=id))


@journey_router.patch("/{int:id}", response=JourneyPlanOut)
def journey_plan_update(request, id: int, payload: JourneyPlanPatch):
    """Change some fields of a plan (owners and admins)."""
    _managers_only(request)
    plan = selectors.journey_plan_get(workspace=workspace_of(request), id=id)
    services.journey_plan_update(plan=plan, actor=request.auth, **payload.model_dump(exclude_unset=True))
    return _plan_out(plan)


@journey_router.delete("/{int:id}", response={204: None})
def journey_plan_delete(request, id: int):
    """Delete a plan and its steps; the tasks it created stay."""
    _managers_only(request)
    plan = selectors.journey_plan_get(workspace=workspace_of(request), id=id)
    services.journey_plan_delete(plan=plan, actor=request.auth)
    return Status(204, None)


@journey_router.post("/{int:id}/steps", response={201: JourneyStepOut})
def journey_step_create(request, id: int, payload: JourneyStepIn):
    """Add a step to a plan (owners and admins)."""
    _managers_only(request)
    plan = selectors.journey_plan_get(workspace=workspace_of(request), id=id)
    return Status(201, services.journey_step_create(plan=plan, actor=request.auth, **payload.model_dump()))


@journey_router.delete("/{int:id}/steps/{int:step_id}", response={204: None})
def journey_step_delete(request, id: int, step_id: int):
    """Remove a step from a plan (owners and admins)."""
    _managers_only(request)
    plan = selectors.journey_plan_get(workspace=workspace_of(request), id=id)
    step = selectors.journey_step_get(plan=plan, id=step_id)
    services.journey_step_delete(step=step, actor=request.auth)
    return Status(204, None)


PROJECT_END_IDS = {
    "account": (Account, "account"),
    "contact": (Contact, "contact"),
    "purchase": (Purchase, "purchase"),
}


@project_end_router.post("", response={201: ProjectEndOut})
def project_end_create(request, payload: ProjectEndIn):
    """Record that a project ended (optionally for one purchase): the end-of-project journeys create their tasks
    from it within the hour."""
    workspace = workspace_of(request)
    fields = resolve_ids(workspace=workspace, data=payload.model_dump(), relations=PROJECT_END_IDS)
    return Status(201, services.project_end_record(workspace=workspace, actor=request.auth, **fields))
