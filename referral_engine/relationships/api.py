"""/accounts, /contacts, /purchases and /touchpoints: parse, call a service or selector, answer with a schema."""

from ninja import Query, Router, Status

from referral_engine.core.api import Page, employee_auth, paginate, resolve_ids, workspace_of
from referral_engine.core.validation import EMPLOYEE
from referral_engine.partners.models import Event, NetworkingGroup, Partner
from referral_engine.relationships import selectors, services
from referral_engine.relationships.models import Account, Contact
from referral_engine.relationships.schemas import (
    ACCOUNT_ORDERINGS,
    CONTACT_ORDERINGS,
    PURCHASE_ORDERINGS,
    TOUCHPOINT_ORDERINGS,
    AccountIn,
    AccountOut,
    AccountPatch,
    AccountQuery,
    ContactIn,
    ContactOut,
    ContactPatch,
    ContactQuery,
    PurchaseIn,
    PurchaseOut,
    PurchasePatch,
    PurchaseQuery,
    TouchpointIn,
    TouchpointOut,
    TouchpointPatch,
    TouchpointQuery,
)
from referral_engine.workspaces.models import Membership

# ---------------------------------------------------------------------------------------------------- accounts

account_router = Router(tags=["accounts"], auth=employee_auth)
ACCOUNT_IDS = {"owner": (Membership, EMPLOYEE)}


@account_router.get("", response=Page[AccountOut])
def account_list(request, query: Query[AccountQuery]):
    """List the workspace's accounts (customer companies and prospects)."""
    accounts = selectors.account_list(workspace=workspace_of(request), **query.filters())
    return paginate(accounts, query, orderings=ACCOUNT_ORDERINGS)


@account_router.post("", response={201: AccountOut})
def account_create(request, payload: AccountIn):
    """Create an account."""
    workspace = workspace_of(request)
    fields = resolve_ids(workspace=workspace, data=payload.model_dump(), relations=ACCOUNT_IDS)
    account = services.account_create(workspace=workspace, actor=request.auth, **fields)
    # Read back, so the answer shows what was stored exactly as a GET would (UTC times, 2-decimal money).
    return Status(201, selectors.account_get(workspace=workspace, id=account.pk))


@account_router.get("/{int:id}", response=AccountOut)
def account_get(request, id: int):
    """One account."""
    return selectors.account_get(workspace=workspace_of(request), id=id)


@account_router.patch("/{int:id}", response=AccountOut)
def account_update(request, id: int, payload: AccountPatch):
    """Change some fields of an account."""
    workspace = workspace_of(request)
    account = selectors.account_get(workspace=workspace, id=id)
    changes = resolve_ids(
        workspace=workspace, data=payload.model_dump(exclude_unset=True), relations=ACCOUNT_IDS
    )
    services.account_update(instance=account, actor=request.auth, **changes)
    return selectors.account_get(workspace=workspace, id=account.pk)


@account_router.delete("/{int:id}", response={204: None})
def account_delete(request, id: int):
    """Delete an account with its contacts' links, purchases, touchpoints and tasks. An account that was
    referred to us keeps its referrals' history: deleting it is a 409 until they are deleted."""
    account = selectors.account_get(workspace=workspace_of(request), id=id)
    services.account_delete(instance=account, actor=request.auth)
    return Status(204, None)


# ---------------------------------------------------------------------------------------------------- contacts

contact_router = Router(tags=["contacts"], auth=employee_auth)
CONTACT_IDS = {"account": (Account, "account"), "owner": (Membership, EMPLOYEE)}


@contact_router.get("", response=Page[ContactOut])
def contact_list(request, query: Query[ContactQuery]):
    """List the workspace's contacts: people at accounts, referrers and people referred to us."""
    contacts = selectors.contact_list(workspace=workspace_of(request), **query.filters())
    return paginate(contacts, query, orderings=CONTACT_ORDERINGS)


@contact_router.post("", response={201: ContactOut})
def contact_create(request, payload: ContactIn):
    """Create a contact. An e-mail already used by another contact of the workspace is a 409."""
    workspace = workspace_of(request)
    fields = resolve_ids(workspace=workspace, data=payload.model_dump(), relations=CONTACT_IDS)
    contact = services.contact_create(workspace=workspace, actor=request.auth, **fields)
    # Read back, so the answer shows what was stored exactly as a GET would (UTC times, 2-decimal money).
    return Status(201, selectors.contact_get(workspace=workspace, id=contact.pk))


@contact_router.get("/{int:id}", response=ContactOut)
def contact_get(request, id: int):
    """One contact."""
    return selectors.contact_get(workspace=workspace_of(request), id=id)


@contact_router.patch("/{int:id}", response=ContactOut)
def contact_update(request, id: int, payload: ContactPatch):
    """Change some fields of a contact."""
    workspace = workspace_of(request)
    contact = selectors.contact_get(workspace=workspace, id=id)
    changes = resolve_ids(
        workspace=workspace, data=payload.model_dump(exclude_unset=True), relations=CONTACT_IDS
    )
    services.contact_update(instance=contact, actor=request.auth, **changes)
    return selectors.contact_get(workspace=workspace, id=contact.pk)


