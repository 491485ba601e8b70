"""What was known about each contact at a snapshot date, and whether they referred in the 90 days after.

`history_load` reads each raw table once (one query per table, only the columns needed, times as days since
1970-01-01 computed in SQL) into numpy arrays; `features_at` and `labels_at` then work on whole arrays at once for
any snapshot, so many monthly snapshots cost one read of the database. Everything is point-in-time: a feature at
snapshot s uses only rows dated before s, never the stored current figures of insights (they know the future).

Assumptions (docs/propensity.md):
- A contact belongs to the snapshot when their account was a customer then (won before s, not churned before s).
- Colleagues known at the account and the role in the buying circle are taken as they are now (no history kept).
- An ask's outcome is only used once it must have been known: "referral given" when its referral arrived
  before s; a decline only for asks made at least 90 days before s (a stored outcome is the final one, and an
  ask still open at s could later have been answered with a referral).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import islice

import numpy as np
from django.db.models import Case, F, FloatField, Func, IntegerField, Value, When
from django.db.models.expressions import Expression

from referral_engine.engagement.models import Ask, AskOutcome
from referral_engine.feedback.models import NpsResponse
from referral_engine.referrals.models import Referral
from referral_engine.relationships.models import Account, BuyingRole, Contact, Direction, Purchase, Touchpoint
from referral_engine.workspaces.models import Workspace

HORIZON_DAYS = 90  # the label: a referral within the next 90 days
PROMOTER = 9  # Reichheld (2003): 9-10 is a promoter, 0-6 a detractor.
DETRACTOR = 6
ROLES = (BuyingRole.DECISION_MAKER, BuyingRole.INFLUENCER, BuyingRole.CHAMPION, BuyingRole.USER)
_EPOCH = date(1970, 1, 1)
_CHUNK = 100_000

# (name, label shown as a reason). The order is the column order of the feature matrix.
FEATURES: tuple[tuple[str, str], ...] = (
    ("log_value", "Historic value of the account"),
    ("log_purchases", "Purchases by the account"),
    ("tenure_years", "Years as a customer"),
    ("has_nps", "Answered the NPS question"),
    ("nps", "Latest NPS score"),
    ("promoter", "Latest NPS answer a promoter (9-10)"),
    ("detractor", "Latest NPS answer a detractor (0-6)"),
    ("touch_90", "Touchpoints in the last 90 days"),
    ("touch_365", "Touchpoints in the last 365 days"),
    ("inbound_365", "Times they reached us in the last 365 days"),
    ("years_since_touch", "Time since the last touchpoint"),
    ("asks_90", "Asked for a referral in the last 90 days"),
    ("asks_365", "Asks in the last 365 days"),
    ("asks_gave", "Asks answered with a referral"),
    ("asks_declined", "Asks declined"),
    ("log_referrals", "Referrals given before"),
    ("role_decision_maker", "Decision maker"),
    ("role_influencer", "Influencer"),
    ("role_champion", "Champion"),
    ("role_user", "User"),
    ("log_colleagues", "Colleagues we know at the account"),
    ("account_has_nps", "Someone at the account answered the NPS question"),
    ("account_nps", "Average NPS score at the account"),
    ("account_touch_365", "Touchpoints with the account's people in the last 365 days"),
    ("account_referrals", "Referrals given by people at the account"),
)
FEATURE_NAMES = tuple(name for name, _ in FEATURES)
FEATURE_LABELS = dict(FEATURES)
NO_TOUCH_YEARS = 3.0  # "time since the last touchpoint" for someone never touched, and its cap


class EpochDays(Func):
    """A date or an aware datetime as days since 1970-01-01 UTC (a float), on SQLite and PostgreSQL."""

    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra):
        # Django stores datetimes in UTC as text; julianday() reads both 'YYYY-MM-DD' and 'YYYY-MM-DD HH:MM:SS'.
        return self.as_sql(compiler, connection, template="(julianday(%(expressions)s) - 2440587.5)", **extra)

    def as_postgresql(self, compiler, connection, **extra):
        template = "CAST(EXTRACT(EPOCH FROM %(expressions)s) / 86400.0 AS double precision)"
        return self.as_sql(compiler, connection, template=template, **extra)


def _code(field_name: str, values) -> Expression:
    """A text column as a small integer in SQL (1, 2, ... in the order of `values`; 0 for anything else)."""
    return Case(
        *[When(**{field_name: v}, then=Value(i + 1)) for i, v in enumerate(values)],
        default=Value(0),
        output_field=IntegerField(),
    )


def _arrays(queryset, dtypes: tuple) -> list[np.ndarray]:
    """A values_list queryset as one numpy array per column, read in chunks (a server-side cursor on PostgreSQL)
    so no list of millions of tuples is ever built. NULL becomes NaN in a float column."""
    rows = queryset.iterator(chunk_size=_CHUNK)
    parts: list[list[np.ndarray]] = [[] for _ in dtypes]
    while True:
        batch = list(islice(rows, _CHUNK))
        if not batch:
            break
        for i, dtype in enumerate(dtypes):
            column = [row[i] for row in batch]
            if np.dtype(dtype).kind == "f":
                parts[i].append(np.array(column, dtype=np.float64).astype(dtype))
            else:
                parts[i].append(np.array(column, dtype=dtype))
    return [np.concatenate(p) if p else np.empty(0, dtype) for p, dtype in zip(parts, dtypes, strict=True)]


def day_number(moment: datetime | date) -> float:
    """Days since 1970-01-01 UTC, as EpochDays computes them in SQL."""
    if isinstance(moment, datetime):
        return (moment.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds() / 86400.0
    return float((moment - _EPOCH).days)


def day_date(day: float) -> date:
    return _EPOCH + timedelta(days=int(np.floor(day)))


@dataclass
class _Events:
    """Rows of one table, sorted by (owner index, day); `owner` indexes History.contact_id or account_id."""

    owner: np.ndarray
    day: np.ndarray
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def sorted(cls, owner: np.ndarray, day: np.ndarray, **extra: np.ndarray) -> _Events:
        keep = owner >= 0
        owner, day = owner[keep], day[keep]
        order = np.lexsort((day, owner))
        return cls(owner[order], day[order], {k: v[keep][order] for k, v in extra.items()})

    def before(self, s: float, since: float | None = None) -> np.ndarray:
        mask = self.day < s
        if since is not None:
            mask &= self.day >= since
        return mask


def _last(owner: np.ndarray, values: np.ndarray, n: int, fill: float) -> np.ndarray:
    """Per owner, the value of its last row (rows sorted by owner, then day); `fill` for owners without rows."""
    out = np.full(n, fill, dtype=np.float64)
    if len(owner):
        last = np.r_[owner[1:] != owner[:-1], True]
        out[owner[last]] = values[last]
    return out


def _index(ids: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Position of each key in the sorted `ids`, or -1 when absent."""
    pos = np.searchsorted(ids, keys)
    pos = np.minimum(pos, max(len(ids) - 1, 0))
    found = (ids[pos] == keys) if len(ids) else np.zeros(len(keys), bool)
    return np.where(found, pos, -1)


