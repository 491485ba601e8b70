"""Writes of the insights app: the value settings, and the refresh that recomputes every stored figure.

`insights_refresh` reads a workspace in a few set-based queries (selectors.refresh_inputs), computes with the
pure functions of clv.py, rfm.py, crv.py and rq.py on NumPy arrays, and replaces the stored results in one
transaction: DELETE per table, then COPY (PostgreSQL) or one executemany per table (SQLite) through the demo
writer. No query and no Python loop per account, contact or referral.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
from django.db import transaction
from django.utils import timezone

from referral_engine.core.validation import apply_changes, check_fields, clean_and_save, raise_if
from referral_engine.demo.generator import Rows
from referral_engine.demo.writer import BulkWriter
from referral_engine.insights import clv as clv_maths
from referral_engine.insights.crv import customer_referral_value, referral_values, value_quadrants
from referral_engine.insights.models import (
    AccountValue,
    EntityKind,
    InsightsRun,
    Quadrant,
    ReferrerValue,
    RelationshipScore,
    RelationshipScoreHistory,
    Segment,
    ValueSettings,
)
from referral_engine.insights.rfm import rfm_summary
from referral_engine.insights.rq import RqWeights, relationship_quotient
from referral_engine.insights.selectors import RefreshInputs, refresh_inputs
from referral_engine.workspaces.models import Membership, Workspace

EPOCH = np.datetime64("1970-01-01", "D")
MODEL_UNIT = "weeks"
WRITE_BATCH = 100_000
SETTINGS_FIELDS = (
    "horizon",
    "horizon_unit",
    "discount_rate",
    "default_margin",
    "acquisition_cost_saved",
    "tier2_weight",
    "top_share",
    "core_share",
    "rq_engagement",
    "rq_breadth",
    "rq_sentiment",
    "rq_responsiveness",
    "rq_reciprocity",
    "rq_half_life_days",
    "circle_expected",
    "min_customers",
)


# ---------------------------------------------------------------------------------------------------- settings


@transaction.atomic
def value_settings_get_or_create(*, workspace: Workspace) -> ValueSettings:
    settings, _ = ValueSettings.objects.get_or_create(workspace=workspace)
    return settings


@transaction.atomic
def value_settings_update(*, workspace: Workspace, actor: Membership, **changes) -> ValueSettings:
    """Change a workspace's value settings (managers only); the next refresh uses them."""
    check_fields(allowed=SETTINGS_FIELDS, given=changes, entity="Value settings")
    errors = {}
    if not actor.can_manage or actor.workspace_id != workspace.pk:
        raise_if({"__all__": ["Only an owner or an admin may change the value settings."]})
    settings = value_settings_get_or_create(workspace=workspace)
    settings = ValueSettings.objects.select_for_update().get(pk=settings.pk)
    changed = apply_changes(settings, changes)
    if Decimal(settings.top_share) + Decimal(settings.core_share) > 1:
        errors["core_share"] = ["The top and core segments together cannot hold more than every account."]
    weights = [settings.rq_engagement, settings.rq_breadth, settings.rq_sentiment]
    weights += [settings.rq_responsiveness, settings.rq_reciprocity]
    if all(weight is not None and weight == 0 for weight in weights):
        errors["rq_engagement"] = ["Give at least one part of the relationship quotient a weight."]
    raise_if(errors)
    if changed:
        clean_and_save(settings, update_fields=changed)
    return settings


# ----------------------------------------------------------------------------------------------------- refresh


@dataclass(frozen=True)
class _Settings:
    """The settings as plain floats for the maths."""

    horizon: float
    horizon_unit: str
    discount_rate: float
    default_margin: float
    acquisition_cost_saved: float
    tier2_weight: float
    top_share: float
    core_share: float
    weights: RqWeights
    half_life_days: float
    circle_expected: int
    min_customers: int

    @classmethod
    def of(cls, s: ValueSettings) -> _Settings:
        return cls(
            horizon=float(s.horizon),
            horizon_unit=s.horizon_unit,
            discount_rate=float(s.discount_rate),
            default_margin=float(s.default_margin),
            acquisition_cost_saved=float(s.acquisition_cost_saved),
            tier2_weight=float(s.tier2_weight),
            top_share=float(s.top_share),
            core_share=float(s.core_share),
            weights=RqWeights(
                engagement=s.rq_engagement,
                breadth=s.rq_breadth,
                sentiment=s.rq_sentiment,
                responsiveness=s.rq_responsiveness,
                reciprocity=s.rq_reciprocity,
            ),
            half_life_days=float(s.rq_half_life_days),
            circle_expected=int(s.circle_expected),
            min_customers=int(s.min_customers),
        )


