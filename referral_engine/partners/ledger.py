"""The reciprocity ledger: what we gave each partner and what they gave us (seed 003: give as well as take).

Definitions (the same on every page, the CSV and the API):
- given: referrals we gave the partner (`ReferralGiven`), counted by the day we gave them (`at`);
- received: referrals the partner gave us (`Referral.source_partner`), counted by `received_at`;
- won value both ways: the won value of referrals closed as won in the period, counted by `closed_at`;
- balance = won value given - won value received (below zero: we owe the partner); count balance likewise;
- thank-yous: given referrals the partner thanked us for closing (`thanked_at` in the period), with their value;
- one-to-ones: the partner's touchpoints of kind one_to_one; hours invested: their touchpoints' minutes / 60;
- value per hour = won value received / hours invested (none without hours).
A period is a start and an end date, both included, in UTC; either may be left open. Months are UTC months.

Every measure is one aggregate query; the ranking of all partners is one query with a correlated subquery per
measure, sorted and paginated by the database.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from referral_engine.partners.models import GivenStatus, Partner, PartnerProgramme, ReferralGiven
from referral_engine.referrals.models import Referral, ReferralStatus
from referral_engine.relationships.models import Touchpoint, TouchpointKind
from referral_engine.workspaces.models import Workspace

ZERO = Decimal("0.00")
MONEY_FIELD = DecimalField(max_digits=16, decimal_places=2)
INT_FIELD = IntegerField()


@dataclass(frozen=True)
class Period:
    start: date | None = None
    end: date | None = None

    def lookups(self, field_name: str) -> dict:
        """Filter kwargs for a datetime field: from the start of `start` to the end of `end` (UTC)."""
        bounds = {}
        if self.start is not None:
            bounds[f"{field_name}__gte"] = datetime.combine(self.start, time.min, tzinfo=UTC)
        if self.end is not None:
            bounds[f"{field_name}__lt"] = datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=UTC)
        return bounds


def _money(value) -> Decimal:
    return Decimal(value if value is not None else 0).quantize(Decimal("0.01"))


@dataclass
class Ledger:
    partner: Partner
    period: Period
    given: int = 0
    given_won: int = 0
    given_lost: int = 0
    given_won_value: Decimal = ZERO
    received: int = 0
    received_won: int = 0
    received_won_value: Decimal = ZERO
    thanks: int = 0
    thanks_value: Decimal = ZERO
    one_to_ones: int = 0
    minutes: int = 0
    months: list[dict] = field(default_factory=list)

    @property
    def balance(self) -> Decimal:
        return self.given_won_value - self.received_won_value

    @property
    def count_balance(self) -> int:
        return self.given - self.received

    @property
    def hours(self) -> Decimal:
        return (Decimal(self.minutes) / 60).quantize(Decimal("0.01"))

    @property
    def value_per_hour(self) -> Decimal | None:
        if not self.minutes:
            return None
        return (self.received_won_value * 60 / Decimal(self.minutes)).quantize(Decimal("0.01"))

    def as_dict(self) -> dict:
        return {
            "partner_id": self.partner.pk,
            "partner": self.partner.name,
            "start": self.period.start,
            "end": self.period.end,
            "given": self.given,
            "given_won": self.given_won,
            "given_lost": self.given_lost,
            "given_won_value": self.given_won_value,
            "received": self.received,
            "received_won": self.received_won,
            "received_won_value": self.received_won_value,
            "balance": self.balance,
            "count_balance": self.count_balance,
            "thanks": self.thanks,
            "thanks_value": self.thanks_value,
            "one_to_ones": self.one_to_ones,
            "hours": self.hours,
            "value_per_hour": self.value_per_hour,
            "months": self.months,
        }


def _given(partner: Partner) -> QuerySet:
    return ReferralGiven.objects.filter(workspace_id=partner.workspace_id, partner_id=partner.pk)


def _received(partner: Partner) -> QuerySet:
    return Referral.objects.filter(workspace_id=partner.workspace_id, source_partner_id=partner.pk)


def _by_month(queryset: QuerySet, field_name: str, measure) -> dict[date, object]:
    rows = (
        queryset.annotate(month=TruncMonth(field_name, tzinfo=UTC))
        .order_by()
        .values("month")
        .annotate(v=measure)
        .values_list("month", "v")
    )
    out = {}
    for month, v in rows:
        month = month.date() if isinstance(month, datetime) else month
        out[month] = v
    return out


def _months(first: date, last: date) -> list[date]:
    months, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        months.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def partner_ledger(*, partner: Partner, period: Period = Period()) -> Ledger:
    """One partner's ledger over a period, with the monthly series and the cumulative balance."""
    ledger = Ledger(partner=partner, period=period)
    won = Q(status=GivenStatus.WON)

    given = _given(partner).filter(**period.lookups("at"))
    g = given.aggregate(
        n=Count("id"), won=Count("id", filter=won), lost=Count("id", filter=Q(status=GivenStatus.LOST))
    )
    ledger.given, ledger.given_won, ledger.given_lost = g["n"], g["won"], g["lost"]
    given_won = _given(partner).filter(won, **period.lookups("closed_at"))
    ledger.given_won_value = _money(given_won.aggregate(v=Sum("won_value"))["v"])

    received = _received(partner).filter(**period.lookups("received_at"))
    r = received.aggregate(n=Count("id"), won=Count("id", filter=Q(status=ReferralStatus.WON)))
    ledger.received, ledger.received_won = r["n"], r["won"]
    received_won = _received(partner).filter(status=ReferralStatus.WON, **period.lookups("closed_at"))
    ledger.received_won_value = _money(received_won.aggregate(v=Sum("won_value"))["v"])

    thanks = _given(partner).filter(thanked_at__isnull=False, **period.lookups("thanked_at"))
    t = thanks.aggregate(n=Count("id"), v=Sum("won_value"))
    ledger.thanks, ledger.thanks_value = t["n"], _money(t["v"])

    touchpoints = Touchpoint.objects.filter(
        workspace_id=partner.workspace_id, partner_id=partner.pk, **period.lookups("at")
    )
    tp = touchpoints.aggregate(
        one_to_ones=Count("id", filter=Q(kind=TouchpointKind.ONE_TO_ONE)), minutes=Sum("minutes")
    )
    ledger.one_to_ones, ledger.minutes = tp["one_to_ones"], tp["minutes"] or 0

    series = {
        "given": _by_month(given, "at", Count("id")),
        "given_won_value": _by_month(given_won, "closed_at", Sum("won_value")),
        "received": _by_month(received, "received_at", Count("id")),
        "received_won_value": _by_month(received_won, "closed_at", Sum("won_value")),
    }
    seen = [m for s in series.values() for m in s]
    if seen:
        first = min(seen) if period.start is None else date(period.start.year, period.start.month, 1)
        last = max(seen) if period.end is None else date(period.end.year, period.end.month, 1)
        first, last = min(first, min(seen)), max(last, max(seen))
        cumulative, count_cumulative = ZERO, 0
        for month in _months(first, last):
            row = {
                "month": month,
                "given": series["given"].get(month, 0),
                "given_won_value": _money(series["given_won_value"].get(month)),
                "received": series["received"].get(month, 0),
                "received_won_value": _money(series["received_won_value"].get(month)),
            }
            cumulative += row["given_won_value"] - row["received_won_value"]
            count_cumulative += row["given"] - row["received"]
            row["balance"] = cumulative
            row["count_balance"] = count_cumulative
            ledger.months.append(row)
    return ledger


