"""The weekly ask lists: profile rules as filters, cadence, fairness, idempotence (a frozen clock: NOW)."""

from datetime import timedelta

import pytest

from referral_engine.asking import selectors
from referral_engine.asking.models import AskSuggestion, ReferralProfile
from referral_engine.asking.services import ask_lists_generate, referral_profile_update
from referral_engine.asking.tests.helpers import NOW, WEEK, make_ready_contact
from referral_engine.core.testing import make_user
from referral_engine.engagement.services import ask_create
from referral_engine.relationships.models import Touchpoint
from referral_engine.workspaces.models import Role
from referral_engine.workspaces.services import membership_add

pytestmark = pytest.mark.django_db


def listed(workspace, employee=None):
    return list(
        selectors.ask_list(
            workspace=workspace, week=WEEK, employee_id=employee.pk if employee else None
        ).values_list("contact_id", flat=True)
    )


def test_a_contact_meeting_every_rule_goes_to_their_owner(firm):
    contact = make_ready_contact(firm.workspace, owner=firm.bob)
    assert ask_lists_generate(workspace=firm.workspace, week=WEEK, now=NOW) == 1
    suggestion = AskSuggestion.objects.get()
    assert (suggestion.employee, suggestion.contact, suggestion.rank, suggestion.week) == (
        firm.bob,
        contact,
        1,
        WEEK,
    )
    assert suggestion.reasons[0]["key"] == "owner"
    assert suggestion.situation == "after_go_live"


@pytest.mark.parametrize(
    "change",
    [
        {"rq": 59},
        {"nps": 8},
        {"nps": None},
        {"segment": "core"},
        {"success_days_ago": 31},
        {"success_days_ago": None},
        {"do_not_contact": True},
    ],
)
def test_a_contact_failing_one_rule_is_not_listed(firm, change):
    make_ready_contact(firm.workspace, owner=firm.bob, **change)
    assert ask_lists_generate(workspace=firm.workspace, week=WEEK, now=NOW) == 0
    assert not AskSuggestion.objects.exists()


def test_the_rules_follow_the_profile(firm):
    make_ready_contact(firm.workspace, owner=firm.bob, rq=40, nps=7, segment="core", success_days_ago=None)
    referral_profile_update(
        workspace=firm.workspace,
        actor=firm.alice,
        segments=["top", "core"],
        min_rq=30,
        promoter_required=False,
        success_required=False,
    )
    assert ask_lists_generate(workspace=firm.workspace, week=WEEK, now=NOW) == 1


def test_a_person_asked_by_one_employee_is_on_nobodys_list_for_90_days(firm):
    contact = make_ready_contact(firm.workspace, owner=firm.bob, success_days_ago=1)
    asked_at = NOW - timedelta(days=89)
    ask_create(workspace=firm.workspace, actor=firm.alice, contact=contact, channel="phone", at=asked_at)
    # Alice asked; Bob owns them: not on Bob's list (nor anyone's) while the 90 days run.
    assert ask_lists_generate(workspace=firm.workspace, week=WEEK, now=NOW) == 0
    day_89_later = asked_at + timedelta(days=89, hours=23)
    assert ask_lists_generate(workspace=firm.workspace, week=WEEK, now=day_89_later) == 0
    day_91 = asked_at + timedelta(days=91)
    assert ask_lists_generate(workspace=firm.workspace, week=WEEK, now=day_91) == 1
    assert AskSuggestion.objects.get().employee == firm.bob


def test_no_employee_gets_more_than_the_weekly_maximum(firm):
    referral_profile_update(
        workspace=firm.workspace, actor=firm.alice, list_size=5, max_asks_per_employee_week=2
    )
    for _ in range(6):
        make_ready_contact(firm.workspace, owner=firm.bob)
    # Bob already asked someone this week: one place left of his two.
    other = make_ready_contact(firm.workspace, owner=None, success_days_ago=None)
    ask_create(
        workspace=firm.workspace, actor=firm.bob, contact=other, channel="phone", at=NOW + timedelta(hours=1)
    )
    ask_lists_generate(workspace=firm.workspace, week=WEEK, now=NOW + timedelta(hours=2))
    counts = {e: AskSuggestion.objects.filter(employee=e).count() for e in (firm.alice, firm.bob)}
    assert counts[firm.bob] == 1
    assert counts[firm.alice] == 0  # Bob's people stay with Bob: Alice neither owns nor talks with them.


def test_lists_are_spread_across_the_team_owners_first(firm):
    erin = membership_add(workspace=firm.workspace, user=make_user("erin@acme.test"), role=Role.MEMBER)
    bobs = [make_ready_contact(firm.workspace, owner=firm.bob, rq=90 - i) for i in range(5)]
    orphans = [make_ready_contact(firm.workspace, owner=None, rq=70 - i) for i in range(4)]
    # Erin talked both ways with Bob's fourth person lately, so she takes them when Bob's list is full.
    for direction in ("in", "out"):
        Touchpoint.objects.create(
            workspace=firm.workspace,
            kind="call",
            channel="phone",
            direction=direction,
            employee=erin,
            contact=bobs[3],
            at=NOW - timedelta(days=10),
        )
    ask_lists_generate(workspace=firm.workspace, week=WEEK, now=NOW)
    by_employee = {}
    for s in AskSuggestion.objects.order_by("rank"):
        by_employee.setdefault(s.employee_id, []).append(s.contact_id)
    assert by_employee[firm.bob.pk] == [c.pk for c in bobs[:3]]  # the owner first, best first
    assert by_employee[erin.pk][0] == bobs[3].pk  # the two-way colleague next
    assert bobs[4].pk not in sum(by_employee.values(), [])  # owned but nobody else knows them: next week
    # People nobody looks after are spread over whoever has room, the least loaded first.
    spread = [c for cs in by_employee.values() for c in cs if c in {o.pk for o in orphans}]
    assert sorted(spread) == sorted(o.pk for o in orphans)
    assert all(len(cs) <= 3 for cs in by_employee.values())
    # Alice had nobody, Erin one: each gets two of the four, the best to Alice (least loaded first).
    assert by_employee[firm.alice.pk] == [orphans[0].pk, orphans[2].pk]
    assert by_employee[erin.pk] == [bobs[3].pk, orphans[1].pk, orphans[3].pk]
    # Nobody is on two lists.
    contacts = [c for cs in by_employee.values() for c in cs]
    assert len(contacts) == len(set(contacts))


