"""Journeys create each dated task exactly once, for the right person, however often the job runs."""

from datetime import date, datetime, timedelta

import pytest

from referral_engine.core.testing import make_account, make_contact
from referral_engine.insights.models import AccountValue
from referral_engine.journeys.models import JourneyPlan, JourneyStep, StepWho, Trigger
from referral_engine.journeys.selectors import holiday_dates, month_days, quarter_starts
from referral_engine.journeys.services import (
    journey_plan_create,
    journey_step_create,
    journey_tasks_create,
    project_end_record,
    reminder_settings_ensure,
)
from referral_engine.journeys.tests.helpers import NOW, TODAY, journey_tasks
from referral_engine.relationships.models import Purchase

pytestmark = pytest.mark.django_db


def _run_twice(workspace, now=NOW) -> tuple[int, int]:
    return journey_tasks_create(workspace=workspace, now=now), journey_tasks_create(
        workspace=workspace, now=now
    )


def _plan(workspace, key):
    return JourneyPlan.objects.get(workspace=workspace, built_in=key)


def test_the_built_in_plans_are_created_once_and_a_deleted_one_stays_deleted(firm):
    reminder_settings_ensure(workspace=firm.workspace)
    plans = JourneyPlan.objects.filter(workspace=firm.workspace)
    assert plans.count() == 7
    assert {p.trigger for p in plans} == set(Trigger.values)
    assert JourneyStep.objects.filter(workspace=firm.workspace).count() == 9
    _plan(firm.workspace, "anniversary").delete()
    reminder_settings_ensure(workspace=firm.workspace)
    assert JourneyPlan.objects.filter(workspace=firm.workspace).count() == 6
    assert not JourneyPlan.objects.filter(workspace=firm.other_workspace).exists()


def test_a_new_client_gets_a_welcome_card_once_then_the_follow_up_call_once(firm):
    account = make_account(firm.workspace, name="Fabrikam", status="customer", won_at=TODAY, owner=firm.bob)
    assert _run_twice(firm.workspace) == (1, 0)
    card = journey_tasks(firm.workspace).get()
    assert card.title == "Card: Welcome card — Fabrikam"
    assert (card.due, card.assignee, card.account, card.contact) == (TODAY, firm.bob, account, None)
    assert (
        card.dedupe_key
        == f"journey:{_plan(firm.workspace, 'welcome').steps.first().pk}:a{account.pk}:2026-11-04"
    )
    assert "Nothing is sent automatically" in card.details
    # Ten days on, the call due on day 14 enters the week ahead: created once, the card not again.
    later = NOW + timedelta(days=10)
    assert _run_twice(firm.workspace, later) == (1, 0)
    call = journey_tasks(firm.workspace).last()
    assert (call.title, call.due) == ("Call: Settling in? — Fabrikam", TODAY + timedelta(days=14))
    # Globex has no such client: nothing there.
    assert journey_tasks_create(workspace=firm.other_workspace, now=NOW) == 0


def test_a_purchase_brings_an_is_all_well_call_two_weeks_later(firm):
    account = make_account(firm.workspace, name="Contoso", status="customer", owner=firm.bob)
    Purchase.objects.create(
        workspace=firm.workspace, account=account, date=TODAY - timedelta(days=10), amount=100
    )
    Purchase.objects.create(
        workspace=firm.workspace, account=account, date=TODAY - timedelta(days=10), amount=50
    )
    Purchase.objects.create(
        workspace=firm.workspace, account=account, date=TODAY - timedelta(days=60), amount=50
    )
    assert _run_twice(firm.workspace) == (1, 0)
    task = journey_tasks(firm.workspace).get()
    assert (task.title, task.due, task.assignee) == (
        "Call: Is all well? — Contoso",
        TODAY + timedelta(days=4),
        firm.bob,
    )


