from datetime import date, datetime

from ninja import Schema


class ReasonOut(Schema):
    feature: str
    label: str
    text: str = ""
    value: float
    contribution: float


class CalibrationBinOut(Schema):
    bin: str
    predicted: float
    observed: float
    count: int


class ScoredContactOut(Schema):
    contact_id: int
    name: str
    account_id: int | None
    account: str | None
    probability: float
    reasons: list[ReasonOut]


class PropensitySummaryOut(Schema):
    trained_at: datetime | None
    method: str
    auc: float | None
    calibration_error: float | None
    calibration_error_kind: str
    brier: float | None
    examples: int
    positives: int
    test_examples: int
    test_positives: int
    test_from: date | None
    fallback_reason: str | None
    scored: int
    scored_at: datetime | None
    calibration: list[CalibrationBinOut]
    top: list[ScoredContactOut]


class ContactPropensityOut(Schema):
    contact_id: int
    scored: bool
    probability: float | None
    reasons: list[ReasonOut]
    scored_at: datetime | None
    trained_at: datetime | None


class LeaderRowOut(Schema):
    membership_id: int
    name: str
    team_lead_id: int
    asks: int
    referrals: int
    thanks: int


class TeamRowOut(Schema):
    lead_id: int
    name: str
    members: int
    asks: int
    referrals: int
    thanks: int


class LeaderboardOut(Schema):
    period: str
    start: datetime
    end: datetime
    employees: list[LeaderRowOut]
    teams: list[TeamRowOut]
