"""/partners: parse, call a service or selector, answer with a schema."""

from ninja import Query, Router, Status

from referral_engine.core.api import Page, employee_auth, paginate, resolve_ids, workspace_of
from referral_engine.core.validation import EMPLOYEE
from referral_engine.partners import selectors, services
from referral_engine.partners.models import NetworkingGroup
from referral_engine.partners.schemas import (
    PARTNER_ORDERINGS,
    PartnerIn,
    PartnerOut,
    PartnerPatch,
    PartnerQuery,
)
from referral_engine.workspaces.models import Membership

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
