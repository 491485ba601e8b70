"""/partners: parse, call a service or selector, answer with a schema."""

from django.http import Http404
from ninja import Query, Router, Status

from referral_engine.core.api import (
    Page,
    any_member_auth,
    employee_auth,
    paginate,
    query_error,
    resolve_ids,
    workspace_of,
)
from referral_engine.core.validation import EMPLOYEE
from referral_engine.partners import ledger as ledger_module
from referral_engine.partners import selectors, services
from referral_engine.partners.ledger_schemas import (
    GivenIn,
    GivenOut,
    GivenPatch,
    LedgerOut,
    PeriodQuery,
    RankingOut,
    RankingQuery,
    SuggestionOut,
    SuggestionQuery,
)
from referral_engine.partners.models import NetworkingGroup, Partner, ReferralGiven
from referral_engine.partners.schemas import (
    PARTNER_ORDERINGS,
    PartnerIn,
    PartnerOut,
    PartnerPatch,
    PartnerQuery,
)
from referral_engine.partners.suggestions import suggestions as suggestion_list_for
from referral_engine.relationships.models import Account, Contact
from referral_engine.workspaces.models import Membership, Role

router = Router(tags=["partners"], auth=employee_auth)
PARTNER_IDS = {"networking_group": (NetworkingGroup, "networking group"), "owner": (Membership, EMPLOYEE)}


@router.get("", response=Page[PartnerOut])
def partner_list(request, query: Query[PartnerQuery]):
    """List referral partners: accountants, lawyers, other vendors, networking-group members."""
    partners = selectors.partner_list(workspace=workspace_of(request), **query.filters())
    return paginate(partners, query, orderings=PARTNER_ORDERINGS)


@router.post("", response={201: PartnerOut})
def partner_create(request, payload: PartnerIn):
    """Create a partner. An e-mail already used by another partner of the workspace is a 409."""
    workspace = workspace_of(request)
    fields = resolve_ids(workspace=workspace, data=payload.model_dump(), relations=PARTNER_IDS)
    partner = services.partner_create(workspace=workspace, actor=request.auth, **fields)
    # Read back, so the answer shows what was stored exactly as a GET would (UTC times, 2-decimal money).
    return Status(201, selectors.partner_get(workspace=workspace, id=partner.pk))


@router.get("/{int:id}", response=PartnerOut)
def partner_get(request, id: int):
    """One partner."""
    return selectors.partner_get(workspace=workspace_of(request), id=id)


@router.patch("/{int:id}", response=PartnerOut)
def partner_update(request, id: int, payload: PartnerPatch):
    """Change some fields of a partner."""
    workspace = workspace_of(request)
    partner = selectors.partner_get(workspace=workspace, id=id)
    changes = resolve_ids(
        workspace=workspace, data=payload.model_dump(exclude_unset=True), relations=PARTNER_IDS
    )
    services.partner_update(instance=partner, actor=request.auth, **changes)
    return selectors.partner_get(workspace=workspace, id=partner.pk)


@router.delete("/{int:id}", response={204: None})
def partner_delete(request, id: int):
    """Delete a partner. A partner who referred business to us is a 409 until those referrals are deleted."""
    partner = selectors.partner_get(workspace=workspace_of(request), id=id)
    services.partner_delete(instance=partner, actor=request.auth)
    return Status(204, None)


# --- The reciprocity ledger, given referrals and suggestions (docs/partners.md) -----------------------------------

GIVEN_IDS = {
    "partner": (Partner, "partner"),
    "contact": (Contact, "contact"),
    "account": (Account, "account"),
}


def _period(query) -> "ledger_module.Period":
    if query.start and query.end and query.end < query.start:
        raise query_error("end", "The end is before the start.")
    return ledger_module.Period(start=query.start, end=query.end)


@router.get("/ledger", response=RankingOut)
def partner_ledger_ranking(request, query: Query[RankingQuery]):
    """Every partner with the ledger measures, ranked by value received, balance (we owe most first), value per
    hour, value given, hours or name."""
    partners = ledger_module.partners_ranked(
        workspace=workspace_of(request), period=_period(query), order=query.order
    )
    return {"count": len(partners), "items": partners[query.offset : query.offset + query.limit]}


@router.get("/{int:id}/ledger", response=LedgerOut, auth=any_member_auth)
def partner_ledger(request, id: int, query: Query[PeriodQuery]):
    """One partner's reciprocity ledger over a period. A partner's own token may read its own ledger only."""
    workspace = workspace_of(request)
    partner = selectors.partner_get(workspace=workspace, id=id)
    if request.auth.role == Role.PARTNER and partner.portal_membership_id != request.auth.pk:
        raise Http404
    return ledger_module.partner_ledger(partner=partner, period=_period(query)).as_dict()


@router.post("/given", response={201: GivenOut})
def referral_given_create(request, payload: GivenIn):
    """Record a referral we gave a partner."""
    workspace = workspace_of(request)
    fields = resolve_ids(workspace=workspace, data=payload.model_dump(), relations=GIVEN_IDS)
    given = services.referral_given_create(workspace=workspace, actor=request.auth, **fields)
    return Status(201, ReferralGiven.objects.get(pk=given.pk))


@router.patch("/given/{int:id}", response=GivenOut)
def referral_given_update(request, id: int, payload: GivenPatch):
    """Close a given referral (won with the value, lost), record the partner's thank-you, change the note."""
    from referral_engine.core.selectors import get_in_workspace

    given = get_in_workspace(ReferralGiven.objects.all(), workspace=workspace_of(request), id=id)
    services.referral_given_update(
        instance=given, actor=request.auth, **payload.model_dump(exclude_unset=True)
    )
    return ReferralGiven.objects.get(pk=given.pk)


@router.get("/suggestions", response=list[SuggestionOut])
def partner_suggestions(request, query: Query[SuggestionQuery]):
    """Which customers could use which partner, best first (fit by TF-IDF cosine, then the relationship)."""
    return suggestion_list_for(
        workspace=workspace_of(request),
        partner_id=query.partner_id,
        account_id=query.account_id,
        limit=query.limit,
    )
