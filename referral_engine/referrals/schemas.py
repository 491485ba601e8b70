"""API shapes for referrals: In (create), Patch (update and pipeline moves), Out, list filters."""

from datetime import datetime

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
)
from referral_engine.referrals.models import ReferralStatus, SourceKind


class ReferralIn(InSchema):
    """A business referred to us. It starts as received; give the source record matching `source_kind`
    (customer: source_contact_id, partner: source_partner_id, employee: source_employee_id, event:
    source_event_id). Name the referred business by `referred_account_id`, or by `referred_account_name` to
    create a new prospect account. A partner's token always records the partner itself as the source."""

    source_kind: choice(SourceKind) | None = Field(None, description="Required for employees' tokens.")
    source_contact_id: Id | None = None
    source_partner_id: Id | None = None
    source_employee_id: Id | None = None
    source_event_id: Id | None = None
    group_id: Id | None = Field(None, description="The networking group the referral came from.")
    source_name: Text(200) = Field("", description="Who referred, when no record fits.")
    referred_account_id: Id | None = None
    referred_account_name: Text(200) | None = None
    referred_contact_id: Id | None = None
    owner_id: Id | None = Field(None, description="The employee who follows the referral up.")
    received_at: AwareDatetime | None = Field(None, description="Defaults to now.")
    first_contact_due: AwareDatetime | None = Field(
        None, description="Defaults to the workspace's first-contact working days after received_at."
    )
    parent_id: Id | None = Field(None, description="The referral this one came through; makes it tier 2.")
    story: LongText = Field("", description="How the recommendation came about.")


class ReferralPatch(InSchema):
    """Fields to change on a referral; leave out what stays. A new `status` moves the referral through the
    pipeline, stamping that stage at `status_at` (default now); won needs `won_value`, lost a `lost_reason`.
    A stage cannot be dated before an earlier stage already recorded; moving back clears the later stages."""

    source_kind: choice(SourceKind) = None
    source_contact_id: Id | None = None
    source_partner_id: Id | None = None
    source_employee_id: Id | None = None
    source_event_id: Id | None = None
    group_id: Id | None = Field(None, description="The networking group it came from; null clears it.")
    source_name: Text(200) = None
    referred_account_id: Id = None
    referred_contact_id: Id | None = None
    owner_id: Id | None = None
    received_at: AwareDatetime = None
    first_contact_due: AwareDatetime | None = None
    parent_id: Id | None = None
    story: LongText = None
    status: choice(ReferralStatus) = None
    status_at: AwareDatetime = None
    won_value: Money | None = None
    lost_reason: Text(300) = None


class ReferralOut(Schema):
    id: int
    source_kind: str
    source_label: str
    source_contact_id: int | None
    source_partner_id: int | None
    source_employee_id: int | None
    source_event_id: int | None
    group_id: int | None
    source_name: str
    referred_account_id: int
    referred_account_name: str
    referred_contact_id: int | None
    owner_id: int | None
    status: str
    received_at: datetime
    contacted_at: datetime | None
    meeting_at: datetime | None
    proposal_at: datetime | None
    closed_at: datetime | None
    first_contact_due: datetime | None
    tier: int
    parent_id: int | None
    story: str
    won_value: MoneyOut | None
    lost_reason: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_referred_account_name(obj) -> str:
        return obj.referred_account.name

    @staticmethod
    def resolve_source_label(obj) -> str:
        # Built from the rows the list selects with the referral, so a page of referrals costs no extra query.
        if obj.source_contact_id:
            return obj.source_contact.name
        if obj.source_partner_id:
            return str(obj.source_partner)
        if obj.source_employee_id:
            return obj.source_employee.user.get_full_name()
        if obj.source_event_id:
            return obj.source_event.name
        return obj.source_name or obj.get_source_kind_display()


REFERRAL_ORDERINGS = (
    "id",
    "received_at",
    "first_contact_due",
    "closed_at",
    "status",
    "won_value",
    "created_at",
    "updated_at",
)


class ReferralQuery(ListQuery):
    ordering: Text(200) | None = ordering_param(REFERRAL_ORDERINGS)
    status: choice(ReferralStatus) | None = None
    source_kind: choice(SourceKind) | None = None
    tier: int | None = Field(None, ge=1, le=2)
    owner_id: Id | None = None
    referred_account_id: Id | None = None
    group_id: Id | None = Field(None, description="Only referrals attributed to this networking group.")
    received_from: FilterDatetime | None = None
    received_to: FilterDatetime | None = None


class ReferralMatchOut(Schema):
    """A record a referral may duplicate, and what was decided about it. `level` is sure or possible;
    `customer_flag` is existing_customer (an existing customer referred again: not new business),
    former_customer, or empty."""

    id: int
    referral_id: int
    matched_account_id: int | None
    matched_contact_id: int | None
    matched_referral_id: int | None
    matched_label: str
    level: str
    reasons: list[str]
    similarity: float
    customer_flag: str
    decision: str
    decided_by_id: int | None
    decided_at: datetime | None
    created_at: datetime

    @staticmethod
    def resolve_matched_label(obj) -> str:
        if obj.matched_account_id:
            return obj.matched_account.name
        if obj.matched_contact_id:
            return str(obj.matched_contact)
        if obj.matched_referral_id:
            return obj.matched_referral.referred_account.name
        return ""