def test_a_birthday_card_goes_to_the_contacts_owner_three_days_ahead_never_for_do_not_contact(firm):
    account = make_account(firm.workspace, name="Fabrikam", status="customer", owner=firm.bob)
    ann = make_contact(
        firm.workspace,
        first_name="Ann",
        last_name="Lee",
        account=account,
        owner=firm.alice,
        birthday=date(1980, 11, 7),
    )
    make_contact(
        firm.workspace, first_name="Dan", account=account, birthday=date(1975, 11, 7), do_not_contact=True
    )
    make_contact(firm.workspace, first_name="Eve", account=account, birthday=date(1975, 12, 25))
    assert _run_twice(firm.workspace) == (1, 0)
    task = journey_tasks(firm.workspace).get()
    assert task.title == "Card: Birthday card — Ann Lee (Fabrikam)"
    assert (task.due, task.assignee, task.contact, task.account) == (TODAY, firm.alice, ann, account)
    assert task.dedupe_key.endswith(f":{ann.pk}:2026-11-07")


def test_someone_born_on_29_february_is_remembered_on_the_28th_in_other_years():
    days = month_days(date(2027, 2, 25), date(2027, 3, 3))
    assert days[229] == date(2027, 2, 28) and days[301] == date(2027, 3, 1)
    assert month_days(date(2028, 2, 25), date(2028, 3, 3))[229] == date(2028, 2, 29)


def test_the_client_anniversary_comes_from_the_second_year_on(firm):
    old = make_account(
        firm.workspace, name="Old client", status="customer", won_at=date(2023, 11, 4), owner=firm.bob
    )
    make_account(firm.workspace, name="New client", status="customer", won_at=TODAY, owner=firm.bob)
    make_account(
        firm.workspace, name="Gone", status="churned", won_at=date(2022, 11, 4), churned_at=date(2025, 1, 1)
    )
    journey_tasks_create(workspace=firm.workspace, now=NOW)
    anniversary = journey_tasks(
        firm.workspace,
        dedupe_key__startswith=f"journey:{_plan(firm.workspace, 'anniversary').steps.get().pk}:",
    )
    assert [(t.account, t.due) for t in anniversary] == [(old, TODAY)]


def test_a_holiday_card_for_every_client_contact_once(firm):
    client = make_account(firm.workspace, name="Fabrikam", status="customer", owner=firm.bob)
    prospect = make_account(firm.workspace, name="Maybe Ltd", status="prospect", owner=firm.bob)
    ann = make_contact(firm.workspace, first_name="Ann", account=client)
    make_contact(firm.workspace, first_name="Dan", account=client, do_not_contact=True)
    make_contact(firm.workspace, first_name="Pia", account=prospect)
    plan = journey_plan_create(
        workspace=firm.workspace,
        actor=firm.alice,
        name="Thanksgiving",
        trigger=Trigger.HOLIDAYS,
        holidays=["11-18"],
    )
    journey_step_create(
        plan=plan, actor=firm.alice, offset_days=-14, action="card", title="Thanksgiving card"
    )
    assert _run_twice(firm.workspace) == (1, 0)
    task = journey_tasks(firm.workspace).get()
    # Nobody owns Ann: the account's owner writes the card.
    assert (task.contact, task.due, task.assignee) == (ann, TODAY, firm.bob)


def test_holiday_dates_every_year_or_once():
    assert holiday_dates(
        ["12-24", "2026-12-31", "2025-12-31", "01-01"], date(2026, 12, 20), date(2027, 1, 2)
    ) == [
        date(2026, 12, 24),
        date(2026, 12, 31),
        date(2027, 1, 1),
    ]
    assert quarter_starts(date(2026, 12, 20), date(2027, 4, 2)) == [date(2027, 1, 1), date(2027, 4, 1)]


def test_the_end_of_a_project_brings_a_gift_once(firm):
    account = make_account(firm.workspace, name="Fabrikam", status="customer", owner=firm.bob)
    ann = make_contact(firm.workspace, first_name="Ann", last_name="Lee", account=account, owner=firm.alice)
    project_end_record(workspace=firm.workspace, actor=firm.bob, account=account, contact=ann, ended_on=TODAY)
    assert _run_twice(firm.workspace) == (1, 0)
    task = journey_tasks(firm.workspace).get()
    assert task.title == "Gift: Appreciation gift — Ann Lee (Fabrikam)"
    assert (task.assignee, task.contact) == (firm.bob, ann)


