"""A full refresh on a small demo firm produces every figure."""

import math
from datetime import UTC, date, datetime

import pytest
from django.db.models import Sum

from referral_engine.demo.services import demo_firm_create
from referral_engine.insights.models import (
    AccountValue,
    ReferrerValue,
    RelationshipScore,
    RelationshipScoreHistory,
    Segment,
)
from referral_engine.insights.services import insights_refresh
from referral_engine.partners.models import Partner
from referral_engine.relationships.models import Account, Contact

TODAY = date(2025, 3, 14)


@pytest.mark.slow
def test_a_full_refresh_of_the_demo_firm_produces_every_figure(db):
    workspace = demo_firm_create(
        accounts=400, seed=7, slug="demo-value", today=TODAY, chunk_size=200
    ).workspace
    run = insights_refresh(workspace=workspace, now=datetime(2025, 3, 14, 20, tzinfo=UTC))

    assert run.fitted, run.reason
    assert set(run.parameters) == {"unit", "bgnbd", "gamma_gamma"}
    values = AccountValue.objects.filter(workspace=workspace)
    n = values.count()
    assert n == run.accounts_valued > 0
    customers = values.filter(purchase_days__gt=0)
    assert customers.count() == run.customers
    # Every customer the models were fitted on has every predicted figure.
    for field in ("predicted_clv", "expected_purchases", "probability_alive", "expected_spend"):
        assert not customers.filter(**{f"{field}__isnull": True}).exists(), field
    assert not customers.filter(probability_alive__gt=1).exists()
    # Shares: the last account holds the cumulative 100%; the segments' values add up to the total.
    assert values.order_by("-rank").first().cumulative_share == pytest.approx(1.0)
    assert sorted(values.values_list("rank", flat=True)) == list(range(1, n + 1))
    top = values.filter(segment=Segment.TOP).count()
    core = values.filter(segment=Segment.CORE).count()
    assert top == math.ceil(0.2 * n - 1e-9)
    assert top + core == math.ceil(0.5 * n - 1e-9)
    assert values.filter(segment=Segment.LONG_TAIL).count() == n - top - core
    assert values.aggregate(s=Sum("true_value"))["s"] == pytest.approx(
        values.aggregate(s=Sum("clv"))["s"] + values.aggregate(s=Sum("crv"))["s"]
    )
    assert set(values.values_list("quadrant", flat=True)) <= {"champion", "affluent", "advocate", "miser"}
    # CRV for every kind of referrer the demo has, and an RQ row for every contact, account and partner.
    assert set(ReferrerValue.objects.filter(workspace=workspace).values_list("kind", flat=True)) == {
        "contact",
        "account",
        "partner",
        "employee",
    }
    scores = RelationshipScore.objects.filter(workspace=workspace)
    assert scores.filter(kind="contact").count() == Contact.objects.filter(workspace=workspace).count()
    assert scores.filter(kind="account").count() == Account.objects.filter(workspace=workspace).count()
    assert scores.filter(kind="partner").count() == Partner.objects.filter(workspace=workspace).count()
    assert not scores.filter(score__lt=0).exists() and not scores.filter(score__gt=100).exists()
    assert RelationshipScoreHistory.objects.filter(workspace=workspace).count() == scores.count()
