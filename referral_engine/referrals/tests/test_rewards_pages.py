"""The reward pages: the list with its buttons, the settings, and "where is my reward?" for each kind of referrer,
each seen only by the right person."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from referral_engine.partners.models import Partner
from referral_engine.referrals.models import Reward, RewardProgramme, RewardRule, RewardStatus, SourceKind
from referral_engine.referrals.rewards import reward_approve, reward_status_token
from referral_engine.referrals.tests.rewards_setup import (
    customer,
    fee_rule,
    gift_rule,
    programme,
    won_referral,
)

HTMX = {"HTTP_HX_REQUEST": "true"}
# These pages run on the real clock: the referrals were won yesterday, so the programme's 14-day hold is not over
# (the gift rule holds nothing).
WON = timezone.now() - timedelta(days=1)
HOLD_ENDS = (WON + timedelta(days=14)).date()
HOLD_WORDS = f"{HOLD_ENDS.day} {HOLD_ENDS:%B %Y}"


@pytest.fixture
def rewards(firm):
    """Carol's fee (partner), Ann's gift (customer), Bob's gift (colleague) and one in Globex."""
    programme(firm, budget="2000", hold_days=14)
    gift_rule(firm, hold_days=0)
    fee_rule(firm, percent=Decimal("5"))
    ann = customer(firm)
    partner_referral = won_referral(firm, value="10000", company="Hooli", at=WON)
    customer_referral = won_referral(
        firm, company="Pied Piper", source_kind=SourceKind.CUSTOMER, source_contact=ann, at=WON
    )
    colleague_referral = won_referral(
        firm, company="Aviato", source_kind=SourceKind.EMPLOYEE, source_employee=firm.bob, at=WON
    )
    reward_programme = RewardProgramme.objects.create(workspace=firm.other_workspace, enabled=True)
    globex_rule = RewardRule.objects.create(
        workspace=firm.other_workspace, name="Globex gift", basis="fixed", amount=Decimal("99")
    )
    globex_contact = customer(firm, workspace=firm.other_workspace, first_name="Gus")
    globex_referral = won_referral(
        firm,
        workspace=firm.other_workspace,
        company="Globex client",
        source_kind=SourceKind.CUSTOMER,
        source_contact=globex_contact,
    )
    assert reward_programme.enabled and globex_rule.pk
    return {
        "ann": ann,
        "carol_fee": Reward.objects.get(referral=partner_referral, kind="fee"),
        "carol_gift": Reward.objects.get(referral=partner_referral, kind="gift"),
        "ann_gift": Reward.objects.get(referral=customer_referral),
        "bob_gift": Reward.objects.get(referral=colleague_referral),
        "globex": Reward.objects.get(referral=globex_referral),
        "globex_contact": globex_contact,
    }


