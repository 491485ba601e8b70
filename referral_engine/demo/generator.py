"""The demo firm as columns of numpy arrays, generated chunk by chunk. Nothing here touches the database.

A `Plan` (accounts, seed, reference day) fixes the firm. `FirmGenerator.setup()` yields the rows every chunk refers
to (networking groups, partners, events and their attendance, the owner's own tasks); `FirmGenerator.chunk(k)`
yields chunk k's accounts with all their contacts, purchases, referrals, touchpoints, surveys, asks and tasks.
Each chunk draws from its own random stream (`SeedSequence(seed, spawn_key=(stream, k))`), so the same plan gives
the same firm, and memory stays bounded by one chunk whatever the number of accounts.

Ids are explicit: the writer finds the first free id of each table and `Ids` hands out contiguous ranges, so rows
can refer to each other before anything is written. A nullable reference of 0 means NULL (ids start at 1).
Times are numpy datetime64 (seconds, or days for dates), NaT for NULL; everything happened before midnight UTC at
the start of the reference day, except task due dates and a few upcoming events.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace
from typing import Any

import numpy as np
from django.db import models
from scipy.special import ndtr

from referral_engine.demo import vocabulary as V
from referral_engine.engagement.models import Ask, AskOutcome, Task, TaskKind, TaskStatus
from referral_engine.feedback.models import NpsResponse, SurveyInvitation
from referral_engine.partners.models import (
    Attendance,
    Event,
    EventKind,
    GivenStatus,
    GroupKind,
    NetworkingGroup,
    Partner,
    PartnerKind,
    ReferralGiven,
)
from referral_engine.referrals.models import (
    Referral,
    ReferralStatus,
    Reward,
    RewardKind,
    RewardStatus,
    SourceKind,
)
from referral_engine.referrals.services import FIRST_CONTACT_WITHIN
from referral_engine.relationships.models import (
    Account,
    AccountStatus,
    BuyingRole,
    Channel,
    CompanySize,
    Contact,
    ContactLink,
    Direction,
    LinkKind,
    Purchase,
    Touchpoint,
    TouchpointKind,
)
from referral_engine.workspaces.models import Role

DAY = 86_400
HOUR = 3_600
HISTORY_DAYS = 3 * 365
NAT = np.iinfo(np.int64).min
FIRST_CONTACT_SECONDS = int(FIRST_CONTACT_WITHIN.total_seconds())

# Random streams: one for the staff, one for the shared network, one per chunk, and one per chunk for the referrals
# we give partners (a stream of its own, so adding them left every other row of a seed's firm as it was).
STREAM_STAFF, STREAM_NETWORK, STREAM_CHUNK, STREAM_GIVEN = 1, 2, 3, 4

# --- The shape of the firm -------------------------------------------------------------------------------------
# These are illustrative choices for a B2B services firm, not estimates from a data set. Where a formula comes from
# a paper, the paper is named next to it.
P_WON = 0.65  # share of accounts that became customers; the rest are prospects
P_WON_REFERRED = (
    0.45  # of customers, won through a referral ("84% of B2B relationships start with one", seed 000)
)
P_PROSPECT_LOST = 0.42  # of prospects, a referral we lost
P_PROSPECT_OPEN = 0.28  # of prospects, a referral still in the pipeline (the rest came from elsewhere)
# Referral sources: roughly the 50/40/10 client/partner/other mix of seed 003, with employees and events in "other".
SOURCE_KINDS = (
    SourceKind.CUSTOMER,
    SourceKind.PARTNER,
    SourceKind.EMPLOYEE,
    SourceKind.EVENT,
    SourceKind.OTHER,
)
SOURCE_WEIGHTS = (0.45, 0.35, 0.08, 0.07, 0.05)
OPEN_STAGES = (
    ReferralStatus.RECEIVED,
    ReferralStatus.CONTACTED,
    ReferralStatus.MEETING,
    ReferralStatus.PROPOSAL,
)
OPEN_STAGE_WEIGHTS = (0.15, 0.25, 0.28, 0.32)

# Repeat purchases follow the BG/NBD story (Fader, Hardie & Lee 2005, "Counting your customers the easy way"):
# while active, a customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha); after each repeat purchase
# they drop out with probability p ~ Beta(a, b). Rates are per year.
BGNBD_R, BGNBD_ALPHA = 0.75, 0.18
BGNBD_A, BGNBD_B = 0.7, 4.0
MAX_RATE = 52.0
# Referred customers leave 18% more slowly (Wharton study quoted in seed 001): their dropout chance is divided by 1.18.
REFERRED_RETENTION = 1.18
FREQUENCY_BY_SIZE = np.array([0.7, 0.9, 1.1, 1.3, 1.6])
# Spend per purchase follows the Gamma-Gamma model (Colombo & Jiang 1999; Fader, Hardie & Lee 2005, "RFM and CLV"):
# z ~ Gamma(p, nu) with nu ~ Gamma(q, gamma), mean spend p * gamma / (q - 1) = 4,000 before the size factor.
SPEND_P, SPEND_Q, SPEND_GAMMA = 4.0, 3.0, 2000.0
SPEND_BY_SIZE = np.array([0.4, 1.0, 2.5, 6.0, 15.0])
CONTACTS_BY_SIZE = np.array([0.7, 1.4, 2.5, 3.5, 5.0])

# Net Promoter answers (Reichheld 2003 categories). The shape is illustrative of B2B panels: most answers 7-10,
# a long tail down to 0, NPS about +27. A contact's answer rises with their account's advocacy.
NPS_PMF = np.array([0.02, 0.01, 0.015, 0.02, 0.025, 0.05, 0.06, 0.12, 0.21, 0.21, 0.26])
NPS_CDF = np.cumsum(NPS_PMF)
NPS_ADVOCACY_WEIGHT = 0.6

TOUCHPOINT_KINDS = ("meeting", "call", "email", "card", "gift", "support", "note")
TOUCHPOINT_WEIGHTS = (0.18, 0.24, 0.30, 0.03, 0.02, 0.13, 0.10)
CHANNELS = tuple(Channel.values)
_CH = {c: i for i, c in enumerate(CHANNELS)}
# Per touchpoint kind: the channels it happens on, the chance we reached out, and the minutes it takes.
TOUCHPOINT_CHANNELS = {
    "meeting": {"in_person": 0.6, "video": 0.4},
    "call": {"phone": 0.8, "video": 0.2},
    "email": {"email": 1.0},
    "card": {"mail": 1.0},
    "gift": {"mail": 0.6, "in_person": 0.4},
    "support": {"phone": 0.5, "email": 0.4, "video": 0.1},
    "note": {"other": 1.0},
}
TOUCHPOINT_OUTBOUND = {
    "meeting": 0.7,
    "call": 0.6,
    "email": 0.55,
    "card": 1,
    "gift": 1,
    "support": 0.2,
    "note": 0.8,
}
TOUCHPOINT_MINUTES = {
    "meeting": (30, 45, 60, 90),
    "call": (5, 10, 15, 20, 30),
    "email": (5, 10),
    "card": (10, 15),
    "gift": (20, 30),
    "support": (15, 20, 30, 45),
    "note": (2, 5),
}
ASK_CHANNELS = ("in_person", "phone", "video", "email")
assert set(TOUCHPOINT_KINDS) <= set(TouchpointKind.values) and set(ASK_CHANNELS) <= set(Channel.values)

TEAMS = ("Sales", "Customer success", "Delivery", "Partnerships")
TEAM_WEIGHTS = (0.35, 0.35, 0.2, 0.1)
TEAM_TITLES = {
    "Sales": ("Account executive", "Business development manager", "Sales consultant"),
    "Customer success": ("Customer success manager", "Account manager", "Client partner"),
    "Delivery": ("Consultant", "Senior consultant", "Project manager"),
    "Partnerships": ("Partner manager", "Alliances manager"),
}
BNI_SEATS = len(V.PROFESSIONS)
CHAMBER_MEMBERS = 12


@dataclass(frozen=True)
class Plan:
    accounts: int
    seed: int
    today: date
    chunk_size: int = 10_000

    @property
    def today_day(self) -> int:
        return (self.today - date(1970, 1, 1)).days

    @property
    def ref_s(self) -> int:
        """Midnight UTC at the start of the reference day: everything generated as history happened before it."""
        return self.today_day * DAY

    @property
    def chunks(self) -> int:
        return math.ceil(self.accounts / self.chunk_size)

    def chunk_bounds(self, k: int) -> tuple[int, int]:
        return k * self.chunk_size, min(self.accounts, (k + 1) * self.chunk_size)

    @property
    def employee_count(self) -> int:
        """Employees including the owner: a handful for a small book, one per thousand accounts up to 300."""
        return min(300, max(6, self.accounts // 1000))

    @property
    def other_partner_count(self) -> int:
        """Partners outside the networking groups (accountants and vendors met one by one)."""
        return min(300, 6 + self.accounts // 4000)

    def rng(self, stream: int, index: int = 0) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(stream, index)))


@dataclass(frozen=True)
class Person:
    first_name: str
    last_name: str
    role: str
    team: str
    title: str
    lead: int | None  # index of their lead in the staff plan

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def staff_plan(*, plan: Plan) -> list[Person]:
    """The owner, one lead per team (admins) and members; index 0 is the owner, who leads the leads."""
    rng = plan.rng(STREAM_STAFF)
    count = plan.employee_count + 1  # one more name for the partner with a portal sign-in
    picks = rng.choice(len(V.FIRST_NAMES) * len(V.LAST_NAMES), size=count, replace=False)
    names = [(V.FIRST_NAMES[i % len(V.FIRST_NAMES)], V.LAST_NAMES[i // len(V.FIRST_NAMES)]) for i in picks]
    people = [Person(*names[0], role=Role.OWNER, team="Leadership", title="Managing partner", lead=None)]
    leads = {}
    for team in TEAMS:
        leads[team] = len(people)
        people.append(
            Person(*names[len(people)], role=Role.ADMIN, team=team, title=f"Head of {team}", lead=0)
        )
    teams = rng.choice(len(TEAMS), size=plan.employee_count - len(people), p=TEAM_WEIGHTS)
    for t in teams.tolist():
        team = TEAMS[t]
        title = TEAM_TITLES[team][int(rng.integers(len(TEAM_TITLES[team])))]
        people.append(Person(*names[len(people)], role=Role.MEMBER, team=team, title=title, lead=leads[team]))
    return people


def portal_partner_person(*, plan: Plan) -> Person:
    """The BNI member who signs in to the partner portal (the name after the staff's)."""
    rng = plan.rng(STREAM_STAFF)
    picks = rng.choice(len(V.FIRST_NAMES) * len(V.LAST_NAMES), size=plan.employee_count + 1, replace=False)
    i = int(picks[-1])
    first, last = V.FIRST_NAMES[i % len(V.FIRST_NAMES)], V.LAST_NAMES[i // len(V.FIRST_NAMES)]
    return Person(first, last, role=Role.PARTNER, team="", title=V.PROFESSIONS[0][0], lead=None)


@dataclass(frozen=True)
class Staff:
    """The memberships the chunks refer to, in staff-plan order (index 0 is the owner)."""

    membership_ids: np.ndarray
    names: tuple[str, ...]
    teams: tuple[str, ...]
    portal_membership_id: int
    portal_email: str

    @property
    def owner_id(self) -> int:
        return int(self.membership_ids[0])

    def indices(self, *teams: str) -> np.ndarray:
        return np.array([i for i, t in enumerate(self.teams) if t in teams], dtype=np.int64)


class Ids:
    """Hands out explicit primary keys per model, from the first free id the writer found."""

    def __init__(self, first_free: dict[type[models.Model], int]):
        self._next = dict(first_free)

    def take(self, model: type[models.Model], n: int) -> np.ndarray:
        first = self._next[model]
        self._next[model] = first + n
        return np.arange(first, first + n, dtype=np.int64)

    def next_free(self, model: type[models.Model]) -> int:
        return self._next[model]


@dataclass
class Rows:
    """Rows of one model as columns keyed by attname: an array or list per column, or a scalar for all rows."""

    model: type[models.Model]
    columns: dict[str, Any]

    def __len__(self) -> int:
        return len(self.columns["id"])


BULK_MODELS: tuple[type[models.Model], ...] = (
    NetworkingGroup,
    Partner,
    Event,
    Attendance,
    Account,
    Contact,
    ContactLink,
    Purchase,
    Referral,
    Reward,
    Touchpoint,
    ReferralGiven,
    SurveyInvitation,
    NpsResponse,
    Ask,
    Task,
)


# --- Small vectorised helpers ----------------------------------------------------------------------------------
def _seconds(values: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=np.int64).astype("datetime64[s]")


def _days(values: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=np.int64).astype("datetime64[D]")


def _pick(options: tuple | np.ndarray, idx: np.ndarray) -> np.ndarray:
    return np.asarray(options, dtype=object if not isinstance(options, np.ndarray) else options.dtype)[idx]


def _choice(rng: np.random.Generator, weights: tuple | np.ndarray, n: int) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum())


def _ranks(counts: np.ndarray) -> np.ndarray:
    """For segments of the given lengths laid end to end, each element's position inside its segment."""
    total = int(counts.sum())
    starts = np.cumsum(counts) - counts
    return np.arange(total, dtype=np.int64) - np.repeat(starts, counts)


def _texts(rng: np.random.Generator, table: dict[str, tuple[str, ...]], keys: np.ndarray) -> list[str]:
    """A random canned text for each key (e.g. a touchpoint kind), drawn per key group without a per-row loop."""
    out = np.empty(len(keys), dtype=object)
    for key, options in table.items():
        where = np.flatnonzero(keys == key)
        if where.size:
            out[where] = np.asarray(options, dtype=object)[rng.integers(len(options), size=where.size)]
    return out.tolist()


def _table_pick(
    rng: np.random.Generator, table: dict[str, Any], keys: np.ndarray, n_keys: tuple
) -> np.ndarray:
    """Per key, a uniformly chosen value of table[key] (a tuple of numbers)."""
    width = max(len(v) for v in table.values())
    grid = np.zeros((len(n_keys), width), dtype=np.int64)
    lengths = np.zeros(len(n_keys), dtype=np.int64)
    for i, key in enumerate(n_keys):
        grid[i, : len(table[key])] = table[key]
        lengths[i] = len(table[key])
    col = (rng.random(len(keys)) * lengths[keys]).astype(np.int64)
    return grid[keys, col]


def _channels(rng: np.random.Generator, kind_idx: np.ndarray) -> np.ndarray:
    cum = np.zeros((len(TOUCHPOINT_KINDS), len(CHANNELS)))
    for i, kind in enumerate(TOUCHPOINT_KINDS):
        for channel, p in TOUCHPOINT_CHANNELS[kind].items():
            cum[i, _CH[channel]] = p
    cum = np.cumsum(cum, axis=1)
    u = rng.random(len(kind_idx))
    return np.asarray(CHANNELS, dtype=object)[(u[:, None] < cum[kind_idx]).argmax(axis=1)]


def nps_scores(rng: np.random.Generator, advocacy: np.ndarray) -> np.ndarray:
    """Scores 0-10 with the NPS_PMF marginal, correlated with advocacy through a Gaussian copula."""
    w = NPS_ADVOCACY_WEIGHT
    latent = w * advocacy + math.sqrt(1 - w * w) * rng.standard_normal(len(advocacy))
    return np.minimum(np.searchsorted(NPS_CDF, ndtr(latent), side="right"), 10)


def random_digests(n: int) -> list[str]:
    """Survey token digests: random, because a digest derived from the seed would have a guessable preimage.

    They are the only content that differs between two runs with the same seed.
    """
    raw = os.urandom(32 * n).hex()
    return [raw[i : i + 64] for i in range(0, 64 * n, 64)]


def _title(words: str) -> str:
    return " ".join(w if w.isupper() else w.capitalize() for w in words.split())


def _slug(word: str) -> str:
    return "".join(ch for ch in word.lower() if ch.isalnum())


_FIRST_SLUGS = tuple(_slug(w) for w in V.COMPANY_FIRST)
_SECOND_SLUGS = tuple(_slug(w) for w in V.COMPANY_SECOND)
_CITY_SLUGS = tuple(_slug(w) for w in V.CITIES)


_FIRST = np.asarray(V.FIRST_NAMES, dtype=object)
_LAST = np.asarray(V.LAST_NAMES, dtype=object)
_FIRST_LOWER = np.asarray([n.lower() for n in V.FIRST_NAMES], dtype=object)
_LAST_LOWER = np.asarray([n.lower() for n in V.LAST_NAMES], dtype=object)
# A stride coprime with the number of last names gives every contact of an account a different last name, so their
# e-mail addresses (first.last@domain) never clash.
_LAST_STRIDE = 7
assert math.gcd(_LAST_STRIDE, len(V.LAST_NAMES)) == 1 and len(V.LAST_NAMES) > 16
_NAME_SPACE = len(V.COMPANY_FIRST) * len(V.COMPANY_SECOND) * len(V.LEGAL_FORMS)
_NAME_STRIDE = (
    7919  # a prime that divides no factor of _NAME_SPACE, so i -> i * stride + offset is a permutation
)
assert math.gcd(_NAME_STRIDE, _NAME_SPACE) == 1


def company_names(*, global_index: np.ndarray, offset: int) -> tuple[list[str], list[str]]:
    """A unique company name and `.example` domain for each account number in the firm."""
    block, within = np.divmod(global_index, _NAME_SPACE)
    j = (within * _NAME_STRIDE + offset) % _NAME_SPACE
    a, rest = np.divmod(j, len(V.COMPANY_SECOND) * len(V.LEGAL_FORMS))
    b, legal = np.divmod(rest, len(V.LEGAL_FORMS))
    names, domains = [], []
    cities = len(V.CITIES)
    for ai, bi, li, blk in zip(a.tolist(), b.tolist(), legal.tolist(), block.tolist(), strict=True):
        name = f"{V.COMPANY_FIRST[ai]} {V.COMPANY_SECOND[bi]} {V.LEGAL_FORMS[li]}"
        domain = f"{_FIRST_SLUGS[ai]}{_SECOND_SLUGS[bi]}-{V.LEGAL_SLUGS[li]}"
        if blk:
            city = (blk - 1) % cities
            name += f" ({V.CITIES[city]})" if blk <= cities else f" ({V.CITIES[city]} {blk})"
            domain += f"-{_CITY_SLUGS[city]}" + (f"{blk}" if blk > cities else "")
        names.append(name)
        domains.append(f"{domain}.example")
    return names, domains


@dataclass
class _Network:
    partner_ids: np.ndarray
    partner_names: np.ndarray  # object
    partner_profession: np.ndarray
    partner_weight: np.ndarray  # how much business each partner sends us (and we send them)
    partner_owner: np.ndarray
    partner_group: np.ndarray  # the networking group each partner belongs to, 0 for none
    by_profession: list[
        tuple[np.ndarray, np.ndarray]
    ]  # per profession: partner positions, choice probabilities
    source_event_ids: np.ndarray  # events a referral can come from (hosted and conferences), by start
    source_event_starts: np.ndarray
    hosted_event_ids: np.ndarray
    hosted_event_starts: np.ndarray


class FirmGenerator:
    def __init__(self, *, plan: Plan, staff: Staff, ids: Ids):
        self.plan = plan
        self.staff = staff
        self.ids = ids
        self.network: _Network | None = None
        self.owner_pool = np.concatenate([[0], staff.indices("Sales", "Customer success")])
        # A few account owners carry bigger books than others, as in any sales team.
        weights = 1.0 / np.sqrt(np.arange(1, len(self.owner_pool) + 1))
        self.owner_weights = weights / weights.sum()
        self.partner_managers = np.concatenate([[0], staff.indices("Partnerships")])

    # --- The network every chunk refers to -----------------------------------------------------------------
    def setup(self) -> list[Rows]:
        """The rows every chunk refers to: networking groups, partners, events, and the work around them."""
        rng = self.plan.rng(STREAM_NETWORK)
        city = V.CITIES[self.plan.seed % len(V.CITIES)]
        group_ids = self.ids.take(NetworkingGroup, 2)
        groups = Rows(
            NetworkingGroup,
            {
                "id": group_ids,
                "name": [f"BNI {city} Central", f"{city} Chamber of Commerce"],
                "kind": [GroupKind.BNI.value, GroupKind.CHAMBER.value],
                "meets": ["Thursdays 07:00, Grand Hotel breakfast room", "First Tuesday of the month, 18:00"],
            },
        )
        partners, partner = self._partners(rng, group_ids=group_ids)
        events, event = self._events(rng, group_ids=group_ids, city=city)
        attendance = self._attendance(rng, event=event, partner=partner)
        partner_touchpoints, partner_asks = self._partner_meetings(rng, partner=partner)
        tasks = self._owner_tasks(partner=partner)
        by_profession = []
        for p in range(len(V.PROFESSIONS)):
            members = np.flatnonzero(partner.profession == p)
            by_profession.append((members, partner.weight[members] / partner.weight[members].sum()))
        source_events = np.flatnonzero((event.code >= 2) & (event.starts < self.plan.ref_s))
        hosted = np.flatnonzero((event.code == 2) & (event.starts < self.plan.ref_s))
        self.network = _Network(
            partner_ids=partner.ids,
            partner_names=partner.names,
            partner_profession=partner.profession,
            partner_weight=partner.weight,
            partner_owner=partner.owner,
            partner_group=partner.group,
            by_profession=by_profession,
            source_event_ids=event.ids[source_events],
            source_event_starts=event.starts[source_events],
            hosted_event_ids=event.ids[hosted],
            hosted_event_starts=event.starts[hosted],
        )
        return [groups, partners, events, attendance, partner_touchpoints, partner_asks, tasks]

    def _partners(self, rng: np.random.Generator, *, group_ids: np.ndarray) -> tuple[Rows, SimpleNamespace]:
        """A BNI chapter with one seat per profession, chamber members, then partners met one by one."""
        plan, staff, ids = self.plan, self.staff, self.ids
        n_other = plan.other_partner_count
        n_partners = BNI_SEATS + CHAMBER_MEMBERS + n_other
        partner_ids = ids.take(Partner, n_partners)
        profession = np.concatenate(
            [
                np.arange(BNI_SEATS),
                rng.integers(len(V.PROFESSIONS), size=CHAMBER_MEMBERS + n_other),
            ]
        )
        group = np.concatenate(
            [
                np.full(BNI_SEATS, group_ids[0]),
                np.full(CHAMBER_MEMBERS, group_ids[1]),
                np.zeros(n_other, np.int64),
            ]
        )
        picks = rng.choice(len(V.FIRST_NAMES) * len(V.LAST_NAMES), size=n_partners, replace=False)
        first = _FIRST[picks % len(V.FIRST_NAMES)]
        last = _LAST[picks // len(V.FIRST_NAMES)]
        portal = portal_partner_person(plan=plan)
        first[0], last[0] = portal.first_name, portal.last_name
        names = np.asarray([f"{f} {s}" for f, s in zip(first, last, strict=True)], dtype=object)
        companies = [
            f"{s} {_title(V.PROFESSIONS[p][0])}" if i % 3 else f"{f} {s} & Co"
            for i, (f, s, p) in enumerate(zip(first, last, profession.tolist(), strict=True))
        ]
        emails = [
            f"{f.lower()}@{s.lower()}-{_slug(V.PROFESSIONS[p][0])}-{i}.example"
            for i, (f, s, p) in enumerate(zip(first, last, profession.tolist(), strict=True))
        ]
        emails[0] = staff.portal_email
        # Reciprocity is uneven: a few partners send most of the business (lognormal weights), chapter members more.
        weight = rng.lognormal(0.0, 1.0, n_partners) * np.where(group == group_ids[0], 2.0, 1.0)
        weight[0] = weight.max() * 1.2  # the portal partner is the chapter's most active member
        owner = staff.membership_ids[
            self.partner_managers[rng.integers(len(self.partner_managers), size=n_partners)]
        ]
        dnc = np.zeros(n_partners, dtype=bool)
        if n_other:
            dnc[-1] = True
        # Ofcom keeps 0113 496 0xxx (and 020 7946 0xxx, used for contacts) for drama: never a real line.
        phones = [f"+44 113 496 0{i % 1000:03d}" for i in range(n_partners)]
        partners = Rows(
            Partner,
            {
                "id": partner_ids,
                "kind": np.where(
                    np.arange(n_partners) < BNI_SEATS + CHAMBER_MEMBERS,
                    PartnerKind.PERSON.value,
                    PartnerKind.FIRM.value,
                ).tolist(),
                "name": names.tolist(),
                "company": companies,
                "email": emails,
                "phone": phones,
                "profession": [V.PROFESSIONS[p][0] for p in profession.tolist()],
                "target_market": [V.PROFESSIONS[p][2] for p in profession.tolist()],
                "networking_group_id": group,
                "owner_id": owner,
                "portal_membership_id": np.concatenate(
                    [[staff.portal_membership_id], np.zeros(n_partners - 1, np.int64)]
                ),
                "do_not_contact": dnc,
            },
        )
        partner = SimpleNamespace(
            ids=partner_ids, names=names, profession=profession, weight=weight, owner=owner, group=group
        )
        return partners, partner

    def _events(
        self, rng: np.random.Generator, *, group_ids: np.ndarray, city: str
    ) -> tuple[Rows, SimpleNamespace]:
        """The chapter's weekly breakfast (two still to come), the chamber's monthly mixer, our own client
        evenings and workshops, and trade fairs we attend."""
        plan, today = self.plan, self.plan.today_day
        start_day = today - HISTORY_DAYS
        # Day 0 (1970-01-01) was a Thursday, so day d is a weekday (d + 3) % 7 with Monday 0.
        first_thursday = start_day + (3 - (start_day + 3)) % 7
        bni_days = np.arange(first_thursday, today + 14, 7)
        months = np.arange(np.datetime64(plan.today, "M") - 36, np.datetime64(plan.today, "M") + 2)
        month_first = months.astype("datetime64[D]").astype(np.int64)
        chamber_days = month_first + (1 - (month_first + 3)) % 7  # the first Tuesday of each month
        chamber_days = chamber_days[chamber_days >= start_day]
        hosted_days = np.arange(start_day + 40, today, 61)
        fair_days = np.arange(start_day + 100, today, 121)
        kinds = (
            [EventKind.ATTENDED.value] * len(bni_days)
            + [EventKind.ATTENDED.value] * len(chamber_days)
            + [EventKind.HOSTED.value] * len(hosted_days)
            + [EventKind.ATTENDED.value] * len(fair_days)
        )
        starts = np.concatenate(
            [
                bni_days * DAY + 7 * HOUR,
                chamber_days * DAY + 18 * HOUR,
                hosted_days * DAY + 17 * HOUR + 1800,
                fair_days * DAY + 9 * HOUR,
            ]
        )
        topics = (
            "Client appreciation evening",
            "Breakfast workshop: referral-ready customers",
            "Summer party",
        )
        event_names = (
            ["BNI chapter meeting"] * len(bni_days)
            + ["Chamber networking evening"] * len(chamber_days)
            + [topics[i % len(topics)] for i in range(len(hosted_days))]
            + [f"{V.INDUSTRIES[i % len(V.INDUSTRIES)]} trade fair" for i in range(len(fair_days))]
        )
        locations = (
            ["Grand Hotel"] * len(bni_days)
            + ["Chamber house"] * len(chamber_days)
            + ["Our office"] * len(hosted_days)
            + [f"Exhibition centre, {city}"] * len(fair_days)
        )
        event_group = np.concatenate(
            [
                np.full(len(bni_days), group_ids[0]),
                np.full(len(chamber_days), group_ids[1]),
                np.zeros(len(hosted_days) + len(fair_days), np.int64),
            ]
        )
        kind_code = np.concatenate(
            [
                np.zeros(len(bni_days)),
                np.ones(len(chamber_days)),
                np.full(len(hosted_days), 2),
                np.full(len(fair_days), 3),
            ]
        ).astype(np.int64)
        order = np.argsort(starts, kind="stable")
        event_ids = self.ids.take(Event, len(starts))
        starts, kind_code, event_group = starts[order], kind_code[order], event_group[order]
        events = Rows(
            Event,
            {
                "id": event_ids,
                "name": [event_names[i] for i in order.tolist()],
                "kind": [kinds[i] for i in order.tolist()],
                "networking_group_id": event_group,
                "starts_at": _seconds(starts),
                "location": [locations[i] for i in order.tolist()],
            },
        )
        return events, SimpleNamespace(ids=event_ids, starts=starts, code=kind_code)

    def _attendance(
        self, rng: np.random.Generator, *, event: SimpleNamespace, partner: SimpleNamespace
    ) -> Rows:
        """Who came to the past events: the chapter seat holder almost every week, members most weeks."""
        plan, staff = self.plan, self.staff
        event_ids, kind_code, partner_ids = event.ids, event.code, partner.ids
        past = np.flatnonzero(event.starts < plan.ref_s)
        att_event, att_employee, att_partner = [], [], []
        seat_holders = np.array([staff.indices("Partnerships")[0], 0])  # the partnerships lead, and the owner
        for e in past.tolist():
            code = int(kind_code[e])
            if code == 0:
                staff_go = seat_holders[rng.random(2) < (0.85, 0.3)]
                partners_go = np.flatnonzero(rng.random(BNI_SEATS) < 0.75)
            elif code == 1:
                staff_go = np.unique(rng.integers(plan.employee_count, size=2))
                partners_go = BNI_SEATS + np.flatnonzero(rng.random(CHAMBER_MEMBERS) < 0.5)
            elif code == 2:
                staff_go = np.unique(rng.integers(plan.employee_count, size=5))
                partners_go = np.flatnonzero(rng.random(BNI_SEATS) < 0.3)
            else:
                staff_go = np.unique(rng.integers(plan.employee_count, size=3))
                partners_go = np.zeros(0, np.int64)
            staff_go = np.unique(staff_go)
            att_event += [event_ids[e]] * (len(staff_go) + len(partners_go))
            att_employee += staff.membership_ids[staff_go].tolist() + [0] * len(partners_go)
            att_partner += [0] * len(staff_go) + partner_ids[partners_go].tolist()
        return Rows(
            Attendance,
            {
                "id": self.ids.take(Attendance, len(att_event)),
                "event_id": np.asarray(att_event, np.int64),
                "employee_id": np.asarray(att_employee, np.int64),
                "contact_id": 0,
                "partner_id": np.asarray(att_partner, np.int64),
            },
        )

    def _partner_meetings(self, rng: np.random.Generator, *, partner: SimpleNamespace) -> tuple[Rows, Rows]:
        """One-to-ones with chapter members (about every quarter), calls or e-mails with the others, and the
        asks made in one-to-ones (seed 003: ask in a meeting held for it)."""
        ref, ids = self.plan.ref_s, self.ids
        partner_ids, owner, weight = partner.ids, partner.owner, partner.weight
        n_partners = len(partner_ids)
        rate = np.where(np.arange(n_partners) < BNI_SEATS, 4.0, 2.0) * np.sqrt(weight / weight.mean())
        counts = rng.poisson(rate * HISTORY_DAYS / 365)
        tp_partner = np.repeat(np.arange(n_partners), counts)
        m = len(tp_partner)
        tp_at = ref - DAY - (rng.random(m) * (HISTORY_DAYS - 1) * DAY).astype(np.int64)
        is_bni = tp_partner < BNI_SEATS
        tp_kind = np.where(is_bni, "one_to_one", np.where(rng.random(m) < 0.5, "call", "email")).astype(
            object
        )
        tp_channel = np.where(
            is_bni,
            np.where(rng.random(m) < 0.7, "in_person", "video"),
            np.where(tp_kind == "call", "phone", "email"),
        ).astype(object)
        touchpoints = Rows(
            Touchpoint,
            {
                "id": ids.take(Touchpoint, m),
                "kind": tp_kind.tolist(),
                "channel": tp_channel.tolist(),
                "direction": np.where(rng.random(m) < 0.5, "out", "in").tolist(),
                "minutes": np.where(is_bni, 60, np.where(tp_kind == "call", 20, 10)),
                "employee_id": owner[tp_partner],
                "contact_id": 0,
                "account_id": 0,
                "partner_id": partner_ids[tp_partner],
                "event_id": 0,
                # One-to-ones are how a chapter's members get to know each other: they count for the chapter.
                "group_id": np.where(is_bni, partner.group[tp_partner], 0),
                "at": _seconds(tp_at),
                "summary": _texts(rng, V.TOUCHPOINT_SUMMARIES, tp_kind),
            },
        )
        # The asks that led to a referral are linked to it in the chunks.
        asked = np.flatnonzero(is_bni & (rng.random(m) < 0.3))
        recent = tp_at[asked] > ref - 21 * DAY
        outcome = _pick(
            (AskOutcome.MAYBE_LATER.value, AskOutcome.NOT_RIGHT_TIME.value, AskOutcome.DECLINED.value),
            _choice(rng, (0.55, 0.3, 0.15), len(asked)),
        )
        outcome[recent] = AskOutcome.PENDING.value
        asks = Rows(
            Ask,
            {
                "id": ids.take(Ask, len(asked)),
                "asker_id": owner[tp_partner[asked]],
                "contact_id": 0,
                "partner_id": partner_ids[tp_partner[asked]],
                "at": _seconds(tp_at[asked] + 40 * 60),
                "channel": tp_channel[asked].tolist(),
                "dedicated_meeting": True,
                "outcome": outcome.tolist(),
                "referral_id": 0,
                "note": "",
            },
        )
        return touchpoints, asks

    def _owner_tasks(self, *, partner: SimpleNamespace) -> Rows:
        """The owner's own list, so the Today page has something overdue, due today and due this week."""
        owner_tasks = [
            (-3, TaskKind.FOLLOW_UP, "Follow up with {p} after last week's one-to-one"),
            (-1, TaskKind.THANK, "Send {p} a handwritten card for the introduction at the chapter"),
            (0, TaskKind.THANK, "Call {p} to thank them for their referral"),
            (0, TaskKind.UPDATE, "Tell {p} how the meeting with their referral went"),
            (2, TaskKind.ASK, "Book a how-can-we-help-each-other meeting with {p}"),
            (5, TaskKind.FOLLOW_UP, "Prepare a referral for {p} before the next chapter meeting"),
        ]
        who = np.arange(len(owner_tasks)) % BNI_SEATS
        return Rows(
            Task,
            {
                "id": self.ids.take(Task, len(owner_tasks)),
                "kind": [k.value for _, k, _ in owner_tasks],
                "title": [
                    t.format(p=partner.names[w])
                    for (_, _, t), w in zip(owner_tasks, who.tolist(), strict=True)
                ],
                "details": "A personal call or card, never a mass e-mail.",
                "due": _days(np.array([self.plan.today_day + d for d, _, _ in owner_tasks])),
                "assignee_id": self.staff.owner_id,
                "status": TaskStatus.OPEN.value,
                "completed_at": _seconds(np.full(len(owner_tasks), NAT)),
                "account_id": 0,
                "contact_id": 0,
                "partner_id": partner.ids[who],
                "referral_id": 0,
                "dedupe_key": [f"demo:owner:{i}" for i in range(len(owner_tasks))],
            },
        )

    # --- One chunk of accounts with everything that hangs off them -----------------------------------------
    def chunk(self, k: int) -> list[Rows]:
        """Chunk k's accounts with everything that hangs off them, in an order that can be written as is."""
        assert self.network is not None, "setup() first"
        c = _Chunk(self, k)
        accounts, purchases = c.accounts_and_purchases()
        contacts = c.contacts()
        referrals = c.referrals()
        return [
            accounts,
            contacts,
            c.contact_links(),
            purchases,
            referrals,
            c.rewards(),
            c.touchpoints(),
            c.referrals_given(),
            c.event_attendance(),
            *c.surveys(),
            c.asks(),
            c.tasks(),
        ]


class _Chunk:
    """One chunk of the firm, built stage by stage; each stage reads what the earlier ones left on `self`.

    Positions ("local" indices) are into this chunk's arrays: accounts 0..n-1, contacts 0..nc-1, referrals 0..nr-1.
    """

    def __init__(self, firm: FirmGenerator, k: int):
        self.plan, self.staff, self.ids, self.net = firm.plan, firm.staff, firm.ids, firm.network
        self.firm = firm
        self.k = k
        self.rng = self.plan.rng(STREAM_CHUNK, k)
        self.ref, self.today = self.plan.ref_s, self.plan.today_day
        self.start, stop = self.plan.chunk_bounds(k)
        self.n = stop - self.start
        self.emp = self.staff.membership_ids

    def gap(self, shape: float, mean_days: float, size: int) -> np.ndarray:
        """Gamma-distributed waiting times in seconds with the given mean in days."""
        return (self.rng.gamma(shape, mean_days / shape, size) * DAY).astype(np.int64)

    def any_employee(self, size: int) -> np.ndarray:
        return self.emp[self.rng.integers(len(self.emp), size=size)]

    # --- Accounts and purchases ---------------------------------------------------------------------------
    def accounts_and_purchases(self) -> tuple[Rows, Rows]:
        rng, n, today, firm = self.rng, self.n, self.today, self.firm
        self.acc_id = self.ids.take(Account, n)
        name_offset = int(self.plan.rng(STREAM_NETWORK, 1).integers(_NAME_SPACE))
        self.acc_name, self.acc_domain = company_names(
            global_index=np.arange(self.start, self.start + n), offset=name_offset
        )
        self.size = size = _choice(rng, V.SIZE_WEIGHTS, n)
        industry = _choice(rng, V.INDUSTRY_WEIGHTS, n)
        self.owner = self.emp[firm.owner_pool[rng.choice(len(firm.owner_pool), size=n, p=firm.owner_weights)]]
        # How much the account likes us: drives referring, NPS answers and how asks go.
        self.advocacy = rng.standard_normal(n)
        self.won = won = rng.random(n) < P_WON
        self.referred = referred = won & (rng.random(n) < P_WON_REFERRED)
        u = rng.random(n)
        self.lost = ~won & (u < P_PROSPECT_LOST)
        self.open = ~won & (u >= P_PROSPECT_LOST) & (u < P_PROSPECT_LOST + P_PROSPECT_OPEN)
        # The firm grows: wins are denser in recent months (density falling linearly with age).
        age = np.clip(np.ceil(HISTORY_DAYS * (1 - np.sqrt(rng.random(n)))), 1, HISTORY_DAYS).astype(np.int64)
        self.won_day = won_day = np.where(won, today - age, 0)
        self.need = np.where(rng.random(n) < 0.35, rng.integers(len(V.PROFESSIONS), size=n), -1)

        # How many purchases: BG/NBD. `w` are the positions of the customers.
        self.w = w = np.flatnonzero(won)
        nw = len(w)
        t_days = today - won_day[w]
        lam = np.minimum(rng.gamma(BGNBD_R, 1 / BGNBD_ALPHA, nw) * FREQUENCY_BY_SIZE[size[w]], MAX_RATE)
        m_events = rng.poisson(lam * t_days / 365.25)
        p_drop = rng.beta(BGNBD_A, BGNBD_B, nw)
        p_drop[referred[w]] /= REFERRED_RETENTION
        dropout_after = rng.geometric(np.clip(p_drop, 1e-6, 1))
        kept = np.minimum(m_events, dropout_after)
        dropped = dropout_after <= m_events
        seg = np.repeat(np.arange(nw), m_events)
        x = rng.random(len(seg))
        x = x[np.argsort(seg + x, kind="stable")]  # sorted in time within each customer
        rank = _ranks(m_events)
        rep_day = won_day[w][seg] + np.floor(x * t_days[seg]).astype(np.int64)
        dropout_day = np.zeros(nw, np.int64)
        last = dropped[seg] & (rank == dropout_after[seg] - 1)
        dropout_day[seg[last]] = rep_day[last]
        # The firm notices a customer has gone some months after their last purchase.
        churn_day = dropout_day + 30 + np.ceil(rng.gamma(2.0, 45.0, nw)).astype(np.int64)
        churned_w = dropped & (churn_day < today)
        self.churned = churned = np.zeros(n, bool)
        churned[w[churned_w]] = True
        self.churned_day = np.zeros(n, np.int64)
        self.churned_day[w] = np.where(churned_w, churn_day, 0)
        self.end_day = np.where(churned, self.churned_day, today)
        keep = rank < kept[seg]
        pur_w = np.concatenate([np.arange(nw), seg[keep]])
        pur_day = np.concatenate([won_day[w], rep_day[keep]])
        first = np.concatenate([np.ones(nw, bool), np.zeros(int(keep.sum()), bool)])
        order = np.lexsort((~first, pur_day, pur_w))
        pur_w, self.pur_day, first = pur_w[order], pur_day[order], first[order]
        # How much: Gamma-Gamma, scaled by company size.
        nu = rng.gamma(SPEND_Q, 1 / SPEND_GAMMA, nw)
        spend = rng.gamma(SPEND_P, 1 / nu[pur_w]) * SPEND_BY_SIZE[size[w][pur_w]]
        amount = np.round(np.maximum(spend, 25.0), 2)
        margin = np.round(amount * rng.beta(5, 7, len(amount)), 2)
        margin[rng.random(len(amount)) < 0.05] = np.nan  # margin unknown
        self.pur_acc = pur_acc = w[pur_w]
        self.desc = np.where(
            first,
            _pick(V.PURCHASE_FIRST, rng.integers(len(V.PURCHASE_FIRST), size=len(amount))),
            _pick(V.PURCHASE_REPEAT, rng.integers(len(V.PURCHASE_REPEAT), size=len(amount))),
        )
        self.pur_id = self.ids.take(Purchase, len(amount))
        first_year = self.pur_day < won_day[pur_acc] + 365
        self.first_year_value = np.bincount(pur_acc[first_year], weights=amount[first_year], minlength=n)

        status = np.full(n, AccountStatus.PROSPECT.value, dtype=object)
        status[won] = AccountStatus.CUSTOMER.value
        status[churned] = AccountStatus.CHURNED.value
        accounts = Rows(
            Account,
            {
                "id": self.acc_id,
                "name": self.acc_name,
                "domain": self.acc_domain,
                "industry": _pick(V.INDUSTRIES, industry).tolist(),
                "size": _pick(tuple(CompanySize.values), size).tolist(),
                "owner_id": self.owner,
                "status": status.tolist(),
                "won_at": _days(np.where(won, won_day, NAT)),
                "churned_at": _days(np.where(churned, self.churned_day, NAT)),
                "needs": [V.PROFESSIONS[i][1].capitalize() if i >= 0 else "" for i in self.need.tolist()],
            },
        )
        purchases = Rows(
            Purchase,
            {
                "id": self.pur_id,
                "account_id": self.acc_id[pur_acc],
                "date": _days(self.pur_day),
                "amount": amount,
                "margin": margin,
                "description": self.desc.tolist(),
            },
        )
        return accounts, purchases

    # --- Contacts: the buying circle, bigger in bigger companies ------------------------------------------
    def contacts(self) -> Rows:
        rng, n = self.rng, self.n
        self.n_c = n_c = 1 + np.minimum(
            rng.poisson(CONTACTS_BY_SIZE[self.size] * np.where(self.won, 1.0, 0.4)), 9
        )
        self.c_first = np.cumsum(n_c) - n_c  # each account's first contact: its decision maker
        self.nc = nc = int(n_c.sum())
        self.c_acc = c_acc = np.repeat(np.arange(n), n_c)
        self.c_j = c_j = _ranks(n_c)
        self.c_id = self.ids.take(Contact, nc)
        self.role = role = np.where(
            c_j == 0,
            BuyingRole.DECISION_MAKER.value,
            np.where(
                c_j == 1,
                BuyingRole.CHAMPION.value,
                np.where(rng.random(nc) < 0.3, BuyingRole.INFLUENCER.value, BuyingRole.USER.value),
            ),
        ).astype(object)
        fi = rng.integers(len(V.FIRST_NAMES), size=nc)
        li = (rng.integers(len(V.LAST_NAMES), size=n)[c_acc] + c_j * _LAST_STRIDE) % len(V.LAST_NAMES)
        self.c_name = np.asarray(
            [f"{f} {s}" for f, s in zip(_FIRST[fi], _LAST[li], strict=True)], dtype=object
        )
        c_domain = np.asarray(self.acc_domain, dtype=object)[c_acc]
        email = np.asarray(
            [f"{f}.{s}@{d}" for f, s, d in zip(_FIRST_LOWER[fi], _LAST_LOWER[li], c_domain, strict=True)],
            dtype=object,
        )
        email[rng.random(nc) < 0.05] = ""
        phone_n = rng.integers(1000, size=nc)
        has_phone = rng.random(nc) < 0.6
        titles = _texts(rng, V.TITLES_BY_ROLE, role)
        birth_lo = (date(1962, 1, 1) - date(1970, 1, 1)).days
        birth_hi = (date(1999, 1, 1) - date(1970, 1, 1)).days
        self.birthday = np.where(rng.random(nc) < 0.8, rng.integers(birth_lo, birth_hi, size=nc), NAT)
        self.c_dnc = rng.random(nc) < 0.015
        return Rows(
            Contact,
            {
                "id": self.c_id,
                "account_id": self.acc_id[c_acc],
                "first_name": _FIRST[fi].tolist(),
                "last_name": _LAST[li].tolist(),
                "email": email.tolist(),
                "phone": [
                    f"+44 20 7946 0{p:03d}" if h else ""
                    for p, h in zip(phone_n.tolist(), has_phone.tolist(), strict=True)
                ],
                "title": titles,
                "role": role.tolist(),
                "birthday": _days(self.birthday),
                "do_not_contact": self.c_dnc,
                "owner_id": self.owner[c_acc],
            },
        )

    # --- Referrals: stages, sources, chains -----------------------------------------------------------------
    def referrals(self) -> Rows:
        self._referral_stages()
        self._referral_sources()
        rng, nr, net = self.rng, self.nr, self.net
        r_acc, r_status, received = self.r_acc, self.r_status, self.received
        # Ids follow the date received, so a chain's earlier referral always has the smaller id.
        order = np.argsort(received, kind="stable")
        self.r_id = r_id = np.empty(nr, np.int64)
        r_id[order] = self.ids.take(Referral, nr)
        # Tier 2: the referrer works at an account we won through an earlier referral, which starts the chain.
        referral_of = np.full(self.n, -1)
        referral_of[r_acc[self.iw]] = self.iw
        via = np.where(self.is_c, referral_of[np.maximum(self.src_acc, 0)], -1)
        tier2 = via >= 0
        parent = np.where(tier2, r_id[np.maximum(via, 0)], 0)
        self.won_value = np.where(
            r_status == ReferralStatus.WON.value, np.round(self.first_year_value[r_acc], 2), np.nan
        )
        lost_reason = np.where(
            r_status == ReferralStatus.LOST.value,
            _pick(V.LOST_REASONS, rng.integers(len(V.LOST_REASONS), size=nr)),
            "",
        )
        self.referred_contact = self.c_id[self.c_first[r_acc]]
        story = np.asarray(_texts(rng, V.REFERRAL_STORIES, self.kind), dtype=object)
        return Rows(
            Referral,
            {
                "id": r_id[order],
                "source_kind": self.kind[order].tolist(),
                "source_contact_id": self.src_contact[order],
                "source_partner_id": self.src_partner[order],
                "source_employee_id": self.src_employee[order],
                "source_event_id": self.src_event[order],
                # A partner in a networking group sent it: the business counts for the group (partners/ledger).
                "group_id": np.where(self.is_p, net.partner_group[np.maximum(self.src_partner_pos, 0)], 0)[
                    order
                ],
                "source_name": self.src_name[order].tolist(),
                "referred_account_id": self.acc_id[r_acc][order],
                "referred_contact_id": self.referred_contact[order],
                "owner_id": self.r_owner[order],
                "status": r_status[order].tolist(),
                "received_at": _seconds(received[order]),
                "contacted_at": _seconds(self.contacted[order]),
                "meeting_at": _seconds(self.meeting[order]),
                "proposal_at": _seconds(self.proposal[order]),
                "closed_at": _seconds(self.closed[order]),
                "first_contact_due": _seconds(received[order] + FIRST_CONTACT_SECONDS),
                "tier": np.where(tier2, 2, 1)[order],
                "parent_id": parent[order],
                "story": story[order].tolist(),
                "won_value": self.won_value[order],
                "lost_reason": lost_reason[order].tolist(),
            },
        )

    def _referral_stages(self) -> None:
        rng, ref, gap = self.rng, self.ref, self.gap
        self.r_acc = r_acc = np.flatnonzero(self.referred | self.lost | self.open)
        self.nr = nr = len(r_acc)
        self.r_status = r_status = np.empty(nr, dtype=object)
        r_status[self.referred[r_acc]] = ReferralStatus.WON.value
        r_status[self.lost[r_acc]] = ReferralStatus.LOST.value
        is_open = self.open[r_acc]
        r_status[is_open] = _pick(
            tuple(s.value for s in OPEN_STAGES), _choice(rng, OPEN_STAGE_WEIGHTS, int(is_open.sum()))
        )
        self.received = received = np.zeros(nr, np.int64)
        self.contacted = contacted = np.full(nr, NAT)
        self.meeting = meeting = np.full(nr, NAT)
        self.proposal = proposal = np.full(nr, NAT)
        self.closed = closed = np.full(nr, NAT)

        # Won: closed on the day the account was won, the stages before it (about six weeks from first contact).
        self.iw = iw = np.flatnonzero(r_status == ReferralStatus.WON.value)
        closed[iw] = self.won_day[r_acc[iw]] * DAY + 9 * HOUR + rng.integers(8 * HOUR, size=len(iw))
        proposal[iw] = closed[iw] - gap(2, 20, len(iw))
        meet = proposal[iw] - gap(2, 14, len(iw))
        meeting[iw] = np.where(rng.random(len(iw)) < 0.9, meet, NAT)  # some skip straight to a proposal
        contacted[iw] = meet - gap(2, 10, len(iw))
        received[iw] = contacted[iw] - gap(1, 1.0, len(iw))
        # Lost: any time in the last three years, stopped after some stage.
        il = np.flatnonzero(r_status == ReferralStatus.LOST.value)
        received[il] = ref - 130 * DAY - (rng.random(len(il)) * (HISTORY_DAYS - 70) * DAY).astype(np.int64)
        reach = rng.random(len(il))
        c_at = received[il] + gap(1, 1.5, len(il))
        m_at = c_at + gap(2, 12, len(il))
        p_at = m_at + gap(2, 16, len(il))
        contacted[il] = np.where(reach > 0.05, c_at, NAT)
        meeting[il] = np.where(reach > 0.4, m_at, NAT)
        proposal[il] = np.where(reach > 0.65, p_at, NAT)
        last_stage = np.where(
            reach > 0.65, p_at, np.where(reach > 0.4, m_at, np.where(reach > 0.05, c_at, received[il]))
        )
        closed[il] = np.minimum(last_stage + gap(2, 24, len(il)), ref - DAY)
        for stage in (contacted, meeting, proposal):  # keep the order even where the cap above bit
            stage[il] = np.where(stage[il] == NAT, NAT, np.minimum(stage[il], closed[il]))
        # Open: the further along, the longer ago it came in; most new ones are due today, a few overdue.
        self.io = io = np.flatnonzero(is_open)
        st = r_status[io]
        age_days = np.select(
            [st == "received", st == "contacted", st == "meeting"],
            [
                np.where(
                    rng.random(len(io)) < 0.8, rng.uniform(0.05, 0.85, len(io)), rng.uniform(1.5, 6, len(io))
                ),
                rng.uniform(2, 30, len(io)),
                rng.uniform(8, 60, len(io)),
            ],
            rng.uniform(15, 110, len(io)),
        )
        received[io] = ref - (age_days * DAY).astype(np.int64)
        span = ref - received[io]
        c_at = received[io] + np.minimum(gap(1, 1.0, len(io)), (span * 0.3).astype(np.int64))
        m_at = c_at + ((ref - c_at) * rng.uniform(0.2, 0.6, len(io))).astype(np.int64)
        p_at = m_at + ((ref - m_at) * rng.uniform(0.2, 0.8, len(io))).astype(np.int64)
        contacted[io] = np.where(st != "received", c_at, NAT)
        meeting[io] = np.where(np.isin(st, ("meeting", "proposal")), m_at, NAT)
        proposal[io] = np.where(st == "proposal", p_at, NAT)
        self.r_owner = self.owner[r_acc].copy()
        if self.k == 0:
            # A few referrals past their first-contact deadline, on the owner's desk.
            fresh = io[st == "received"][:3]
            more = io[st != "received"][: 3 - len(fresh)]
            late = np.concatenate([fresh, more])
            r_status[late] = ReferralStatus.RECEIVED.value
            received[late] = ref - (2 + np.arange(len(late))) * DAY - 5 * HOUR
            contacted[late] = meeting[late] = proposal[late] = NAT
            self.r_owner[late] = self.staff.owner_id

    def _referral_sources(self) -> None:
        """Customers who bought before (the keenest of a few), partners by their weight, colleagues, events."""
        rng, net, nr, w = self.rng, self.net, self.nr, self.w
        received = self.received
        self.kind = kind = _pick(tuple(s.value for s in SOURCE_KINDS), _choice(rng, SOURCE_WEIGHTS, nr))
        self.recv_day = recv_day = received // DAY
        self.src_acc = src_acc = np.full(nr, -1)
        ic = np.flatnonzero(kind == SourceKind.CUSTOMER.value)
        if len(ic) and len(w):
            by_won = w[np.argsort(self.won_day[w], kind="stable")]
            count = np.searchsorted(self.won_day[by_won], recv_day[ic], side="left")
            cand = by_won[
                np.minimum((rng.random((len(ic), 5)) * count[:, None]).astype(np.int64), len(w) - 1)
            ]
            score = self.advocacy[cand] + rng.gumbel(size=cand.shape)
            gone = self.churned[cand] & (self.churned_day[cand] <= recv_day[ic, None])
            score[(count[:, None] == 0) | gone | (cand == self.r_acc[ic, None])] = -np.inf
            best = score.argmax(axis=1)
            found = np.isfinite(score[np.arange(len(ic)), best])
            src_acc[ic[found]] = cand[np.arange(len(ic)), best][found]
            kind[ic[~found]] = SourceKind.PARTNER.value  # nobody had bought yet: a partner sent it
        else:
            kind[ic] = SourceKind.PARTNER.value
        ie = np.flatnonzero(kind == SourceKind.EVENT.value)
        ev_count = np.searchsorted(net.source_event_starts, received[ie], side="left")
        kind[ie[ev_count == 0]] = SourceKind.OTHER.value
        ev_pick = np.maximum(ev_count - rng.geometric(0.5, len(ie)), 0)  # mostly the latest event before
        self.src_event = np.zeros(nr, np.int64)
        ok = ev_count > 0
        self.src_event[ie[ok]] = net.source_event_ids[ev_pick[ok]]
        self.is_c = is_c = src_acc >= 0
        self.sc = sc = np.flatnonzero(is_c)
        self.src_contact_pos = np.full(nr, -1)
        self.src_contact_pos[sc] = self.c_first[src_acc[sc]] + (
            rng.random(len(sc)) * np.minimum(self.n_c[src_acc[sc]], 3)
        ).astype(np.int64)
        self.src_contact = np.zeros(nr, np.int64)
        self.src_contact[sc] = self.c_id[self.src_contact_pos[sc]]
        self.is_p = is_p = kind == SourceKind.PARTNER.value
        p_w = net.partner_weight / net.partner_weight.sum()
        self.src_partner_pos = np.full(nr, -1)
        self.src_partner_pos[is_p] = rng.choice(len(p_w), size=int(is_p.sum()), p=p_w)
        self.src_partner = np.where(is_p, net.partner_ids[np.maximum(self.src_partner_pos, 0)], 0)
        self.is_e = is_e = kind == SourceKind.EMPLOYEE.value
        self.src_emp_pos = rng.integers(len(self.emp), size=nr)
        self.src_employee = np.where(is_e, self.emp[self.src_emp_pos], 0)
        is_o = kind == SourceKind.OTHER.value
        self.src_name = np.where(
            is_o, _pick(V.OTHER_SOURCES, rng.integers(len(V.OTHER_SOURCES), size=nr)), ""
        )

    # --- Who knows whom -------------------------------------------------------------------------------------
    def contact_links(self) -> Rows:
        """Colleagues report to and influence the decision maker; referrers know the person they referred."""
        rng, c_first, c_acc, c_j = self.rng, self.c_first, self.c_acc, self.c_j
        j1 = np.flatnonzero(c_j >= 1)
        rep = j1[rng.random(len(j1)) < 0.7]
        infl = j1[(self.role[j1] != BuyingRole.USER.value) & (rng.random(len(j1)) < 0.6)]
        knows = np.flatnonzero((c_j >= 2) & (rng.random(self.nc) < 0.25))
        cross = np.flatnonzero(self.is_c & (rng.random(self.nr) < 0.8))
        from_pos = np.concatenate([rep, infl, knows, self.src_contact_pos[cross]])
        to_pos = np.concatenate(
            [c_first[c_acc[rep]], c_first[c_acc[infl]], knows - 1, c_first[self.r_acc[cross]]]
        )
        return Rows(
            ContactLink,
            {
                "id": self.ids.take(ContactLink, len(from_pos)),
                "from_contact_id": self.c_id[from_pos],
                "to_contact_id": self.c_id[to_pos],
                "kind": [LinkKind.REPORTS_TO.value] * len(rep)
                + [LinkKind.INFLUENCES.value] * len(infl)
                + [LinkKind.KNOWS.value] * (len(knows) + len(cross)),
            },
        )

    # --- Rewards for some won referrals: fees to partners, gifts to customers and colleagues ----------------
    def rewards(self) -> Rows:
        rng, ref, iw = self.rng, self.ref, self.iw
        is_p, is_c, is_e = self.is_p, self.is_c, self.is_e
        rw = iw[rng.random(len(iw)) < np.select([is_p[iw], is_c[iw], is_e[iw]], [0.5, 0.3, 0.4], 0.0)]
        fee = is_p[rw] & (rng.random(len(rw)) < 0.7)
        kind = np.where(
            fee,
            RewardKind.FEE.value,
            np.where(rng.random(len(rw)) < 0.85, RewardKind.GIFT.value, RewardKind.DONATION.value),
        )
        amount = np.where(
            fee,
            np.round(np.maximum(self.won_value[rw] * rng.uniform(0.05, 0.1, len(rw)), 100), 2),
            _pick((50, 75, 100, 150, 250), rng.integers(5, size=len(rw))).astype(float),
        )
        closed = self.closed[rw]
        age = ref - closed
        status = np.where(
            age > 60 * DAY,
            _pick(
                (RewardStatus.PAID.value, RewardStatus.APPROVED.value, RewardStatus.DECLINED.value),
                _choice(rng, (0.85, 0.1, 0.05), len(rw)),
            ),
            np.where(age > 14 * DAY, RewardStatus.APPROVED.value, RewardStatus.PROPOSED.value),
        )
        approved = np.isin(status, (RewardStatus.APPROVED.value, RewardStatus.PAID.value))
        approved_at = np.minimum(closed + self.gap(2, 4, len(rw)), ref - HOUR)
        paid_at = np.minimum(approved_at + self.gap(2, 10, len(rw)), ref - HOUR)
        return Rows(
            Reward,
            {
                "id": self.ids.take(Reward, len(rw)),
                "referral_id": self.r_id[rw],
                "kind": kind.tolist(),
                "amount": amount,
                "status": status.tolist(),
                "note": np.where(fee, "Referral fee as agreed with the partner", "Thank-you gift").tolist(),
                "approved_by_id": np.where(approved, self.staff.owner_id, 0),
                "approved_at": _seconds(np.where(approved, approved_at, NAT)),
                "paid_at": _seconds(np.where(status == RewardStatus.PAID.value, paid_at, NAT)),
            },
        )

    # --- Touchpoints ----------------------------------------------------------------------------------------
    def touchpoints(self) -> Rows:
        """With customers over their life, by their owner and many colleagues; the first call and meeting of
        every referral; and the referrals we pass to partners (seed 003: help them and they help you)."""
        rng, n, today, net = self.rng, self.n, self.today, self.net
        won_day, end_day = self.won_day, self.end_day
        life_start = np.maximum(won_day - 45, today - HISTORY_DAYS)
        life = np.where(self.won, end_day - life_start, 0)
        engagement = rng.gamma(2.0, 0.5, n) * np.exp(0.3 * self.advocacy)
        t_count = np.minimum(rng.poisson(2.5 * engagement * life / 365.25), 60)
        t_acc = np.repeat(np.arange(n), t_count)
        nt = len(t_acc)
        t_contact = self.c_first[t_acc] + (rng.random(nt) * self.n_c[t_acc]).astype(np.int64)
        t_at = life_start[t_acc] * DAY + (rng.random(nt) * (life[t_acc] * DAY - HOUR)).astype(np.int64)
        t_kind_idx = _choice(rng, TOUCHPOINT_WEIGHTS, nt)
        t_kind = _pick(TOUCHPOINT_KINDS, t_kind_idx)
        t_emp = np.where(rng.random(nt) < 0.65, self.owner[t_acc], self.any_employee(nt))
        rc = np.flatnonzero(self.contacted != NAT)
        rm = np.flatnonzero(self.meeting != NAT)
        pipe_at = np.concatenate([self.contacted[rc], self.meeting[rm]])
        pipe_kind = np.asarray(["call"] * len(rc) + ["meeting"] * len(rm), dtype=object)
        pipe = np.concatenate([rc, rm])
        # Referrals we pass: outbound notes to a partner of the profession the account needs (docs/demo.md).
        passed = np.flatnonzero(self.won & (self.need >= 0) & (rng.random(n) < 0.4))
        passed_partner = np.zeros(len(passed), np.int64)
        for p, (members, probs) in enumerate(net.by_profession):
            sel = np.flatnonzero(self.need[passed] == p)
            if sel.size and members.size:
                passed_partner[sel] = rng.choice(members, size=sel.size, p=probs)
        passed_at = won_day[passed] * DAY + (
            rng.random(len(passed)) * (end_day[passed] - won_day[passed]) * DAY
        ).astype(np.int64)
        passed_summary = [
            f"Referral passed to {net.partner_names[pp]}: {self.acc_name[a]} needs {V.PROFESSIONS[self.need[a]][1]}."
            for pp, a in zip(passed_partner.tolist(), passed.tolist(), strict=True)
        ]
        self.passed, self.passed_partner, self.passed_at = passed, passed_partner, passed_at
        self.passed_summary = passed_summary
        summaries = _texts(rng, V.TOUCHPOINT_SUMMARIES, t_kind)
        kind = np.concatenate([t_kind, pipe_kind, np.full(len(passed), "note", dtype=object)])
        kind_idx = np.concatenate(
            [
                t_kind_idx,
                np.where(
                    pipe_kind == "call", TOUCHPOINT_KINDS.index("call"), TOUCHPOINT_KINDS.index("meeting")
                ),
                np.full(len(passed), TOUCHPOINT_KINDS.index("note")),
            ]
        ).astype(np.int64)
        outbound = np.asarray([TOUCHPOINT_OUTBOUND[x] for x in TOUCHPOINT_KINDS])[kind_idx]
        direction = np.where(
            rng.random(len(kind)) < outbound, Direction.OUTBOUND.value, Direction.INBOUND.value
        )
        direction[nt:] = Direction.OUTBOUND.value  # we call referrals, and we pass referrals on
        channel = _channels(rng, kind_idx)
        channel[nt + len(pipe) :] = _pick(("email", "phone", "in_person"), rng.integers(3, size=len(passed)))
        minutes = _table_pick(rng, TOUCHPOINT_MINUTES, kind_idx, TOUCHPOINT_KINDS)
        minutes[nt + len(pipe) :] = 15
        return Rows(
            Touchpoint,
            {
                "id": self.ids.take(Touchpoint, len(kind)),
                "kind": kind.tolist(),
                "channel": channel.tolist(),
                "direction": direction.tolist(),
                "minutes": minutes,
                "employee_id": np.concatenate([t_emp, self.r_owner[pipe], self.owner[passed]]),
                "contact_id": np.concatenate(
                    [self.c_id[t_contact], self.referred_contact[pipe], np.zeros(len(passed), np.int64)]
                ),
                "account_id": np.concatenate(
                    [self.acc_id[t_acc], self.acc_id[self.r_acc[pipe]], self.acc_id[passed]]
                ),
                "partner_id": np.concatenate(
                    [np.zeros(nt + len(pipe), np.int64), net.partner_ids[passed_partner]]
                ),
                "event_id": 0,
                "at": _seconds(np.concatenate([t_at, pipe_at, passed_at])),
                "summary": summaries
                + [
                    "First call about the referral" if x == "call" else "First meeting"
                    for x in pipe_kind.tolist()
                ]
                + passed_summary,
            },
        )

    def referrals_given(self) -> Rows:
        """The referrals passed in touchpoints(), in the reciprocity ledger: we gave the partner the account's
        decision maker. The older a referral, the likelier the partner has closed it (about 60% won, with a
        value, half of those with the partner's thank-you; the rest lost); recent ones are mostly still open."""
        rng = self.plan.rng(STREAM_GIVEN, self.k)
        ref, passed, at = self.ref, self.passed, self.passed_at
        m = len(passed)
        age_days = (ref - at) / DAY
        # Closed within about three months on average: P(closed by now) = 1 - exp(-age / 90 days).
        closed = rng.random(m) < 1.0 - np.exp(-age_days / 90.0)
        won = closed & (rng.random(m) < 0.6)
        lost = closed & ~won
        status = np.where(
            won, GivenStatus.WON.value, np.where(lost, GivenStatus.LOST.value, GivenStatus.OPEN.value)
        )
        closed_at = np.where(
            closed, at + (rng.random(m) * np.maximum(ref - HOUR - at, 0)).astype(np.int64), NAT
        )
        # What the partner billed: illustrative, a few thousand with a long tail.
        won_value = np.where(won, np.round(rng.lognormal(np.log(3000.0), 0.8, m), 2), np.nan)
        thanked = won & (rng.random(m) < 0.5)
        thanked_at = np.where(
            thanked, np.minimum(closed_at + rng.integers(HOUR, 10 * DAY, size=m), ref - 60), NAT
        )
        return Rows(
            ReferralGiven,
            {
                "id": self.ids.take(ReferralGiven, m),
                "partner_id": self.net.partner_ids[self.passed_partner],
                "contact_id": self.c_id[self.c_first[passed]],
                "account_id": self.acc_id[passed],
                "given_by_id": self.owner[passed],
                "at": _seconds(at),
                "note": self.passed_summary,
                "status": status.tolist(),
                "won_value": won_value,
                "closed_at": _seconds(closed_at),
                "thanked_at": _seconds(thanked_at),
            },
        )

    def event_attendance(self) -> Rows:
        """Customers' contacts at our own events, while they were customers."""
        rng, net, c_acc = self.rng, self.net, self.c_acc
        goes = np.flatnonzero(self.won[c_acc] & (self.c_j < 3) & (rng.random(self.nc) < 0.1))
        lo = np.searchsorted(net.hosted_event_starts, self.won_day[c_acc[goes]] * DAY, side="right")
        hi = np.searchsorted(net.hosted_event_starts, self.end_day[c_acc[goes]] * DAY, side="left")
        can = hi > lo
        goes, lo, hi = goes[can], lo[can], hi[can]
        event = lo + (rng.random(len(goes)) * (hi - lo)).astype(np.int64)
        return Rows(
            Attendance,
            {
                "id": self.ids.take(Attendance, len(goes)),
                "event_id": net.hosted_event_ids[event],
                "employee_id": 0,
                "contact_id": self.c_id[goes],
                "partner_id": 0,
            },
        )

    # --- NPS ------------------------------------------------------------------------------------------------
    def surveys(self) -> tuple[Rows, Rows]:
        """Invitations to customers' contacts, answers skewed like B2B panels, and a few public answers."""
        rng, ref, today, nc, c_acc = self.rng, self.ref, self.today, self.nc, self.c_acc
        survey_from = np.maximum(self.won_day[c_acc] + 30, today - 730)
        survey_to = np.minimum(self.end_day[c_acc], today) - 2
        can_survey = self.won[c_acc] & (survey_to > survey_from) & ~self.c_dnc
        inv_count = np.where(can_survey, _choice(rng, (0.65, 0.25, 0.10), nc), 0)
        inv_c = np.repeat(np.arange(nc), inv_count)
        ni = len(inv_c)
        sent = survey_from[inv_c] * DAY + (
            rng.random(ni) * (survey_to[inv_c] - survey_from[inv_c]) * DAY
        ).astype(np.int64)
        expires = sent + 30 * DAY
        answered = rng.random(ni) < 0.35 + 0.1 * np.tanh(self.advocacy[c_acc[inv_c]])
        answered_at = np.minimum(sent + self.gap(1, 2.0, ni) + HOUR, np.minimum(expires, ref) - HOUR)
        inv_id = self.ids.take(SurveyInvitation, ni)
        invitations = Rows(
            SurveyInvitation,
            {
                "id": inv_id,
                "contact_id": self.c_id[inv_c],
                "token_digest": random_digests(ni),
                "sent_at": _seconds(sent),
                "expires_at": _seconds(expires),
                "answered_at": _seconds(np.where(answered, answered_at, NAT)),
            },
        )
        public = np.flatnonzero(can_survey & (rng.random(nc) < 0.04))
        public_at = survey_from[public] * DAY + (
            rng.random(len(public)) * (survey_to[public] - survey_from[public]) * DAY
        ).astype(np.int64)
        self.resp_c = resp_c = np.concatenate([inv_c[answered], public])
        self.resp_at = np.concatenate([answered_at[answered], public_at])
        self.score = score = nps_scores(rng, self.advocacy[c_acc[resp_c]])
        category = np.where(score >= 9, "promoter", np.where(score >= 7, "passive", "detractor"))
        comment = np.asarray(_texts(rng, V.NPS_COMMENTS, category.astype(object)), dtype=object)
        comment[rng.random(len(resp_c)) < 0.6] = ""
        self.resp_id = self.ids.take(NpsResponse, len(resp_c))
        responses = Rows(
            NpsResponse,
            {
                "id": self.resp_id,
                "contact_id": self.c_id[resp_c],
                "account_id": self.acc_id[c_acc[resp_c]],
                "invitation_id": np.concatenate([inv_id[answered], np.zeros(len(public), np.int64)]),
                "score": score,
                # Promoters are referral candidates (feedback.services does the same for every answer).
                "referral_candidate": score >= 9,
                "comment": comment.tolist(),
                "at": _seconds(self.resp_at),
            },
        )
        return invitations, responses

    # --- Asks -----------------------------------------------------------------------------------------------
    def asks(self) -> Rows:
        """The asks that produced a referral, then everyday asks with their outcomes."""
        rng, ref, nr, c_acc, owner = self.rng, self.ref, self.nr, self.c_acc, self.owner
        src_acc, sc = self.src_acc, self.sc
        ac = np.flatnonzero(self.is_c & (rng.random(nr) < 0.55))
        ap = np.flatnonzero(self.is_p & (rng.random(nr) < 0.3))
        ask_at = self.received - (rng.uniform(1, 40, nr) * DAY).astype(np.int64)
        ask_at[sc] = np.maximum(
            ask_at[sc], self.won_day[src_acc[sc]] * DAY + HOUR
        )  # once they were a customer
        asker_c = np.where(
            rng.random(len(ac)) < 0.65, owner[np.maximum(src_acc[ac], 0)], self.any_employee(len(ac))
        )
        asker_p = self.net.partner_owner[self.src_partner_pos[ap]]
        everyday = np.flatnonzero(self.won[c_acc] & (self.role != BuyingRole.USER.value) & ~self.c_dnc)
        e_c = np.repeat(everyday, np.minimum(rng.poisson(0.25, len(everyday)), 3))
        e_from = self.won_day[c_acc[e_c]] + 45
        e_to = self.end_day[c_acc[e_c]]
        fine = e_to > e_from
        e_c, e_from, e_to = e_c[fine], e_from[fine], e_to[fine]
        e_at = e_from * DAY + (rng.random(len(e_c)) * (e_to - e_from) * DAY - HOUR).astype(np.int64)
        warmth = np.tanh(self.advocacy[c_acc[e_c]])
        u = rng.random(len(e_c))
        # Warmer customers say "maybe later" more and "no" less; asking again is normal (seed 004).
        p_maybe, p_decline = 0.45 + 0.1 * warmth, 0.2 - 0.08 * warmth
        e_outcome = np.where(
            u < p_maybe,
            AskOutcome.MAYBE_LATER.value,
            np.where(u < p_maybe + p_decline, AskOutcome.DECLINED.value, AskOutcome.NOT_RIGHT_TIME.value),
        ).astype(object)
        e_outcome[(e_at > ref - 21 * DAY) & (rng.random(len(e_c)) < 0.75)] = AskOutcome.PENDING.value
        e_asker = np.where(rng.random(len(e_c)) < 0.5, owner[c_acc[e_c]], self.any_employee(len(e_c)))
        n_ask = len(ac) + len(ap) + len(e_c)
        zeros = np.zeros
        return Rows(
            Ask,
            {
                "id": self.ids.take(Ask, n_ask),
                "asker_id": np.concatenate([asker_c, asker_p, e_asker]),
                "contact_id": np.concatenate(
                    [self.src_contact[ac], zeros(len(ap), np.int64), self.c_id[e_c]]
                ),
                "partner_id": np.concatenate(
                    [zeros(len(ac), np.int64), self.src_partner[ap], zeros(len(e_c), np.int64)]
                ),
                "at": _seconds(np.concatenate([ask_at[ac], ask_at[ap], e_at])),
                "channel": _pick(ASK_CHANNELS, rng.integers(len(ASK_CHANNELS), size=n_ask)).tolist(),
                "dedicated_meeting": rng.random(n_ask)
                < np.concatenate([np.full(len(ac), 0.4), np.full(len(ap), 0.6), np.full(len(e_c), 0.3)]),
                "outcome": [AskOutcome.REFERRAL_GIVEN.value] * (len(ac) + len(ap)) + e_outcome.tolist(),
                "referral_id": np.concatenate([self.r_id[ac], self.r_id[ap], zeros(len(e_c), np.int64)]),
                "note": "",
            },
        )

    # --- Tasks ----------------------------------------------------------------------------------------------
    def tasks(self) -> Rows:
        """Thank every referrer, keep them updated, call detractors back, remember birthdays, check purchases."""
        rng, ref, today, gap = self.rng, self.ref, self.today, self.gap
        is_c, is_p, is_e, r_acc, received = self.is_c, self.is_p, self.is_e, self.r_acc, self.received
        acc_name, c_name, c_acc, owner = self.acc_name, self.c_name, self.c_acc, self.owner
        source = np.empty(self.nr, dtype=object)
        source[is_c] = c_name[self.src_contact_pos[is_c]]
        source[is_p] = self.net.partner_names[self.src_partner_pos[is_p]]
        source[is_e] = np.asarray(self.staff.names, dtype=object)[self.src_emp_pos[is_e]]
        # Whoever holds the relationship thanks: the customer's account owner, the partner's manager; the owner
        # of the firm thanks a colleague.
        thanker = np.where(
            is_c,
            owner[np.maximum(self.src_acc, 0)],
            np.where(is_p, self.net.partner_owner[np.maximum(self.src_partner_pos, 0)], self.staff.owner_id),
        )
        personal = np.flatnonzero(is_c | is_p | is_e)
        th_old = received[personal] < ref - 10 * DAY
        th_status = np.where(
            th_old,
            np.where(rng.random(len(personal)) < 0.95, TaskStatus.DONE.value, TaskStatus.CANCELLED.value),
            TaskStatus.OPEN.value,
        )
        th_done = np.where(
            th_status == TaskStatus.DONE.value,
            np.minimum(received[personal] + gap(2, 1.5, len(personal)), ref - HOUR),
            NAT,
        )
        th_title = [
            f"Thank {s} for referring {acc_name[x]}"
            for s, x in zip(source[personal].tolist(), r_acc[personal].tolist(), strict=True)
        ]
        # Updates: "thank you for closing business" on every win, and news for referrers of deals in progress.
        io, closed = self.io, self.closed
        st = self.r_status[io]
        up_won = self.iw[(is_c | is_p)[self.iw]]
        up_open = io[
            (is_c | is_p)[io] & np.isin(st, ("meeting", "proposal")) & (received[io] < ref - 14 * DAY)
        ]
        up = np.concatenate([up_won, up_open])
        up_due = np.concatenate([closed[up_won] // DAY + 2, today + rng.integers(-4, 7, size=len(up_open))])
        up_is_done = np.concatenate([closed[up_won] < ref - 7 * DAY, np.zeros(len(up_open), bool)])
        up_done = np.where(
            up_is_done,
            np.minimum(
                np.concatenate([closed[up_won], np.zeros(len(up_open), np.int64)]) + gap(2, 3, len(up)),
                ref - HOUR,
            ),
            NAT,
        )
        up_title = [
            (
                f"Tell {s} that {acc_name[x]} is now a client"
                if i < len(up_won)
                else f"Update {s} on {acc_name[x]}"
            )
            for i, (s, x) in enumerate(zip(source[up].tolist(), r_acc[up].tolist(), strict=True))
        ]
        # Detractors: their account owner calls them back (closing the loop).
        det = np.flatnonzero(self.score <= 6)
        det_recent = self.resp_at[det] > ref - 30 * DAY
        det_c = self.resp_c[det]
        det_title = [
            f"Call {c_name[c]} ({acc_name[c_acc[c]]}) about their score of {s}"
            for c, s in zip(det_c.tolist(), self.score[det].tolist(), strict=True)
        ]
        # Birthdays in the coming ten days: a card from the contact's owner.
        bdays = np.flatnonzero((self.birthday != NAT) & self.won[c_acc] & ~self.churned[c_acc] & ~self.c_dnc)
        bd = _days(self.birthday[bdays])
        offset = (bd - bd.astype("datetime64[Y]")).astype(np.int64)  # days into the year (29 Feb -> 1 Mar)
        year = np.datetime64(self.plan.today, "Y")
        this_year = year.astype("datetime64[D]").astype(np.int64) + offset
        next_year = (year + 1).astype("datetime64[D]").astype(np.int64) + offset
        bd_day = np.where(this_year >= today, this_year, next_year)
        soon = bd_day - today <= 10
        bdays, bd_day = bdays[soon], bd_day[soon]
        bd_title = [f"Birthday card for {c_name[c]} ({acc_name[c_acc[c]]})" for c in bdays.tolist()]
        # After a recent purchase: "is all well?" (seed 000: follow up the purchase).
        recent = np.flatnonzero(self.pur_day >= today - 10)
        pur_acc = self.pur_acc
        rp_title = [
            f"Check all is well after {self.desc[p].lower()} at {acc_name[pur_acc[p]]}"
            for p in recent.tolist()
        ]

        n_th, n_up, n_det, n_bd, n_rp = len(personal), len(up), len(det), len(bdays), len(recent)
        none = np.zeros
        return Rows(
            Task,
            {
                "id": self.ids.take(Task, n_th + n_up + n_det + n_bd + n_rp),
                "kind": [TaskKind.THANK.value] * n_th
                + [TaskKind.UPDATE.value] * n_up
                + [TaskKind.DETRACTOR_FOLLOW_UP.value] * n_det
                + [TaskKind.JOURNEY_STEP.value] * n_bd
                + [TaskKind.FOLLOW_UP.value] * n_rp,
                "title": th_title + up_title + det_title + bd_title + rp_title,
                "details": ["Call or send a handwritten card; say how the introduction went."] * n_th
                + ["A personal call: what happened since they introduced us."] * n_up
                + ["Listen first; agree one thing we will fix."] * n_det
                + ["A handwritten card, posted two days ahead."] * n_bd
                + ["A short call to ask whether everything arrived and works."] * n_rp,
                "due": _days(
                    np.concatenate(
                        [
                            self.recv_day[personal] + 1,
                            up_due,
                            self.resp_at[det] // DAY + 3,
                            bd_day - np.minimum(bd_day - today, 2),
                            self.pur_day[recent] + 7,
                        ]
                    )
                ),
                "assignee_id": np.concatenate(
                    [
                        thanker[personal],
                        thanker[up],
                        owner[c_acc[det_c]],
                        owner[c_acc[bdays]],
                        owner[pur_acc[recent]],
                    ]
                ),
                "status": th_status.tolist()
                + np.where(up_is_done, TaskStatus.DONE.value, TaskStatus.OPEN.value).tolist()
                + np.where(det_recent, TaskStatus.OPEN.value, TaskStatus.DONE.value).tolist()
                + [TaskStatus.OPEN.value] * (n_bd + n_rp),
                "completed_at": _seconds(
                    np.concatenate(
                        [
                            th_done,
                            up_done,
                            np.where(
                                det_recent, NAT, np.minimum(self.resp_at[det] + gap(2, 2, n_det), ref - HOUR)
                            ),
                            np.full(n_bd + n_rp, NAT),
                        ]
                    )
                ),
                "account_id": self.acc_id[
                    np.concatenate([r_acc[personal], r_acc[up], c_acc[det_c], c_acc[bdays], pur_acc[recent]])
                ],
                "contact_id": np.concatenate(
                    [
                        self.src_contact[personal],
                        self.src_contact[up],
                        self.c_id[det_c],
                        self.c_id[bdays],
                        none(n_rp, np.int64),
                    ]
                ),
                "partner_id": np.concatenate(
                    [self.src_partner[personal], self.src_partner[up], none(n_det + n_bd + n_rp, np.int64)]
                ),
                "referral_id": np.concatenate(
                    [self.r_id[personal], self.r_id[up], none(n_det + n_bd + n_rp, np.int64)]
                ),
                # The gratitude engine's own keys (referrals/gratitude.py), so it never thanks a demo referrer
                # twice; the others name the row's place in the generated firm.
                "dedupe_key": [f"referral:{i}:thank" for i in self.r_id[personal].tolist()]
                + [f"referral:{i}:won-thanks" for i in self.r_id[up_won].tolist()]
                + [
                    f"referral:{i}:update:{status}"
                    for i, status in zip(
                        self.r_id[up_open].tolist(), self.r_status[up_open].tolist(), strict=True
                    )
                ]
                + [f"nps:{i}:detractor" for i in self.resp_id[det].tolist()]
                + [f"demo:birthday:{self.k}:{c}" for c in bdays.tolist()]
                + [f"demo:purchase:{self.k}:{p}" for p in recent.tolist()],
            },
        )
