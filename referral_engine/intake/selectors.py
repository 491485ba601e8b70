"""Reads for referral links, scoped to a workspace, except the public form's look-up by code (the code is the key)."""

from django.db.models import QuerySet

from referral_engine.core.selectors import get_in_workspace
from referral_engine.intake.models import ReferralLink
from referral_engine.partners.models import Partner
from referral_engine.relationships.models import Contact
from referral_engine.workspaces.models import Membership, Workspace

LINK_RELATED = (
    "workspace",
    "contact__account__owner__user",
    "contact__owner__user",
    "partner__owner__user",
    "employee__user",
    "owner__user",
)


def referral_link_list(
    *,
    workspace: Workspace,
    contact_id: int | None = None,
    partner_id: int | None = None,
    employee_id: int | None = None,
    is_active: bool | None = None,
) -> QuerySet[ReferralLink]:
    links = ReferralLink.objects.filter(workspace=workspace).select_related(
        "contact", "partner", "employee__user", "owner__user"
    )
    if contact_id is not None:
        links = links.filter(contact_id=contact_id)
    if partner_id is not None:
        links = links.filter(partner_id=partner_id)
    if employee_id is not None:
        links = links.filter(employee_id=employee_id)
    if is_active is not None:
        links = links.filter(is_active=is_active)
    return links


def referral_link_get(*, workspace: Workspace, id: int) -> ReferralLink:
    return get_in_workspace(ReferralLink.objects.select_related(*LINK_RELATED), workspace=workspace, id=id)


def referral_link_by_code(*, code: str) -> ReferralLink | None:
    """The active link with this code, whatever its case; None for an unknown or revoked code, or an employee's
    link once they have left (the public form answers all of them with the same 404)."""
    code = (code or "").strip().upper()
    if not code or len(code) > 16:
        return None
    links = ReferralLink.objects.select_related(*LINK_RELATED).filter(code=code, is_active=True)
    # An employee who has left no longer refers anyone: their link stops with their membership.
    return links.exclude(employee__is_active=False).first()


def referral_link_of(
    *,
    workspace: Workspace,
    contact: Contact | None = None,
    partner: Partner | None = None,
    employee: Membership | None = None,
) -> ReferralLink | None:
    """The referrer's active link, if they have one."""
    links = ReferralLink.objects.filter(workspace=workspace, is_active=True).select_related("owner__user")
    if contact is not None:
        return links.filter(contact=contact).first()
    if partner is not None:
        return links.filter(partner=partner).first()
    if employee is not None:
        return links.filter(employee=employee).first()
    return None
