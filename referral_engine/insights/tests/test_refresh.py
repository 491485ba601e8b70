"""insights_refresh wires the database to the maths: hand-worked small cases, idempotence, the week's history."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from referral_engine.insights.models import (
    AccountValue,
    EntityKind,
    InsightsRun,
    ReferrerValue,
    RelationshipScore,
    RelationshipScoreHistory,
)
from referral_engine.insights.services import insights_refresh
from referral_engine.insights.tests.helpers import NOW, add_relationship, at, small_firm, won_referral
from referral_engine.relationships.models import Account
from referral_engine.relationships.services import touchpoint_create

YEAR = 365.25


def _value(account: Account) -> AccountValue:
    return AccountValue.objects.get(account=account)


def test_historic_value_crv_with_tier2_and_discounting_segments_and_quadrants(firm):
    small = small_firm(firm)
    run = insights_refresh(workspace=firm.workspace, now=NOW)

    # Three customers are fewer than the 20 the default settings need to fit: historic values only, said why.
    assert not run.fitted
    assert "Only 3 customers" in run.reason
    a, b, c = _value(small.a), _value(small.b), _value(small.c)
    assert (a.historic_value, a.historic_margin, a.purchase_days) == (300, pytest.approx(100), 2)
    assert (b.historic_value, b.historic_margin) == (2900, 1900)
    assert a.predicted_clv is None and a.clv == pytest.approx(100)

    # Ann referred Beta: its margins from the referral on, discounted at 10% a year to the day of the referral,
    # plus 100 acquisition cost saved; Ben (at Beta) then referred Gamma through her chain: tier 2 at 0.5.
    first = 500 + 500 * 1.1 ** (-365 / YEAR) + 100
    second = 200 + 100
    ann = ReferrerValue.objects.get(kind=EntityKind.CONTACT, contact=small.ann)
    ben = ReferrerValue.objects.get(kind=EntityKind.CONTACT, contact=small.ben)
    assert ann.tier1 == pytest.approx(first)
    assert ann.tier2 == pytest.approx(0.5 * second)
    assert ann.crv == pytest.approx(first + 0.5 * second)
    assert ann.referred == 2
    assert ben.crv == pytest.approx(second) and ben.tier2 == 0
    assert ReferrerValue.objects.get(kind=EntityKind.ACCOUNT, account=small.a).crv == pytest.approx(ann.crv)
    assert a.crv == pytest.approx(ann.crv) and b.crv == pytest.approx(second) and c.crv == 0
    assert a.true_value == pytest.approx(100 + ann.crv)
    assert b.true_value == pytest.approx(1900 + 300)

    # Ranked by true value; 3 accounts: ⌈0.2·3⌉ = 1 top, up to ⌈0.5·3⌉ = 2 core, the rest long tail.
    assert [v.account for v in AccountValue.objects.filter(workspace=firm.workspace).order_by("rank")] == [
        small.b,
        small.a,
        small.c,
    ]
    assert (b.segment, a.segment, c.segment) == ("top", "core", "long_tail")
    total = a.true_value + b.true_value + c.true_value
    assert b.cumulative_share == pytest.approx(b.true_value / total)
    assert c.cumulative_share == pytest.approx(1.0)
    assert run.top_value_share == pytest.approx(b.true_value / total)
    # Median CLV 200 and median CRV 300, "high" strictly above: Alpha refers a lot, Beta buys a lot.
    assert (a.quadrant, b.quadrant, c.quadrant) == ("advocate", "affluent", "miser")


def test_rq_parts_of_a_contact_an_account_and_a_partner(firm):
    small = small_firm(firm)
    add_relationship(firm, small)
    # Carol's firm sent us two referrals; we started one one-to-one with her: reciprocity 1/2.
    won_referral(
        firm.workspace, account=small.c, received=date(2025, 7, 1), source_partner=firm.carol_partner
    )
    won_referral(
        firm.workspace, account=small.a, received=date(2025, 8, 1), source_partner=firm.carol_partner
    )
    touchpoint_create(
        workspace=firm.workspace, actor=firm.bob, partner=firm.carol_partner, kind="one_to_one",
        channel="in_person", direction="out", at=at(date(2026, 1, 22)),
    )  # fmt: skip
    insights_refresh(workspace=firm.workspace, now=NOW)

    decayed = 0.5 ** (30 / 90) + 0.5 ** (28 / 90)  # a call 30 days ago, her e-mail back 28 days ago
    engagement = decayed / (decayed + 3)
    ann = RelationshipScore.objects.get(contact=small.ann)
    assert ann.engagement == pytest.approx(engagement)
    assert ann.responsiveness == 1.0  # answered within 14 days
    assert ann.sentiment == pytest.approx(0.9)  # her latest answer, not the older 4
    assert ann.breadth is None and ann.reciprocity is None
    assert ann.score == pytest.approx(100 * (0.3 * engagement + 0.2 * 0.9 + 0.15) / 0.65)

    alpha = RelationshipScore.objects.get(account=small.a)
    assert alpha.breadth == pytest.approx(1 / 3)  # one decision maker of the three expected
    assert alpha.score == pytest.approx(100 * (0.3 * engagement + 0.2 / 3 + 0.2 * 0.9 + 0.15) / 0.85)
    assert _value(small.a).rq == pytest.approx(alpha.score)
    assert _value(small.a).latest_nps == 9

    carol = RelationshipScore.objects.get(partner=firm.carol_partner)
    assert carol.reciprocity == pytest.approx(0.5)
    assert carol.sentiment is None
    # Every contact, account and partner of the workspace has a score row; none of the other workspace's.
    assert RelationshipScore.objects.filter(workspace=firm.workspace, kind="account").count() == 3
    assert not RelationshipScore.objects.filter(workspace=firm.other_workspace).exists()


def _rows(model) -> list[tuple]:
    skip = {"id", "created_at", "updated_at"}
    fields = [f.attname for f in model._meta.concrete_fields if f.attname not in skip]
    return sorted(model.objects.values_list(*fields), key=repr)


def test_a_second_refresh_gives_the_same_rows_and_one_history_row_per_week(firm):
    small = small_firm(firm)
    add_relationship(firm, small)
    insights_refresh(workspace=firm.workspace, now=NOW)
    first = {m: _rows(m) for m in (AccountValue, ReferrerValue, RelationshipScore, RelationshipScoreHistory)}
    insights_refresh(workspace=firm.workspace, now=NOW + timedelta(hours=1))
    for model, rows in first.items():
        again = _rows(model)
        if model in (AccountValue, ReferrerValue, RelationshipScore):
            drop = [
                f.attname
                for f in model._meta.concrete_fields
                if f.attname not in {"id", "created_at", "updated_at"}
            ]
            at_ = drop.index("computed_at")
            rows = [r[:at_] + r[at_ + 1 :] for r in rows]
            again = [r[:at_] + r[at_ + 1 :] for r in again]
        assert again == rows, model

    entities = RelationshipScore.objects.filter(workspace=firm.workspace).count()
    # NOW is a Sunday: the history row is the week of Monday 26 January.
    assert set(RelationshipScoreHistory.objects.values_list("week", flat=True)) == {date(2026, 1, 26)}
    assert RelationshipScoreHistory.objects.count() == entities
    insights_refresh(workspace=firm.workspace, now=NOW + timedelta(days=1))  # Monday: a new week
    assert RelationshipScoreHistory.objects.count() == 2 * entities
    assert InsightsRun.objects.filter(workspace=firm.workspace).count() == 1


def test_the_refresh_reads_and_writes_in_a_fixed_number_of_queries(firm):
    small = small_firm(firm)
    add_relationship(firm, small)
    insights_refresh(workspace=firm.workspace, now=NOW)
    with CaptureQueriesContext(connection) as few:
        insights_refresh(workspace=firm.workspace, now=NOW)
    for i in range(30):
        account = Account.objects.create(workspace=firm.workspace, name=f"More {i}")
        small.ann.pk = None
        small.ann.email = ""
        small.ann.account = account
        small.ann.save()
    with CaptureQueriesContext(connection) as more:
        insights_refresh(workspace=firm.workspace, now=NOW)
    assert len(more.captured_queries) == len(few.captured_queries)


def test_a_workspace_with_nothing_gets_a_reason_and_no_rows(firm):
    run = insights_refresh(workspace=firm.other_workspace, now=NOW)
    assert not run.fitted and "No purchases" in run.reason
    assert not AccountValue.objects.filter(workspace=firm.other_workspace).exists()


def test_the_nightly_job_is_scheduled_and_refreshes_every_workspace(firm, settings):
    from referral_engine.insights.tasks import refresh_every_workspace
    from referral_engine.integrations.schedule import registered

    jobs = {job.task_path: job.every for job in registered()}
    assert jobs["referral_engine.insights.tasks.refresh_every_workspace"] == timedelta(hours=24)
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}
    }
    small_firm(firm)
    refresh_every_workspace.enqueue()
    assert set(InsightsRun.objects.values_list("workspace__slug", flat=True)) == {"acme", "globex"}
    assert AccountValue.objects.filter(workspace=firm.workspace).count() == 3
