"""The partner portal's one write: a partner refers someone. It goes through the relationships and referrals
services like every other intake, so the same rules apply."""

from django.db import transaction

from referral_engine.partners.models import Partner
from referral_engine.referrals.models import Referral, SourceKind
from referral_engine.referrals.services import referral_create
from referral_engine.relationships.selectors import account_list, contact_list
from referral_engine.relationships.services import account_create, contact_create
from referral_engine.workspaces.models import Membership


def _split_name(name: str) -> tuple[str, str]:
    first, _, last = " ".join(name.split()).partition(" ")
    return first, last


@transaction.atomic
def portal_referral_create(
    *,
    partner: Partner,
    actor: Membership,
    company: str,
    person: str,
    email: str = "",
    phone: str = "",
    story: str = "",
) -> Referral:
    """Record a referral a partner made in the portal, owned by the employee who looks after that partner.

    A company or a person the firm already knows is reused rather than duplicated (same name, same e-mail);
    the partner is never told which, so the portal reveals nothing about the firm's other records.
    """
    workspace = partner.workspace
    company = " ".join((company or "").split())
    email = (email or "").strip()
    account = account_list(workspace=workspace).filter(name__iexact=company).order_by("id").first()
    if account is None:
        account = account_create(workspace=workspace, actor=actor, name=company)

    contact = None
    if email:
        contact = contact_list(workspace=workspace).filter(email__iexact=email).order_by("id").first()
    if contact is None and (person or "").strip():
        first_name, last_name = _split_name(person)
        contact = contact_create(
            workspace=workspace,
            actor=actor,
            account=account,
            first_name=first_name,
            last_name=last_name,
            email=email,
            phone=(phone or "").strip(),
        )
    return referral_create(
        workspace=workspace,
        actor=actor,
        source_kind=SourceKind.PARTNER,
        source_partner=partner,
        referred_account=account,
        referred_contact=contact,
        owner=partner.owner,
        story=(story or "").strip(),
    )
