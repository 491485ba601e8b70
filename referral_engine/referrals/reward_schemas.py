"""API shapes for rewards: Out, list filters, and the bodies of decline and pay."""

from datetime import date, datetime

from ninja import Field, Schema
from pydantic import AwareDatetime

from referral_engine.core.api import Id, InSchema, ListQuery, MoneyOut, Text, ordering_param

REWARD_ORDERINGS = ("id", "created_at", "amount", "payable_from", "approved_at", "paid_at")


class RewardOut(Schema):
    id: int
    referral_id: int
    referred_account_name: str
    source_kind: str
    rule_id: int | None
    kind: str
    amount: MoneyOut
    currency: str
    status: str
    status_in_words: str = Field(
        description='Where it stands, in plain words ("approved, will be sent from …").'
    )
    note: str
    payable_from: date | None
    approved_by_id: int | None
    approved_at: datetime | None
    released_at: datetime | None
    paid_at: datetime | None
    declined_by_id: int | None
    declined_at: datetime | None
    declined_reason: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_referred_account_name(obj) -> str:
        return obj.referral.referred_account.name

    @staticmethod
    def resolve_source_kind(obj) -> str:
        return obj.referral.source_kind

    @staticmethod
    def resolve_currency(obj) -> str:
        return obj.workspace.currency

    @staticmethod
    def resolve_status_in_words(obj) -> str:
        return getattr(obj, "words", "")


class RewardQuery(ListQuery):
    status: Text(20) | None = Field(
        None,
        description="proposed, approved, paid, declined; or held / ready (approved, on hold / hold over).",
    )
    referral_id: Id | None = None
    ordering: Text(200) | None = ordering_param(REWARD_ORDERINGS)

    def filters(self) -> dict:
        return self.model_dump(include={"status", "referral_id"}, exclude_none=True)


class RewardDeclineIn(InSchema):
    """Why the reward is declined (kept with the reward; never shown to the referrer)."""

    reason: Text(300)


class RewardPayIn(InSchema):
    """When the reward was sent; defaults to now."""

    paid_at: AwareDatetime | None = None
