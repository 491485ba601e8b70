"""API shapes for referral partners: In (create), Patch (update), Out, list filters."""

from datetime import datetime

from ninja import Field, Schema

from referral_engine.core.api import Id, InSchema, ListQuery, LongText, Text, choice, ordering_param, patch_of
from referral_engine.partners.models import PartnerKind


class PartnerIn(InSchema):
    """A professional who sells to the same market and refers business both ways."""

    kind: choice(PartnerKind) = PartnerKind.PERSON.value
    name: Text(200)
    company: Text(200) = ""
    email: Text(254) = Field("", description="Unique within the workspace (ignoring case), or empty.")
    phone: Text(40) = ""
    profession: Text(120) = Field("", description="e.g. accountant, lawyer, IT vendor")
    target_market: LongText = Field("", description="Who the partner sells to.")
    networking_group_id: Id | None = None
    owner_id: Id | None = Field(None, description="The employee (membership id) who looks after the partner.")
    do_not_contact: bool = False
    email_updates: bool = Field(
        False, description="Send this person an e-mail at each stage of the referrals they made."
    )


PartnerPatch = patch_of(PartnerIn, "PartnerPatch", "Fields to change on a partner; leave out what stays.")


class PartnerOut(Schema):
    id: int
    kind: str
    name: str
    company: str
    email: str
    phone: str
    profession: str
    target_market: str
    networking_group_id: int | None
    networking_group_name: str | None
    owner_id: int | None
    has_portal_access: bool
    do_not_contact: bool
    email_updates: bool
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_networking_group_name(obj) -> str | None:
        return obj.networking_group.name if obj.networking_group_id else None

    @staticmethod
    def resolve_has_portal_access(obj) -> bool:
        return obj.portal_membership_id is not None


PARTNER_ORDERINGS = ("id", "name", "company", "profession", "created_at", "updated_at")


class PartnerQuery(ListQuery):
    ordering: Text(200) | None = ordering_param(PARTNER_ORDERINGS)
    profession: Text(120) | None = Field(None, description="Exact profession, ignoring case.")
    networking_group_id: Id | None = None
    q: Text(200) | None = Field(
        None, description="Words that must each appear in the name, company, e-mail or profession."
    )