@dataclass
class History:
    """A workspace's raw history as arrays. Contacts are the ones at an account, in id order."""

    contact_id: np.ndarray
    contact_account: np.ndarray  # index into account arrays
    role: np.ndarray  # 0 none, 1.. in ROLES order
    do_not_contact: np.ndarray
    colleagues: np.ndarray
    account_id: np.ndarray
    won_day: np.ndarray  # NaN: never won
    churned_day: np.ndarray  # NaN: not churned
    purchases: _Events  # owner: account index; extra amount
    touchpoints: _Events  # owner: contact index; extra inbound
    nps: _Events  # extra score
    asks: _Events  # extra outcome code, referral_day (NaN: no referral)
    referrals: _Events  # owner: the referring contact's index

    @property
    def contacts(self) -> int:
        return len(self.contact_id)


def history_load(*, workspace: Workspace, until: datetime) -> History:
    """Every row of the workspace the features need, dated before `until`: one query per table."""
    day = EpochDays
    accounts = Account.objects.filter(workspace=workspace).order_by("id")
    account_id, won_day, churned_day = _arrays(
        accounts.values_list("id", day("won_at"), day("churned_at")), (np.int64, np.float64, np.float64)
    )
    contacts = Contact.objects.filter(workspace=workspace, account__isnull=False).order_by("id")
    contact_id, contact_account_id, role, dnc = _arrays(
        contacts.values_list("id", "account_id", _code("role", ROLES), "do_not_contact"),
        (np.int64, np.int64, np.int8, bool),
    )
    contact_account = _index(account_id, contact_account_id)
    per_account = np.bincount(np.maximum(contact_account, 0), minlength=len(account_id))
    colleagues = np.maximum(per_account[np.maximum(contact_account, 0)] - 1, 0)

    p_acc, p_day, p_amount = _arrays(
        Purchase.objects.filter(workspace=workspace, date__lt=until.date())
        .order_by()
        .values_list("account_id", day("date"), "amount"),
        (np.int64, np.float64, np.float64),
    )
    t_contact, t_day, t_in = _arrays(
        Touchpoint.objects.filter(workspace=workspace, contact__isnull=False, at__lt=until)
        .order_by()
        .values_list("contact_id", day("at"), _code("direction", [Direction.INBOUND])),
        (np.int64, np.float64, np.int8),
    )
    n_contact, n_day, n_score = _arrays(
        NpsResponse.objects.filter(workspace=workspace, at__lt=until)
        .order_by()
        .values_list("contact_id", day("at"), "score"),
        (np.int64, np.float64, np.float64),
    )
    outcomes = [AskOutcome.REFERRAL_GIVEN, AskOutcome.DECLINED]
    a_contact, a_day, a_outcome, a_ref_day = _arrays(
        Ask.objects.filter(workspace=workspace, contact__isnull=False, at__lt=until)
        .order_by()
        .values_list("contact_id", day("at"), _code("outcome", outcomes), day(F("referral__received_at"))),
        (np.int64, np.float64, np.int8, np.float64),
    )
    # Every referral a contact made, up to `until` plus the label horizon (labels look ahead; features do not).
    r_contact, r_day = _arrays(
        Referral.objects.filter(workspace=workspace, source_contact__isnull=False)
        .filter(received_at__lt=until + timedelta(days=HORIZON_DAYS))
        .order_by()
        .values_list("source_contact_id", day("received_at")),
        (np.int64, np.float64),
    )
    return History(
        contact_id=contact_id,
        contact_account=contact_account,
        role=role,
        do_not_contact=dnc,
        colleagues=colleagues,
        account_id=account_id,
        won_day=won_day,
        churned_day=churned_day,
        purchases=_Events.sorted(_index(account_id, p_acc), p_day, amount=p_amount),
        touchpoints=_Events.sorted(_index(contact_id, t_contact), t_day, inbound=t_in),
        nps=_Events.sorted(_index(contact_id, n_contact), n_day, score=n_score),
        asks=_Events.sorted(_index(contact_id, a_contact), a_day, outcome=a_outcome, referral_day=a_ref_day),
        referrals=_Events.sorted(_index(contact_id, r_contact), r_day),
    )


