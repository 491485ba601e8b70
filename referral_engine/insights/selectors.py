"""Reads of the insights app, always scoped to one workspace.

Two kinds: the set-based reads that feed a refresh (a few SQL statements per workspace, straight into NumPy
columns: no model instance per row), and the reads of the stored results for the pages and the API.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.db import connection
from django.db.models import QuerySet

from referral_engine.core.selectors import get_in_workspace
from referral_engine.feedback.models import NpsResponse
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
from referral_engine.partners.models import Partner
from referral_engine.referrals.models import Referral, ReferralStatus
from referral_engine.relationships.models import Account, BuyingRole, Contact, Purchase, Touchpoint
from referral_engine.workspaces.models import Workspace

FETCH_ROWS = 250_000
# Touchpoints in which both sides took part (PRODUCT.md: "two-way touchpoints"); an e-mail counts when they
# wrote to us. Cards, gifts and notes are one-way; notes are not contact at all and are left out.
TWO_WAY_KINDS = ("meeting", "call", "one_to_one", "event", "support")


# ------------------------------------------------------------------------------------------- settings, runs


def value_settings_get(*, workspace: Workspace) -> ValueSettings:
    """The workspace's settings, or the defaults (unsaved) when it never changed them."""
    return ValueSettings.objects.filter(workspace=workspace).first() or ValueSettings(workspace=workspace)


def insights_run_get(*, workspace: Workspace) -> InsightsRun | None:
    return InsightsRun.objects.filter(workspace=workspace).first()


# -------------------------------------------------------------------------------------- inputs of a refresh


def _days(column: str) -> str:
    """Days since 1970-01-01 (fractional for a datetime) as SQL for the connection's database."""
    if connection.vendor == "postgresql":
        return f"(EXTRACT(EPOCH FROM {column}) / 86400.0)"
    # Django keeps SQLite dates and datetimes as ISO text in UTC; julianday reads both.
    return f"(julianday({column}) - 2440587.5)"


