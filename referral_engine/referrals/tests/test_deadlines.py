from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from referral_engine.core.testing import make_account, make_contact
from referral_engine.engagement.models import Task, TaskKind
from referral_engine.referrals.deadlines import add_working_days, referral_overdue_alerts_create
from referral_engine.referrals.models import Referral, SourceKind
from referral_engine.referrals.selectors import referral_list_overdue
from referral_engine.referrals.services import referral_create, referral_move
from referral_engine.workspaces.models import Membership

BERLIN = ZoneInfo("Europe/Berlin")
TOKYO = ZoneInfo("Asia/Tokyo")
# 2026-11-16 is a Monday.
MONDAY_10 = datetime(2026, 11, 16, 10, 0, tzinfo=UTC)
FRIDAY_15 = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
SATURDAY_10 = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
NEXT_MONDAY_15 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


# ------------------------------------------------------------------------------------------ add_working_days


def test_one_working_day_after_a_monday_is_the_tuesday_at_the_same_time():
    assert add_working_days(MONDAY_10, 1, UTC) == MONDAY_10 + timedelta(days=1)


def test_one_working_day_after_a_friday_afternoon_skips_the_weekend_to_monday():
    assert add_working_days(FRIDAY_15, 1, UTC) == NEXT_MONDAY_15


def test_a_start_on_a_saturday_counts_from_the_weekend():
    assert add_working_days(SATURDAY_10, 1, UTC) == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_five_working_days_are_a_calendar_week_and_zero_is_the_start_itself():
    assert add_working_days(MONDAY_10, 5, UTC) == MONDAY_10 + timedelta(days=7)
    assert add_working_days(SATURDAY_10, 0, UTC) == SATURDAY_10


def test_the_weekend_is_the_one_in_the_workspace_time_zone():
    # Friday 23:30 in UTC is already Saturday 08:30 in Tokyo.
    friday_night = datetime(2026, 11, 20, 23, 30, tzinfo=UTC)
    assert add_working_days(friday_night, 1, UTC) == datetime(2026, 11, 23, 23, 30, tzinfo=UTC)
    in_tokyo = add_working_days(friday_night, 1, TOKYO)
    assert in_tokyo.astimezone(TOKYO) == datetime(2026, 11, 23, 8, 30, tzinfo=TOKYO)
    assert in_tokyo == datetime(2026, 11, 22, 23, 30, tzinfo=UTC)


def test_the_wall_clock_time_is_kept_across_a_daylight_saving_change():
    # Berlin leaves summer time on Sunday 25 October 2026: 10:00 is 08:00 UTC before and 09:00 UTC after.
    friday = datetime(2026, 10, 23, 10, 0, tzinfo=BERLIN)
    due = add_working_days(friday, 1, BERLIN)
    assert due.astimezone(BERLIN) == datetime(2026, 10, 26, 10, 0, tzinfo=BERLIN)
    assert due == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)
    assert due.utcoffset() == timedelta(0)


def test_a_naive_start_or_negative_days_are_refused():
    with pytest.raises(ValueError):
        add_working_days(datetime(2026, 11, 20, 15, 0), 1, UTC)
    with pytest.raises(ValueError):
        add_working_days(FRIDAY_15, -1, UTC)


# ---------------------------------------------------------------------------------------- first_contact_due


def _referral(firm, workspace=None, **fields) -> Referral:
    workspace = workspace or firm.workspace
    fields.setdefault("source_kind", SourceKind.CUSTOMER)
    fields.setdefault("source_contact", make_contact(workspace, first_name="Pat"))
    fields.setdefault("referred_account", make_account(workspace, name="Fabrikam"))
    return referral_create(workspace=workspace, actor=None, **fields)


def test_a_referral_received_on_a_friday_afternoon_is_due_for_first_contact_on_monday(firm):
    referral = _referral(firm, received_at=FRIDAY_15)
    assert referral.first_contact_due == NEXT_MONDAY_15


def test_the_deadline_follows_the_workspace_setting_and_time_zone(firm):
    workspace = firm.workspace
    workspace.first_contact_working_days = 3
    workspace.timezone = "Asia/Tokyo"
    workspace.save(update_fields=["first_contact_working_days", "timezone"])
    # Thursday 20:00 UTC is Friday 05:00 in Tokyo: three working days later is Wednesday 05:00 there.
    referral = _referral(firm, received_at=datetime(2026, 11, 19, 20, 0, tzinfo=UTC))
    assert referral.first_contact_due.astimezone(TOKYO) == datetime(2026, 11, 25, 5, 0, tzinfo=TOKYO)


def test_a_first_contact_due_given_by_the_caller_is_kept(firm):
    due = MONDAY_10 + timedelta(hours=4)
    referral = _referral(firm, received_at=MONDAY_10, first_contact_due=due)
    assert referral.first_contact_due == due


# ------------------------------------------------------------------------------------------ overdue alerts

