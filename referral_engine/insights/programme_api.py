"""/insights/source-mix, /referred-vs-non-referred, /value-per-hour, /chains, /influencers, /programme-health
and POST /insights/influencers/{contact_id}/task: parse the period, select, answer.

Employees' tokens only (a partner's token is a 403); every figure is the caller's workspace's. A bad period is a 422
with the query field named. The pages show the same selectors' numbers, so every chart is reproducible here.
"""

from datetime import date, datetime
from typing import Literal

from django.core.exceptions import ValidationError
from ninja import Field, Query, Router, Schema, Status

from referral_engine.core.api import employee_auth, query_error, workspace_of
from referral_engine.insights import programme
from referral_engine.insights.programme_services import influencer_task_create, programme_figures
from referral_engine.relationships.selectors import contact_get

router = Router(tags=["insights"], auth=employee_auth)


class PeriodQuery(Schema):
    start: date | None = Field(
        None,
        description="First day (included), in the workspace's time zone. Defaults to the start of the 12 months, "
        "8 quarters or 5 years (by `period`) that end with `end`.",
    )
    end: date | None = Field(None, description="Last day (included). Defaults to today.")
    period: Literal["month", "quarter", "year"] | None = Field(
        None, description="Size of the trend's buckets (month by default)."
    )


def _period(request, query: PeriodQuery) -> programme.Period:
    try:
        return programme.programme_period(
            workspace=workspace_of(request), start=query.start, end=query.end, period=query.period
        )
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise query_error(field, messages[0]) from exc


def _figures(request, insight: str, query: PeriodQuery, **options) -> dict:
    workspace = workspace_of(request)
    return programme_figures(workspace=workspace, insight=insight, period=_period(request, query), **options)


class PeriodOut(Schema):
    start: date
    end: date
    period: str


class FiguresOut(Schema):
    period: PeriodOut
    computed_at: datetime = Field(description="When these figures were computed.")
    stored: bool = Field(
        description="True when the figures are stored ones (a big workspace's, at most an hour old, recomputed "
        "every half hour); false when they were computed for this request."
    )


class SourceOut(Schema):
    key: str = Field(description="customer, partner, employee, event, other or non_referred.")
    label: str
    count: int
    value: float
    count_share: float | None
    value_share: float | None


class SourceBucketOut(Schema):
    bucket: date
    label: str
    counts: dict[str, int]
    values: dict[str, float]


class SourceMixOut(FiguresOut):
    total_count: int
    total_value: float
    sources: list[SourceOut]
    trend: list[SourceBucketOut]


class SurvivalAtOut(Schema):
    days: int
    survival: float | None


class GroupOut(Schema):
    entered: int = Field(description="Referrals received (referred) or accounts entering (not referred).")
    won: int
    win_rate: float | None
    days_to_close: float | None = Field(description="Mean days from received (or recorded) to won.")
    customers: int = Field(description="Accounts won in the period.")
    first_year_value: float
    first_year_value_mean: float | None
    accounts: int = Field(description="Accounts in the retention cohort (won in the period).")
    churned: int
    survival: list[SurvivalAtOut]


class LogRankOut(Schema):
    chi2: float | None
    p_value: float | None
    observed_referred: float
    expected_referred: float
    observed_non_referred: float
    expected_non_referred: float
    hazard_ratio: float | None = Field(
        description="(O1/E1)/(O2/E2); below 1: referred customers leave slower."
    )


class CurvePointOut(Schema):
    days: int
    referred: float | None
    non_referred: float | None


class ReferredOut(FiguresOut):
    today: date
    referred: GroupOut
    non_referred: GroupOut
    log_rank: LogRankOut
    curve: list[CurvePointOut]


class SourceRateOut(Schema):
    key: str
    label: str
    won: int
    value: float
    hours: float
    value_per_hour: float | None


class PartnerRateOut(Schema):
    partner_id: int
    name: str
    won: int
    value: float
    hours: float
    value_per_hour: float | None


class ValuePerHourOut(FiguresOut):
    sources: list[SourceRateOut]
    partners: list[PartnerRateOut]
    partners_total: int


class TierOut(Schema):
    tier: int
    won: int
    value: float
    value_share: float | None


class DepthOut(Schema):
    depth: int
    trees: int


class TreeOut(Schema):
    root_id: int
    account_id: int
    account: str
    source: str
    source_kind: str
    received_at: datetime
    depth: int
    referrals: int
    won_value: float