def population_at(history: History, s: float) -> np.ndarray:
    """Indices of the contacts whose account was a customer at snapshot day s."""
    won = history.won_day[history.contact_account]
    churned = history.churned_day[history.contact_account]
    member = (won < s) & ~(churned < s)  # NaN compares false: never won is out, never churned stays in
    return np.flatnonzero(member)


def features_at(history: History, s: float, who: np.ndarray) -> np.ndarray:
    """The feature matrix (len(who) × len(FEATURES), float64) of contacts `who` at snapshot day s."""
    n, n_acc = history.contacts, len(history.account_id)
    acc = history.contact_account[who]
    cols: dict[str, np.ndarray] = {}

    p = history.purchases
    m = p.before(s)
    value = np.bincount(p.owner[m], weights=p.extra["amount"][m], minlength=n_acc)
    count = np.bincount(p.owner[m], minlength=n_acc)
    cols["log_value"] = np.log1p(value[acc])
    cols["log_purchases"] = np.log1p(count[acc])
    cols["tenure_years"] = (s - history.won_day[acc]) / 365.25

    e = history.nps
    m = e.before(s)
    latest = _last(e.owner[m], e.extra["score"][m], n, np.nan)[who]
    answered = ~np.isnan(latest)
    cols["has_nps"] = answered.astype(np.float64)
    cols["nps"] = np.where(answered, latest, 0.0)
    cols["promoter"] = (answered & (latest >= PROMOTER)).astype(np.float64)
    cols["detractor"] = (answered & (latest <= DETRACTOR)).astype(np.float64)

    t = history.touchpoints
    m90, m365 = t.before(s, s - 90), t.before(s, s - 365)
    cols["touch_90"] = np.log1p(np.bincount(t.owner[m90], minlength=n)[who])
    cols["touch_365"] = np.log1p(np.bincount(t.owner[m365], minlength=n)[who])
    inbound = m365 & (t.extra["inbound"] == 1)
    cols["inbound_365"] = np.log1p(np.bincount(t.owner[inbound], minlength=n)[who])
    m = t.before(s)
    last_touch = _last(t.owner[m], t.day[m], n, -np.inf)[who]
    cols["years_since_touch"] = np.minimum((s - last_touch) / 365.25, NO_TOUCH_YEARS)

    a = history.asks
    cols["asks_90"] = np.bincount(a.owner[a.before(s, s - 90)], minlength=n)[who].astype(np.float64)
    cols["asks_365"] = np.bincount(a.owner[a.before(s, s - 365)], minlength=n)[who].astype(np.float64)
    gave = a.before(s) & (a.extra["referral_day"] < s)
    declined = a.before(s - HORIZON_DAYS) & (a.extra["outcome"] == 2)
    cols["asks_gave"] = np.bincount(a.owner[gave], minlength=n)[who].astype(np.float64)
    cols["asks_declined"] = np.bincount(a.owner[declined], minlength=n)[who].astype(np.float64)

    r = history.referrals
    cols["log_referrals"] = np.log1p(np.bincount(r.owner[r.before(s)], minlength=n)[who])

    role = history.role[who]
    for i, name in enumerate(("role_decision_maker", "role_influencer", "role_champion", "role_user")):
        cols[name] = (role == i + 1).astype(np.float64)
    cols["log_colleagues"] = np.log1p(history.colleagues[who])

    # The account's people together: the relationship is with a firm as much as with one person.
    c_acc = history.contact_account
    m = e.before(s)
    answers = np.bincount(c_acc[e.owner[m]], minlength=n_acc)
    score_sum = np.bincount(c_acc[e.owner[m]], weights=e.extra["score"][m], minlength=n_acc)
    cols["account_has_nps"] = (answers[acc] > 0).astype(np.float64)
    cols["account_nps"] = np.where(answers[acc] > 0, score_sum[acc] / np.maximum(answers[acc], 1), 0.0)
    cols["account_touch_365"] = np.log1p(np.bincount(c_acc[t.owner[m365]], minlength=n_acc)[acc])
    m = r.before(s)
    cols["account_referrals"] = np.log1p(np.bincount(c_acc[r.owner[m]], minlength=n_acc)[acc])
    return np.column_stack([cols[name] for name in FEATURE_NAMES])


def labels_at(history: History, s: float, who: np.ndarray) -> np.ndarray:
    """1 when the contact made a referral in [s, s + 90 days), else 0."""
    r = history.referrals
    window = (r.day >= s) & (r.day < s + HORIZON_DAYS)
    return (np.bincount(r.owner[window], minlength=history.contacts)[who] > 0).astype(np.int8)


def monthly_snapshots(*, now: datetime, months: int) -> list[date]:
    """The first day of each month whose 90-day label window has ended by `now`, the latest `months` of them."""
    last_day = (now.astimezone(UTC) - timedelta(days=HORIZON_DAYS)).date()
    first = last_day.replace(day=1)
    days = []
    year, month = first.year, first.month
    for _ in range(months):
        days.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return sorted(days)
