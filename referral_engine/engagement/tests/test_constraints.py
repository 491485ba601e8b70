"""The database itself refuses asks and tasks the models forbid, on SQLite and PostgreSQL alike.

Every case first stores a valid row, so a refusal below is the constraint's doing and not a broken fixture.
"""

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

from referral_engine.core.testing import make_account, make_contact
from referral_engine.core.tests.integrity import refused
from referral_engine.engagement.models import Ask, Task
from referral_engine.partners.models import Partner
from referral_engine.referrals.models import Referral

AT = datetime(2025, 6, 2, 10, tzinfo=UTC)


def ask(w, **fields) -> Ask:
    fields = {"asker": w.firm.bob, "contact": w.contact, "at": AT, "channel": "phone", **fields}
    return Ask.objects.create(workspace=fields.pop("workspace", w.acme), **fields)


def task(w, **fields) -> Task:
    fields = {"kind": "thank", "title": "Call to say thank you", "due": date(2025, 6, 3), **fields}
    return Task.objects.create(workspace=fields.pop("workspace", w.acme), **fields)


@pytest.fixture
def world(firm) -> SimpleNamespace:
    acme, globex = firm.workspace, firm.other_workspace
    account, globex_account = make_account(acme), make_account(globex)
    return SimpleNamespace(
        firm=firm,
        acme=acme,
        globex=globex,
        account=account,
        contact=make_contact(acme),
        referral=Referral.objects.create(
            workspace=acme, source_kind="other", referred_account=account, received_at=AT
        ),
        globex_account=globex_account,
        globex_contact=make_contact(globex),
        globex_partner=Partner.objects.create(workspace=globex, name="Globex partner"),
        globex_referral=Referral.objects.create(
            workspace=globex, source_kind="other", referred_account=globex_account, received_at=AT
        ),
    )


CHECKS = [
    (
        "ask_one_person_asked",
        ask,
        lambda w: {"contact": None, "partner": w.firm.carol_partner},
        lambda w: {"contact": None},
    ),
    ("ask_one_person_asked", ask, lambda w: {}, lambda w: {"partner": w.firm.carol_partner}),
    ("ask_outcome_valid", ask, lambda w: {"outcome": "referral_given"}, lambda w: {"outcome": "ghosted"}),
    ("ask_channel_valid", ask, lambda w: {"channel": "in_person"}, lambda w: {"channel": "smoke"}),
    ("task_kind_valid", task, lambda w: {"kind": "journey_step"}, lambda w: {"kind": "chore"}),
    ("task_status_valid", task, lambda w: {"status": "snoozed"}, lambda w: {"status": "forgotten"}),
    (
        "task_done_has_date",
        task,
        lambda w: {"status": "done", "completed_at": AT},
        lambda w: {"status": "done"},
    ),
]


@pytest.mark.parametrize(
    ("constraint", "build", "valid", "invalid"), CHECKS, ids=[f"{c[0]}-{i}" for i, c in enumerate(CHECKS)]
)
def test_a_check_constraint_refuses_what_the_model_forbids(world, constraint, build, valid, invalid):
    build(world, **valid(world))

    with refused(constraint):
        build(world, **invalid(world))


def test_the_engine_never_files_the_same_task_twice_in_a_workspace(world):
    task(world, dedupe_key="thank:referral:1")
    task(world), task(world)  # a task a person filed has no key, and there may be many

    with refused("task_dedupe_key_unique", "engagement_task.workspace_id, engagement_task.dedupe_key"):
        task(world, dedupe_key="thank:referral:1")
    assert task(world, workspace=world.globex, dedupe_key="thank:referral:1").pk


GUARDS = [
    ("engagement_ask", "asker_id", ask, "asker", lambda w: w.firm.alice, lambda w: w.firm.dave),
    ("engagement_ask", "contact_id", ask, "contact", lambda w: w.contact, lambda w: w.globex_contact),
    ("engagement_ask", "referral_id", ask, "referral", lambda w: w.referral, lambda w: w.globex_referral),
    ("engagement_task", "assignee_id", task, "assignee", lambda w: w.firm.bob, lambda w: w.firm.dave),
    ("engagement_task", "account_id", task, "account", lambda w: w.account, lambda w: w.globex_account),
    ("engagement_task", "contact_id", task, "contact", lambda w: w.contact, lambda w: w.globex_contact),
    (
        "engagement_task",
        "partner_id",
        task,
        "partner",
        lambda w: w.firm.carol_partner,
        lambda w: w.globex_partner,
    ),
    ("engagement_task", "referral_id", task, "referral", lambda w: w.referral, lambda w: w.globex_referral),
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
    with refused(f"cross-workspace reference: {table}."):
        model.objects.filter(pk=row.pk).update(workspace=world.globex)

    row.refresh_from_db()
    assert getattr(row, f"{field}_id") == ours(world).pk


def test_an_ask_of_a_partner_in_another_workspace_is_refused(world):
    ask(world, contact=None, partner=world.firm.carol_partner)

    with refused("cross-workspace reference: engagement_ask.partner_id"):
        ask(world, contact=None, partner=world.globex_partner)
