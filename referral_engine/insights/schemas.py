"""What the insights endpoints answer. Figures are floats in the workspace currency; shares lie in [0, 1]."""

from datetime import date, datetime

from ninja import Schema


class RqOut(Schema):
    """Relationship quotient (0-100, null when no part applies) and its parts in [0, 1] (null where left out)."""

    score: float | None
    engagement: float | None
    breadth: float | None
    sentiment: float | None
    responsiveness: float | None
    reciprocity: float | None


class RqWeekOut(RqOut):
    week: date


class AccountValueOut(Schema):
    account_id: int
    computed_at: datetime | None
    valued: bool
    purchase_days: int
    historic_value: float
    historic_margin: float
    frequency: float | None
    recency_weeks: float | None
    age_weeks: float | None
    expected_purchases: float | None
    probability_alive: float | None
    expected_spend: float | None
    predicted_clv: float | None
    clv: float
    crv: float
    true_value: float
    rank: int | None
    cumulative_share: float | None
    segment: str | None
    quadrant: str | None
    latest_nps: int | None
    rq: RqOut | None
    horizon: int
    horizon_unit: str
    fitted: bool
    reason: str


class ContactRqOut(Schema):
    contact_id: int
    computed_at: datetime | None
    rq: RqOut | None
    history: list[RqWeekOut]


class SegmentOut(Schema):
    segment: str
    accounts: int
    value: float
    share: float
    clv: float
    crv: float


class QuadrantOut(Schema):
    quadrant: str
    accounts: int
    value: float


class ReferrerOut(Schema):
    kind: str
    id: int
    name: str
    crv: float
    tier1: float
    tier2: float
    referred: int


class ValueSummaryOut(Schema):
    computed_at: datetime | None
    fitted: bool
    reason: str
    accounts_valued: int
    customers: int
    top_share_of_accounts: float
    top_share_of_value: float | None
    segments: list[SegmentOut]
    quadrants: list[QuadrantOut]
    top_referrers: list[ReferrerOut]
    parameters: dict


class RefreshOut(Schema):
    detail: str