def test_the_rewards_page_lists_filters_and_shows_the_budget(
    client, firm, rewards, django_assert_max_num_queries
):
    client.force_login(firm.bob.user)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("reward_list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-testid="reward-row"') == 4
    assert "Globex client" not in html
    assert "of 2,000.00 EUR used" in html or "of 2000.00 EUR used" in html
    # Bob is a member: he may mark paid, not approve.
    assert reverse("reward_approve", args=[rewards["carol_fee"].pk]) not in html

    reward_approve(reward=rewards["carol_fee"], actor=firm.alice)
    approved = client.get(reverse("reward_list"), {"status": "held"}).content.decode()
    assert approved.count('data-testid="reward-row"') == 1
    assert f"Approved, will be paid from {HOLD_WORDS}" in approved
    assert (
        client.get(reverse("reward_list"), {"status": "proposed"})
        .content.decode()
        .count('data-testid="reward-row"')
        == 3
    )


def test_a_manager_approves_with_htmx_and_without_and_a_second_approval_says_why_not(client, firm, rewards):
    client.force_login(firm.alice.user)
    fee = rewards["carol_fee"]
    answer = client.post(reverse("reward_approve", args=[fee.pk]), **HTMX)
    assert answer.status_code == 200
    html = answer.content.decode()
    assert f'id="reward-{fee.pk}"' in html and 'hx-swap-oob="true"' in html
    assert "500.00" in html  # the budget used, out of band
    fee.refresh_from_db()
    assert fee.status == RewardStatus.APPROVED

    again = client.post(reverse("reward_approve", args=[fee.pk]), **HTMX)
    assert "This reward was already approved." in again.content.decode()

    gift = rewards["ann_gift"]
    answer = client.post(
        reverse("reward_decline", args=[gift.pk]), {"reason": "", "next": "/referrals/rewards/"}
    )
    assert answer.status_code == 302
    gift.refresh_from_db()
    assert gift.status == RewardStatus.PROPOSED
    answer = client.post(
        reverse("reward_decline", args=[gift.pk]), {"reason": "Ann is our supplier too."}, follow=True
    )
    assert "The reward is declined." in answer.content.decode()
    gift.refresh_from_db()
    assert (gift.status, gift.declined_reason, gift.declined_by) == (
        "declined",
        "Ann is our supplier too.",
        firm.alice,
    )


def test_the_budget_refusal_is_shown_on_the_row_and_nothing_changes(client, firm, rewards):
    programme(firm, budget="520")
    client.force_login(firm.alice.user)
    client.post(reverse("reward_approve", args=[rewards["carol_fee"].pk]), **HTMX)  # 500 of 520
    answer = client.post(reverse("reward_approve", args=[rewards["ann_gift"].pk]), **HTMX)
    assert "would exceed the 2026 budget" in answer.content.decode()
    rewards["ann_gift"].refresh_from_db()
    assert rewards["ann_gift"].status == RewardStatus.PROPOSED


def test_marking_paid_while_on_hold_is_refused_with_the_reason(client, firm, rewards):
    reward_approve(reward=rewards["carol_gift"], actor=firm.alice)
    rewards["carol_gift"].refresh_from_db()
    client.force_login(firm.bob.user)
    # The gift holds nothing: it may be paid at once.
    answer = client.post(reverse("reward_pay", args=[rewards["carol_gift"].pk]), follow=True)
    assert "The reward is marked paid." in answer.content.decode()
    reward_approve(reward=rewards["carol_fee"], actor=firm.alice)
    answer = client.post(reverse("reward_pay", args=[rewards["carol_fee"].pk]), follow=True)
    assert f"on hold until {HOLD_ENDS:%Y-%m-%d}" in answer.content.decode()
    rewards["carol_fee"].refresh_from_db()
    assert (rewards["carol_fee"].status, rewards["carol_fee"].paid_at) == ("approved", None)


@pytest.mark.parametrize("who", ["carol", "dave"])
def test_employee_reward_pages_are_404_for_a_partner_and_for_another_workspace(client, firm, rewards, who):
    client.force_login(getattr(firm, who).user)
    pk = rewards["carol_fee"].pk
    for method, url in (
        ("get", reverse("reward_list")),
        ("get", reverse("reward_settings")),
        ("post", reverse("reward_approve", args=[pk])),
        ("post", reverse("reward_decline", args=[pk])),
        ("post", reverse("reward_pay", args=[pk])),
        ("get", reverse("reward_rule_edit", args=[rewards["carol_fee"].rule_id])),
    ):
        response = getattr(client, method)(url, {"reason": "x"} if method == "post" else None)
        if who == "dave" and url == reverse("reward_list"):
            # Dave sees his own workspace's list, never Acme's rewards.
            assert response.status_code == 200
            assert "Hooli" not in response.content.decode()
            assert "Globex client" in response.content.decode()
        elif who == "dave" and url == reverse("reward_settings"):
            assert response.status_code == 200
            assert "Partner fee" not in response.content.decode()
        else:
            assert response.status_code == 404, (method, url)
    rewards["carol_fee"].refresh_from_db()
    assert rewards["carol_fee"].status == RewardStatus.PROPOSED


def test_a_member_cannot_approve_decline_or_change_the_programme(client, firm, rewards):
    client.force_login(firm.bob.user)
    pk = rewards["carol_fee"].pk
    assert client.post(reverse("reward_approve", args=[pk])).status_code == 404
    assert client.post(reverse("reward_decline", args=[pk]), {"reason": "no"}).status_code == 404
    assert client.get(reverse("reward_settings")).status_code == 404
    assert client.post(reverse("reward_settings"), {"form": "programme", "hold_days": 1}).status_code == 404
    assert RewardProgramme.objects.get(workspace=firm.workspace).hold_days == 14


def test_the_settings_page_saves_the_programme_and_refuses_bad_rules(client, firm):
    client.force_login(firm.alice.user)
    assert client.get(reverse("reward_settings")).status_code == 200

    answer = client.post(
        reverse("reward_settings"),
        {"form": "programme", "enabled": "on", "yearly_budget": "5000", "hold_days": "21"},
    )
    assert answer.status_code == 302
    saved = RewardProgramme.objects.get(workspace=firm.workspace)
    assert (saved.enabled, saved.yearly_budget, saved.hold_days) == (True, Decimal("5000.00"), 21)

    for data, field in (
        ({"basis": "percent", "percent": "150"}, "percent"),
        ({"basis": "percent", "percent": ""}, "percent"),
        ({"basis": "fixed", "amount": "-5"}, "amount"),
        ({"basis": "fixed", "amount": "10", "source_kinds": []}, "source_kinds"),
    ):
        post = {"form": "rule", "name": "Gift", "kind": "gift", "source_kinds": ["customer"], **data}
        answer = client.post(reverse("reward_settings"), post)
        assert answer.status_code == 422, data
        assert field in answer.context["rule_form"].errors
    answer = client.post(
        reverse("reward_settings"), {"form": "programme", "yearly_budget": "-1", "hold_days": "-2"}
    )
    assert answer.status_code == 422
    assert set(answer.context["programme_form"].errors) == {"yearly_budget", "hold_days"}
    assert not RewardRule.objects.exists()
    saved.refresh_from_db()
    assert (saved.yearly_budget, saved.hold_days) == (Decimal("5000.00"), 21)

    answer = client.post(
        reverse("reward_settings"),
        {
            "form": "rule",
            "name": "Partner fee",
            "kind": "fee",
            "basis": "percent",
            "percent": "7.5",
            "source_kinds": ["partner"],
            "is_active": "on",
        },
    )
    assert answer.status_code == 302
    rule = RewardRule.objects.get()
    assert (rule.basis, rule.percent, rule.source_kinds, rule.amount) == (
        "percent",
        Decimal("7.50"),
        ["partner"],
        None,
    )

    edit = client.post(
        reverse("reward_rule_edit", args=[rule.pk]),
        {
            "name": "Partner fee",
            "kind": "fee",
            "basis": "fixed",
            "amount": "300",
            "source_kinds": ["partner", "employee"],
        },
    )
    assert edit.status_code == 302
    rule.refresh_from_db()
    assert (rule.basis, rule.amount, rule.percent, rule.is_active) == (
        "fixed",
        Decimal("300.00"),
        None,
        False,
    )
    assert rule.source_kinds == ["partner", "employee"]
    assert client.post(reverse("reward_rule_delete", args=[rule.pk])).status_code == 302
    assert not RewardRule.objects.exists()


# ------------------------------------------------------------------------------- "where is my reward?"


def test_a_partner_sees_only_their_own_rewards_in_the_portal(client, firm, rewards):
    other = Partner.objects.create(workspace=firm.workspace, name="Olga Other", email="olga@other.test")
    won_referral(firm, company="Olga's client", source_kind=SourceKind.PARTNER, source_partner=other)
    reward_approve(reward=rewards["carol_fee"], actor=firm.alice)

    client.force_login(firm.carol.user)
    html = client.get(reverse("portal_rewards")).content.decode()
    assert html.count("Hooli") == 2  # her fee and her gift
    assert f"Approved, will be paid from {HOLD_WORDS}" in html
    assert "Proposed, waiting for approval" in html
    for not_hers in ("Olga's client", "Pied Piper", "Aviato", "Globex client"):
        assert not_hers not in html
    assert reverse("portal_rewards") in client.get(reverse("portal")).content.decode()

    for who in ("alice", "dave"):
        client.force_login(getattr(firm, who).user)
        assert client.get(reverse("portal_rewards")).status_code == 404


def test_an_employee_sees_their_own_rewards_on_their_profile(client, firm, rewards):
    client.force_login(firm.bob.user)
    html = client.get(reverse("profile")).content.decode()
    assert 'data-testid="my-rewards"' in html
    assert "Aviato" in html
    assert "Hooli" not in html and "Pied Piper" not in html
    client.force_login(firm.alice.user)
    assert 'data-testid="my-rewards"' not in client.get(reverse("profile")).content.decode()


def test_a_customer_follows_their_rewards_at_a_signed_link_and_nobody_elses(client, firm, rewards):
    ann = rewards["ann"]
    token = reward_status_token(workspace=firm.workspace, contact_id=ann.pk)
    answer = client.get(reverse("reward_status_public", args=[token]))
    assert answer.status_code == 200
    assert answer["Cache-Control"] == "private, no-store"
    html = answer.content.decode()
    assert "Thank you, Ann" in html
    assert "Pied Piper" in html and "Proposed, waiting for approval" in html
    for not_hers in ("Hooli", "Aviato", "Globex client"):
        assert not_hers not in html

    # Another id in a token we did not sign, a changed signature, or a token of Globex's contact under
    # Acme's id: nothing.
    globex = reward_status_token(workspace=firm.other_workspace, contact_id=rewards["globex_contact"].pk)
    forged = globex.split(":")[0] + token[token.index(":") :]
    acme_id_globex_contact = reward_status_token(
        workspace=firm.workspace, contact_id=rewards["globex_contact"].pk
    )
    for bad in (forged, token[:-2] + "xx", "nonsense", acme_id_globex_contact):
        assert client.get(reverse("reward_status_public", args=[bad])).status_code == 404
    globex_html = client.get(reverse("reward_status_public", args=[globex])).content.decode()
    assert "Globex client" in globex_html and "Pied Piper" not in globex_html


def test_the_list_page_and_the_api_list_cost_the_same_queries_for_more_rewards(client, firm, rewards):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(firm.alice.user)
    token = firm.token(firm.alice)

    def counts() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as page:
            assert client.get(reverse("reward_list")).status_code == 200
        with CaptureQueriesContext(connection) as api:
            answer = client.get("/api/v1/rewards", HTTP_AUTHORIZATION=f"Bearer {token}")
            assert answer.status_code == 200
        return len(page), len(api)

    counts()  # the token's first use records when it was used
    before = counts()
    for n in range(6):
        won_referral(
            firm,
            company=f"More {n}",
            source_kind=SourceKind.CUSTOMER,
            source_contact=customer(firm, first_name=f"Al{n}", account_name=f"Acc {n}"),
            at=WON,
        )
    assert Reward.objects.filter(workspace=firm.workspace).count() == 10
    assert counts() == before


def test_the_referral_page_shows_its_rewards(client, firm, rewards):
    client.force_login(firm.bob.user)
    html = client.get(reverse("referral_detail", args=[rewards["carol_fee"].referral_id])).content.decode()
    assert 'data-testid="referral-rewards"' in html
    assert "Referral fee of 500.00 EUR" in html and "Gift of 50.00 EUR" in html
    other = client.get(reverse("referral_detail", args=[rewards["ann_gift"].referral_id])).content.decode()
    assert "Referral fee of 500.00 EUR" not in other
