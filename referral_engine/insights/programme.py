"""The programme insights (issue 7): source mix, referred vs non-referred, value per hour, chains, neglected
influencers and "is the programme alive".

Every figure is a grouped query over the whole workspace (ORM aggregates, or raw SQL where the ORM has no word for
it: a recursive CTE, a UNION of link directions, a difference of dates in days), scoped to the workspace; numpy works
on the grouped tables, never on one Python object per account. Nothing is stored: each figure is computed on
request (the heaviest takes seconds on a million accounts, see bench/insights_programme.py and docs/programme.md).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import networkx as nx
import numpy as np
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Trunc, TruncDate, TruncWeek
from django.utils import timezone

from referral_engine.engagement.models import Ask, Task, TaskKind, TaskStatus
from referral_engine.engagement.selectors import tasks_with_dedupe_prefix
from referral_engine.insights.models import RelationshipScore
from referral_engine.insights.survival import kaplan_meier, log_rank
from referral_engine.partners.models import Partner
from referral_engine.referrals.models import Referral, ReferralStatus, SourceKind
from referral_engine.relationships.models import Account, Contact, ContactLink, Purchase, Touchpoint
from referral_engine.workspaces.models import Workspace

BUCKETS = ("month", "quarter", "year")
# How many buckets the default window spans, per bucket size.
DEFAULT_BUCKETS = {"month": 12, "quarter": 8, "year": 5}
MAX_PERIOD_DAYS = 366 * 10
NON_REFERRED = "non_referred"
SOURCE_KEYS = (*SourceKind.values, NON_REFERRED)
SOURCE_LABELS = {**dict(SourceKind.choices), NON_REFERRED: "Not referred"}
FIRST_YEAR_DAYS = 365
SURVIVAL_DAYS = (90, 180, 365, 730)
# Neglected influencers: central = linked to at least this many others in an account of at least CIRCLE_MIN
# contacts; weak = RQ below WEAK_RQ, or no RQ and no touchpoint for STALE_DAYS; neglected = no touchpoint for
# RECENT_DAYS.
MIN_DEGREE = 2
CIRCLE_MIN = 3
WEAK_RQ = 40.0
RECENT_DAYS = 90
STALE_DAYS = 180
INFLUENCER_KEY_PREFIX = "influencer:"


# ------------------------------------------------------------------------------------------------------ period


@dataclass(frozen=True)
class Period:
    """[start, end] in whole days of the workspace's time zone, bucketed by month, quarter or year."""

    start: date
    end: date
    bucket: str
    tz: ZoneInfo
    today: date

    @property
    def begin(self) -> datetime:
        return datetime(self.start.year, self.start.month, self.start.day, tzinfo=self.tz)

    @property
    def finish(self) -> datetime:  # exclusive
        after = self.end + timedelta(days=1)
        return datetime(after.year, after.month, after.day, tzinfo=self.tz)

    def buckets(self) -> list[date]:
        first = bucket_start(self.start, self.bucket)
        out = []
        while first <= self.end:
            out.append(first)
            first = _next_bucket(first, self.bucket)
        return out

    def as_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "period": self.bucket}


def bucket_start(day: date, bucket: str) -> date:
    if bucket == "year":
        return date(day.year, 1, 1)
    if bucket == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return date(day.year, day.month, 1)


def _next_bucket(first: date, bucket: str) -> date:
    months = {"month": 1, "quarter": 3, "year": 12}[bucket]
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def bucket_label(first: date, bucket: str) -> str:
    if bucket == "year":
        return f"{first.year}"
    if bucket == "quarter":
        return f"{first.year}-Q{(first.month - 1) // 3 + 1}"
    return f"{first:%Y-%m}"


def workspace_tz(workspace: Workspace) -> ZoneInfo:
    return ZoneInfo(workspace.timezone or "UTC")


def workspace_today(workspace: Workspace) -> date:
    return timezone.now().astimezone(workspace_tz(workspace)).date()


def programme_period(
    *,
    workspace: Workspace,
    start: date | None = None,
    end: date | None = None,
    period: str | None = None,
    today: date | None = None,
) -> Period:
    """The period a figure covers. `period` (month, quarter or year; month by default) is the size of the trend's
    buckets; without `start` the window is the last 12 months, 8 quarters or 5 years up to `end` (today by
    default), whole buckets. Raises ValidationError with a field dict for a bad period."""
    today = today or workspace_today(workspace)
    bucket = period or "month"
    errors: dict = {}
    if bucket not in BUCKETS:
        errors["period"] = ["Give month, quarter or year."]
        raise ValidationError(errors)
    end = end or today
    if start is None:
        start = bucket_start(end, bucket)
        for _ in range(DEFAULT_BUCKETS[bucket] - 1):
            start = bucket_start(start - timedelta(days=1), bucket)
    if start > end:
        errors["start"] = ["The period starts after it ends."]
    elif (end - start).days > MAX_PERIOD_DAYS:
        errors["start"] = ["A period is at most ten years long."]
    if errors:
        raise ValidationError(errors)
    return Period(start=start, end=end, bucket=bucket, tz=workspace_tz(workspace), today=today)


def _as_date(value) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):  # SQLite hands back text from a raw query
        return date.fromisoformat(value[:10])
    return value


