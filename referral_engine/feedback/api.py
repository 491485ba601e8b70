"""/nps-responses and /insights/nps: parse, call a service or selector, answer with a schema."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from ninja import Query, Router, Status

from referral_engine.core.api import (
    Page,
    employee_auth,
    paginate,
    query_error,
    resolve_ids,
    workspace_of,
)
from referral_engine.feedback import selectors, services
from referral_engine.feedback.schemas import (
    NPS_RESPONSE_ORDERINGS,
    NpsFiguresOut,
    NpsPeriodQuery,
    NpsResponseIn,
    NpsResponseOut,
    NpsResponsePatch,
    NpsResponseQuery,
)
from referral_engine.referrals.deadlines import workspace_tz
from referral_engine.relationships.models import Account, Contact

router = Router(tags=["nps-responses"], auth=employee_auth)
insights_router = Router(tags=["insights"], auth=employee_auth)
NPS_RESPONSE_IDS = {"contact": (Contact, "contact"), "account": (Account, "account")}


@router.get("", response=Page[NpsResponseOut])
def nps_response_list(request, query: Query[NpsResponseQuery]):
    """List answers to the Net Promoter question, newest first by default."""
    responses = selectors.nps_response_list(workspace=workspace_of(request), **query.filters())
    return paginate(responses, query, orderings=NPS_RESPONSE_ORDERINGS)


@router.post("", response={201: NpsResponseOut})
def nps_response_create(request, payload: NpsResponseIn):
    """Record an answer (0-10) from a contact, for example one collected by phone. It closes the loop like a
    survey answer: a promoter (9-10) is flagged as a referral candidate, a detractor (0-6) gets a follow-up task
    for the account's owner due within two working days."""
    workspace = workspace_of(request)
    fields = resolve_ids(workspace=workspace, data=payload.model_dump(), relations=NPS_RESPONSE_IDS)
    nps_response = services.nps_response_create(workspace=workspace, actor=request.auth, **fields)
    # Read back, so the answer shows what was stored exactly as a GET would (UTC times, 2-decimal money).
    return Status(201, selectors.nps_response_get(workspace=workspace, id=nps_response.pk))


@router.get("/{int:id}", response=NpsResponseOut)
def nps_response_get(request, id: int):
    """One answer."""
    return selectors.nps_response_get(workspace=workspace_of(request), id=id)


@router.patch("/{int:id}", response=NpsResponseOut)
def nps_response_update(request, id: int, payload: NpsResponsePatch):
    """Change some fields of an answer."""
    workspace = workspace_of(request)
    response = selectors.nps_response_get(workspace=workspace, id=id)
    changes = resolve_ids(
        workspace=workspace, data=payload.model_dump(exclude_unset=True), relations=NPS_RESPONSE_IDS
    )
    services.nps_response_update(instance=response, actor=request.auth, **changes)
    return selectors.nps_response_get(workspace=workspace, id=response.pk)


@router.delete("/{int:id}", response={204: None})
def nps_response_delete(request, id: int):
    """Delete an answer."""
    response = selectors.nps_response_get(workspace=workspace_of(request), id=id)
    services.nps_response_delete(instance=response, actor=request.auth)
    return Status(204, None)


@insights_router.get("", response=NpsFiguresOut)
def nps_figures(request, query: Query[NpsPeriodQuery]):
    """NPS (Reichheld 2003: % promoters − % detractors over the latest answer of each respondent) for a period:
    overall, by value segment, by account owner and per month, each with the number of answers behind it.
    Values are unrounded; null where there are no answers."""
    workspace = workspace_of(request)
    today = timezone.now().astimezone(workspace_tz(workspace)).date()
    try:
        start, end = selectors.nps_period(workspace=workspace, start=query.start, end=query.end, today=today)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise query_error(field, messages[0]) from exc
    return selectors.nps_figures(workspace=workspace, start=start, end=end)
