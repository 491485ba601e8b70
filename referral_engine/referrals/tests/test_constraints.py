"""The database itself refuses referrals and rewards the models forbid, on SQLite and PostgreSQL alike.

Every case first stores a valid row, so a refusal below is the constraint's doing and not a broken fixture.
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from referral_engine.core.testing import make_account, make_contact
from referral_engine.core.tests.integrity import refused
from referral_engine.partners.models import Event, Partner
from referral_engine.referrals.models import Referral, Reward

T0 = datetime(2025, 4, 1, 9, tzinfo=UTC)
DAY = timedelta(days=1)


def referral(w, **fields) -> Referral:
    fields = {"source_kind": "other", "referred_account": w.account, "received_at": T0, **fields}
    return Referral.objects.create(workspace=fields.pop("workspace", w.acme), **fields)


def reward(w, **fields) -> Reward:
    fields = {"referral": w.parent, "kind": "gift", "amount": Decimal("50.00"), **fields}
    return Reward.objects.create(workspace=w.acme, **fields)


@pytest.fixture
def world(firm) -> SimpleNamespace:
    acme, globex = firm.workspace, firm.other_workspace
    w = SimpleNamespace(
        firm=firm,
        acme=acme,
        globex=globex,
        account=make_account(acme),
        contact=make_contact(acme),
        event=Event.objects.create(workspace=acme, name="Breakfast", starts_at=T0 - 30 * DAY),
        globex_account=make_account(globex),
        globex_contact=make_contact(globex),
        globex_partner=Partner.objects.create(workspace=globex, name="Globex partner"),
        globex_event=Event.objects.create(workspace=globex, name="Globex mixer", starts_at=T0 - 30 * DAY),
    )
    w.parent = referral(w, source_kind="customer", source_contact=w.contact)
    w.globex_referral = referral(w, workspace=globex, referred_account=w.globex_account)
    return w


CHECKS = [
    ("referral_source_kind_valid", referral, lambda w: {}, lambda w: {"source_kind": "magic"}),
    (
        "referral_status_valid",
        referral,
        lambda w: {"status": "contacted", "contacted_at": T0 + DAY},
        lambda w: {"status": "stalled"},
    ),
    (
        "referral_source_matches_kind",
        referral,
        lambda w: {"source_kind": "customer", "source_contact": w.contact},
        lambda w: {"source_kind": "customer", "source_partner": w.firm.carol_partner},
    ),
    (
        "referral_source_matches_kind",
        referral,
        lambda w: {"source_kind": "partner", "source_partner": w.firm.carol_partner},
        lambda w: {"source_kind": "partner", "source_contact": w.contact},
    ),
    (
        "referral_source_matches_kind",
        referral,
        lambda w: {"source_kind": "employee", "source_employee": w.firm.bob},
        lambda w: {"source_kind": "employee", "source_name": "Bob, probably"},
    ),
    (
        "referral_source_matches_kind",
        referral,
        lambda w: {"source_kind": "event", "source_event": w.event},
        lambda w: {"source_kind": "event"},
    ),
    (
        "referral_tier_1_or_2",
        referral,
        lambda w: {"tier": 2, "parent": w.parent},
        lambda w: {"tier": 3, "parent": w.parent},
    ),
    ("referral_tier2_has_parent", referral, lambda w: {"tier": 2, "parent": w.parent}, lambda w: {"tier": 2}),
    (
        "referral_stages_in_order",
        referral,
        lambda w: {"contacted_at": T0, "meeting_at": T0 + DAY},
        lambda w: {"contacted_at": T0 - DAY},
    ),
    (
        "referral_stages_in_order",
        referral,
        # A stage may be skipped...
        lambda w: {"status": "lost", "proposal_at": T0 + DAY, "closed_at": T0 + 2 * DAY},
        # ...but never recorded before an earlier one, even one two steps back.
        lambda w: {"status": "lost", "contacted_at": T0 + 3 * DAY, "closed_at": T0 + 2 * DAY},
    ),
    (
        "referral_won_value_non_negative",
        referral,
        lambda w: {"won_value": Decimal("0.00")},
        lambda w: {"won_value": Decimal("-1.00")},
    ),
    (
        "referral_won_has_value_and_date",
        referral,
        lambda w: {"status": "won", "won_value": Decimal("900.00"), "closed_at": T0 + DAY},
        lambda w: {"status": "won", "closed_at": T0 + DAY},
    ),
    (
        "referral_won_has_value_and_date",
        referral,
        lambda w: {"status": "won", "won_value": Decimal("900.00"), "closed_at": T0 + DAY},
        lambda w: {"status": "won", "won_value": Decimal("900.00")},
    ),
    (
        "referral_lost_has_date",
        referral,
        lambda w: {"status": "lost", "closed_at": T0 + DAY},
        lambda w: {"status": "lost", "lost_reason": "Went elsewhere"},
    ),
    (
        "reward_amount_non_negative",
        reward,
        lambda w: {"amount": Decimal("0")},
        lambda w: {"amount": Decimal("-5")},
    ),
    ("reward_kind_valid", reward, lambda w: {"kind": "donation"}, lambda w: {"kind": "bribe"}),
    ("reward_status_valid", reward, lambda w: {"status": "paid"}, lambda w: {"status": "lost"}),
]


@pytest.mark.parametrize(
    ("constraint", "build", "valid", "invalid"), CHECKS, ids=[f"{c[0]}-{i}" for i, c in enumerate(CHECKS)]
)
def test_a_check_constraint_refuses_what_the_model_forbids(world, constraint, build, valid, invalid):
    build(world, **valid(world))

    with refused(constraint):
        build(world, **invalid(world))


def test_a_referral_cannot_be_its_own_parent(world):
    child = referral(world)
    Referral.objects.filter(pk=child.pk).update(parent=world.parent)

    with refused("referral_not_own_parent"):
        Referral.objects.filter(pk=child.pk).update(parent=child)


GUARDS = [
    # (field, acme target, globex target)
    ("source_contact", lambda w: w.contact, lambda w: w.globex_contact),
    ("source_partner", lambda w: w.firm.carol_partner, lambda w: w.globex_partner),
    ("source_employee", lambda w: w.firm.bob, lambda w: w.firm.dave),
    ("source_event", lambda w: w.event, lambda w: w.globex_event),
    ("referred_account", lambda w: w.account, lambda w: w.globex_account),
    ("referred_contact", lambda w: w.contact, lambda w: w.globex_contact),
    ("owner", lambda w: w.firm.alice, lambda w: w.firm.dave),
    ("parent", lambda w: w.parent, lambda w: w.globex_referral),
]
GUARDS = [
    ("referrals_referral", f"{field}_id", referral, field, ours, theirs) for field, ours, theirs in GUARDS
]
GUARDS.append(
    ("referrals_reward", "referral_id", reward, "referral", lambda w: w.parent, lambda w: w.globex_referral)
)


@pytest.mark.parametrize(
    ("table", "column", "build", "field", "ours", "theirs"), GUARDS, ids=[f"{g[0]}.{g[1]}" for g in GUARDS]
)
def test_a_reference_into_another_workspace_is_refused_on_insert_and_update(
    world, table, column, build, field, ours, theirs
):
    extra = {"tier": 2} if field == "parent" else {}
    row = build(world, **extra, **{field: ours(world)})
    model = type(row)

    with refused(f"cross-workspace reference: {table}.{column}"):
        build(world, **extra, **{field: theirs(world)})
    with refused(f"cross-workspace reference: {table}.{column}"):
        model.objects.filter(pk=row.pk).update(**{field: theirs(world)})
    with refused(f"cross-workspace reference: {table}."):
        model.objects.filter(pk=row.pk).update(workspace=world.globex)

    row.refresh_from_db()
    assert getattr(row, f"{field}_id") == ours(world).pk