class ChainsOut(FiguresOut):
    trees: int
    tiers: list[TierOut]
    depths: list[DepthOut]
    longest: list[TreeOut]
    most_valuable: list[TreeOut]


class InfluencerOut(Schema):
    contact_id: int
    name: str
    title: str
    role: str
    account_id: int
    account: str
    links: int
    circle: int
    centrality: float = Field(description="Degree centrality: people linked / the account's other contacts.")
    betweenness: float = Field(
        description="Betweenness centrality (Brandes 2001) within the account's buying circle, 0 to 1."
    )
    rq: float | None
    last_touchpoint: datetime | None
    days_since_touchpoint: int | None
    task_status: str | None


class InfluencersOut(FiguresOut):
    as_of: date
    rq_available: bool = Field(
        description="False when no relationship scores are stored: recency alone decides."
    )
    rules: dict[str, float]
    influencers: list[InfluencerOut]


class HealthTotalsOut(Schema):
    weeks: int
    asks: int
    referrals: int
    asks_per_week: float
    referrals_per_week: float
    asks_trend_per_week: float | None
    referrals_trend_per_week: float | None
    thank_you_lag_days: float | None
    first_contact_lag_days: float | None
    thanked: int
    contacted: int


class HealthWeekOut(Schema):
    week: date
    asks: int
    referrals: int
    thank_you_lag_days: float | None
    first_contact_lag_days: float | None


class HealthOut(FiguresOut):
    totals: HealthTotalsOut
    weeks: list[HealthWeekOut]


class InfluencerTaskOut(Schema):
    task_id: int
    created: bool
    title: str
    due: date
    dedupe_key: str


@router.get("/source-mix", response=SourceMixOut)
def source_mix(request, query: Query[PeriodQuery]):
    """Won new business by source (customers, partners, employees, events, other, not referred): count, value
    and shares, with the trend per bucket. Won referrals count on the day they closed, at their won value; accounts
    won without a referral at their first-year purchases."""
    return _figures(request, "source-mix", query)


@router.get("/referred-vs-non-referred", response=ReferredOut)
def referred_vs_non_referred(request, query: Query[PeriodQuery]):
    """Referred customers beside the others: win rate, days to close, first-year value and retention
    (Kaplan-Meier survival at 90, 180, 365 and 730 days, the curve, and the log-rank test)."""
    return _figures(request, "referred-vs-non-referred", query)


@router.get("/value-per-hour", response=ValuePerHourOut)
def value_per_hour(request, query: Query[PeriodQuery], partners: int = 20):
    """Won value per hour of recorded touchpoint time, by source and by partner (`partners` best, at most 100)."""
    return _figures(request, "value-per-hour", query, partners=max(0, min(partners, 100)))


@router.get("/chains", response=ChainsOut)
def chains(request, query: Query[PeriodQuery], limit: int = 10):
    """Referral chains started in the period: the longest and the most valuable trees (`limit`, at most 100),
    trees per depth, and tier-1 vs tier-2 won value."""
    return _figures(request, "chains", query, limit=max(0, min(limit, 100)))


@router.get("/influencers", response=InfluencersOut)
def influencers(request, query: Query[PeriodQuery], limit: int = 25):
    """Neglected influencers: central in their account's buying circle, weak relationship, no recent touchpoint,
    as of the period's end (`limit`, at most 200). Ranked by betweenness, then degree centrality, among the
    best people by degree centrality (a pool of ten per row asked, at least 250)."""
    return _figures(request, "influencers", query, limit=max(0, min(limit, 200)))


@router.post("/influencers/{int:contact_id}/task", response={200: InfluencerTaskOut, 201: InfluencerTaskOut})
def influencer_task(request, contact_id: int):
    """Create the "build the relationship" task for a person (once per person and month: a second call answers
    200 with the first task)."""
    workspace = workspace_of(request)
    contact = contact_get(workspace=workspace, id=contact_id)
    task, created = influencer_task_create(workspace=workspace, actor=request.auth, contact=contact)
    body = {
        "task_id": task.pk,
        "created": created,
        "title": task.title,
        "due": task.due,
        "dedupe_key": task.dedupe_key,
    }
    return Status(201 if created else 200, body)


@router.get("/programme-health", response=HealthOut)
def programme_health(request, query: Query[PeriodQuery]):
    """Is the programme alive: asks and referrals per week, mean thank-you lag and first-contact lag (days) of
    the referrals received each week, totals and the weekly trend (least-squares slope)."""
    return _figures(request, "programme-health", query)