def test_a_quarterly_check_in_for_top_accounts_only(firm):
    now = datetime.fromisoformat("2027-01-05T09:00:00+00:00")
    top = make_account(firm.workspace, name="Top", status="customer", owner=firm.bob)
    core = make_account(firm.workspace, name="Core", status="customer", owner=firm.bob)
    for rank, (account, segment) in enumerate([(top, "top"), (core, "core")], start=1):
        AccountValue.objects.create(
            workspace=firm.workspace,
            account=account,
            rank=rank,
            cumulative_share=0.1 * rank,
            segment=segment,
            quadrant="champion",
            computed_at=now,
        )
    reminder_settings_ensure(workspace=firm.workspace)
    JourneyPlan.objects.filter(workspace=firm.workspace).exclude(trigger=Trigger.QUARTERLY_TOP).update(
        is_active=False
    )
    assert _run_twice(firm.workspace, now) == (1, 0)
    task = journey_tasks(firm.workspace).get()
    assert (task.account, task.due, task.title) == (
        top,
        date(2027, 1, 8),
        "Meeting: Quarterly check-in — Top",
    )


def test_a_paused_plan_creates_nothing_and_a_left_owner_hands_over_to_the_workspace_owner(firm):
    account = make_account(firm.workspace, name="Fabrikam", status="customer", won_at=TODAY, owner=firm.bob)
    reminder_settings_ensure(workspace=firm.workspace)
    welcome = _plan(firm.workspace, "welcome")
    welcome.is_active = False
    welcome.save()
    assert journey_tasks_create(workspace=firm.workspace, now=NOW) == 0
    welcome.is_active = True
    welcome.save()
    firm.bob.is_active = False
    firm.bob.save()
    assert journey_tasks_create(workspace=firm.workspace, now=NOW) == 1
    assert journey_tasks(firm.workspace).get().assignee == firm.alice
    assert account.pk


def test_old_moments_do_not_flood_anyone_and_contact_owner_steps_prefer_the_contact_owner(firm):
    make_account(
        firm.workspace, name="Long ago", status="customer", won_at=TODAY - timedelta(days=30), owner=firm.bob
    )
    assert journey_tasks_create(workspace=firm.workspace, now=NOW) == 0
    account = make_account(firm.workspace, name="Fabrikam", status="customer", owner=firm.bob)
    make_contact(
        firm.workspace, first_name="Ann", account=account, owner=firm.alice, birthday=date(1990, 11, 10)
    )
    _plan(firm.workspace, "birthdays").steps.update(who=StepWho.ACCOUNT_OWNER)
    journey_tasks_create(workspace=firm.workspace, now=NOW)
    assert journey_tasks(firm.workspace).get().assignee == firm.bob


def test_tasks_are_inserted_in_batches_and_still_once(firm, monkeypatch):
    monkeypatch.setattr("referral_engine.journeys.services.FLUSH_EVERY", 2)
    monkeypatch.setattr("referral_engine.journeys.selectors.STREAM_CHUNK", 2)
    client = make_account(firm.workspace, name="Fabrikam", status="customer", owner=firm.bob)
    for i in range(5):
        make_contact(firm.workspace, first_name=f"P{i}", account=client)
    plan = journey_plan_create(
        workspace=firm.workspace,
        actor=firm.alice,
        name="Thanksgiving",
        trigger=Trigger.HOLIDAYS,
        holidays=["11-18"],
    )
    journey_step_create(
        plan=plan, actor=firm.alice, offset_days=-14, action="card", title="Thanksgiving card"
    )
    assert _run_twice(firm.workspace) == (5, 0)
    assert journey_tasks(firm.workspace).count() == 5
