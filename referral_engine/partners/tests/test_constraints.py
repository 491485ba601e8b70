"""The database itself refuses rows the partner models forbid, on SQLite and PostgreSQL alike.

Every case first stores a valid row, so a refusal below is the constraint's doing and not a broken fixture.
"""

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from referral_engine.core.testing import make_contact
from referral_engine.core.tests.integrity import refused
from referral_engine.partners.models import Attendance, Event, NetworkingGroup, Partner


@pytest.fixture
def world(firm) -> SimpleNamespace:
    acme, globex = firm.workspace, firm.other_workspace
    starts = datetime(2025, 5, 6, 7, 30, tzinfo=UTC)
    group = NetworkingGroup.objects.create(workspace=acme, name="BNI Riverside", kind="bni")
    globex_group = NetworkingGroup.objects.create(workspace=globex, name="Globex chamber", kind="chamber")
    return SimpleNamespace(
        firm=firm,
        acme=acme,
        globex=globex,
        starts=starts,
        group=group,
        globex_group=globex_group,
        event=Event.objects.create(
            workspace=acme, name="Breakfast", starts_at=starts, networking_group=group
        ),
        globex_event=Event.objects.create(workspace=globex, name="Globex mixer", starts_at=starts),
        contact=make_contact(acme),
        globex_contact=make_contact(globex),
        globex_partner=Partner.objects.create(workspace=globex, name="Globex partner"),
    )


def group(w, **fields) -> NetworkingGroup:
    return NetworkingGroup.objects.create(**{"workspace": w.acme, "name": "Chamber", **fields})


def partner(w, **fields) -> Partner:
    return Partner.objects.create(**{"workspace": w.acme, "name": "Lee Lawyer", **fields})


def event(w, **fields) -> Event:
    return Event.objects.create(**{"workspace": w.acme, "name": "Mixer", "starts_at": w.starts, **fields})


def attendance(w, **fields) -> Attendance:
    return Attendance.objects.create(**{"workspace": w.acme, "event": w.event, **fields})


CHECKS = [
    ("networkinggroup_kind_valid", group, lambda w: {"kind": "community"}, lambda w: {"kind": "cult"}),
    ("partner_kind_valid", partner, lambda w: {"kind": "firm"}, lambda w: {"kind": "robot"}),
    ("event_kind_valid", event, lambda w: {"kind": "hosted"}, lambda w: {"kind": "imagined"}),
    ("attendance_one_attendee", attendance, lambda w: {"contact": w.contact}, lambda w: {}),
    (
        "attendance_one_attendee",
        attendance,
        lambda w: {"employee": w.firm.bob},
        lambda w: {"employee": w.firm.alice, "partner": w.firm.carol_partner},
    ),
    (
        "attendance_one_attendee",
        attendance,
        lambda w: {"partner": w.firm.carol_partner},
        lambda w: {"contact": w.contact, "partner": w.firm.carol_partner, "employee": w.firm.alice},
    ),
]


@pytest.mark.parametrize(
    ("constraint", "build", "valid", "invalid"), CHECKS, ids=[f"{c[0]}-{i}" for i, c in enumerate(CHECKS)]
)
def test_a_check_constraint_refuses_what_the_model_forbids(world, constraint, build, valid, invalid):
    build(world, **valid(world))

    with refused(constraint):
        build(world, **invalid(world))


def test_a_group_name_is_unique_within_a_workspace_but_free_across_workspaces(world):
    with refused(
        "networkinggroup_name_unique", "partners_networkinggroup.workspace_id, partners_networkinggroup.name"
    ):
        group(world, name="BNI Riverside")
    assert group(world, workspace=world.globex, name="BNI Riverside").pk


def test_a_partner_email_is_unique_within_a_workspace_but_free_across_workspaces(world):
    partner(world, email="lee@law.test")
    partner(world, name="No address one"), partner(world, name="No address two")

    with refused(
        "partner_email_unique_in_workspace", "partners_partner.workspace_id, partners_partner.email"
    ):
        partner(world, name="Lee again", email="lee@law.test")
    assert partner(world, workspace=world.globex, email="lee@law.test").pk


@pytest.mark.parametrize(
    ("constraint", "field", "attendee"),
    [
        ("attendance_employee_once", "employee", lambda w: w.firm.bob),
        ("attendance_contact_once", "contact", lambda w: w.contact),
        ("attendance_partner_once", "partner", lambda w: w.firm.carol_partner),
    ],
)
def test_an_attendee_is_recorded_once_per_event(world, constraint, field, attendee):
    attendance(world, **{field: attendee(world)})
    other_event = event(world, name="Second breakfast")
    attendance(world, event=other_event, **{field: attendee(world)})

    with refused(constraint, f"partners_attendance.event_id, partners_attendance.{field}_id"):
        attendance(world, **{field: attendee(world)})


GUARDS = [
    # (table, column, builder, field, acme target, globex target)
    (
        "partners_partner",
        "networking_group_id",
        partner,
        "networking_group",
        lambda w: w.group,
        lambda w: w.globex_group,
    ),
    ("partners_partner", "owner_id", partner, "owner", lambda w: w.firm.alice, lambda w: w.firm.dave),
    (
        "partners_event",
        "networking_group_id",
        event,
        "networking_group",
        lambda w: w.group,
        lambda w: w.globex_group,
    ),
    ("partners_attendance", "event_id", attendance, "event", lambda w: w.event, lambda w: w.globex_event),
    (
        "partners_attendance",
        "employee_id",
        attendance,
        "employee",
        lambda w: w.firm.bob,
        lambda w: w.firm.dave,
    ),
    (
        "partners_attendance",
        "contact_id",
        attendance,
        "contact",
        lambda w: w.contact,
        lambda w: w.globex_contact,
    ),
    (
        "partners_attendance",
        "partner_id",
        attendance,
        "partner",
        lambda w: w.firm.carol_partner,
        lambda w: w.globex_partner,
    ),
]


@pytest.mark.parametrize(
    ("table", "column", "build", "field", "ours", "theirs"), GUARDS, ids=[f"{g[0]}.{g[1]}" for g in GUARDS]
)
def test_a_reference_into_another_workspace_is_refused_on_insert_and_update(
    world, table, column, build, field, ours, theirs
):
    # An attendance needs exactly one attendee besides the field under test.
    extra = {"contact": world.contact} if build is attendance and field == "event" else {}
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
