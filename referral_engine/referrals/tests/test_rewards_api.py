"""/api/v1/rewards over a real HTTP server: list, read, approve, decline, pay; who may; errors with their fields."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from referral_engine.referrals.models import Reward, RewardStatus, SourceKind
from referral_engine.referrals.tests.rewards_setup import (
    customer,
    fee_rule,
    gift_rule,
    programme,
    won_referral,
)


@pytest.fixture
def rewards(firm):
    programme(firm, budget="600", hold_days=0)
    gift_rule(firm)
    fee_rule(firm, percent=Decimal("5"))
    won = won_referral(firm, value="10000", company="Hooli", at=timezone.now() - timedelta(days=1))
    globex = won_referral(
        firm,
        workspace=firm.other_workspace,
        company="Globex client",
        source_kind=SourceKind.CUSTOMER,
        source_contact=customer(firm, workspace=firm.other_workspace),
    )
    Reward.objects.create(workspace=firm.other_workspace, referral=globex, kind="gift", amount=Decimal("10"))
    return {
        "fee": Reward.objects.get(referral=won, kind="fee"),
        "gift": Reward.objects.get(referral=won, kind="gift"),
        "globex": Reward.objects.get(referral=globex),
    }


def test_an_employee_lists_and_reads_the_workspaces_rewards(firm, rewards, connect):
    bob = connect(firm.token(firm.bob))
    listed = bob.get("/rewards").json()
    assert listed["count"] == 2
    assert {item["id"] for item in listed["items"]} == {rewards["fee"].pk, rewards["gift"].pk}
    fee = bob.get(f"/rewards/{rewards['fee'].pk}").json()
    assert (fee["kind"], fee["amount"], fee["currency"], fee["status"]) == (
        "fee",
        "500.00",
        "EUR",
        "proposed",
    )
    assert fee["status_in_words"] == "proposed, waiting for approval"
    assert fee["referred_account_name"] == "Hooli"
    assert bob.get("/rewards", params={"status": "paid"}).json()["count"] == 0
    assert bob.get("/rewards", params={"ordering": "-amount"}).json()["items"][0]["id"] == rewards["fee"].pk

    bad = bob.get("/rewards", params={"status": "lost"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["query", "status"]
    assert bob.get("/rewards", params={"ordering": "secret"}).status_code == 422


def test_approve_decline_and_pay_through_the_api(firm, rewards, connect):
    alice = connect(firm.token(firm.alice))
    fee, gift = rewards["fee"], rewards["gift"]

    approved = alice.post(f"/rewards/{fee.pk}/approve")
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    assert approved.json()["approved_by_id"] == firm.alice.pk

    again = alice.post(f"/rewards/{fee.pk}/approve")
    assert (again.status_code, again.json()) == (409, {"detail": "This reward was already approved."})

    # 500 of 600 used: the 50 gift fits, but refusing it first shows a decline needs a reason.
    for body, field in (
        ({}, "reason"),
        ({"reason": "x" * 301}, "reason"),
        ({"reason": "ok", "why": 1}, "why"),
    ):
        answer = alice.post(f"/rewards/{gift.pk}/decline", json=body)
        assert answer.status_code == 422, body
        assert ["body", field] in [error["loc"] for error in answer.json()["detail"]]
    blank = alice.post(f"/rewards/{gift.pk}/decline", json={"reason": "   "})
    assert blank.status_code == 422
    assert blank.json()["detail"][0]["loc"] == ["body", "reason"]
    gift.refresh_from_db()
    assert gift.status == RewardStatus.PROPOSED

    bob = connect(firm.token(firm.bob))
    early = (timezone.now() - timedelta(days=30)).isoformat()
    wrong = bob.post(f"/rewards/{fee.pk}/pay", json={"paid_at": early})
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0]["loc"] == ["body", "paid_at"]
    paid = bob.post(f"/rewards/{fee.pk}/pay", json={})
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "paid" and paid.json()["paid_at"]
    assert bob.post(f"/rewards/{fee.pk}/pay").status_code == 409

    declined = alice.post(f"/rewards/{gift.pk}/decline", json={"reason": "Carol prefers no gifts."})
    assert declined.status_code == 200
    assert (declined.json()["status"], declined.json()["declined_reason"]) == (
        "declined",
        "Carol prefers no gifts.",
    )


def test_an_approval_past_the_budget_is_a_409_and_changes_nothing(firm, rewards, connect):
    programme(firm, budget="520", hold_days=0)
    alice = connect(firm.token(firm.alice))
    assert alice.post(f"/rewards/{rewards['fee'].pk}/approve").status_code == 200
    refused = alice.post(f"/rewards/{rewards['gift'].pk}/approve")
    assert refused.status_code == 409
    assert "would exceed the" in refused.json()["detail"]
    rewards["gift"].refresh_from_db()
    assert (rewards["gift"].status, rewards["gift"].approved_at) == ("proposed", None)


def test_who_may_do_what(firm, rewards, connect):
    fee, globex = rewards["fee"], rewards["globex"]
    bob = connect(firm.token(firm.bob))
    # A member reads and marks paid, but does not approve or decline.
    assert bob.post(f"/rewards/{fee.pk}/approve").status_code == 403
    assert bob.post(f"/rewards/{fee.pk}/decline", json={"reason": "no"}).status_code == 403
    # A partner's token has no rewards API; the portal shows a partner their own.
    carol = connect(firm.token(firm.carol))
    assert carol.get("/rewards").status_code == 403
    assert carol.get(f"/rewards/{fee.pk}").status_code == 403
    # Another workspace's rewards do not exist for Acme, and Acme's do not for Globex.
    alice = connect(firm.token(firm.alice))
    dave = connect(firm.token(firm.dave))
    for client, pk in ((alice, globex.pk), (dave, fee.pk)):
        assert client.get(f"/rewards/{pk}").status_code == 404
        assert client.post(f"/rewards/{pk}/approve").status_code == 404
        assert client.post(f"/rewards/{pk}/decline", json={"reason": "no"}).status_code == 404
        assert client.post(f"/rewards/{pk}/pay").status_code == 404
    assert [item["id"] for item in dave.get("/rewards").json()["items"]] == [globex.pk]
    assert connect("not-a-token").get("/rewards").status_code == 401
    fee.refresh_from_db()
    globex.refresh_from_db()
    assert (fee.status, globex.status) == ("proposed", "proposed")