def given_list(*, partner: Partner) -> QuerySet[ReferralGiven]:
    return _given(partner).select_related("contact", "account", "given_by__user")


# --- All partners, ranked ------------------------------------------------------------------------------------

# Sort keys of the ranking (all descending but balance, which puts the partners we owe most first), name last.
RANKINGS = {
    "received_value": lambda r: (-r["received_won_value"], r["name"], r["id"]),
    "balance": lambda r: (r["balance"], r["name"], r["id"]),
    "value_per_hour": lambda r: (
        r["value_per_hour"] is None,
        -(r["value_per_hour"] or 0),
        r["name"],
        r["id"],
    ),
    "given_value": lambda r: (-r["given_won_value"], r["name"], r["id"]),
    "hours": lambda r: (-r["hours"], r["name"], r["id"]),
    "name": lambda r: (r["name"], r["id"]),
}


def _per_partner(queryset: QuerySet, column: str, **measures) -> dict[int, dict]:
    """One GROUP BY query: the measures of every partner that has rows, keyed by partner id."""
    rows = queryset.order_by().values(column).annotate(**measures)
    return {row[column]: row for row in rows}


def partners_ranked(
    *, workspace: Workspace, period: Period = Period(), order: str = "received_value"
) -> list[dict]:
    """Every partner of the workspace with its ledger measures, sorted by `order` (a key of RANKINGS).

    One GROUP BY query per measure over the workspace (given, given won value, received, received won value,
    one-to-ones and minutes), merged per partner: the work is per partner, never per account.
    """
    given = ReferralGiven.objects.filter(workspace=workspace)
    received = Referral.objects.filter(workspace=workspace, source_partner__isnull=False)
    touchpoints = Touchpoint.objects.filter(
        workspace=workspace, partner__isnull=False, **period.lookups("at")
    )
    measures = {
        "given": _per_partner(given.filter(**period.lookups("at")), "partner_id", v=Count("id")),
        "given_won_value": _per_partner(
            given.filter(status=GivenStatus.WON, **period.lookups("closed_at")),
            "partner_id",
            v=Sum("won_value"),
        ),
        "received": _per_partner(
            received.filter(**period.lookups("received_at")), "source_partner_id", v=Count("id")
        ),
        "received_won_value": _per_partner(
            received.filter(status=ReferralStatus.WON, **period.lookups("closed_at")),
            "source_partner_id",
            v=Sum("won_value"),
        ),
        "time": _per_partner(
            touchpoints,
            "partner_id",
            one_to_ones=Count("id", filter=Q(kind=TouchpointKind.ONE_TO_ONE)),
            minutes=Sum("minutes"),
        ),
    }
    rows = []
    for pk, name, profession in Partner.objects.filter(workspace=workspace).values_list(
        "id", "name", "profession"
    ):
        time_row = measures["time"].get(pk, {})
        minutes = int(time_row.get("minutes") or 0)
        given_value = _money(measures["given_won_value"].get(pk, {}).get("v"))
        received_value = _money(measures["received_won_value"].get(pk, {}).get("v"))
        rows.append(
            {
                "id": pk,
                "name": name,
                "profession": profession,
                "given": int(measures["given"].get(pk, {}).get("v") or 0),
                "given_won_value": given_value,
                "received": int(measures["received"].get(pk, {}).get("v") or 0),
                "received_won_value": received_value,
                "balance": given_value - received_value,
                "one_to_ones": int(time_row.get("one_to_ones") or 0),
                "hours": (Decimal(minutes) / 60).quantize(Decimal("0.01")),
                "value_per_hour": (received_value * 60 / Decimal(minutes)).quantize(Decimal("0.01"))
                if minutes
                else None,
            }
        )
    rows.sort(key=RANKINGS.get(order, RANKINGS["received_value"]))
    return rows


