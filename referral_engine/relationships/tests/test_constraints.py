"""The database itself refuses rows the relationship models forbid, on SQLite and PostgreSQL alike.

Every case first stores a valid row, so a refusal below is the constraint's doing and not a broken fixture.
"""

from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from referral_engine.core.testing import make_account, make_contact
from referral_engine.core.tests.integrity import refused
from referral_engine.partners.models import Partner
from referral_engine.relationships.models import Account, Contact, ContactLink, Purchase, Touchpoint


@pytest.fixture
def world(firm) -> SimpleNamespace:
    acme, globex = firm.workspace, firm.other_workspace
    return SimpleNamespace(
        firm=firm,
        acme=acme,
        globex=globex,
        account=make_account(acme),
        contact=make_contact(acme),
        other_contact=make_contact(acme),
        globex_account=make_account(globex),
        globex_contact=make_contact(globex),
        globex_partner=Partner.objects.create(workspace=globex, name="Globex partner"),
    )


def account(w, **fields) -> Account:
    return Account.objects.create(**{"workspace": w.acme, "name": "Customer", **fields})


def contact(w, **fields) -> Contact:
    return Contact.objects.create(**{"workspace": w.acme, "first_name": "Pat", **fields})


def link(w, **fields) -> ContactLink:
    fields = {"from_contact": w.contact, "to_contact": w.other_contact, "kind": "knows", **fields}
    return ContactLink.objects.create(workspace=w.acme, **fields)


def purchase(w, **fields) -> Purchase:
    fields = {"account": w.account, "date": date(2025, 3, 1), "amount": Decimal("100.00"), **fields}
    return Purchase.objects.create(workspace=w.acme, **fields)


def touchpoint(w, **fields) -> Touchpoint:
    fields = {"kind": "call", "channel": "phone", "direction": "out", "contact": w.contact, **fields}
    return Touchpoint.objects.create(workspace=w.acme, at=datetime(2025, 3, 1, 12, tzinfo=UTC), **fields)


CHECKS = [
    ("account_status_valid", account, lambda w: {"status": "customer"}, lambda w: {"status": "lead"}),
    (
        "account_churned_after_won",
        account,
        lambda w: {"won_at": date(2024, 1, 1), "churned_at": date(2024, 6, 1)},
        lambda w: {"won_at": date(2024, 6, 1), "churned_at": date(2024, 1, 1)},
    ),
    ("contact_role_valid", contact, lambda w: {"role": "champion"}, lambda w: {"role": "boss"}),
    (
        "contactlink_not_self",
        link,
        lambda w: {},
        lambda w: {"from_contact": w.contact, "to_contact": w.contact},
    ),
    ("contactlink_kind_valid", link, lambda w: {"kind": "influences"}, lambda w: {"kind": "hates"}),
    (
        "purchase_amount_non_negative",
        purchase,
        lambda w: {"amount": Decimal("0.00")},
        lambda w: {"amount": Decimal("-0.01")},
    ),
    (
        "purchase_margin_within_amount",
        purchase,
        lambda w: {"amount": Decimal("100.00"), "margin": Decimal("100.00")},
        lambda w: {"amount": Decimal("100.00"), "margin": Decimal("100.01")},
    ),
    (
        "purchase_margin_within_amount",
        purchase,
        lambda w: {"margin": Decimal("0.00")},
        lambda w: {"margin": Decimal("-1.00")},
    ),
    (
        "touchpoint_has_counterpart",
        touchpoint,
        lambda w: {"contact": None, "account": w.account},
        lambda w: {"contact": None},
    ),
    # Django's own check for a PositiveIntegerField may fire first; both name the column.
    ("minutes", touchpoint, lambda w: {"minutes": 0}, lambda w: {"minutes": -5}),
    ("touchpoint_kind_valid", touchpoint, lambda w: {"kind": "gift"}, lambda w: {"kind": "telepathy"}),
    ("touchpoint_channel_valid", touchpoint, lambda w: {"channel": "video"}, lambda w: {"channel": "pigeon"}),
    ("touchpoint_direction_valid", touchpoint, lambda w: {"direction": "in"}, lambda w: {"direction": "up"}),
]