def _date_days(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"({column} - DATE '1970-01-01')"
    return f"CAST(julianday({column}) - 2440587.5 AS INTEGER)"


def _real(column: str) -> str:
    return f"CAST({column} AS {'DOUBLE PRECISION' if connection.vendor == 'postgresql' else 'REAL'})"


def _columns(sql: str, params: list, n: int) -> list[np.ndarray]:
    """Run one query and return its n columns as float arrays (NULL becomes NaN), fetched in chunks so the
    Python tuples of a million rows never exist at once."""
    chunks = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(FETCH_ROWS):
            chunks.append(np.array(rows, dtype=float).reshape(len(rows), n))
    table = np.concatenate(chunks) if chunks else np.zeros((0, n))
    return [table[:, k] for k in range(n)]


def _ids(values: np.ndarray) -> np.ndarray:
    """An id column read as float: NaN (NULL) becomes 0, which no row has."""
    return np.nan_to_num(values, nan=0.0).astype(np.int64)


@dataclass(frozen=True)
class RefreshInputs:
    """Everything a refresh needs, as columns; ids are int64 with 0 for none, days count from 1970-01-01."""

    account_ids: np.ndarray
    contact_ids: np.ndarray
    contact_account: np.ndarray
    contact_in_circle: np.ndarray  # a decision maker or an influencer
    partner_ids: np.ndarray
    purchase_account: np.ndarray
    purchase_day: np.ndarray
    purchase_amount: np.ndarray
    purchase_margin: np.ndarray  # NaN when not recorded
    referral_id: np.ndarray
    referral_parent: np.ndarray
    referral_won: np.ndarray
    referral_source: dict[str, np.ndarray]  # by EntityKind: the referrer's id, 0 for none
    referral_account: np.ndarray
    referral_received_day: np.ndarray
    referral_closed_day: np.ndarray
    referral_won_value: np.ndarray
    nps_contact: np.ndarray
    nps_account: np.ndarray
    nps_score: np.ndarray
    nps_at: np.ndarray  # fractional days
    nps_id: np.ndarray
    touch_contact: np.ndarray
    touch_account: np.ndarray
    touch_partner: np.ndarray
    touch_day: np.ndarray
    touch_inbound: np.ndarray
    touch_two_way: np.ndarray
    touch_one_to_one_out: np.ndarray
    touch_count: np.ndarray


def refresh_inputs(*, workspace: Workspace, until_day: int) -> RefreshInputs:
    """Read a workspace's accounts, contacts, partners, purchases, referrals, NPS answers and touchpoints up to
    `until_day` (days since 1970-01-01, included) in seven statements; touchpoints come grouped per entity, day,
    direction and kind of contact, with their count."""
    ws = [workspace.pk]
    account_t, contact_t = Account._meta.db_table, Contact._meta.db_table
    (account_ids,) = _columns(f"SELECT id FROM {account_t} WHERE workspace_id = %s ORDER BY id", ws, 1)
    in_circle = ", ".join(f"'{role}'" for role in (BuyingRole.DECISION_MAKER, BuyingRole.INFLUENCER))
    contact_ids, contact_account, contact_in_circle = _columns(
        f"SELECT id, account_id, CASE WHEN role IN ({in_circle}) THEN 1 ELSE 0 END "
        f"FROM {contact_t} WHERE workspace_id = %s ORDER BY id",
        ws,
        3,
    )
    (partner_ids,) = _columns(
        f"SELECT id FROM {Partner._meta.db_table} WHERE workspace_id = %s ORDER BY id", ws, 1
    )
    p_account, p_day, p_amount, p_margin = _columns(
        f"SELECT account_id, {_date_days('date')}, {_real('amount')}, {_real('margin')} "
        f"FROM {Purchase._meta.db_table} WHERE workspace_id = %s AND {_date_days('date')} <= %s",
        [workspace.pk, until_day],
        4,
    )
    won = f"'{ReferralStatus.WON.value}'"
    (
        r_id,
        r_parent,
        r_won,
        r_contact,
        r_contact_account,
        r_partner,
        r_employee,
        r_account,
        r_received,
        r_closed,
        r_value,
    ) = _columns(  # fmt: skip
        f"SELECT r.id, r.parent_id, CASE WHEN r.status = {won} THEN 1 ELSE 0 END, r.source_contact_id, "
        f"c.account_id, r.source_partner_id, r.source_employee_id, r.referred_account_id, "
        f"{_days('r.received_at')}, {_days('r.closed_at')}, {_real('r.won_value')} "
        f"FROM {Referral._meta.db_table} r LEFT JOIN {contact_t} c ON c.id = r.source_contact_id "
        f"WHERE r.workspace_id = %s ORDER BY r.id",
        ws,
        11,
    )
    n_contact, n_account, n_score, n_at, n_id = _columns(
        f"SELECT n.contact_id, COALESCE(n.account_id, c.account_id), n.score, {_days('n.at')}, n.id "
        f"FROM {NpsResponse._meta.db_table} n JOIN {contact_t} c ON c.id = n.contact_id "
        f"WHERE n.workspace_id = %s AND {_days('n.at')} < %s",
        [workspace.pk, until_day + 1],
        5,
    )
    two_way = ", ".join(f"'{kind}'" for kind in TWO_WAY_KINDS)
    day = (
        f"CAST(FLOOR({_days('t.at')}) AS INTEGER)"
        if connection.vendor == "postgresql"
        else (f"CAST({_days('t.at')} AS INTEGER)")
    )
    t_contact, t_account, t_partner, t_day, t_in, t_two_way, t_one_to_one, t_count = _columns(
        f"SELECT t.contact_id, COALESCE(t.account_id, c.account_id), t.partner_id, {day}, "
        f"CASE WHEN t.direction = 'in' THEN 1 ELSE 0 END, "
        f"CASE WHEN t.kind IN ({two_way}) OR (t.kind = 'email' AND t.direction = 'in') THEN 1 ELSE 0 END, "
        f"CASE WHEN t.kind = 'one_to_one' AND t.direction = 'out' THEN 1 ELSE 0 END, COUNT(*) "
        f"FROM {Touchpoint._meta.db_table} t LEFT JOIN {contact_t} c ON c.id = t.contact_id "
        f"WHERE t.workspace_id = %s AND t.kind <> 'note' AND {_days('t.at')} < %s "
        f"GROUP BY 1, 2, 3, 4, 5, 6, 7",
        [workspace.pk, until_day + 1],
        8,
    )
    return RefreshInputs(
        account_ids=_ids(account_ids),
        contact_ids=_ids(contact_ids),
        contact_account=_ids(contact_account),
        contact_in_circle=contact_in_circle.astype(bool),
        partner_ids=_ids(partner_ids),
        purchase_account=_ids(p_account),
        purchase_day=p_day.astype(np.int64),
        purchase_amount=p_amount,
        purchase_margin=p_margin,
        referral_id=_ids(r_id),
        referral_parent=_ids(r_parent),
        referral_won=r_won.astype(bool),
        referral_source={
            EntityKind.CONTACT: _ids(r_contact),
            EntityKind.ACCOUNT: _ids(r_contact_account),
            EntityKind.PARTNER: _ids(r_partner),
            EntityKind.EMPLOYEE: _ids(r_employee),
        },
        referral_account=_ids(r_account),
        referral_received_day=r_received,
        referral_closed_day=r_closed,
        referral_won_value=r_value,
        nps_contact=_ids(n_contact),
        nps_account=_ids(n_account),
        nps_score=n_score,
        nps_at=n_at,
        nps_id=_ids(n_id),
        touch_contact=_ids(t_contact),
        touch_account=_ids(t_account),
        touch_partner=_ids(t_partner),
        touch_day=t_day.astype(np.int64),
        touch_inbound=t_in.astype(bool),
        touch_two_way=t_two_way.astype(bool),
        touch_one_to_one_out=t_one_to_one.astype(bool),
        touch_count=t_count.astype(np.int64),
    )


# ------------------------------------------------------------------------------------------ stored results


def account_value_get(*, workspace: Workspace, account_id: int) -> tuple[Account, AccountValue | None]:
    """An account of the workspace (404 otherwise) and its stored value, if the last refresh valued it."""
    account = get_in_workspace(Account.objects.all(), workspace=workspace, id=account_id)
    return account, AccountValue.objects.filter(workspace=workspace, account=account).first()


def relationship_score_of(
    *, workspace: Workspace, contact: Contact | None = None, account: Account | None = None
) -> RelationshipScore | None:
    rows = RelationshipScore.objects.filter(workspace=workspace)
    if contact is not None:
        return rows.filter(contact=contact).first()
    return rows.filter(account=account).first()


def contact_rq_get(*, workspace: Workspace, contact_id: int, weeks: int = 52):
    """A contact of the workspace (404 otherwise), its current RQ (or None) and its weekly history, oldest
    first."""
    contact = get_in_workspace(Contact.objects.all(), workspace=workspace, id=contact_id)
    score = relationship_score_of(workspace=workspace, contact=contact)
    history = list(
        RelationshipScoreHistory.objects.filter(workspace=workspace, contact=contact).order_by("-week")[
            :weeks
        ]
    )
    return contact, score, history[::-1]


def account_value_list(*, workspace: Workspace) -> QuerySet[AccountValue]:
    return AccountValue.objects.filter(workspace=workspace)


def _summary(workspace: Workspace, key: str) -> list[dict]:
    """One part of the Value page's figures, stored by the last refresh (InsightsRun.summary)."""
    run = insights_run_get(workspace=workspace)
    return list((run.summary if run else {}).get(key, []))


def segment_summary(*, workspace: Workspace) -> list[dict]:
    """Per segment, in order: accounts, their true value, CLV and CRV, and the share of the total value."""
    stored = {row["segment"]: row for row in _summary(workspace, "segments")}
    empty = {"accounts": 0, "value": 0.0, "clv": 0.0, "crv": 0.0, "share": 0.0}
    return [{**empty, **stored.get(s.value, {}), "segment": s.value, "label": s.label} for s in Segment]


def quadrant_summary(*, workspace: Workspace) -> list[dict]:
    stored = {row["quadrant"]: row for row in _summary(workspace, "quadrants")}
    empty = {"accounts": 0, "value": 0.0}
    return [{**empty, **stored.get(q.value, {}), "quadrant": q.value, "label": q.label} for q in Quadrant]


def lorenz_points(*, workspace: Workspace) -> list[dict]:
    """The 80/20 curve: after each percentile of accounts by rank, the cumulative share of value they hold."""
    return _summary(workspace, "lorenz") or [{"accounts_share": 0.0, "value_share": 0.0}]


def value_grid(*, workspace: Workspace) -> list[dict]:
    """Points of the CLV × CRV grid (every account, or for a big workspace the most valuable and an even
    sample of the rest), each with its account's current name: one query for the names."""
    points = _summary(workspace, "grid")
    names = dict(
        Account.objects.filter(workspace=workspace, id__in=[p["account_id"] for p in points]).values_list(
            "id", "name"
        )
    )
    return [{**p, "account__name": names.get(p["account_id"], "")} for p in points]


def top_referrers(*, workspace: Workspace, limit: int = 20) -> list[dict]:
    """The referrers with the highest CRV, any kind, with a name to show."""
    rows = (
        ReferrerValue.objects.filter(workspace=workspace)
        .select_related("contact", "account", "partner", "employee__user")
        .order_by("-crv", "id")[:limit]
    )
    out = []
    for row in rows:
        entity = row.contact or row.account or row.partner or row.employee
        name = str(entity.user) if row.kind == EntityKind.EMPLOYEE else str(entity)
        out.append(
            {
                "kind": row.kind,
                "id": entity.pk,
                "name": name,
                "crv": row.crv,
                "tier1": row.tier1,
                "tier2": row.tier2,
                "referred": row.referred,
            }
        )
    return out


def value_summary(*, workspace: Workspace, referrers: int = 20) -> dict:
    """The Insights → Value page's and /api/v1/insights/value's figures."""
    run = insights_run_get(workspace=workspace)
    return {
        "run": run,
        "segments": segment_summary(workspace=workspace),
        "quadrants": quadrant_summary(workspace=workspace),
        "top_referrers": top_referrers(workspace=workspace, limit=referrers),
        "top_share": run.top_value_share if run else None,
    }