# --- The nudge: give back to a valuable partner --------------------------------------------------------------

VALUE_WINDOW_DAYS = 365


def programme_of(workspace: Workspace) -> PartnerProgramme:
    """The workspace's partner programme settings, with the defaults when nobody changed them."""
    return PartnerProgramme.objects.filter(workspace=workspace).first() or PartnerProgramme(
        workspace=workspace
    )


def neglected_partners(*, workspace: Workspace, now: datetime | None = None) -> list[dict]:
    """The valuable partners (top by won value received in the last year) we have given nothing for a while.

    Two GROUP BY queries: the top partners by won value (with their count of won clients), then the day we last
    gave each of those something; the partners themselves are read only for the top few.
    """
    now = now or timezone.now()
    programme = programme_of(workspace)
    since = now - timedelta(days=VALUE_WINDOW_DAYS)
    top = list(
        Referral.objects.filter(
            workspace=workspace, source_partner__isnull=False, status=ReferralStatus.WON, closed_at__gte=since
        )
        .order_by()
        .values("source_partner_id")
        .annotate(value=Sum("won_value"), clients=Count("id"))
        .filter(value__gt=0)
        .order_by("-value", "source_partner_id")[: programme.valuable_partners]
    )
    ids = [row["source_partner_id"] for row in top]
    last_given = dict(
        ReferralGiven.objects.filter(workspace=workspace, partner_id__in=ids)
        .order_by()
        .values("partner_id")
        .annotate(last=Max("at"))
        .values_list("partner_id", "last")
    )
    partners = Partner.objects.select_related("owner__user").in_bulk(ids)
    cutoff = now - timedelta(days=programme.nudge_after_days)
    out = []
    for row in top:
        pk = row["source_partner_id"]
        last = last_given.get(pk)
        if last is None or last < cutoff:
            out.append(
                {
                    "partner": partners[pk],
                    "value": _money(row["value"]),
                    "clients": row["clients"],
                    "last_given": last,
                }
            )
    return out


