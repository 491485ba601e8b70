"""Two managers approving at the same moment cannot both fit the same budget left (PostgreSQL row locks).

SQLite runs one write transaction at a time, so the race cannot happen there; this test needs PostgreSQL.
"""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from referral_engine.core.errors import Conflict
from referral_engine.referrals.models import Reward, RewardStatus
from referral_engine.referrals.rewards import reward_approve
from referral_engine.referrals.tests.rewards_setup import fee_rule, programme, won_referral

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL only (SQLite serialises writers)")


def test_two_approvals_racing_for_the_last_of_the_budget_let_only_one_through(postgresql_only, firm):
    programme(firm, budget="1000")
    fee_rule(firm, percent=Decimal("10"))
    first = Reward.objects.get(referral=won_referral(firm, value="6000", company="Hooli"))  # 600
    second = Reward.objects.get(referral=won_referral(firm, value="5000", company="Aviato"))  # 500
    start = threading.Barrier(2)
    outcomes: dict[int, str] = {}

    def approve(reward: Reward) -> None:
        try:
            start.wait()
            reward_approve(reward=reward, actor=firm.alice)
            outcomes[reward.pk] = "approved"
        except Conflict as exc:
            outcomes[reward.pk] = exc.message
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(reward,)) for reward in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes.values(), key=len)[0] == "approved"
    assert sum(1 for outcome in outcomes.values() if "would exceed" in outcome) == 1
    assert Reward.objects.filter(status=RewardStatus.APPROVED).count() == 1