@pytest.mark.parametrize(
    ("constraint", "build", "valid", "invalid"), CHECKS, ids=[f"{c[0]}-{i}" for i, c in enumerate(CHECKS)]
)
def test_a_check_constraint_refuses_what_the_model_forbids(world, constraint, build, valid, invalid):
    build(world, **valid(world))

    with refused(constraint):
        build(world, **invalid(world))


def test_an_email_is_unique_within_a_workspace_but_free_across_workspaces(world):
    contact(world, email="pat@client.test")
    contact(world, first_name="Blank"), contact(world, first_name="Also blank")  # "" is not an address

    with refused(
        "contact_email_unique_in_workspace", "relationships_contact.workspace_id, relationships_contact.email"
    ):
        contact(world, email="pat@client.test")
    assert contact(world, workspace=world.globex, email="pat@client.test").pk


def test_a_link_of_the_same_kind_between_the_same_people_is_stored_once(world):
    link(world)
    link(world, kind="reports_to")

    with refused("contactlink_unique", "relationships_contactlink.from_contact_id"):
        link(world)


GUARDS = [
    # (table, column, builder, field, acme target, globex target)
    ("relationships_account", "owner_id", account, "owner", lambda w: w.firm.alice, lambda w: w.firm.dave),
    (
        "relationships_contact",
        "account_id",
        contact,
        "account",
        lambda w: w.account,
        lambda w: w.globex_account,
    ),
    ("relationships_contact", "owner_id", contact, "owner", lambda w: w.firm.bob, lambda w: w.firm.dave),
    (
        "relationships_contactlink",
        "from_contact_id",
        link,
        "from_contact",
        lambda w: w.contact,
        lambda w: w.globex_contact,
    ),
    (
        "relationships_contactlink",
        "to_contact_id",
        link,
        "to_contact",
        lambda w: w.other_contact,
        lambda w: w.globex_contact,
    ),
    (
        "relationships_purchase",
        "account_id",
        purchase,
        "account",
        lambda w: w.account,
        lambda w: w.globex_account,
    ),
    (
        "relationships_touchpoint",
        "contact_id",
        touchpoint,
        "contact",
        lambda w: w.contact,
        lambda w: w.globex_contact,
    ),
    (
        "relationships_touchpoint",
        "account_id",
        touchpoint,
        "account",
        lambda w: w.account,
        lambda w: w.globex_account,
    ),
    (
        "relationships_touchpoint",
        "partner_id",
        touchpoint,
        "partner",
        lambda w: w.firm.carol_partner,
        lambda w: w.globex_partner,
    ),
    (
        "relationships_touchpoint",
        "employee_id",
        touchpoint,
        "employee",
        lambda w: w.firm.alice,
        lambda w: w.firm.dave,
    ),
]


@pytest.mark.parametrize(
    ("table", "column", "build", "field", "ours", "theirs"), GUARDS, ids=[f"{g[0]}.{g[1]}" for g in GUARDS]
)
def test_a_reference_into_another_workspace_is_refused_on_insert_and_update(
    world, table, column, build, field, ours, theirs
):
    row = build(world, **{field: ours(world)})
    model = type(row)

    with refused(f"cross-workspace reference: {table}.{column}"):
        build(world, **{field: theirs(world)})
    with refused(f"cross-workspace reference: {table}.{column}"):
        model.objects.filter(pk=row.pk).update(**{field: theirs(world)})
    # Moving the row instead of its reference breaks the same rule.
    with refused(f"cross-workspace reference: {table}."):
        model.objects.filter(pk=row.pk).update(workspace=world.globex)

    row.refresh_from_db()
    assert getattr(row, f"{field}_id") == ours(world).pk
