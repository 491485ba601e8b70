"""API shapes for accounts, contacts, purchases and touchpoints: In (create), Patch (update), Out, list filters.

Related rows travel as `<name>_id`; money as a decimal string out (a string or a number in); times as ISO 8601
with a time zone.
"""

from datetime import date, datetime

from ninja import Field, Schema
from pydantic import AwareDatetime

from referral_engine.core.api import (
    FilterDatetime,
    Id,
    InSchema,
    ListQuery,
    LongText,
    Money,
    MoneyOut,
    Text,
    choice,
    ordering_param,
    patch_of,
)
from referral_engine.insights.models import Quadrant, Segment
from referral_engine.relationships.models import (
    AccountStatus,
    BuyingRole,
    Channel,
    CompanySize,
    Direction,
    TouchpointKind,
)


def _employee_name(membership) -> str | None:
    return membership.user.get_full_name() if membership is not None else None


# ---------------------------------------------------------------------------------------------------- accounts


class AccountIn(InSchema):
    """A customer company, or a prospect until it is won."""

    name: Text(200)
    domain: Text(253) = ""
    industry: Text(100) = ""
    size: choice(CompanySize, blank=True) = ""
    owner_id: Id | None = Field(None, description="The employee (membership id) who looks after the account.")
    status: choice(AccountStatus) = AccountStatus.PROSPECT.value
    won_at: date | None = None
    churned_at: date | None = None
    needs: LongText = Field("", description="Unmet requirements a partner might serve.")


AccountPatch = patch_of(AccountIn, "AccountPatch", "Fields to change on an account; leave out what stays.")


class AccountOut(Schema):
    id: int
    name: str
    domain: str
    industry: str
    size: str
    owner_id: int | None
    owner_name: str | None
    status: str
    won_at: date | None
    churned_at: date | None
    needs: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_owner_name(obj) -> str | None:
        return _employee_name(obj.owner)


ACCOUNT_ORDERINGS = ("id", "name", "status", "won_at", "created_at", "updated_at")


class AccountQuery(ListQuery):
    ordering: Text(200) | None = ordering_param(ACCOUNT_ORDERINGS)
    status: choice(AccountStatus) | None = None
    owner_id: Id | None = None
    q: Text(200) | None = Field(None, description="Words that must each appear in the name or the domain.")
    won_from: date | None = None
    won_to: date | None = None
    segment: choice(Segment) | None = Field(None, description="Value segment of the last refresh.")
    quadrant: choice(Quadrant) | None = Field(None, description="CLV × CRV quadrant of the last refresh.")


# ---------------------------------------------------------------------------------------------------- contacts


class ContactIn(InSchema):
    """A person: someone at a customer account, a referrer, or someone referred to us."""

    account_id: Id | None = None
    first_name: Text(100)
    last_name: Text(100) = ""
    email: Text(254) = Field("", description="Unique within the workspace (ignoring case), or empty.")
    phone: Text(40) = ""
    title: Text(120) = ""
    role: choice(BuyingRole, blank=True) = Field("", description="Role in the buying circle.")
    birthday: date | None = None
    do_not_contact: bool = False
    email_updates: bool = Field(
        False, description="Send this person an e-mail at each stage of the referrals they made."
    )
    owner_id: Id | None = None


ContactPatch = patch_of(ContactIn, "ContactPatch", "Fields to change on a contact; leave out what stays.")


class ContactOut(Schema):
    id: int
    account_id: int | None
    account_name: str | None
    first_name: str
    last_name: str
    name: str
    email: str
    phone: str
    title: str
    role: str
    birthday: date | None
    do_not_contact: bool
    email_updates: bool
    owner_id: int | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_account_name(obj) -> str | None:
        return obj.account.name if obj.account_id else None


CONTACT_ORDERINGS = ("id", "last_name", "first_name", "email", "created_at", "updated_at")


class ContactQuery(ListQuery):
    ordering: Text(200) | None = ordering_param(CONTACT_ORDERINGS)
    account_id: Id | None = None
    role: choice(BuyingRole, blank=True) | None = None
    q: Text(200) | None = Field(None, description="Words that must each appear in the name or the e-mail.")
    do_not_contact: bool | None = None


# --------------------------------------------------------------------------------------------------- purchases


class PurchaseIn(InSchema):
    """One purchase by an account, in the workspace currency."""

    account_id: Id
    date: date
    amount: Money
    margin: Money | None = Field(
        None, description="Gross margin earned, at most the amount; null if unknown."
    )
    description: Text(200) = ""


PurchasePatch = patch_of(PurchaseIn, "PurchasePatch", "Fields to change on a purchase; leave out what stays.")


class PurchaseOut(Schema):
    id: int
    account_id: int
    account_name: str
    date: date
    amount: MoneyOut
    margin: MoneyOut | None
    description: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_account_name(obj) -> str:
        return obj.account.name


PURCHASE_ORDERINGS = ("id", "date", "amount", "created_at")


class PurchaseQuery(ListQuery):
    ordering: Text(200) | None = ordering_param(PURCHASE_ORDERINGS)
    account_id: Id | None = None
    date_from: date | None = None
    date_to: date | None = None


# ------------------------------------------------------------------------------------------------- touchpoints


class TouchpointIn(InSchema):
    """A moment of contact with a contact, an account or a partner (at least one of them)."""

    kind: choice(TouchpointKind)
    channel: choice(Channel)
    direction: choice(Direction) = Field(description='"in": they reached us; "out": we reached them.')
    minutes: int = Field(0, ge=0, le=100_000, description="Time spent, for value per hour.")
    employee_id: Id | None = Field(None, description="Defaults to the token's employee.")
    contact_id: Id | None = None
    account_id: Id | None = Field(None, description="Defaults to the contact's account.")
    partner_id: Id | None = None
    event_id: Id | None = None
    group_id: Id | None = Field(
        None, description="The networking group it came from (e.g. a chapter meeting)."
    )
    at: AwareDatetime | None = Field(None, description="When it happened; defaults to now.")
    summary: LongText = ""


TouchpointPatch = patch_of(
    TouchpointIn, "TouchpointPatch", "Fields to change on a touchpoint; leave out what stays."
)


class TouchpointOut(Schema):
    id: int
    kind: str
    channel: str
    direction: str
    minutes: int
    employee_id: int | None
    contact_id: int | None
    account_id: int | None
    partner_id: int | None
    event_id: int | None
    group_id: int | None
    at: datetime
    summary: str
    created_at: datetime
    updated_at: datetime


TOUCHPOINT_ORDERINGS = ("id", "at", "kind", "created_at")


class TouchpointQuery(ListQuery):
    ordering: Text(200) | None = ordering_param(TOUCHPOINT_ORDERINGS)
    contact_id: Id | None = None
    account_id: Id | None = None
    partner_id: Id | None = None
    kind: choice(TouchpointKind) | None = None
    at_from: FilterDatetime | None = None
    at_to: FilterDatetime | None = None
