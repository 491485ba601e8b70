"""API shapes for referral links: In (create), Out, list filters."""

from datetime import datetime

from django.conf import settings
from django.urls import reverse
from ninja import Field, Schema

from referral_engine.core.api import Id, InSchema, ListQuery, Text, ordering_param
from referral_engine.intake.models import ReferralLink

LINK_ORDERINGS = ("created_at", "id")


class ReferralLinkIn(InSchema):
    """Whose link: exactly one of `contact_id`, `partner_id` or `employee_id` (an employee's membership id). The
    referrer's active link is returned when they have one (200); otherwise a new one is created (201)."""

    contact_id: Id | None = None
    partner_id: Id | None = None
    employee_id: Id | None = None
    owner_id: Id | None = Field(
        None, description="Who follows up referrals from the link; default: whoever owns the relationship."
    )


class ReferralLinkOut(Schema):
    id: int
    code: str
    url: str = Field(description="The public form's address, to pass on.")
    referrer_kind: str = Field(description="contact, partner or employee")
    contact_id: int | None
    partner_id: int | None
    employee_id: int | None
    owner_id: int | None
    is_active: bool
    revoked_at: datetime | None
    created_at: datetime

    @staticmethod
    def resolve_url(obj: ReferralLink) -> str:
        return f"{settings.SITE_URL}{reverse('referral_link_form', args=[obj.code])}"


class ReferralLinkQuery(ListQuery):
    contact_id: Id | None = None
    partner_id: Id | None = None
    employee_id: Id | None = None
    is_active: bool | None = None
    ordering: Text(200) | None = ordering_param(LINK_ORDERINGS)
