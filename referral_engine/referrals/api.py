"""/referrals: parse, call a service or selector, answer with a schema.

Employees' tokens use every referral of their workspace. A partner's token sees only the referrals it gave
and may record new ones, always with itself as the source; it may not change or delete any.
"""

from ninja import Query, Router, Status
from ninja.errors import AuthorizationError

from referral_engine.core.api import (
    Page,
    any_member_auth,
    paginate,
    refuse_fields,
    resolve_ids,
    workspace_of,
)
from referral_engine.core.validation import EMPLOYEE
from referral_engine.partners.models import Event, NetworkingGroup, Partner
from referral_engine.partners.selectors import partner_for_membership
from referral_engine.referrals import selectors, services
from referral_engine.referrals.models import Referral, SourceKind
from referral_engine.referrals.schemas import (
    REFERRAL_ORDERINGS,
    ReferralIn,
    ReferralMatchOut,
    ReferralOut,
    ReferralPatch,
    ReferralQuery,
)
from referral_engine.relationships.models import Account, Contact
from referral_engine.workspaces.models import Membership

router = Router(tags=["referrals"], auth=any_member_auth)
REFERRAL_IDS = {
    "source_contact": (Contact, "contact"),
    "source_partner": (Partner, "partner"),
    "source_employee": (Membership, EMPLOYEE),
    "source_event": (Event, "event"),
    "group": (NetworkingGroup, "networking group"),
    "referred_account": (Account, "account"),
    "referred_contact": (Contact, "contact"),
    "owner": (Membership, EMPLOYEE),
    "parent": (Referral, "referral"),
}
# What a partner's token may not choose: the source is itself, and it cannot see our records to name them.
PARTNER_REFUSED = tuple(f"{name}_id" for name in REFERRAL_IDS)


def _partner(request) -> Partner | None:
    """The partner a partner-role token acts for; None for employees. A partner sign-in without a partner
    record has nothing it may see."""
    if request.auth.is_employee:
        return None
    partner = partner_for_membership(membership=request.auth)
    if partner is None:
        raise AuthorizationError(message="This sign-in is not linked to a partner.")
    return partner


def _employees_only(request) -> None:
    if not request.auth.is_employee:
        raise AuthorizationError(message="A partner's token may only list, read and record referrals.")


@router.get("", response=Page[ReferralOut])
def referral_list(request, query: Query[ReferralQuery]):
    """List referrals, newest first by default. A partner's token lists only the referrals it gave.
    `group_id` keeps the referrals attributed to that networking group."""
    partner = _partner(request)
    filters = query.filters()
    if partner is not None:
        referrals = selectors.referral_list_for_partner(partner=partner, **filters)
    else:
        referrals = selectors.referral_list(workspace=workspace_of(request), **filters)
    return paginate(referrals, query, orderings=REFERRAL_ORDERINGS)


@router.post("", response={201: ReferralOut})
def referral_create(request, payload: ReferralIn):
    """Record a referral. It starts as received with a first-contact deadline; tier 2 when `parent_id` names
    the referral it came through. A partner's token records itself as the source and names the business by
    `referred_account_name`."""
    workspace = workspace_of(request)
    data = payload.model_dump()
    partner = _partner(request)
    if partner is not None:
        refuse_fields(data, PARTNER_REFUSED, "A partner's token cannot set this field.")
        for key in PARTNER_REFUSED:
            data.pop(key)
        data["source_kind"] = SourceKind.PARTNER
    fields = resolve_ids(workspace=workspace, data=data, relations=REFERRAL_IDS)
    if partner is not None:
        fields["source_partner"] = partner
    fields["referred_account_name"] = fields.pop("referred_account_name") or ""
    referral = services.referral_create(workspace=workspace, actor=request.auth, **fields)
    # Read back, so the answer shows what was stored exactly as a GET would (UTC times, 2-decimal money).
    return Status(201, selectors.referral_get(workspace=workspace, id=referral.pk))


@router.get("/{int:id}", response=ReferralOut)
def referral_get(request, id: int):
    """One referral. A partner's token reads only the referrals it gave (any other id is a 404)."""
    partner = _partner(request)
    if partner is not None:
        return selectors.referral_get_for_partner(partner=partner, id=id)
    return selectors.referral_get(workspace=workspace_of(request), id=id)


@router.patch("/{int:id}", response=ReferralOut)
def referral_update(request, id: int, payload: ReferralPatch):
    """Change some fields of a referral, or move it through the pipeline with `status` (and `status_at`,
    `won_value`, `lost_reason`)."""
    _employees_only(request)
    workspace = workspace_of(request)
    referral = selectors.referral_get(workspace=workspace, id=id)
    changes = resolve_ids(
        workspace=workspace, data=payload.model_dump(exclude_unset=True), relations=REFERRAL_IDS
    )
    services.referral_update(instance=referral, actor=request.auth, **changes)
    return selectors.referral_get(workspace=workspace, id=referral.pk)


@router.delete("/{int:id}", response={204: None})
def referral_delete(request, id: int):
    """Delete a referral with its tasks and rewards; asks that led to it keep their record."""
    _employees_only(request)
    referral = selectors.referral_get(workspace=workspace_of(request), id=id)
    services.referral_delete(instance=referral, actor=request.auth)
    return Status(204, None)


# ------------------------------------------------------------------------------------------- de-duplication


@router.get("/{int:id}/matches", response=list[ReferralMatchOut])
def referral_match_list(request, id: int):
    """The records a referral may duplicate (accounts, contacts, open referrals), pending first, with the
    reasons, the name similarity, the customer flag and every decision taken (by whom, when)."""
    _employees_only(request)
    workspace = workspace_of(request)
    referral = selectors.referral_get(workspace=workspace, id=id)
    return list(selectors.referral_match_list(workspace=workspace, referral_id=referral.pk)[:200])


def _decide(request, id: int, *, confirm: bool):
    _employees_only(request)
    workspace = workspace_of(request)
    match = selectors.referral_match_get(workspace=workspace, id=id)
    services.referral_match_decide(match=match, actor=request.auth, confirm=confirm)
    return selectors.referral_match_list(workspace=workspace).get(pk=match.pk)


@router.post("/matches/{int:id}/confirm", response=ReferralMatchOut)
def referral_match_confirm(request, id: int):
    """Confirm a possible duplicate: the referral is linked to the matched account or contact (an account
    created only for it is merged away). 409 when the match was already decided."""
    return _decide(request, id, confirm=True)


@router.post("/matches/{int:id}/reject", response=ReferralMatchOut)
def referral_match_reject(request, id: int):
    """Reject a possible duplicate: the referral stays a separate business. 409 when already decided."""
    return _decide(request, id, confirm=False)