def _index(ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Position of each wanted id in the sorted `ids`, or -1 where it is absent (or 0, meaning none)."""
    if ids.size == 0:
        return np.full(wanted.shape, -1, dtype=np.int64)
    position = np.clip(np.searchsorted(ids, wanted), 0, ids.size - 1)
    return np.where((ids[position] == wanted) & (wanted != 0), position, -1)


def _nullable(values: np.ndarray) -> list:
    """A float column for the writer: NaN and ±inf become NULL."""
    out = values.astype(object)
    out[~np.isfinite(values)] = None
    return out.tolist()


def _nullable_int(values: np.ndarray) -> list:
    missing = ~np.isfinite(values)
    out = np.where(missing, 0, values).astype(np.int64).astype(object)
    out[missing] = None
    return out.tolist()


def _latest(entity_index: np.ndarray, n: int, at: np.ndarray, tiebreak: np.ndarray, score: np.ndarray):
    """Per entity 0..n-1, the score of its latest answer (by time, then id), NaN without one."""
    keep = entity_index >= 0
    e, t, k, s = entity_index[keep], at[keep], tiebreak[keep], score[keep]
    out = np.full(n, np.nan)
    if e.size:
        order = np.lexsort((k, t, e))
        last = np.flatnonzero(np.diff(e[order], append=-1))  # the last row of each entity in that order
        out[e[order][last]] = s[order][last]
    return out


def _expand_ranges(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For ranges [start, start+count): (owner of each element, element), without a Python loop."""
    owner = np.repeat(np.arange(starts.size), counts)
    offsets = np.arange(owner.size) - np.repeat(np.cumsum(counts) - counts, counts)
    return owner, np.repeat(starts, counts) + offsets


@dataclass
class _Value:
    fitted: bool
    reason: str
    customers: int
    parameters: dict
    purchase_days: np.ndarray
    historic_value: np.ndarray
    historic_margin: np.ndarray
    frequency: np.ndarray
    recency: np.ndarray
    age: np.ndarray
    monetary: np.ndarray
    expected_purchases: np.ndarray
    probability_alive: np.ndarray
    expected_spend: np.ndarray
    predicted_clv: np.ndarray


def _purchase_margin(data: RefreshInputs, s: _Settings) -> np.ndarray:
    return np.where(
        np.isnan(data.purchase_margin), data.purchase_amount * s.default_margin, data.purchase_margin
    )


def _value(data: RefreshInputs, s: _Settings, today: np.datetime64) -> _Value:
    """Historic value per account, then, when enough customers bought, BG/NBD + Gamma-Gamma predictions."""
    n = data.account_ids.size
    where = _index(data.account_ids, data.purchase_account)
    ok = where >= 0
    margin = _purchase_margin(data, s)
    historic_value = np.bincount(where[ok], weights=data.purchase_amount[ok], minlength=n)
    historic_margin = np.bincount(where[ok], weights=margin[ok], minlength=n)
    nan = np.full(n, np.nan)
    zeros = np.zeros(n)
    value = _Value(
        fitted=False,
        reason="",
        customers=0,
        parameters={},
        purchase_days=np.zeros(n, dtype=np.int64),
        historic_value=historic_value,
        historic_margin=historic_margin,
        frequency=zeros.copy(),
        recency=zeros.copy(),
        age=zeros.copy(),
        monetary=zeros.copy(),
        expected_purchases=nan.copy(),
        probability_alive=nan.copy(),
        expected_spend=nan.copy(),
        predicted_clv=nan.copy(),
    )
    if not ok.any():
        value.reason = "No purchases are recorded yet, so there is nothing to value."
        return value
    rfm = rfm_summary(
        data.purchase_account[ok],
        EPOCH + data.purchase_day[ok],
        data.purchase_amount[ok],
        calibration_end=today,
        unit=MODEL_UNIT,
    )
    at = _index(data.account_ids, rfm.customer_ids.astype(np.int64))
    value.customers = len(rfm)
    value.purchase_days[at] = rfm.frequency.astype(np.int64) + 1
    value.frequency[at], value.recency[at], value.age[at] = rfm.frequency, rfm.recency, rfm.T
    value.monetary[at] = rfm.monetary_value
    if len(rfm) < s.min_customers:
        who = f"{len(rfm)} customer has" if len(rfm) == 1 else f"{len(rfm)} customers have"
        value.reason = (
            f"Only {who} purchases; predictions need at least {s.min_customers} (see the value settings)."
        )
        return value
    try:
        bgnbd = clv_maths.fit_bgnbd(rfm.frequency, rfm.recency, rfm.T)
        spend = clv_maths.fit_gamma_gamma(rfm.frequency, rfm.monetary_value)
    except ValueError as exc:
        value.reason = f"The models could not be fitted: {exc}."
        return value
    value.parameters = {
        "unit": MODEL_UNIT,
        "bgnbd": {**vars(bgnbd.params), "log_likelihood": float(bgnbd.log_likelihood)},
        "gamma_gamma": {**vars(spend.params), "log_likelihood": float(spend.log_likelihood)},
    }
    if not (bgnbd.converged and spend.converged):
        value.reason = "The purchase history does not pin the models down (a fit did not converge)."
        return value
    unit_days = clv_maths.TIME_UNIT_DAYS[s.horizon_unit]
    horizon_weeks = s.horizon * unit_days / clv_maths.TIME_UNIT_DAYS[MODEL_UNIT]
    # The annual rate as a rate per period of the horizon unit: (1 + d)^(period / year) − 1.
    period_rate = (1.0 + s.discount_rate) ** (unit_days / 365.25) - 1.0
    f, r, T, m = rfm.frequency, rfm.recency, rfm.T, rfm.monetary_value
    with np.errstate(all="ignore"):
        revenue = clv_maths.predict_clv(
            bgnbd.params,
            spend.params,
            f,
            r,
            T,
            m,
            model_unit=MODEL_UNIT,
            horizon=s.horizon,
            horizon_unit=s.horizon_unit,
            discount_rate=period_rate,
            margin=1.0,
        )
        own_rate = np.divide(
            historic_margin[at], historic_value[at], out=np.full(at.size, s.default_margin),
            where=historic_value[at] > 0,
        )  # fmt: skip
        value.expected_purchases[at] = clv_maths.bgnbd_conditional_expected_purchases(
            bgnbd.params, horizon_weeks, f, r, T
        )
        value.probability_alive[at] = clv_maths.bgnbd_probability_alive(bgnbd.params, f, r, T)
        value.expected_spend[at] = clv_maths.gamma_gamma_expected_spend(spend.params, f, m)
        value.predicted_clv[at] = revenue * own_rate
    value.fitted = True
    return value


@dataclass
class _Crv:
    by_kind: dict[str, tuple[np.ndarray, object]]  # kind -> (referrer ids, CrvResult)


def _crv(data: RefreshInputs, s: _Settings) -> _Crv:
    """CRV per referrer after Kumar, Petersen & Leone (2007, 2010): the discounted margin of the won business
    each referred, plus the acquisition cost saved, tier 2 at its weight (see crv.py)."""
    won = np.flatnonzero(data.referral_won)
    received = EPOCH + np.floor(data.referral_received_day[won]).astype(np.int64)
    # Margin events: the referred account's purchases from the day of the referral on.
    order = np.argsort(data.purchase_account, kind="stable")
    p_account = data.purchase_account[order]
    p_day = data.purchase_day[order]
    p_margin = _purchase_margin(data, s)[order]
    account = data.referral_account[won]
    starts = np.searchsorted(p_account, account, side="left")
    counts = np.searchsorted(p_account, account, side="right") - starts
    owner, element = _expand_ranges(starts, counts)
    after = p_day[element] >= received[owner].astype(np.int64)
    owner, element = owner[after], element[after]
    event_owner, event_day, event_margin = owner, EPOCH + p_day[element], p_margin[element]
    # A won referral whose business has no purchase recorded yet counts its won value at the default margin.
    without = np.bincount(owner, minlength=won.size) == 0
    value_known = without & np.isfinite(data.referral_won_value[won])
    fallback = np.flatnonzero(value_known)
    closed = np.nan_to_num(data.referral_closed_day[won][fallback], nan=0.0)
    event_owner = np.concatenate([event_owner, fallback])
    event_day = np.concatenate([event_day, EPOCH + np.floor(closed).astype(np.int64)])
    event_margin = np.concatenate([event_margin, data.referral_won_value[won][fallback] * s.default_margin])
    values = referral_values(
        referral_date=received,
        margin_referral=event_owner,
        margin_date=event_day,
        margin=event_margin,
        acquisition_cost_saved=s.acquisition_cost_saved,
        discount_rate=s.discount_rate,
    )
    # Tier 2: a won referral that came through an earlier one also counts for the earlier one's source.
    parent = _index(data.referral_id, data.referral_parent[won])
    has_parent = parent >= 0
    by_kind = {}
    for kind, source in data.referral_source.items():
        direct = source[won]
        upstream = source[parent[has_parent]]
        referrer = np.concatenate([direct, upstream])
        tier = np.concatenate([np.ones(direct.size, np.int64), np.full(upstream.size, 2, np.int64)])
        value = np.concatenate([values, values[has_parent]])
        keep = referrer > 0
        ids, who = np.unique(referrer[keep], return_inverse=True)
        result = customer_referral_value(
            ids.size, referrer=who.ravel(), tier=tier[keep], referral_value=value[keep],
            tier2_weight=s.tier2_weight,
        )  # fmt: skip
        by_kind[kind] = (ids, result)
    return _Crv(by_kind=by_kind)


def _rq(data: RefreshInputs, s: _Settings, today_day: int, latest_contact_nps, latest_account_nps):
    """RQ for every contact, account and partner (rq.py), from the grouped touchpoints expanded by count."""
    repeat = data.touch_count
    age = np.repeat(np.maximum(today_day - data.touch_day, 0).astype(float), repeat)
    inbound = np.repeat(data.touch_inbound, repeat)
    two_way = np.repeat(data.touch_two_way, repeat)
    common = {
        "half_life_days": s.half_life_days,
        "weights": s.weights,
    }

    def touches(entity_ids: np.ndarray, column: np.ndarray) -> dict:
        where = np.repeat(_index(entity_ids, column), repeat)
        keep = where >= 0
        return {
            "touch_entity": where[keep],
            "touch_age_days": age[keep],
            "touch_inbound": inbound[keep],
            "touch_two_way": two_way[keep],
        }

    contacts = relationship_quotient(
        data.contact_ids.size,
        **touches(data.contact_ids, data.touch_contact),
        latest_nps=latest_contact_nps,
        **common,
    )
    n_accounts = data.account_ids.size
    at_account = _index(data.account_ids, data.contact_account)
    known = np.bincount(at_account[(at_account >= 0) & data.contact_in_circle], minlength=n_accounts)
    accounts = relationship_quotient(
        n_accounts,
        **touches(data.account_ids, data.touch_account),
        circle_known=known,
        circle_expected=np.full(n_accounts, s.circle_expected),
        latest_nps=latest_account_nps,
        **common,
    )
    n_partners = data.partner_ids.size
    given_by = _index(data.partner_ids, data.referral_source[EntityKind.PARTNER])
    given = np.bincount(given_by[given_by >= 0], minlength=n_partners)
    # Until referrals we pass to partners are recorded, what we gave a partner is the one-to-ones we started
    # (seed 003: the best sources are the people you refer business to) — the partner page's measure too.
    ours = _index(data.partner_ids, data.touch_partner)
    mask = (ours >= 0) & data.touch_one_to_one_out
    received = np.bincount(ours[mask], weights=data.touch_count[mask], minlength=n_partners)
    partners = relationship_quotient(
        n_partners,
        **touches(data.partner_ids, data.touch_partner),
        referrals_given=given,
        referrals_received=received,
        **common,
    )
    return contacts, accounts, partners


def _segments(true_value: np.ndarray, ids: np.ndarray, s: _Settings):
    """Rank by true value (ties by id), the cumulative share of value, and the top / core / long-tail label:
    the first ⌈top_share·n⌉ accounts are top, up to ⌈(top_share+core_share)·n⌉ core, the rest long tail."""
    n = true_value.size
    order = np.lexsort((ids, -true_value))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(1, n + 1)
    total = true_value.sum()
    cumulative = np.empty(n)
    cumulative[order] = np.cumsum(true_value[order]) / total if total > 0 else 0.0
    # A hair below the product so that 0.3 × 10 = 3.0000000000000004 is 3 accounts, not 4.
    n_top = min(n, max(1 if n else 0, math.ceil(s.top_share * n - 1e-9)))
    n_core = min(n, math.ceil((s.top_share + s.core_share) * n - 1e-9))
    segment = np.where(
        rank <= n_top,
        Segment.TOP.value,
        np.where(rank <= n_core, Segment.CORE.value, Segment.LONG_TAIL.value),
    )
    top_share = float(cumulative[order[n_top - 1]]) if n_top else None
    return rank, cumulative, segment, top_share


def _write(workspace: Workspace, tables: list[tuple[type, dict]], *, week) -> None:
    """Replace the workspace's rows: one DELETE per table (this week's only, for the history), then the
    writer's COPY / executemany with explicit ids; its guard checks run once per batch, not per row.

    Nothing points at these tables, so each delete is one statement without a cascade."""
    for model in (AccountValue, ReferrerValue, RelationshipScore):
        model.objects.filter(workspace=workspace).delete()
    RelationshipScoreHistory.objects.filter(workspace=workspace, week=week).delete()
    models_written = list(dict.fromkeys(model for model, _ in tables))
    if not models_written:
        return
    writer = BulkWriter(models_written=models_written, workspace_id=workspace.pk, rebuild=False)
    next_free = writer.start()
    for model, columns in tables:
        n = _rows(columns)
        for start in range(0, n, WRITE_BATCH):
            stop = min(n, start + WRITE_BATCH)
            batch = {
                name: (values[start:stop] if isinstance(values, np.ndarray | list) else values)
                for name, values in columns.items()
            }
            ids = np.arange(next_free[model], next_free[model] + stop - start, dtype=np.int64)
            writer.write(Rows(model, {"id": ids, **batch}))
            next_free[model] += stop - start
    writer.finish(next_free=next_free)


def _rq_columns(result, kind: str, fk: str, ids: np.ndarray) -> dict:
    return {
        "kind": kind,
        fk: ids,
        "score": _nullable(result.score),
        **{part: _nullable(values) for part, values in result.parts().items()},
    }


LORENZ_POINTS = 100
GRID_POINTS = 600


def _summary(ids, clv, crv, true_value, rank, cumulative, segment, quadrant) -> dict:
    """What the Value page draws, computed once here rather than aggregated over every account per view:
    per segment and quadrant the accounts and their value, the 80/20 curve at each percentile of accounts, and
    the grid's points (every account when there are few, else the most valuable half and an even sample of
    the rest by rank)."""
    n = ids.size
    total = float(true_value.sum())
    segments = []
    for choice in Segment:
        mine = segment == choice.value
        value = float(true_value[mine].sum())
        segments.append(
            {
                "segment": choice.value,
                "label": choice.label,
                "accounts": int(mine.sum()),
                "value": value,
                "clv": float(clv[mine].sum()),
                "crv": float(crv[mine].sum()),
                "share": value / total if total > 0 else 0.0,
            }
        )
    quadrants = [
        {
            "quadrant": choice.value,
            "label": choice.label,
            "accounts": int((quadrant == choice.value).sum()),
            "value": float(true_value[quadrant == choice.value].sum()),
        }
        for choice in Quadrant
    ]
    by_rank = np.argsort(rank)
    lorenz = [{"accounts_share": 0.0, "value_share": 0.0}]
    if n:
        at = np.unique(
            np.maximum(1, np.round(n * np.arange(1, LORENZ_POINTS + 1) / LORENZ_POINTS)).astype(int)
        )
        lorenz += [
            {"accounts_share": float(r / n), "value_share": float(v)}
            for r, v in zip(at.tolist(), cumulative[by_rank][at - 1].tolist(), strict=True)
        ]
    if n <= GRID_POINTS:
        chosen = by_rank
    else:
        top = GRID_POINTS // 2
        rest = by_rank[top:]
        chosen = np.concatenate(
            [by_rank[:top], rest[:: max(1, rest.size // (GRID_POINTS - top))][: GRID_POINTS - top]]
        )
    grid = [
        {"account_id": a, "rank": r, "clv": c, "crv": v, "quadrant": q}
        for a, r, c, v, q in zip(
            ids[chosen].tolist(), rank[chosen].tolist(), clv[chosen].tolist(), crv[chosen].tolist(),
            quadrant[chosen].tolist(), strict=True,
        )
    ]  # fmt: skip
    return {"segments": segments, "quadrants": quadrants, "lorenz": lorenz, "grid": grid}


@transaction.atomic
def insights_refresh(*, workspace: Workspace, now: datetime | None = None) -> InsightsRun:
    """Recompute and store every value, CRV and RQ figure of the workspace as of `now`, replacing the last
    refresh; the week's RQ history row of every entity is replaced too. Returns the run, with the seconds each
    phase took."""
    now = now or timezone.now()
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(phase: str) -> None:
        nonlocal clock
        seconds[phase] = round(time.perf_counter() - clock, 3)
        clock = time.perf_counter()

    settings = value_settings_get_or_create(workspace=workspace)
    # One refresh per workspace at a time: a second one waits here for the first to commit.
    settings = ValueSettings.objects.select_for_update().get(pk=settings.pk)
    s = _Settings.of(settings)
    today = np.datetime64(now.astimezone(UTC).date(), "D")
    today_day = int((today - EPOCH).astype(np.int64))
    data = refresh_inputs(workspace=workspace, until_day=today_day)
    lap("read")

    value = _value(data, s, today)
    lap("value")
    crv = _crv(data, s)
    lap("crv")

    at_contact = _index(data.contact_ids, data.nps_contact)
    latest_contact = _latest(at_contact, data.contact_ids.size, data.nps_at, data.nps_id, data.nps_score)
    at_account = _index(data.account_ids, data.nps_account)
    latest_account = _latest(at_account, data.account_ids.size, data.nps_at, data.nps_id, data.nps_score)
    lap("nps")
    contacts_rq, accounts_rq, partners_rq = _rq(data, s, today_day, latest_contact, latest_account)
    lap("rq")

    account_ids, account_crv = crv.by_kind[EntityKind.ACCOUNT]
    crv_of_account = np.zeros(data.account_ids.size)
    where = _index(data.account_ids, account_ids)
    crv_of_account[where[where >= 0]] = account_crv.crv[where >= 0]
    valued = np.flatnonzero((value.purchase_days > 0) | (crv_of_account > 0))
    clv = value.historic_margin + np.nan_to_num(value.predicted_clv, nan=0.0, posinf=0.0)
    true_value = clv + crv_of_account
    rank, cumulative, segment, top_share = _segments(true_value[valued], data.account_ids[valued], s)
    quadrant = value_quadrants(clv[valued], crv_of_account[valued])
    nps_valued = latest_account[valued]
    tables: list[tuple[type, dict]] = [
        (
            AccountValue,
            {
                "account_id": data.account_ids[valued],
                "purchase_days": value.purchase_days[valued],
                "historic_value": value.historic_value[valued],
                "historic_margin": value.historic_margin[valued],
                "frequency": value.frequency[valued],
                "recency_weeks": value.recency[valued],
                "age_weeks": value.age[valued],
                "monetary_value": value.monetary[valued],
                "expected_purchases": _nullable(value.expected_purchases[valued]),
                "probability_alive": _nullable(value.probability_alive[valued]),
                "expected_spend": _nullable(value.expected_spend[valued]),
                "predicted_clv": _nullable(value.predicted_clv[valued]),
                "clv": clv[valued],
                "crv": crv_of_account[valued],
                "true_value": true_value[valued],
                "rank": rank,
                "cumulative_share": cumulative,
                "segment": segment.tolist(),
                "quadrant": quadrant.tolist(),
                "latest_nps": _nullable_int(nps_valued),
                "rq": _nullable(accounts_rq.score[valued]),
                "computed_at": now,
            },
        )
    ]
    for kind, (ids, result) in crv.by_kind.items():
        fk = {"contact": "contact_id", "account": "account_id", "partner": "partner_id"}.get(
            kind, "employee_id"
        )
        tables.append(
            (
                ReferrerValue,
                {
                    "kind": kind,
                    fk: ids,
                    "crv": result.crv,
                    "tier1": result.tier1,
                    "tier2": result.tier2,
                    "referred": result.referred_customers,
                    "computed_at": now,
                },
            )
        )
    week = (today - ((today.astype(np.int64) + 3) % 7)).astype(object)  # 1970-01-01 was a Thursday
    for model, extra in (
        (RelationshipScore, {"computed_at": now}),
        (RelationshipScoreHistory, {"week": week}),
    ):
        for result, kind, fk, ids in (
            (contacts_rq, EntityKind.CONTACT, "contact_id", data.contact_ids),
            (accounts_rq, EntityKind.ACCOUNT, "account_id", data.account_ids),
            (partners_rq, EntityKind.PARTNER, "partner_id", data.partner_ids),
        ):
            if ids.size:
                tables.append((model, {**_rq_columns(result, kind, fk, ids), **extra}))
    tables = [(model, columns) for model, columns in tables if _rows(columns)]
    lap("assemble")
    _write(workspace, tables, week=week)
    lap("write")

    run, _ = InsightsRun.objects.update_or_create(
        workspace=workspace,
        defaults={
            "computed_at": now,
            "fitted": value.fitted,
            "reason": value.reason[:300],
            "customers": value.customers,
            "accounts_valued": int(valued.size),
            "top_value_share": top_share,
            "parameters": value.parameters,
            "seconds": seconds,
            "summary": _summary(
                data.account_ids[valued],
                clv[valued],
                crv_of_account[valued],
                true_value[valued],
                rank,
                cumulative,
                segment,
                quadrant,
            ),
        },
    )
    seconds["total"] = round(sum(seconds.values()), 3)
    InsightsRun.objects.filter(pk=run.pk).update(seconds=seconds)
    run.seconds = seconds
    return run


def _rows(columns: dict) -> int:
    for values in columns.values():
        if isinstance(values, np.ndarray | list):
            return len(values)
    return 0


def insights_refresh_request(*, workspace: Workspace, actor: Membership) -> None:
    """A manager asks for fresh figures now: the worker refreshes the workspace after this commits (a big
    workspace takes longer than a request should)."""
    if not actor.can_manage or actor.workspace_id != workspace.pk:
        raise_if({"__all__": ["Only an owner or an admin may refresh the figures."]})
    from referral_engine.insights.tasks import refresh_workspace

    transaction.on_commit(lambda: refresh_workspace.enqueue(workspace.pk))


# What the figures are computed from: a change to any of these makes a workspace's figures stale.
_INPUTS = (
    "relationships.Account",
    "relationships.Contact",
    "relationships.ContactLink",
    "relationships.Purchase",
    "relationships.Touchpoint",
    "referrals.Referral",
    "feedback.NpsResponse",
    "partners.Partner",
)
# A full refresh of a million-account workspace takes minutes (bench/insights_refresh.py): at most one an hour.
REFRESH_AFTER_CHANGES_EVERY = timedelta(hours=1)


def workspaces_changed_since_refresh(*, now: datetime | None = None) -> list[int]:
    """Workspaces whose inputs changed after their last refresh and were last refreshed at least an hour ago
    (or never, with something to value). At most one EXISTS query per input table per workspace."""
    from django.apps import apps

    now = now or timezone.now()
    last = dict(InsightsRun.objects.values_list("workspace_id", "updated_at"))
    due = []
    for workspace_id in Workspace.objects.order_by("id").values_list("id", flat=True):
        refreshed_at = last.get(workspace_id)
        if refreshed_at is not None and refreshed_at > now - REFRESH_AFTER_CHANGES_EVERY:
            continue
        for label in _INPUTS:
            rows = apps.get_model(label).objects.filter(workspace_id=workspace_id)
            if refreshed_at is not None:
                rows = rows.filter(updated_at__gt=refreshed_at)
            if rows.exists():
                due.append(workspace_id)
                break
    return due
