"""/ask-lists, /ask-suggestions/{id}/outcome and /referral-profile: parse, call a service or selector, answer.

Employees' tokens only (a partner's token is a 403); another workspace's suggestion is a 404, and so is a
colleague's suggestion unless the caller is an owner or an admin.
"""

from urllib.parse import urlencode

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from ninja import Query, Router
from ninja.errors import AuthorizationError

from referral_engine.asking import selectors, services
from referral_engine.asking.schemas import (
    AskListOut,
    AskListQuery,
    OutcomeIn,
    OutcomeOut,
    ReferralProfileIn,
    ReferralProfileOut,
)
from referral_engine.asking.scripts import script_fill
from referral_engine.core.api import employee_auth, workspace_of
from referral_engine.engagement.models import AskOutcome
from referral_engine.workspaces.models import Membership, Role

ask_list_router = Router(tags=["ask lists"], auth=employee_auth)
ask_suggestion_router = Router(tags=["ask lists"], auth=employee_auth)
referral_profile_router = Router(tags=["ask lists"], auth=employee_auth)


def _out(suggestion, library, firm: str, employee_name: str) -> dict:
    script = library[suggestion.situation]
    contact = suggestion.contact
    company = contact.account.name if contact.account else None
    return {
        "id": suggestion.pk,
        "week": suggestion.week,
        "employee_id": suggestion.employee_id,
        "contact_id": contact.pk,
        "contact_name": str(contact),
        "account_name": company,
        "rank": suggestion.rank,
        "reasons": suggestion.reasons,
        "situation": suggestion.situation,
        "script": {
            "situation": script.situation,
            "title": script.title,
            "text": script_fill(
                script.body,
                first_name=contact.first_name,
                company=company or "you",
                employee=employee_name,
                firm=firm,
            ),
        },
        "status": suggestion.status,
    }


@ask_list_router.get("", response=AskListOut)
def ask_list(request, query: Query[AskListQuery]):
    """The open suggestions of one employee's list for a week: the caller's own, or (owners and admins) any
    employee's. People asked since the list was made are gone from it."""
    workspace = workspace_of(request)
    employee = request.auth
    if query.employee_id is not None and query.employee_id != employee.pk:
        if not employee.can_manage:
            raise AuthorizationError(message="Only an owner or an admin may read a colleague's list.")
        employee = (
            Membership.objects.filter(workspace=workspace, pk=query.employee_id, is_active=True)
            .exclude(role=Role.PARTNER)
            .select_related("user")
            .first()
        )
        if employee is None:
            raise Http404("Not found.")
    week = selectors.week_of(query.week or timezone.localdate())
    library = selectors.ask_script_library(workspace=workspace)
    name = employee.user.get_short_name()
    rows = selectors.ask_list(workspace=workspace, week=week, employee_id=employee.pk)
    return {
        "week": week,
        "employee_id": employee.pk,
        "items": [_out(s, library, workspace.name, name) for s in rows],
    }


@ask_suggestion_router.post("/{int:id}/outcome", response=OutcomeOut)
def ask_suggestion_outcome(request, id: int, payload: OutcomeIn):
    """Log how the ask went. The ask is logged like any other (POST /asks) and the person leaves every list;
    a suggestion already acted on is a 409."""
    workspace = workspace_of(request)
    suggestion = selectors.ask_suggestion_get(workspace=workspace, id=id)
    if suggestion.employee_id != request.auth.pk and not request.auth.can_manage:
        raise Http404("Not found.")
    ask = services.ask_suggestion_outcome(
        workspace=workspace,
        actor=request.auth,
        suggestion=suggestion,
        outcome=payload.outcome,
        channel=payload.channel,
        note=payload.note,
    )
    url = None
    if payload.outcome == AskOutcome.REFERRAL_GIVEN:
        query = urlencode({"source_kind": "customer", "source_contact": suggestion.contact_id})
        url = request.build_absolute_uri(f"{reverse('referral_create')}?{query}")
    return {
        "suggestion_id": suggestion.pk,
        "ask_id": ask.pk,
        "status": "asked",
        "outcome": ask.outcome,
        "referral_form_url": url,
    }


def _profile_out(profile) -> dict:
    return {name: getattr(profile, name) for name in ReferralProfileOut.model_fields}


@referral_profile_router.get("", response=ReferralProfileOut)
def referral_profile_get(request):
    """The referral profile and the firm-wide cadence (the defaults until someone changes them)."""
    return _profile_out(selectors.referral_profile_get(workspace=workspace_of(request)))


@referral_profile_router.put("", response=ReferralProfileOut)
def referral_profile_put(request, payload: ReferralProfileIn):
    """Replace the referral profile and the cadence (owners and admins only)."""
    if not request.auth.can_manage:
        raise AuthorizationError(message="Only an owner or an admin may change the referral profile.")
    profile = services.referral_profile_update(
        workspace=workspace_of(request), actor=request.auth, **payload.model_dump()
    )
    return _profile_out(profile)
