"""API shapes of the reciprocity ledger, the given referrals and the suggestions (docs/partners.md)."""

from datetime import date, datetime
from typing import Literal

from ninja import Field, Schema

from referral_engine.core.api import Id, InSchema, LongText, Money, MoneyOut, choice
from referral_engine.partners.ledger import RANKINGS
from referral_engine.partners.models import GivenStatus


class PeriodQuery(Schema):
    start: date | None = Field(None, description="First day included (UTC); open when left out.")
    end: date | None = Field(None, description="Last day included (UTC); open when left out.")


class RankingQuery(PeriodQuery):
    order: Literal[tuple(RANKINGS)] = Field("received_value", description="How to rank the partners.")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0)


class LedgerMonthOut(Schema):
    month: date
    given: int
    given_won_value: MoneyOut
    received: int
    received_won_value: MoneyOut
    balance: MoneyOut = Field(description="Cumulative won value given - received up to this month.")
    count_balance: int


class LedgerOut(Schema):
    partner_id: int
    partner: str
    start: date | None
    end: date | None
    given: int
    given_won: int
    given_lost: int
    given_won_value: MoneyOut
    received: int
    received_won: int
    received_won_value: MoneyOut
    balance: MoneyOut = Field(description="Won value given - won value received; below zero we owe them.")
    count_balance: int
    thanks: int = Field(
        description="'Thank you for closing business' records: given referrals they thanked us for."
    )
    thanks_value: MoneyOut
    one_to_ones: int
    hours: MoneyOut
    value_per_hour: MoneyOut | None = Field(
        description="Won value received / hours invested; null without hours."
    )
    months: list[LedgerMonthOut]


class RankedPartnerOut(Schema):
    id: int
    name: str
    profession: str
    given: int
    given_won_value: MoneyOut
    received: int
    received_won_value: MoneyOut
    balance: MoneyOut
    one_to_ones: int
    hours: MoneyOut
    value_per_hour: MoneyOut | None


class RankingOut(Schema):
    count: int
    items: list[RankedPartnerOut]


class GivenIn(InSchema):
    """A referral we gave a partner: the contact or the account we referred (at least one)."""

    partner_id: Id
    contact_id: Id | None = None
    account_id: Id | None = None
    at: datetime | None = Field(None, description="When we gave it; now when left out.")
    note: LongText = ""
    status: choice(GivenStatus) = GivenStatus.OPEN.value
    won_value: Money | None = None


class GivenPatch(InSchema):
    status: choice(GivenStatus) | None = None
    won_value: Money | None = None
    closed_at: datetime | None = None
    thanked_at: datetime | None = Field(None, description="When the partner thanked us for closing business.")
    note: LongText | None = None


class GivenOut(Schema):
    id: int
    partner_id: int
    contact_id: int | None
    account_id: int | None
    given_by_id: int | None
    at: datetime
    note: str
    status: str
    won_value: MoneyOut | None
    closed_at: datetime | None
    thanked_at: datetime | None


class SuggestionQuery(Schema):
    partner_id: Id | None = None
    account_id: Id | None = None
    limit: int = Field(50, ge=1, le=500)


class SuggestionOut(Schema):
    account_id: int
    account: str
    partner_id: int
    partner: str
    profession: str
    fit: float = Field(
        description="Cosine similarity of the TF-IDF vectors of needs and profession + market."
    )
    relationship: float = Field(description="RQ / 100, else recent touchpoints (0-1).")
    score: float = Field(description="fit x (0.5 + 0.5 x relationship)")
    shared_terms: list[str]
