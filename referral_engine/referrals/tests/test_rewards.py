"""Rewards through the services: proposing on won, the hold, the budget, approval once, release once, paying."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from referral_engine.core.errors import Conflict
from referral_engine.engagement.models import Task, TaskStatus
from referral_engine.referrals.models import ReferralStatus, Reward, RewardRule, RewardStatus, SourceKind
from referral_engine.referrals.reward_selectors import reward_budget, reward_in_words
from referral_engine.referrals.reward_tasks import release_held_rewards
from referral_engine.referrals.rewards import (
    reward_amount,
    reward_approve,
    reward_decline,
    reward_pay,
    reward_propose_for_won,
    reward_release_due,
    reward_rule_create,
    reward_rule_update,
)
from referral_engine.referrals.services import referral_move
from referral_engine.referrals.tests.rewards_setup import (
    WON_AT,
    customer,
    fee_rule,
    gift_rule,
    programme,
    referral,
    win,
    won_referral,
)

APPROVED_AT = WON_AT + timedelta(days=2)


def test_a_fixed_and_a_percentage_rule_propose_their_rewards_on_won(firm):
    programme(firm)
    gift = gift_rule(firm)
    fee = fee_rule(firm)

    won = won_referral(firm, value="12345.67")

    rewards = {r.rule_id: r for r in Reward.objects.filter(referral=won)}
    assert set(rewards) == {gift.pk, fee.pk}
    assert (rewards[gift.pk].kind, rewards[gift.pk].amount) == ("gift", Decimal("50.00"))
    # 7.5% of 12,345.67 = 925.925..., rounded half up to the cent.
    assert (rewards[fee.pk].kind, rewards[fee.pk].amount) == ("fee", Decimal("925.93"))
    assert {r.status for r in rewards.values()} == {RewardStatus.PROPOSED}
    # Payable from the close date plus the programme's 14-day hold.
    assert {r.payable_from for r in rewards.values()} == {date(2026, 3, 15)}


def test_a_rule_applies_only_to_its_source_kinds_and_only_when_the_programme_is_on(firm):
    programme(firm, enabled=False)
    gift_rule(firm, for_customers=True, for_partners=False, for_employees=False)
    fee_rule(firm)  # partners only

    off = won_referral(firm)  # a partner's referral, programme off
    assert not Reward.objects.filter(referral=off).exists()

    programme(firm)
    by_colleague = won_referral(firm, source_kind=SourceKind.EMPLOYEE, source_employee=firm.bob)
    assert not Reward.objects.filter(referral=by_colleague).exists()
    by_customer = won_referral(firm, source_kind=SourceKind.CUSTOMER, source_contact=customer(firm))
    assert list(Reward.objects.filter(referral=by_customer).values_list("kind", flat=True)) == ["gift"]


def test_a_rules_own_hold_overrides_the_programmes(firm):
    programme(firm, hold_days=30)
    gift_rule(firm, hold_days=0)
    won = won_referral(firm)
    assert Reward.objects.get(referral=won).payable_from == date(2026, 3, 1)


def test_the_close_date_is_the_workspaces_local_date(firm):
    firm.workspace.timezone = "Pacific/Auckland"  # 1 March 12:00 UTC is 2 March 01:00 there
    firm.workspace.save(update_fields=["timezone"])
    programme(firm, hold_days=14)
    gift_rule(firm)
    won = won_referral(firm)
    assert Reward.objects.get(referral=won).payable_from == date(2026, 3, 16)


def test_a_reward_is_proposed_once_per_referral_and_rule_however_often_the_win_is_recorded(firm):
    programme(firm)
    gift_rule(firm)
    won = won_referral(firm)

    assert reward_propose_for_won(referral=won) == []
    assert reward_propose_for_won(referral=won) == []
    win(won, value="20000", at=WON_AT + timedelta(hours=1))  # recorded as won again
    assert Reward.objects.filter(referral=won).count() == 1


def test_leaving_won_before_payment_declines_the_reward_and_winning_again_proposes_it_anew(firm):
    programme(firm)
    gift_rule(firm)
    fee = fee_rule(firm)
    won = won_referral(firm, value="10000")
    fee_reward = Reward.objects.get(referral=won, rule=fee)
    reward_approve(reward=fee_reward, actor=firm.alice, now=APPROVED_AT)

    referral_move(referral=won, actor=firm.bob, status=ReferralStatus.PROPOSAL, at=WON_AT + timedelta(days=3))

    for reward in Reward.objects.filter(referral=won):
        assert reward.status == RewardStatus.DECLINED
        assert reward.declined_reason == "The referral was moved back to proposal before the reward was paid."
        assert reward.declined_by is None

    win(won, value="20000", at=WON_AT + timedelta(days=10))
    fee_reward.refresh_from_db()
    assert (fee_reward.status, fee_reward.amount) == (RewardStatus.PROPOSED, Decimal("1500.00"))
    assert fee_reward.payable_from == date(2026, 3, 25)
    assert fee_reward.approved_at is None
    assert Reward.objects.filter(referral=won).count() == 2


def test_a_reward_a_person_declined_stays_declined_when_the_referral_is_won_again(firm):
    programme(firm)
    gift_rule(firm)
    won = won_referral(firm)
    reward = Reward.objects.get(referral=won)
    reward_decline(reward=reward, actor=firm.alice, reason="Not for this client.")
    referral_move(referral=won, actor=firm.bob, status=ReferralStatus.PROPOSAL, at=WON_AT + timedelta(days=1))
    win(won, at=WON_AT + timedelta(days=2))
    reward.refresh_from_db()
    assert (reward.status, reward.declined_reason) == (RewardStatus.DECLINED, "Not for this client.")


def test_a_paid_reward_is_not_touched_when_the_referral_leaves_won(firm):
    programme(firm, hold_days=0)
    gift_rule(firm)
    won = won_referral(firm)
    reward = Reward.objects.get(referral=won)
    reward_approve(reward=reward, actor=firm.alice, now=APPROVED_AT)
    reward_pay(reward=reward, actor=firm.bob, now=APPROVED_AT + timedelta(hours=1))
    referral_move(
        referral=won,
        actor=firm.bob,
        status=ReferralStatus.LOST,
        lost_reason="Cancelled",
        at=APPROVED_AT + timedelta(days=1),
    )
    reward.refresh_from_db()
    assert reward.status == RewardStatus.PAID


# --------------------------------------------------------------------------------------------- approval


def test_a_reward_is_approved_once_and_a_second_decision_is_a_conflict(firm):
    programme(firm)
    gift_rule(firm)
    reward = Reward.objects.get(referral=won_referral(firm))

    approved = reward_approve(reward=reward, actor=firm.alice, now=APPROVED_AT)
    assert (approved.status, approved.approved_by, approved.approved_at) == (
        "approved",
        firm.alice,
        APPROVED_AT,
    )

    with pytest.raises(Conflict, match="already approved"):
        reward_approve(reward=reward, actor=firm.alice, now=APPROVED_AT + timedelta(hours=1))
    with pytest.raises(Conflict, match="already approved"):
        reward_decline(reward=reward, actor=firm.alice, reason="Changed my mind")
    reward.refresh_from_db()
    assert (reward.status, reward.approved_at, reward.declined_reason) == ("approved", APPROVED_AT, "")


def test_only_owners_and_admins_approve_or_decline(firm):
    programme(firm)
    gift_rule(firm)
    reward = Reward.objects.get(referral=won_referral(firm))
    for actor in (firm.bob, firm.carol, firm.dave, None):
        with pytest.raises(PermissionDenied):
            reward_approve(reward=reward, actor=actor)
        with pytest.raises(PermissionDenied):
            reward_decline(reward=reward, actor=actor, reason="No")
    reward.refresh_from_db()
    assert reward.status == RewardStatus.PROPOSED


def test_declining_needs_a_reason(firm):
    programme(firm)
    gift_rule(firm)
    reward = Reward.objects.get(referral=won_referral(firm))
    for reason in ("", "   ", "x" * 301):
        with pytest.raises(ValidationError) as caught:
            reward_decline(reward=reward, actor=firm.alice, reason=reason)
        assert list(caught.value.message_dict) == ["reason"]
    reward.refresh_from_db()
    assert reward.status == RewardStatus.PROPOSED


def test_an_approval_past_the_years_budget_is_refused_and_writes_nothing(firm):
    from referral_engine.integrations.models import WebhookDelivery
    from referral_engine.integrations.services import webhook_endpoint_create

    programme(firm, budget="1000")
    fee_rule(firm, percent=Decimal("6"))
    webhook_endpoint_create(
        workspace=firm.workspace, url="https://hooks.example.com/r", events=["reward.approved"]
    )
    first = Reward.objects.get(referral=won_referral(firm, value="10000", company="Hooli"))  # 600
    second = Reward.objects.get(referral=won_referral(firm, value="5000", company="Pied Piper"))  # 300
    third = Reward.objects.get(referral=won_referral(firm, value="2000", company="Aviato"))  # 120

    reward_approve(reward=first, actor=firm.alice, now=APPROVED_AT)
    reward_approve(reward=second, actor=firm.alice, now=APPROVED_AT)
    assert reward_budget(workspace=firm.workspace, now=APPROVED_AT).used == Decimal("900.00")
    deliveries = WebhookDelivery.objects.count()

    with pytest.raises(Conflict) as caught:
        reward_approve(reward=third, actor=firm.alice, now=APPROVED_AT)
    assert caught.value.message == (
        "Approving 120.00 EUR would exceed the 2026 budget: 900.00 of 1000.00 EUR is already approved or paid, "
        "100.00 left."
    )
    third.refresh_from_db()
    assert (third.status, third.approved_at, third.approved_by) == ("proposed", None, None)
    assert WebhookDelivery.objects.count() == deliveries

    # Paid rewards still count against the year they were approved in; a new year starts afresh.
    reward_pay(reward=first, actor=firm.bob, now=date_time(2026, 4, 1))
    with pytest.raises(Conflict):
        reward_approve(reward=third, actor=firm.alice, now=date_time(2026, 12, 31, 22))
    reward_approve(reward=third, actor=firm.alice, now=date_time(2027, 1, 1, 1))
    assert reward_budget(workspace=firm.workspace, now=date_time(2027, 1, 2)).used == Decimal("120.00")


def date_time(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_no_budget_means_no_limit(firm):
    programme(firm, budget=None)
    fee_rule(firm, percent=Decimal("100"))
    reward = Reward.objects.get(referral=won_referral(firm, value="900000"))
    assert reward_approve(reward=reward, actor=firm.alice).status == RewardStatus.APPROVED


# ------------------------------------------------------------------------------------ the hold and release


def test_the_hold_is_released_once_with_one_task_for_the_relationship_owner(firm):
    programme(firm, hold_days=14)
    gift_rule(firm)
    ann = customer(firm, owner=firm.bob)
    won = won_referral(firm, source_kind=SourceKind.CUSTOMER, source_contact=ann)
    reward = Reward.objects.get(referral=won)
    reward_approve(reward=reward, actor=firm.alice, now=APPROVED_AT)

    # 14 March: still on hold.
    assert reward_release_due(workspace=firm.workspace, now=date_time(2026, 3, 14, 23)) == 0
    assert not Task.objects.filter(dedupe_key=f"reward:{reward.pk}:send").exists()
    with pytest.raises(Conflict, match="on hold until 2026-03-15"):
        reward_pay(reward=reward, actor=firm.bob, now=date_time(2026, 3, 14, 23))

    released_at = date_time(2026, 3, 15, 8)
    assert reward_release_due(workspace=firm.workspace, now=released_at) == 1
    assert reward_release_due(workspace=firm.workspace, now=released_at + timedelta(hours=1)) == 0
    [task] = Task.objects.filter(dedupe_key=f"reward:{reward.pk}:send")
    assert task.assignee == firm.bob  # Ann's account is Bob's
    assert task.title == "Send Ann their gift of 50.00 EUR for referring Hooli"
    assert "/rewards/status/" in task.details
    assert (task.contact, task.referral, task.due) == (ann, won, date(2026, 3, 15))
    reward.refresh_from_db()
    assert reward.released_at == released_at

    paid = reward_pay(reward=reward, actor=firm.bob, now=date_time(2026, 3, 16, 10))
    assert (paid.status, paid.paid_at) == ("paid", date_time(2026, 3, 16, 10))
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    with pytest.raises(Conflict, match="already paid"):
        reward_pay(reward=reward, actor=firm.bob, now=date_time(2026, 3, 17))


def test_the_scheduled_job_releases_due_rewards_once_even_when_run_twice(firm, settings):
    from referral_engine.integrations.tests.conftest import IMMEDIATE

    settings.TASKS = IMMEDIATE
    programme(firm, hold_days=0)
    gift_rule(firm)
    won = won_referral(firm)  # Carol's, a partner with no owner: the workspace's owner sends it
    reward = Reward.objects.get(referral=won)
    reward_approve(reward=reward, actor=firm.alice)

    release_held_rewards.enqueue()
    release_held_rewards.enqueue()

    [task] = Task.objects.filter(dedupe_key=f"reward:{reward.pk}:send")
    assert (task.assignee, task.partner) == (firm.alice, firm.carol_partner)
    assert task.title.startswith("Send Carol")


def test_paying_needs_an_approval_first_and_a_sane_date(firm):
    programme(firm, hold_days=0)
    gift_rule(firm)
    reward = Reward.objects.get(referral=won_referral(firm))
    with pytest.raises(Conflict, match="Approve this reward"):
        reward_pay(reward=reward, actor=firm.bob)
    reward_approve(reward=reward, actor=firm.alice, now=APPROVED_AT)
    for paid_at in (APPROVED_AT - timedelta(days=1), datetime.now(UTC) + timedelta(days=2)):
        with pytest.raises(ValidationError) as caught:
            reward_pay(reward=reward, actor=firm.bob, paid_at=paid_at)
        assert list(caught.value.message_dict) == ["paid_at"]
    with pytest.raises(PermissionDenied):
        reward_pay(reward=reward, actor=firm.carol)
    reward.refresh_from_db()
    assert (reward.status, reward.paid_at) == ("approved", None)


def test_the_status_in_plain_words(firm):
    programme(firm, hold_days=14)
    gift_rule(firm)
    reward = Reward.objects.get(referral=won_referral(firm))
    day = date(2026, 3, 2)
    assert reward_in_words(reward, today=day) == "proposed, waiting for approval"
    reward = reward_approve(reward=reward, actor=firm.alice, now=APPROVED_AT)
    assert reward_in_words(reward, today=day) == "approved, will be sent from 15 March 2026"
    assert reward_in_words(reward, today=date(2026, 3, 15)) == "approved, will be sent in the next few days"
    reward_release_due(workspace=firm.workspace, now=date_time(2026, 3, 15, 9))
    reward.refresh_from_db()
    assert reward_in_words(reward, today=date(2026, 3, 15)) == "approved, being sent now"
    reward = reward_pay(reward=reward, actor=firm.bob, now=date_time(2026, 3, 18, 9))
    assert reward_in_words(reward, today=date(2026, 3, 18)) == "sent on 18 March 2026"


# ------------------------------------------------------------------------------------------------- rules


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"basis": "percent", "percent": Decimal("100.01")}, "percent"),
        ({"basis": "percent", "percent": Decimal("-1")}, "percent"),
        ({"basis": "percent", "percent": None}, "percent"),
        ({"basis": "fixed", "amount": Decimal("-0.01")}, "amount"),
        ({"basis": "fixed", "amount": None}, "amount"),
        ({"name": "  "}, "name"),
        ({"for_customers": False, "for_partners": False, "for_employees": False}, "source_kinds"),
        ({"hold_days": 5000}, "hold_days"),
    ],
)
def test_a_bad_rule_is_refused_with_a_field_error_and_nothing_saved(firm, fields, field):
    with pytest.raises(ValidationError) as caught:
        gift_rule(firm, **fields)
    assert field in caught.value.message_dict
    assert not RewardRule.objects.exists()


def test_a_percentage_rule_at_the_edges_and_a_rule_update(firm):
    zero = fee_rule(firm, name="Zero", percent=Decimal("0"))
    full = fee_rule(firm, name="Full", percent=Decimal("100"))
    assert reward_amount(rule=zero, won_value=Decimal("999")) == Decimal("0.00")
    assert reward_amount(rule=full, won_value=Decimal("999.99")) == Decimal("999.99")
    with pytest.raises(ValidationError):
        reward_rule_update(rule=full, actor=firm.alice, percent=Decimal("101"))
    changed = reward_rule_update(rule=full, actor=firm.alice, basis="fixed", amount=Decimal("25"))
    changed.refresh_from_db()
    assert (changed.basis, changed.amount, changed.percent) == ("fixed", Decimal("25.00"), None)
    with pytest.raises(PermissionDenied):
        reward_rule_create(workspace=firm.workspace, actor=firm.bob, name="Mine", basis="fixed", amount=1)


def test_rewards_of_another_workspace_are_never_proposed_by_this_ones_rules(firm):
    programme(firm)
    gift_rule(firm)
    globex_won = won_referral(
        firm,
        workspace=firm.other_workspace,
        source_kind=SourceKind.CUSTOMER,
        source_contact=customer(firm, workspace=firm.other_workspace),
    )
    assert not Reward.objects.filter(referral=globex_won).exists()
    assert referral(firm).rewards.count() == 0


# --------------------------------------------------------------------------------------- the database itself


def test_the_database_refuses_a_second_reward_for_the_same_rule_and_cross_workspace_references(firm):
    from referral_engine.core.tests.integrity import refused

    programme(firm)
    rule = gift_rule(firm)
    reward = Reward.objects.get(referral=won_referral(firm))
    with refused("reward_once_per_rule", "referrals_reward.referral_id, referrals_reward.rule_id"):
        Reward.objects.create(
            workspace=firm.workspace, referral=reward.referral, rule=rule, kind="gift", amount=1
        )

    globex_rule = RewardRule.objects.create(
        workspace=firm.other_workspace, name="Globex", basis="fixed", amount=Decimal("1")
    )
    with refused("cross-workspace reference: referrals_reward.rule_id"):
        Reward.objects.filter(pk=reward.pk).update(rule=globex_rule)
    with refused("cross-workspace reference: referrals_reward.declined_by_id"):
        Reward.objects.filter(pk=reward.pk).update(declined_by=firm.dave)
    # The guards of the earlier migrations survived this one's changes to the table.
    with refused("cross-workspace reference: referrals_reward.approved_by_id"):
        Reward.objects.filter(pk=reward.pk).update(approved_by=firm.dave)
    with refused("rewardrule_amount_or_percent"):
        RewardRule.objects.create(
            workspace=firm.workspace, name="Bad", basis="percent", percent=Decimal("101")
        )


def test_the_release_job_is_on_the_workers_schedule():
    from referral_engine.integrations.schedule import registered

    jobs = {job.task_path: job.every for job in registered()}
    assert jobs["referral_engine.referrals.reward_tasks.release_held_rewards"] == timedelta(minutes=15)


def test_a_reward_released_then_withdrawn_and_won_again_gets_its_task_back_once(firm):
    programme(firm, hold_days=0)
    gift_rule(firm)
    won = won_referral(firm)
    reward = reward_approve(reward=Reward.objects.get(referral=won), actor=firm.alice, now=APPROVED_AT)
    reward_release_due(workspace=firm.workspace, now=APPROVED_AT)
    referral_move(
        referral=won, actor=firm.bob, status=ReferralStatus.PROPOSAL, at=APPROVED_AT + timedelta(hours=1)
    )
    [task] = Task.objects.filter(dedupe_key=f"reward:{reward.pk}:send")
    assert task.status == TaskStatus.CANCELLED

    win(won, at=APPROVED_AT + timedelta(days=1))
    reward_approve(reward=reward, actor=firm.alice, now=APPROVED_AT + timedelta(days=1))
    assert reward_release_due(workspace=firm.workspace, now=APPROVED_AT + timedelta(days=1, hours=1)) == 1
    [task] = Task.objects.filter(dedupe_key=f"reward:{reward.pk}:send")
    assert (task.status, task.due) == (TaskStatus.OPEN, date(2026, 3, 4))