def _days(value) -> float | None:
    """A duration from the database (a timedelta, or microseconds on some SQLite paths) in days."""
    if value is None:
        return None
    if isinstance(value, timedelta):
        return value.total_seconds() / 86400
    return float(value) / 86_400_000_000


def _float(value) -> float:
    return float(value) if value is not None else 0.0


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _days_between_sql(later: str, earlier: str) -> str:
    """SQL for the whole days from date `earlier` to date `later` (both date columns or date parameters)."""
    if connection.vendor == "postgresql":
        return f"(({later})::date - ({earlier})::date)"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


# ------------------------------------------------------------------------------------------------ source mix


def source_mix(*, workspace: Workspace, period: Period) -> dict:
    """Won new business in the period by where it came from (seed 003's "50/40/10" view), and its trend.

    A won referral counts by its `source_kind`, on the day it closed, with its won value. An account won in the
    period without any won referral counts as "not referred", valued by what it bought in its first 365 days
    (the same first-year value as the referred-vs-non-referred comparison)."""
    tz = period.tz
    won = (
        Referral.objects.filter(
            workspace=workspace,
            status=ReferralStatus.WON,
            closed_at__gte=period.begin,
            closed_at__lt=period.finish,
        )
        .annotate(bucket=Trunc("closed_at", period.bucket, tzinfo=tz))
        .values("bucket", "source_kind")
        .annotate(n=Count("id"), value=Sum("won_value"))
        .order_by()
    )
    cohort = _won_cohort(workspace=workspace, period=period)
    buckets = period.buckets()
    index = {b: i for i, b in enumerate(buckets)}
    key_index = {k: i for i, k in enumerate(SOURCE_KEYS)}
    counts = np.zeros((len(buckets), len(SOURCE_KEYS)))
    values = np.zeros((len(buckets), len(SOURCE_KEYS)))
    for row in won:
        i = index[bucket_start(_as_date(row["bucket"]), period.bucket)]
        counts[i, key_index[row["source_kind"]]] += row["n"]
        values[i, key_index[row["source_kind"]]] += _float(row["value"])
    j = key_index[NON_REFERRED]
    for row in cohort[cohort[:, REFERRED] == 0]:
        i = index[bucket_start(date.fromordinal(int(row[WON_DAY])), period.bucket)]
        counts[i, j] += row[ACCOUNTS]
        values[i, j] += row[FIRST_YEAR]
    total_n, total_v = counts.sum(axis=0), values.sum(axis=0)
    all_n, all_v = float(total_n.sum()), float(total_v.sum())
    return {
        "period": period.as_dict(),
        "total_count": int(all_n),
        "total_value": all_v,
        "sources": [
            {
                "key": key,
                "label": SOURCE_LABELS[key],
                "count": int(total_n[k]),
                "value": float(total_v[k]),
                "count_share": _share(float(total_n[k]), all_n),
                "value_share": _share(float(total_v[k]), all_v),
            }
            for k, key in enumerate(SOURCE_KEYS)
        ],
        "trend": [
            {
                "bucket": b,
                "label": bucket_label(b, period.bucket),
                "counts": {key: int(counts[i, k]) for k, key in enumerate(SOURCE_KEYS)},
                "values": {key: float(values[i, k]) for k, key in enumerate(SOURCE_KEYS)},
            }
            for i, b in enumerate(buckets)
        ],
    }


WON_DAY, REFERRED, DAYS, CHURNED, ACCOUNTS, FIRST_YEAR = range(6)