@contact_router.delete("/{int:id}", response={204: None})
def contact_delete(request, id: int):
    """Delete a contact. A contact who referred business to us is a 409 until those referrals are deleted."""
    contact = selectors.contact_get(workspace=workspace_of(request), id=id)
    services.contact_delete(instance=contact, actor=request.auth)
    return Status(204, None)


# --------------------------------------------------------------------------------------------------- purchases

purchase_router = Router(tags=["purchases"], auth=employee_auth)
PURCHASE_IDS = {"account": (Account, "account")}


@purchase_router.get("", response=Page[PurchaseOut])
def purchase_list(request, query: Query[PurchaseQuery]):
    """List purchases, newest first by default."""
    purchases = selectors.purchase_list(workspace=workspace_of(request), **query.filters())
    return paginate(purchases, query, orderings=PURCHASE_ORDERINGS)


@purchase_router.post("", response={201: PurchaseOut})
def purchase_create(request, payload: PurchaseIn):
    """Record a purchase by an account."""
    workspace = workspace_of(request)
    fields = resolve_ids(workspace=workspace, data=payload.model_dump(), relations=PURCHASE_IDS)
    purchase = services.purchase_create(workspace=workspace, actor=request.auth, **fields)
    # Read back, so the answer shows what was stored exactly as a GET would (UTC times, 2-decimal money).
    return Status(201, selectors.purchase_get(workspace=workspace, id=purchase.pk))


@purchase_router.get("/{int:id}", response=PurchaseOut)
def purchase_get(request, id: int):
    """One purchase."""
    return selectors.purchase_get(workspace=workspace_of(request), id=id)


@purchase_router.patch("/{int:id}", response=PurchaseOut)
def purchase_update(request, id: int, payload: PurchasePatch):
    """Change some fields of a purchase."""
    workspace = workspace_of(request)
    purchase = selectors.purchase_get(workspace=workspace, id=id)
    changes = resolve_ids(
        workspace=workspace, data=payload.model_dump(exclude_unset=True), relations=PURCHASE_IDS
    )
    services.purchase_update(instance=purchase, actor=request.auth, **changes)
    return selectors.purchase_get(workspace=workspace, id=purchase.pk)


@purchase_router.delete("/{int:id}", response={204: None})
def purchase_delete(request, id: int):
    """Delete a purchase."""
    purchase = selectors.purchase_get(workspace=workspace_of(request), id=id)
    services.purchase_delete(instance=purchase, actor=request.auth)
    return Status(204, None)


# ------------------------------------------------------------------------------------------------- touchpoints

touchpoint_router = Router(tags=["touchpoints"], auth=employee_auth)
TOUCHPOINT_IDS = {
    "employee": (Membership, EMPLOYEE),
    "contact": (Contact, "contact"),
    "account": (Account, "account"),
    "partner": (Partner, "partner"),
    "event": (Event, "event"),
    "group": (NetworkingGroup, "networking group"),
}


@touchpoint_router.get("", response=Page[TouchpointOut])
def touchpoint_list(request, query: Query[TouchpointQuery]):
    """List touchpoints (meetings, calls, cards, ...), newest first by default."""
    touchpoints = selectors.touchpoint_list(workspace=workspace_of(request), **query.filters())
    return paginate(touchpoints, query, orderings=TOUCHPOINT_ORDERINGS)


@touchpoint_router.post("", response={201: TouchpointOut})
def touchpoint_create(request, payload: TouchpointIn):
    """Log a touchpoint with a contact, an account or a partner."""
    workspace = workspace_of(request)
    fields = resolve_ids(workspace=workspace, data=payload.model_dump(), relations=TOUCHPOINT_IDS)
    touchpoint = services.touchpoint_create(workspace=workspace, actor=request.auth, **fields)
    # Read back, so the answer shows what was stored exactly as a GET would (UTC times, 2-decimal money).
    return Status(201, selectors.touchpoint_get(workspace=workspace, id=touchpoint.pk))


@touchpoint_router.get("/{int:id}", response=TouchpointOut)
def touchpoint_get(request, id: int):
    """One touchpoint."""
    return selectors.touchpoint_get(workspace=workspace_of(request), id=id)


@touchpoint_router.patch("/{int:id}", response=TouchpointOut)
def touchpoint_update(request, id: int, payload: TouchpointPatch):
    """Change some fields of a touchpoint."""
    workspace = workspace_of(request)
    touchpoint = selectors.touchpoint_get(workspace=workspace, id=id)
    changes = resolve_ids(
        workspace=workspace, data=payload.model_dump(exclude_unset=True), relations=TOUCHPOINT_IDS
    )
    services.touchpoint_update(instance=touchpoint, actor=request.auth, **changes)
    return selectors.touchpoint_get(workspace=workspace, id=touchpoint.pk)


@touchpoint_router.delete("/{int:id}", response={204: None})
def touchpoint_delete(request, id: int):
    """Delete a touchpoint."""
    touchpoint = selectors.touchpoint_get(workspace=workspace_of(request), id=id)
    services.touchpoint_delete(instance=touchpoint, actor=request.auth)
    return Status(204, None)
