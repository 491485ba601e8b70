"""Reads for NPS answers, always scoped to one workspace."""

from datetime import datetime

from django.db.models import QuerySet

from referral_engine.core.selectors import get_in_workspace
from referral_engine.feedback.models import NpsResponse
from referral_engine.workspaces.models import Workspace

NPS_RESPONSE_RELATED = ("contact", "account")


def nps_response_list(
    *,
    workspace: Workspace,
    contact_id: int | None = None,
    account_id: int | None = None,
    score_min: int | None = None,
    score_max: int | None = None,
    at_from: datetime | None = None,
    at_to: datetime | None = None,
) -> QuerySet[NpsResponse]:
    responses = NpsResponse.objects.filter(workspace=workspace).select_related(*NPS_RESPONSE_RELATED)
    if contact_id is not None:
        responses = responses.filter(contact_id=contact_id)
    if account_id is not None:
        responses = responses.filter(account_id=account_id)
    if score_min is not None:
        responses = responses.filter(score__gte=score_min)
    if score_max is not None:
        responses = responses.filter(score__lte=score_max)
    if at_from is not None:
        responses = responses.filter(at__gte=at_from)
    if at_to is not None:
        responses = responses.filter(at__lte=at_to)
    return responses


def nps_response_get(*, workspace: Workspace, id: int) -> NpsResponse:
    return get_in_workspace(
        NpsResponse.objects.select_related(*NPS_RESPONSE_RELATED), workspace=workspace, id=id
    )