def _won_cohort(*, workspace: Workspace, period: Period) -> np.ndarray:
    """The accounts won in the period in one grouped pass: rows of (won day as an ordinal, referred 0/1, days
    followed, churned 0/1, accounts, first-year purchases).

    Referred: the account has a won referral. Followed: from won_at to churned_at, or to today (censored) while
    still a customer. First year: purchases dated from won_at to won_at + 364 days (365 days), one correlated sum
    per account through the purchase (workspace, account, date) index, so only those accounts' purchases are read.
    """
    account, referral, purchase = _table(Account), _table(Referral), _table(Purchase)
    if connection.vendor == "postgresql":
        day, last_day = "%s::date", f"a.won_at + {FIRST_YEAR_DAYS - 1}"
    else:
        day, last_day = "%s", f"date(a.won_at, '+{FIRST_YEAR_DAYS - 1} days')"
    churned = f"a.churned_at <= {day}"
    days = _days_between_sql(f"COALESCE(CASE WHEN {churned} THEN a.churned_at END, {day})", "a.won_at")
    sql = f"""
        SELECT g.won_at, g.referred, g.days, g.churned, COUNT(*), SUM(COALESCE(g.value, 0)) FROM (
            SELECT a.won_at,
                CASE WHEN EXISTS (
                    SELECT 1 FROM {referral} r WHERE r.referred_account_id = a.id AND r.status = %s
                ) THEN 1 ELSE 0 END AS referred,
                {days} AS days,
                CASE WHEN {churned} THEN 1 ELSE 0 END AS churned,
                (SELECT SUM(p.amount) FROM {purchase} p
                 WHERE p.workspace_id = a.workspace_id AND p.account_id = a.id
                   AND p.date >= a.won_at AND p.date <= {last_day}) AS value
            FROM {account} a
            WHERE a.workspace_id = %s AND a.won_at >= {day} AND a.won_at <= {day}
        ) g
        GROUP BY g.won_at, g.referred, g.days, g.churned
    """
    today = period.today.isoformat()
    params = [
        ReferralStatus.WON.value,
        today,
        today,
        today,
        workspace.pk,
        period.start.isoformat(),
        period.end.isoformat(),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = [(_as_date(d).toordinal(), r, t, c, n, _float(v)) for d, r, t, c, n, v in cursor.fetchall()]
    return np.array(rows, dtype=float).reshape(-1, 6)


# --------------------------------------------------------------------------------- referred vs non-referred


def _duration(later: str, earlier: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(later) - F(earlier), output_field=DurationField())


def referred_vs_non_referred(*, workspace: Workspace, period: Period, at_days=SURVIVAL_DAYS) -> dict:
    """Referred customers (an account with a won referral) beside the others: win rate, days to close,
    first-year value and retention (Kaplan-Meier curves and the log-rank test). See docs/programme.md for the
    exact definitions; `period.today` is the day follow-up ends (censoring)."""
    # Win rate and days to close, referred: referrals received in the period, the share won so far, and the mean
    # days from received to closed of those won.
    received = Referral.objects.filter(
        workspace=workspace, received_at__gte=period.begin, received_at__lt=period.finish
    )
    referred_rate = received.aggregate(
        entered=Count("id"),
        won=Count("id", filter=Q(status=ReferralStatus.WON)),
        days=Avg(_duration("closed_at", "received_at"), filter=Q(status=ReferralStatus.WON)),
    )
    # Non-referred: accounts that never had a referral, entering the period when won (won_at) or, still
    # prospects, when recorded (created_at). Days to close only where the account was recorded before it was won.
    no_referral = Account.objects.filter(workspace=workspace).exclude(
        Exists(Referral.objects.filter(referred_account=OuterRef("pk")))
    )
    won_in_period = Q(won_at__gte=period.start, won_at__lte=period.end)
    open_in_period = Q(won_at__isnull=True, created_at__gte=period.begin, created_at__lt=period.finish)
    # One pass: won in the period, or still prospects recorded in it.
    plain = (
        no_referral.filter(won_in_period | open_in_period)
        .annotate(created_day=TruncDate("created_at", tzinfo=period.tz))
        .aggregate(
            won=Count("id", filter=won_in_period),
            open=Count("id", filter=open_in_period),
            days=Avg(
                ExpressionWrapper(F("won_at") - F("created_day"), output_field=DurationField()),
                filter=won_in_period & Q(created_day__lte=F("won_at")),
            ),
        )
    )
    plain_won, plain_open, plain_days = plain["won"], plain["open"], {"days": plain["days"]}
    # First-year value: accounts won in the period, referred or not (by a won referral, at any time).
    cohort = _won_cohort(workspace=workspace, period=period)
    accounts_by_group = {g: int(cohort[cohort[:, REFERRED] == int(g), ACCOUNTS].sum()) for g in (True, False)}
    value_by_group = {
        g: float(cohort[cohort[:, REFERRED] == int(g), FIRST_YEAR].sum()) for g in (True, False)
    }
    retention = _retention(cohort=cohort, at_days=at_days)

    def group(referred: bool, entered: int, won: int, days) -> dict:
        customers = accounts_by_group.get(referred, 0)
        value = value_by_group.get(referred, 0.0)
        return {
            "entered": entered,
            "won": won,
            "win_rate": _share(won, entered),
            "days_to_close": _days(days),
            "customers": customers,
            "first_year_value": value,
            "first_year_value_mean": _share(value, customers),
            **retention["groups"][referred],
        }

    return {
        "period": period.as_dict(),
        "today": period.today,
        "referred": group(True, referred_rate["entered"], referred_rate["won"], referred_rate["days"]),
        "non_referred": group(False, plain_won + plain_open, plain_won, plain_days["days"]),
        "log_rank": retention["log_rank"],
        "curve": retention["curve"],
    }


def _retention(*, cohort: np.ndarray, at_days) -> dict:
    """Kaplan-Meier per group over the accounts won in the period (the cohort table of _won_cohort)."""
    # A won_at after today (a date typed ahead) would give a negative time: it has not started yet.
    table = cohort[cohort[:, DAYS] >= 0][:, [REFERRED, DAYS, CHURNED, ACCOUNTS]]
    groups, curves, tables = {}, {}, {}
    for referred in (True, False):
        part = table[table[:, 0] == (1 if referred else 0)]
        t, churned, n = part[:, 1], part[:, 2], part[:, 3]
        tables[referred] = (t, n * churned, n * (1 - churned))
        km = kaplan_meier(*tables[referred])
        curves[referred] = km
        groups[referred] = {
            "accounts": km.subjects,
            "churned": km.total_events,
            "survival": [
                {"days": int(d), "survival": float(km.at(d)) if km.subjects else None} for d in at_days
            ],
        }
    test = log_rank(*tables[True], *tables[False])
    # Peto's approximation of the hazard ratio (referred vs not): (O1/E1) / (O2/E2). 1 - HR is how much slower
    # referred customers leave (seed 001's "18% slower to leave").
    (o1, o2), (e1, e2) = test.observed, test.expected
    hazard_ratio = (o1 / e1) / (o2 / e2) if e1 > 0 and e2 > 0 and o2 > 0 else None
    horizon = int(table[:, 1].max()) if table.size else 0
    step = max(1, horizon // 40) if horizon else 1
    grid = np.arange(0, horizon + 1, step)
    return {
        "groups": groups,
        "log_rank": {
            "chi2": None if np.isnan(test.chi2) else test.chi2,
            "p_value": None if np.isnan(test.p_value) else test.p_value,
            "observed_referred": o1,
            "expected_referred": e1,
            "observed_non_referred": o2,
            "expected_non_referred": e2,
            "hazard_ratio": hazard_ratio,
        },
        "curve": [
            {
                "days": int(d),
                "referred": float(curves[True].at(d)) if curves[True].subjects else None,
                "non_referred": float(curves[False].at(d)) if curves[False].subjects else None,
            }
            for d in grid
        ],
    }


# ------------------------------------------------------------------------------------------- value per hour


def _won_in(workspace: Workspace, period: Period):
    return Referral.objects.filter(
        workspace=workspace,
        status=ReferralStatus.WON,
        closed_at__gte=period.begin,
        closed_at__lt=period.finish,
    )


def value_per_hour(*, workspace: Workspace, period: Period, partners: int = 20) -> dict:
    """Won value per hour invested, by source and by partner ("dollar for dollar", seed 003).

    Value: won referrals closed in the period. Hours: touchpoint minutes in the period / 60, each touchpoint
    counted once: at an event (event set) for events, else with a partner for partners (one-to-ones included),
    else with a contact or account for customers. Employees and "other" cost no recorded time: no rate."""
    won = (
        _won_in(workspace, period)
        .values("source_kind")
        .annotate(n=Count("id"), value=Sum("won_value"))
        .order_by()
    )
    source_of_touch = Case(
        When(event__isnull=False, then=Value(SourceKind.EVENT.value)),
        When(partner__isnull=False, then=Value(SourceKind.PARTNER.value)),
        default=Value(SourceKind.CUSTOMER.value),
        output_field=CharField(),
    )
    touches = Touchpoint.objects.filter(workspace=workspace, at__gte=period.begin, at__lt=period.finish)
    # One pass over the period's touchpoints, grouped by source and partner: a few hundred rows.
    minutes = list(
        touches.annotate(source=source_of_touch)
        .values("source", "partner")
        .annotate(m=Sum("minutes"))
        .order_by()
    )
    value = {r["source_kind"]: (r["n"], _float(r["value"])) for r in won}
    hours: dict[str, float] = {}
    partner_minutes: dict[int, float] = {}
    for r in minutes:
        hours[r["source"]] = hours.get(r["source"], 0.0) + _float(r["m"]) / 60
        if r["partner"] is not None:
            partner_minutes[r["partner"]] = partner_minutes.get(r["partner"], 0.0) + _float(r["m"])
    sources = []
    for key in SourceKind.values:
        n, v = value.get(key, (0, 0.0))
        h = hours.get(key, 0.0)
        sources.append(
            {
                "key": key,
                "label": SOURCE_LABELS[key],
                "won": n,
                "value": v,
                "hours": h,
                "value_per_hour": v / h if h else None,
            }
        )
    # Per partner: grouped sums, merged in numpy; only the top `partners` rows are named.
    by_partner = (
        _won_in(workspace, period)
        .filter(source_partner__isnull=False)
        .values_list("source_partner")
        .annotate(n=Count("id"), value=Sum("won_value"))
        .order_by()
    )
    v_rows = np.array([(pk, n, _float(v)) for pk, n, v in by_partner], dtype=float).reshape(-1, 3)
    m_rows = np.array(list(partner_minutes.items()), dtype=float).reshape(-1, 2)
    ids = np.union1d(v_rows[:, 0], m_rows[:, 0])
    won_n = np.zeros(ids.size)
    won_v = np.zeros(ids.size)
    mins = np.zeros(ids.size)
    won_n[np.searchsorted(ids, v_rows[:, 0])] = v_rows[:, 1]
    won_v[np.searchsorted(ids, v_rows[:, 0])] = v_rows[:, 2]
    mins[np.searchsorted(ids, m_rows[:, 0])] = m_rows[:, 1]
    hrs = mins / 60
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(hrs > 0, won_v / np.where(hrs > 0, hrs, 1), np.nan)
    # Best rate first; partners with value but no recorded hours after them (by value), then the rest.
    order = np.lexsort((ids, -won_v, np.where(np.isnan(rate), np.inf, -rate)))[:partners]
    names = dict(
        Partner.objects.filter(workspace=workspace, pk__in=ids[order].astype(int).tolist()).values_list(
            "pk", "name"
        )
    )
    return {
        "period": period.as_dict(),
        "sources": sources,
        "partners": [
            {
                "partner_id": int(ids[i]),
                "name": names.get(int(ids[i]), ""),
                "won": int(won_n[i]),
                "value": float(won_v[i]),
                "hours": float(hrs[i]),
                "value_per_hour": None if np.isnan(rate[i]) else float(rate[i]),
            }
            for i in order
        ],
        "partners_total": int(ids.size),
    }


# --------------------------------------------------------------------------------------------------- chains


def chains(*, workspace: Workspace, period: Period, limit: int = 10) -> dict:
    """Referral trees (Referral.parent) whose first referral was received in the period: the longest and the most
    valuable, how many trees reach each depth, and tier-1 vs tier-2 won value of referrals closed in the period.

    Depth and root come from a recursive CTE, level by level from the roots (a set-based query per level inside
    the database), so no tree is ever walked in Python."""
    referral = _table(Referral)
    sql = f"""
        WITH RECURSIVE tree(root_id, id, depth) AS (
            SELECT r.id, r.id, 1 FROM {referral} r
            WHERE r.workspace_id = %s AND r.parent_id IS NULL AND r.received_at >= %s AND r.received_at < %s
              AND EXISTS (SELECT 1 FROM {referral} c WHERE c.parent_id = r.id)
            UNION ALL
            SELECT tree.root_id, c.id, tree.depth + 1 FROM {referral} c JOIN tree ON c.parent_id = tree.id
            WHERE c.workspace_id = %s AND tree.depth < 50
        )
        SELECT tree.root_id, MAX(tree.depth), COUNT(*),
               SUM(CASE WHEN r.status = %s THEN r.won_value ELSE 0 END)
        FROM tree JOIN {referral} r ON r.id = tree.id
        GROUP BY tree.root_id
    """
    params = [workspace.pk, period.begin, period.finish, workspace.pk, ReferralStatus.WON.value]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        trees = np.array([(a, b, c, _float(d)) for a, b, c, d in cursor.fetchall()], dtype=float).reshape(
            -1, 4
        )
    root, depth, size, value = trees.T if trees.size else (np.empty(0),) * 4
    longest = np.lexsort((root, -value, -size, -depth))[:limit]
    richest = np.lexsort((root, -size, -value))[:limit]
    wanted = set(root[longest].astype(int).tolist()) | set(root[richest].astype(int).tolist())
    # Only the named columns are read (values), so the figures work on a database a later migration widened.
    roots = {
        r["pk"]: r
        for r in Referral.objects.filter(workspace=workspace, pk__in=wanted).values(
            "pk",
            "referred_account_id",
            "referred_account__name",
            "source_kind",
            "source_name",
            "received_at",
            "source_contact__first_name",
            "source_contact__last_name",
            "source_partner__name",
            "source_employee__user__full_name",
            "source_employee__user__email",
            "source_event__name",
        )
    }

    def describe(i: int) -> dict:
        r = roots[int(root[i])]
        return {
            "root_id": r["pk"],
            "account_id": r["referred_account_id"],
            "account": r["referred_account__name"],
            "source": _source_label(r),
            "source_kind": r["source_kind"],
            "received_at": r["received_at"],
            "depth": int(depth[i]),
            "referrals": int(size[i]),
            "won_value": float(value[i]),
        }

    depths, counts = np.unique(depth.astype(int), return_counts=True)
    tiers = (
        _won_in(workspace, period)
        .values("tier")
        .annotate(n=Count("id"), value=Sum("won_value"))
        .order_by("tier")
    )
    tier_rows = {r["tier"]: (r["n"], _float(r["value"])) for r in tiers}
    total = sum(v for _, v in tier_rows.values())
    return {
        "period": period.as_dict(),
        "trees": int(root.size),
        "tiers": [
            {
                "tier": tier,
                "won": tier_rows.get(tier, (0, 0.0))[0],
                "value": tier_rows.get(tier, (0, 0.0))[1],
                "value_share": _share(tier_rows.get(tier, (0, 0.0))[1], total),
            }
            for tier in (1, 2)
        ],
        "depths": [{"depth": int(d), "trees": int(n)} for d, n in zip(depths, counts, strict=True)],
        "longest": [describe(i) for i in longest],
        "most_valuable": [describe(i) for i in richest],
    }


def _source_label(row: dict) -> str:
    """Referral.source_label from a values() row."""
    contact = f"{row['source_contact__first_name'] or ''} {row['source_contact__last_name'] or ''}".strip()
    employee = row["source_employee__user__full_name"] or row["source_employee__user__email"]
    return (
        contact
        or row["source_partner__name"]
        or employee
        or row["source_event__name"]
        or row["source_name"]
        or SOURCE_LABELS.get(row["source_kind"], "")
    )


# -------------------------------------------------------------------------------------- neglected influencers


def influencer_dedupe_key(*, contact_id: int, today: date) -> str:
    # One "build the relationship" task per person and month: a second click the same month finds the first.
    return f"{INFLUENCER_KEY_PREFIX}{contact_id}:{today:%Y-%m}"


# The networkx re-rank sees the best POOL_PER_ROW * limit people by degree centrality (at least POOL_MIN): the
# SQL pool. A circle larger than EXACT_CIRCLE_MAX people gets betweenness estimated from that many pivots.
POOL_PER_ROW = 10
POOL_MIN = 250
EXACT_CIRCLE_MAX = 500


def influencer_pool_size(limit: int) -> int:
    return max(POOL_PER_ROW * limit, POOL_MIN)


def neglected_influencers(*, workspace: Workspace, period: Period, limit: int = 25) -> dict:
    """People central in their account's buying circle with a weak relationship and no recent touchpoint.

    A buying circle is the undirected graph of an account's contacts (every contact a node, isolated ones too),
    an edge wherever a ContactLink joins two of them either way. Central: linked to at least MIN_DEGREE others in
    an account of at least CIRCLE_MIN contacts. Weak: an RQ below WEAK_RQ, or no RQ and no touchpoint for
    STALE_DAYS. Neglected: no touchpoint in the RECENT_DAYS up to the period's end (or today).

    Two stages. (1) One set-based SQL statement over the whole workspace applies the rules and ranks the people who
    meet them by Freeman's (1978) degree centrality (distinct people linked / the account's other contacts);
    only the best influencer_pool_size(limit) of them leave the database. (2) The in-account links of the pool's
    accounts only are loaded (one statement, plus one for their contacts) into one networkx graph per circle, and
    the pool is re-ranked by betweenness centrality (Brandes 2001, normalised within the circle: the share of the
    shortest paths between two other people of the circle that pass through the person), then degree centrality,
    then links (the hub of a bigger circle first), then RQ (no RQ counts as 0, the weakest, as in stage 1), then contact id.

    The approximation, honestly: the re-rank only sees the SQL pool. A person with high betweenness but a degree
    centrality below the pool's cut (a bridge with two links in a circle whose other members are better linked)
    is not listed when more than the pool meet the rules; on a small workspace the pool holds everyone."""
    link, contact, touch = _table(ContactLink), _table(Contact), _table(Touchpoint)
    real = "REAL" if connection.vendor == "sqlite" else "DOUBLE PRECISION"
    rq_available = RelationshipScore._meta.db_table in connection.introspection.table_names()
    # Without E's stored RQ (a database not migrated that far), every person falls back to touchpoint recency.
    score = (
        _table(RelationshipScore)
        if rq_available
        else f"(SELECT CAST(NULL AS INTEGER) AS contact_id, CAST(NULL AS {real}) AS score, "
        "CAST(NULL AS INTEGER) AS workspace_id)"
    )
    as_of = min(period.end, period.today)
    now = datetime(as_of.year, as_of.month, as_of.day, tzinfo=period.tz) + timedelta(days=1)
    recent = (now - timedelta(days=RECENT_DAYS)).astimezone(UTC)
    stale = (now - timedelta(days=STALE_DAYS)).astimezone(UTC)
    sql = f"""
        WITH edges AS (
            SELECT l.from_contact_id AS a, l.to_contact_id AS b, cf.account_id AS acct
            FROM {link} l
            JOIN {contact} cf ON cf.id = l.from_contact_id
            JOIN {contact} ct ON ct.id = l.to_contact_id
            WHERE l.workspace_id = %s AND cf.account_id IS NOT NULL AND cf.account_id = ct.account_id
            UNION
            SELECT l.to_contact_id, l.from_contact_id, cf.account_id
            FROM {link} l
            JOIN {contact} cf ON cf.id = l.from_contact_id
            JOIN {contact} ct ON ct.id = l.to_contact_id
            WHERE l.workspace_id = %s AND cf.account_id IS NOT NULL AND cf.account_id = ct.account_id
        ),
        degree AS (
            SELECT a AS contact_id, acct, COUNT(*) AS deg FROM edges GROUP BY a, acct
        ),
        circle AS (
            SELECT c.account_id AS acct, COUNT(*) AS n FROM {contact} c
            WHERE c.workspace_id = %s AND c.account_id IN (SELECT acct FROM degree)
            GROUP BY c.account_id
        )
        SELECT d.contact_id, d.acct, s.score,
               (SELECT MAX(t.at) FROM {touch} t WHERE t.workspace_id = %s AND t.contact_id = d.contact_id)
        FROM degree d
        JOIN circle ci ON ci.acct = d.acct
        JOIN {contact} c ON c.id = d.contact_id
        LEFT JOIN {score} s ON s.contact_id = d.contact_id AND s.workspace_id = %s
        WHERE d.deg >= %s AND ci.n >= %s AND c.do_not_contact = %s
          AND NOT EXISTS (
              SELECT 1 FROM {touch} t WHERE t.workspace_id = %s AND t.contact_id = d.contact_id AND t.at >= %s
          )
          AND (s.score < %s OR (s.score IS NULL AND NOT EXISTS (
              SELECT 1 FROM {touch} t WHERE t.workspace_id = %s AND t.contact_id = d.contact_id AND t.at >= %s
          )))
        ORDER BY CAST(d.deg AS {real}) / (ci.n - 1) DESC, d.deg DESC, COALESCE(s.score, 0) ASC, d.contact_id
        LIMIT %s
    """
    ws = workspace.pk
    pool_size = influencer_pool_size(limit)
    params = [ws, ws, ws, ws, ws, MIN_DEGREE, CIRCLE_MIN, False, ws, recent, WEAK_RQ, ws, stale, pool_size]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # PostgreSQL cannot know that both ends of a link mostly share an account: it expects a handful of
            # edges (there are millions) and picks nested loops that go quadratic. Hash joins only, for this one.
            cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute(sql, params)
        pool = cursor.fetchall()
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_nestloop = on")
        circles = _buying_circles(workspace=workspace, account_ids={acct for _, acct, _, _ in pool})
    ranked = []
    for contact_id, account_id, rq, last in pool:
        graph, degree, between = circles[account_id]
        if contact_id not in graph:  # moved or deleted between the two statements
            continue
        ranked.append(
            {
                "contact_id": contact_id,
                "account_id": account_id,
                "links": graph.degree(contact_id),
                "circle": graph.number_of_nodes(),
                "centrality": float(degree[contact_id]),
                "betweenness": float(between[contact_id]),
                "rq": None if rq is None else float(rq),
                "last_touchpoint": datetime.fromisoformat(last) if isinstance(last, str) else last,
            }
        )
    # Betweenness is a float sum over paths: equal values reached in a different order may differ in the last
    # bits, so ties are compared rounded. No RQ counts as 0, the weakest, as in the SQL pool's order.
    ranked.sort(
        key=lambda r: (
            -round(r["betweenness"], 12),
            -round(r["centrality"], 12),
            -r["links"],
            r["rq"] or 0.0,
            r["contact_id"],
        )
    )
    ranked = ranked[: max(limit, 0)]
    people = {
        c["pk"]: c
        for c in Contact.objects.filter(workspace=workspace, pk__in=[r["contact_id"] for r in ranked]).values(
            "pk", "first_name", "last_name", "title", "role", "account__name"
        )
    }
    out = []
    for row in ranked:
        person = people[row["contact_id"]]
        last = row["last_touchpoint"]
        out.append(
            {
                "contact_id": row["contact_id"],
                "name": f"{person['first_name']} {person['last_name']}".strip(),
                "title": person["title"],
                "role": person["role"],
                "account_id": row["account_id"],
                "account": person["account__name"] or "",
                "links": row["links"],
                "circle": row["circle"],
                "centrality": row["centrality"],
                "betweenness": row["betweenness"],
                "rq": row["rq"],
                "last_touchpoint": last,
                "days_since_touchpoint": None if last is None else (now - _aware(last)).days,
            }
        )
    result = {
        "period": period.as_dict(),
        "as_of": as_of,
        "rq_available": rq_available,
        "rules": {
            "min_links": MIN_DEGREE,
            "min_circle": CIRCLE_MIN,
            "weak_rq_below": WEAK_RQ,
            "recent_days": RECENT_DAYS,
            "stale_days": STALE_DAYS,
        },
        "influencers": out,
    }
    return with_task_status(workspace=workspace, result=result)


def _buying_circles(*, workspace: Workspace, account_ids: set[int]) -> dict[int, tuple[nx.Graph, dict, dict]]:
    """Per account: its buying circle as an undirected graph, with each person's degree and betweenness
    centrality. Reads these accounts' contacts and in-account links only: two statements, however many circles."""
    graphs = {acct: nx.Graph() for acct in account_ids}
    if not account_ids:
        return {}
    for acct, contact_id in Contact.objects.filter(
        workspace=workspace, account_id__in=account_ids
    ).values_list("account_id", "pk"):
        graphs[acct].add_node(contact_id)
    # A link either way is one edge: nx.Graph keeps one edge per pair, whatever the links' directions and kinds.
    for acct, a, b in ContactLink.objects.filter(
        workspace=workspace,
        from_contact__account_id__in=account_ids,
        to_contact__account_id=F("from_contact__account_id"),
    ).values_list("from_contact__account_id", "from_contact_id", "to_contact_id"):
        graphs[acct].add_edge(a, b)
    out = {}
    for acct, graph in graphs.items():
        # Brandes (2001), "A faster algorithm for betweenness centrality", J. Math. Sociol. 25(2): O(nm) per
        # circle. Above EXACT_CIRCLE_MAX people, Brandes & Pich (2007) pivot sampling with a fixed seed keeps the
        # cost bounded and the figure reproducible.
        sample = EXACT_CIRCLE_MAX if graph.number_of_nodes() > EXACT_CIRCLE_MAX else None
        between = nx.betweenness_centrality(graph, k=sample, normalized=True, seed=acct if sample else None)
        out[acct] = (graph, nx.degree_centrality(graph), between)
    return out


def with_task_status(*, workspace: Workspace, result: dict) -> dict:
    """The influencers' "build the relationship" task status, read now: stored figures may be older than a
    click on the page. An open or snoozed task wins over an older done or cancelled one."""
    ids = [row["contact_id"] for row in result["influencers"]]
    tasks = {}
    influencer_tasks = tasks_with_dedupe_prefix(workspace_id=workspace.pk, prefix=INFLUENCER_KEY_PREFIX)
    for contact_id, status in influencer_tasks.filter(contact_id__in=ids).values_list("contact_id", "status"):
        if status in (TaskStatus.OPEN, TaskStatus.SNOOZED) or contact_id not in tasks:
            tasks[contact_id] = status
    for row in result["influencers"]:
        row["task_status"] = tasks.get(row["contact_id"])
    return result


def _aware(value: datetime) -> datetime:
    return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)


# ------------------------------------------------------------------------------------------ programme health


def programme_health(*, workspace: Workspace, period: Period) -> dict:
    """ "Is the programme alive": per week (Monday, workspace time zone) of the period, asks made, referrals
    received, the mean thank-you lag (received → first thank-you task done) and the mean first-contact lag
    (received → contacted) of the referrals received that week; totals, and the weekly trend of asks and
    referrals (least-squares slope, per week)."""
    tz = period.tz
    asks = (
        Ask.objects.filter(workspace=workspace, at__gte=period.begin, at__lt=period.finish)
        .annotate(week=TruncWeek("at", tzinfo=tz))
        .values("week")
        .annotate(n=Count("id"))
        .order_by()
    )
    thanked = (
        Task.objects.filter(referral=OuterRef("pk"), kind=TaskKind.THANK, status=TaskStatus.DONE)
        .order_by()
        .values("referral")
        .annotate(first=Min("completed_at"))
        .values("first")
    )
    # The week (a time-zone-aware truncation) and the first thank-you are computed once per referral in an inner
    # query, then grouped: referenced from several aggregates, SQLite would evaluate each of them again per row.
    inner = (
        Referral.objects.filter(
            workspace=workspace, received_at__gte=period.begin, received_at__lt=period.finish
        )
        .annotate(week=TruncWeek("received_at", tzinfo=tz), thanked_at=Subquery(thanked))
        .values("week", "received_at", "contacted_at", "thanked_at")
        .order_by()
    )
    inner_sql, inner_params = inner.query.sql_with_params()
    if connection.vendor == "postgresql":

        def lag(later: str) -> str:
            return f"EXTRACT(EPOCH FROM (g.{later} - g.received_at)) / 86400.0"
    else:

        def lag(later: str) -> str:
            return f"(julianday(g.{later}) - julianday(g.received_at))"

    sql = f"""
        SELECT g.week, COUNT(*), COUNT(g.contacted_at), AVG({lag("contacted_at")}),
               COUNT(g.thanked_at), AVG({lag("thanked_at")})
        FROM ({inner_sql}) g
        GROUP BY g.week
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, inner_params)
        referrals = [
            {"week": w, "n": n, "contacted": c, "contact_lag": cl, "thanked": t, "thank_lag": tl}
            for w, n, c, cl, t, tl in cursor.fetchall()
        ]
    first_monday = period.start - timedelta(days=period.start.weekday())
    weeks = [first_monday + timedelta(weeks=i) for i in range((period.end - first_monday).days // 7 + 1)]
    index = {w: i for i, w in enumerate(weeks)}
    ask_n = np.zeros(len(weeks))
    ref_n = np.zeros(len(weeks))
    contacted = np.zeros(len(weeks))
    thanked_n = np.zeros(len(weeks))
    contact_lag = np.full(len(weeks), np.nan)
    thank_lag = np.full(len(weeks), np.nan)
    for row in asks:
        ask_n[index[_as_date(row["week"])]] = row["n"]
    for row in referrals:
        i = index[_as_date(row["week"])]
        ref_n[i] = row["n"]
        contacted[i] = row["contacted"]
        thanked_n[i] = row["thanked"]
        if row["contact_lag"] is not None:
            contact_lag[i] = float(row["contact_lag"])
        if row["thank_lag"] is not None:
            thank_lag[i] = float(row["thank_lag"])

    def weighted_mean(lags: np.ndarray, weights: np.ndarray) -> float | None:
        use = ~np.isnan(lags)
        total = weights[use].sum()
        return float((lags[use] * weights[use]).sum() / total) if total else None

    def slope(values: np.ndarray) -> float | None:
        # Least-squares slope per week: is the count rising or falling?
        return float(np.polyfit(np.arange(values.size), values, 1)[0]) if values.size >= 2 else None

    return {
        "period": period.as_dict(),
        "totals": {
            "weeks": len(weeks),
            "asks": int(ask_n.sum()),
            "referrals": int(ref_n.sum()),
            "asks_per_week": float(ask_n.mean()) if weeks else 0.0,
            "referrals_per_week": float(ref_n.mean()) if weeks else 0.0,
            "asks_trend_per_week": slope(ask_n),
            "referrals_trend_per_week": slope(ref_n),
            "thank_you_lag_days": weighted_mean(thank_lag, thanked_n),
            "first_contact_lag_days": weighted_mean(contact_lag, contacted),
            "thanked": int(thanked_n.sum()),
            "contacted": int(contacted.sum()),
        },
        "weeks": [
            {
                "week": w,
                "asks": int(ask_n[i]),
                "referrals": int(ref_n[i]),
                "thank_you_lag_days": None if np.isnan(thank_lag[i]) else float(thank_lag[i]),
                "first_contact_lag_days": None if np.isnan(contact_lag[i]) else float(contact_lag[i]),
            }
            for i, w in enumerate(weeks)
        ],
    }


INSIGHTS = {
    "source-mix": source_mix,
    "referred-vs-non-referred": referred_vs_non_referred,
    "value-per-hour": value_per_hour,
    "chains": chains,
    "influencers": neglected_influencers,
    "programme-health": programme_health,
}