WEDNESDAY_NOON = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)


def _bob_reports_to_alice(firm) -> None:
    Membership.objects.filter(pk=firm.bob.pk).update(lead=firm.alice)


def _alerts(workspace) -> list[Task]:
    return list(Task.objects.filter(workspace=workspace, kind=TaskKind.FOLLOW_UP).order_by("dedupe_key"))


def test_an_overdue_referral_alerts_its_owner_and_their_lead_once_even_when_run_twice(firm):
    _bob_reports_to_alice(firm)
    referral = _referral(firm, owner=firm.bob, received_at=MONDAY_10, story="Met Pat at the chamber lunch.")

    assert referral_overdue_alerts_create(workspace=firm.workspace, now=WEDNESDAY_NOON) == 2
    assert referral_overdue_alerts_create(workspace=firm.workspace, now=WEDNESDAY_NOON) == 0
    assert (
        referral_overdue_alerts_create(workspace=firm.workspace, now=WEDNESDAY_NOON + timedelta(days=1)) == 0
    )

    lead_task, owner_task = _alerts(firm.workspace)
    assert (owner_task.assignee, lead_task.assignee) == (firm.bob, firm.alice)
    assert owner_task.dedupe_key == f"referral:{referral.pk}:overdue:owner"
    assert lead_task.dedupe_key == f"referral:{referral.pk}:overdue:lead"
    for task in (owner_task, lead_task):
        assert task.referral == referral
        assert task.due == date(2026, 11, 18)
        assert "Fabrikam" in task.title
        assert "Met Pat at the chamber lunch." in task.details
        assert "Tue 17 Nov 2026 10:00" in task.details


def test_an_owner_without_a_lead_gets_one_alert(firm):
    _referral(firm, owner=firm.bob, received_at=MONDAY_10)
    assert referral_overdue_alerts_create(workspace=firm.workspace, now=WEDNESDAY_NOON) == 1
    assert [t.assignee for t in _alerts(firm.workspace)] == [firm.bob]


def test_no_alert_before_the_deadline_nor_for_a_contacted_or_closed_referral(firm):
    _bob_reports_to_alice(firm)
    not_yet = _referral(firm, owner=firm.bob, received_at=WEDNESDAY_NOON - timedelta(hours=2))
    contacted = _referral(firm, owner=firm.bob, received_at=MONDAY_10)
    referral_move(referral=contacted, actor=firm.bob, status="contacted", at=MONDAY_10 + timedelta(hours=1))
    lost = _referral(firm, owner=firm.bob, received_at=MONDAY_10)
    referral_move(
        referral=lost,
        actor=firm.bob,
        status="lost",
        at=MONDAY_10 + timedelta(hours=1),
        lost_reason="No budget",
    )

    assert list(referral_list_overdue(workspace=firm.workspace, now=WEDNESDAY_NOON)) == []
    assert referral_overdue_alerts_create(workspace=firm.workspace, now=WEDNESDAY_NOON) == 0
    assert _alerts(firm.workspace) == []
    assert not_yet.first_contact_due > WEDNESDAY_NOON


def test_alerts_never_cross_workspaces(firm):
    ours = _referral(firm, owner=firm.bob, received_at=MONDAY_10)
    theirs = _referral(firm, workspace=firm.other_workspace, owner=firm.dave, received_at=MONDAY_10)

    assert referral_overdue_alerts_create(workspace=firm.workspace, now=WEDNESDAY_NOON) == 1
    assert [(t.referral, t.assignee) for t in _alerts(firm.workspace)] == [(ours, firm.bob)]
    assert _alerts(firm.other_workspace) == []

    assert referral_overdue_alerts_create(workspace=firm.other_workspace, now=WEDNESDAY_NOON) == 1
    assert [(t.referral, t.assignee) for t in _alerts(firm.other_workspace)] == [(theirs, firm.dave)]


def test_a_referral_without_an_owner_alerts_the_workspace_owner(firm):
    _referral(firm, received_at=MONDAY_10)
    assert referral_overdue_alerts_create(workspace=firm.workspace, now=WEDNESDAY_NOON) == 1
    assert [t.assignee for t in _alerts(firm.workspace)] == [firm.alice]


def _queries_for_alerts(firm, now) -> int:
    with CaptureQueriesContext(connection) as queries:
        referral_overdue_alerts_create(workspace=firm.workspace, now=now)
    return len(queries)


def test_the_alerts_cost_the_same_queries_for_one_referral_or_many(firm):
    _bob_reports_to_alice(firm)
    _referral(firm, owner=firm.bob, received_at=MONDAY_10)
    one = _queries_for_alerts(firm, WEDNESDAY_NOON)
    for _ in range(6):
        _referral(firm, owner=firm.bob, received_at=MONDAY_10 + timedelta(hours=1))
    many = _queries_for_alerts(firm, WEDNESDAY_NOON)
    assert many == one
    assert len(_alerts(firm.workspace)) == 14