def nudge_text(item: dict, currency: str) -> tuple[str, str]:
    partner, clients = item["partner"], item["clients"]
    first = partner.name.split()[0] if partner.name.strip() else partner.name
    title = f"Give back to {partner.name}: refer someone to them"[:200]
    if item["last_given"] is None:
        since = "you have never sent them anyone"
    else:
        since = f"you have sent them nothing since {item['last_given']:%B %Y}"
    details = (
        f"{first} sent you {clients} client{'s' if clients != 1 else ''} in the last 12 months "
        f"({currency} {item['value']:,.0f} won); {since}. "
        "Look at the suggestions on their page for a customer who could use them."
    )
    return title, details


def neglected_partner_nudges_create(*, workspace: Workspace, now: datetime | None = None) -> int:
    """Put a task on the partner owner's Today (the workspace owner's if nobody looks after the partner).

    Once per partner per period: the dedupe key names the partner and the period of `nudge_after_days` days
    that `now` falls in, so a daily job creates at most one task for a neglected partner in each period.
    """
    from referral_engine.engagement.models import Task, TaskKind
    from referral_engine.engagement.services import task_create
    from referral_engine.workspaces.models import Membership, Role

    now = now or timezone.now()
    items = neglected_partners(workspace=workspace, now=now)
    if not items:
        return 0
    days = programme_of(workspace).nudge_after_days
    bucket = (now.date() - date(1970, 1, 1)).days // days
    keys = {item["partner"].pk: f"partner-nudge:{item['partner'].pk}:{days}:{bucket}" for item in items}
    existing = set(
        Task.objects.filter(workspace=workspace, dedupe_key__in=keys.values()).values_list(
            "dedupe_key", flat=True
        )
    )
    fallback = (
        Membership.objects.filter(workspace=workspace, role=Role.OWNER, is_active=True).order_by("id").first()
    )
    created = 0
    for item in items:
        partner = item["partner"]
        if keys[partner.pk] in existing:
            continue
        title, details = nudge_text(item, workspace.currency)
        task_create(
            workspace=workspace,
            actor=None,
            kind=TaskKind.FOLLOW_UP,
            title=title,
            details=details,
            due=now.date(),
            assignee=partner.owner if partner.owner and partner.owner.is_active else fallback,
            partner=partner,
            dedupe_key=keys[partner.pk],
        )
        created += 1
    return created