def test_generating_twice_creates_nothing_new(firm):
    for _ in range(4):
        make_ready_contact(firm.workspace, owner=firm.bob)
    first = ask_lists_generate(workspace=firm.workspace, week=WEEK, now=NOW)
    before = list(AskSuggestion.objects.order_by("pk").values_list("pk", "employee_id", "contact_id", "rank"))
    assert first == 3
    assert ask_lists_generate(workspace=firm.workspace, week=WEEK, now=NOW + timedelta(hours=1)) == 0
    after = list(AskSuggestion.objects.order_by("pk").values_list("pk", "employee_id", "contact_id", "rank"))
    assert before == after


def test_partners_and_other_workspaces_get_no_list(firm):
    make_ready_contact(firm.workspace, owner=None)
    make_ready_contact(firm.other_workspace, owner=firm.dave)
    ask_lists_generate(workspace=firm.workspace, week=WEEK, now=NOW)
    employees = set(AskSuggestion.objects.values_list("employee_id", flat=True))
    assert firm.carol.pk not in employees
    assert firm.dave.pk not in employees
    assert ReferralProfile.objects.filter(workspace=firm.other_workspace).count() == 0


def test_the_hourly_job_makes_this_weeks_lists_once(firm, settings):
    from django.utils import timezone

    from referral_engine.asking.tasks import generate_current_week_ask_lists
    from referral_engine.integrations.schedule import registered

    assert "referral_engine.asking.tasks.generate_current_week_ask_lists" in [
        job.task_path for job in registered()
    ]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    make_ready_contact(firm.workspace, owner=firm.bob, now=timezone.now())
    make_ready_contact(firm.other_workspace, owner=firm.dave, now=timezone.now())
    assert generate_current_week_ask_lists.enqueue().return_value == 2
    assert generate_current_week_ask_lists.enqueue().return_value == 0
    # Once a week's lists are made, the hourly job leaves them be (one lookup per workspace); someone who
    # becomes ready mid-week waits for next Monday, unless the lists are made again on purpose.
    make_ready_contact(firm.workspace, owner=firm.bob, now=timezone.now())
    assert generate_current_week_ask_lists.enqueue().return_value == 0
    assert ask_lists_generate(workspace=firm.workspace) == 1
    week = selectors.week_of(timezone.localdate())
    assert set(AskSuggestion.objects.filter(week=week).values_list("employee_id", flat=True)) == {
        firm.bob.pk,
        firm.dave.pk,
    }


def test_a_fresh_propensity_score_ranks_before_the_profile_rules(firm):
    from referral_engine.propensity.models import PropensityRun, PropensityScore

    referral_profile_update(workspace=firm.workspace, actor=firm.alice, list_size=2)
    strong, weak, modelled = (
        make_ready_contact(firm.workspace, owner=firm.bob, rq=rq) for rq in (95, 85, 65)
    )
    run = PropensityRun.objects.create(
        workspace=firm.workspace,
        trained_at=NOW - timedelta(days=1),
        method="logistic",
        examples=10,
        positives=2,
    )
    PropensityScore.objects.create(
        workspace=firm.workspace,
        contact=modelled,
        run=run,
        probability=0.4,
        reasons=[{"feature": "asks", "label": "Said yes before", "value": 1, "contribution": 0.3}],
        scored_at=NOW - timedelta(days=1),
    )
    ask_lists_generate(workspace=firm.workspace, week=WEEK, now=NOW)
    ranked = list(AskSuggestion.objects.order_by("rank").values_list("contact_id", flat=True))
    assert ranked == [modelled.pk, strong.pk]
    reasons = AskSuggestion.objects.get(contact=modelled).reasons
    assert {"key": "propensity", "text": "Likely to refer: 40% in 90 days."} in reasons
    assert {"key": "propensity_reason", "text": "Said yes before"} in reasons
    assert weak.pk not in ranked


def test_a_stale_or_fallback_propensity_score_does_not_rank(firm):
    from referral_engine.propensity.models import PropensityRun, PropensityScore

    referral_profile_update(workspace=firm.workspace, actor=firm.alice, list_size=1)
    strong, stale = (
        make_ready_contact(firm.workspace, owner=firm.bob, rq=95),
        make_ready_contact(firm.workspace, owner=firm.bob, rq=65),
    )
    run = PropensityRun.objects.create(
        workspace=firm.workspace,
        trained_at=NOW - timedelta(days=30),
        method="logistic",
        examples=10,
        positives=2,
    )
    PropensityScore.objects.create(
        workspace=firm.workspace, contact=stale, run=run, probability=0.9, scored_at=NOW - timedelta(days=30)
    )
    ask_lists_generate(workspace=firm.workspace, week=WEEK, now=NOW)
    assert list(AskSuggestion.objects.values_list("contact_id", flat=True)) == [strong.pk]
