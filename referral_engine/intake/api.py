"""/referral-links: employees list, create, revoke and renew personal referral links (partners' tokens: 403)."""

from ninja import Query, Router, Status

from referral_engine.core.api import Page, employee_auth, paginate, resolve_ids, workspace_of
from referral_engine.core.validation import EMPLOYEE
from referral_engine.intake import selectors, services
from referral_engine.intake.schemas import LINK_ORDERINGS, ReferralLinkIn, ReferralLinkOut, ReferralLinkQuery
from referral_engine.partners.models import Partner
from referral_engine.relationships.models import Contact
from referral_engine.workspaces.models import Membership

router = Router(tags=["referral links"], auth=employee_auth)
LINK_IDS = {
    "contact": (Contact, "contact"),
    "partner": (Partner, "partner"),
    "employee": (Membership, EMPLOYEE),
    "owner": (Membership, EMPLOYEE),
}


@router.get("", response=Page[ReferralLinkOut])
def referral_link_list(request, query: Query[ReferralLinkQuery]):
    """List the workspace's links, newest first; `is_active=true` for the live ones."""
    links = selectors.referral_link_list(workspace=workspace_of(request), **query.filters())
    return paginate(links, query, orderings=LINK_ORDERINGS)


@router.post("", response={200: ReferralLinkOut, 201: ReferralLinkOut})
def referral_link_create(request, payload: ReferralLinkIn):
    """Give a referrer their personal link, or return the active one they already have."""
    workspace = workspace_of(request)
    fields = resolve_ids(workspace=workspace, data=payload.model_dump(), relations=LINK_IDS)
    link, created = services.referral_link_get_or_create(workspace=workspace, actor=request.auth, **fields)
    return Status(201 if created else 200, link)


@router.get("/{int:id}", response=ReferralLinkOut)
def referral_link_get(request, id: int):
    """One link of the workspace."""
    return selectors.referral_link_get(workspace=workspace_of(request), id=id)


@router.post("/{int:id}/revoke", response=ReferralLinkOut)
def referral_link_revoke(request, id: int):
    """Switch a link off: its address answers 404 from now on."""
    link = selectors.referral_link_get(workspace=workspace_of(request), id=id)
    return services.referral_link_revoke(link=link, actor=request.auth)


@router.post("/{int:id}/rotate", response={201: ReferralLinkOut})
def referral_link_rotate(request, id: int):
    """Revoke a link and give the same referrer a new one (answers with the new link)."""
    link = selectors.referral_link_get(workspace=workspace_of(request), id=id)
    return Status(201, services.referral_link_rotate(link=link, actor=request.auth))
