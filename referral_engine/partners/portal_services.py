"""The partner portal's one write: a partner refers someone. It goes through the relationships and referrals
services like every other intake, so the same rules apply."""

from django.db import transaction

from referral_engine.partners.models import Partner
from referral_engine.referrals.intake import referral_intake
from referral_engine.referrals.models import Referral, SourceKind
from referral_engine.workspaces.models import Membership


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
    """Record a referral a partner made in the portal, owned by the employee who looks after that partner."""
    return referral_intake(
        workspace=partner.workspace,
        actor=actor,
        source_kind=SourceKind.PARTNER,
        source_partner=partner,
        company=company,
        person=person,
        email=email,
        phone=phone,
        story=story,
        owner=partner.owner,
    )
