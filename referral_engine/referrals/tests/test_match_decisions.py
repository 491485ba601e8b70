"""Possible duplicates decided by a person: the referral page, the list page, the board's badges and the API."""

import pytest
from django.urls import reverse

from referral_engine.core.testing import make_account
from referral_engine.referrals.models import MatchDecision, ReferralMatch
from referral_engine.referrals.services import referral_create

HTMX = {"HTTP_HX_REQUEST": "true"}


def _referral(workspace, actor, name: str):
    return referral_create(
        workspace=workspace,
        actor=actor,
        referred_account_name=name,
        source_kind="employee",
        source_employee=actor,
    )


@pytest.fixture
def initech(firm):
    return make_account(firm.workspace, name="Initech Systems", status="customer")


@pytest.fixture
def pending(firm, initech):
    """A referral of "Initech Sytems" (a typo): a possible match of the customer Initech Systems."""
    referral = _referral(firm.workspace, firm.bob, "Initech Sytems")
    match = ReferralMatch.objects.get(referral=referral, matched_account=initech)
    assert (match.level, match.decision) == ("possible", MatchDecision.PENDING)
    return match


@pytest.fixture
def globex_match(firm):
    make_account(firm.other_workspace, name="Umbrella Holdings", status="customer")
    referral = _referral(firm.other_workspace, firm.dave, "Umbrella Holding")
    return ReferralMatch.objects.get(referral=referral)


def test_the_referral_page_shows_what_matched_why_and_the_customer_flag(client, firm, pending):
    client.force_login(firm.bob.user)
    page = client.get(reverse("referral_detail", args=[pending.referral_id])).content.decode()
    assert "Possible duplicates: 1 waiting for you" in page
    assert "Initech Systems" in page
    assert "similar company name" in page and "% alike" in page
    assert "Existing customer referred again — not new business" in page
    assert reverse("referral_match_decide", args=[pending.pk]) in page


def test_confirming_links_the_referral_to_the_existing_account_and_keeps_the_decision(
    client, firm, pending, initech
):
    client.force_login(firm.bob.user)
    typed = pending.referral.referred_account_id
    response = client.post(reverse("referral_match_decide", args=[pending.pk]), {"decision": "confirm"})
    assert response.status_code == 302
    assert response["Location"] == reverse("referral_detail", args=[pending.referral_id])
    pending.refresh_from_db()
    pending.referral.refresh_from_db()
    assert pending.decision == MatchDecision.CONFIRMED
    assert (pending.decided_by, pending.decided_at is not None) == (firm.bob, True)
    assert pending.referral.referred_account == initech
    assert typed != initech.pk

    # Deciding again is refused, and changes nothing.
    response = client.post(
        reverse("referral_match_decide", args=[pending.pk]), {"decision": "reject"}, **HTMX
    )
    assert response.status_code == 409
    assert "already decided" in response.content.decode()
    pending.refresh_from_db()
    assert pending.decision == MatchDecision.CONFIRMED


def test_rejecting_with_htmx_answers_the_decided_match_in_place(client, firm, pending):
    client.force_login(firm.alice.user)
    account = pending.referral.referred_account_id
    response = client.post(
        reverse("referral_match_decide", args=[pending.pk]), {"decision": "reject"}, **HTMX
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="match-{pending.pk}"' in body and "Rejected by Alice Archer" in body
    pending.refresh_from_db()
    pending.referral.refresh_from_db()
    assert pending.decision == MatchDecision.REJECTED
    assert pending.referral.referred_account_id == account


def test_a_bad_decision_is_refused_and_nothing_changes(client, firm, pending):
    client.force_login(firm.bob.user)
    response = client.post(reverse("referral_match_decide", args=[pending.pk]), {"decision": "merge"}, **HTMX)
    assert response.status_code == 409
    pending.refresh_from_db()
    assert pending.decision == MatchDecision.PENDING


def test_the_list_page_shows_pending_first_then_who_decided_what(client, firm, pending):
    decided = _referral(firm.workspace, firm.bob, "Initech Sistems")
    client.force_login(firm.alice.user)
    for other in ReferralMatch.objects.filter(referral=decided):
        client.post(reverse("referral_match_decide", args=[other.pk]), {"decision": "reject"})

    page = client.get(reverse("referral_match_list")).content.decode()
    assert '<strong class="text-important">1</strong> waiting' in page
    assert page.index("Initech Sytems") < page.index("Initech Sistems")
    assert "Rejected by Alice Archer" in page
    only_rejected = client.get(reverse("referral_match_list"), {"decision": "rejected"}).content.decode()
    assert "Initech Sistems" in only_rejected and f'id="match-{pending.pk}"' not in only_rejected


def test_the_board_card_shows_the_duplicate_and_customer_badges(client, firm, pending):
    plain = _referral(firm.workspace, firm.bob, "Completely Different Ltd")
    client.force_login(firm.bob.user)
    page = client.get(reverse("referral_board")).content.decode()
    card = page[page.index(f'id="referral-{pending.referral_id}"') :]
    card = card[: card.index("</li>")]
    assert "Duplicate?" in card and ">Customer<" in card
    plain_card = page[page.index(f'id="referral-{plain.pk}"') :]
    plain_card = plain_card[: plain_card.index("</li>")]
    assert "Duplicate?" not in plain_card and ">Customer<" not in plain_card


def test_other_workspaces_and_partners_cannot_see_or_decide(client, firm, pending, globex_match):
    client.force_login(firm.dave.user)
    page = client.get(reverse("referral_match_list")).content.decode()
    assert "Umbrella Holding" in page and "Initech" not in page
    response = client.post(reverse("referral_match_decide", args=[pending.pk]), {"decision": "confirm"})
    assert response.status_code == 404

    client.force_login(firm.carol.user)
    assert client.get(reverse("referral_match_list")).status_code == 404
    response = client.post(reverse("referral_match_decide", args=[pending.pk]), {"decision": "confirm"})
    assert response.status_code == 404
    pending.refresh_from_db()
    assert pending.decision == MatchDecision.PENDING


# ---------------------------------------------------------------------------------------------------------- API


def test_the_api_lists_confirms_and_rejects_matches(firm, pending, initech, connect):
    bob = connect(firm.token(firm.bob))
    listed = bob.get(f"/referrals/{pending.referral_id}/matches")
    assert listed.status_code == 200
    [item] = listed.json()
    assert (item["id"], item["matched_account_id"], item["matched_label"]) == (
        pending.pk,
        initech.pk,
        "Initech Systems",
    )
    assert (item["level"], item["decision"], item["customer_flag"]) == (
        "possible",
        "pending",
        "existing_customer",
    )
    assert item["similarity"] >= 0.85 and item["reasons"]

    confirmed = bob.post(f"/referrals/matches/{pending.pk}/confirm")
    assert confirmed.status_code == 200, confirmed.text
    assert (confirmed.json()["decision"], confirmed.json()["decided_by_id"]) == ("confirmed", firm.bob.pk)
    again = bob.post(f"/referrals/matches/{pending.pk}/reject")
    assert again.status_code == 409
    assert "already decided" in again.json()["detail"]
    pending.refresh_from_db()
    assert pending.decision == MatchDecision.CONFIRMED


def test_the_api_refuses_other_workspaces_and_partner_tokens(firm, pending, globex_match, connect):
    dave = connect(firm.token(firm.dave))
    assert dave.get(f"/referrals/{pending.referral_id}/matches").status_code == 404
    assert dave.post(f"/referrals/matches/{pending.pk}/confirm").status_code == 404
    assert dave.post(f"/referrals/matches/{globex_match.pk}/reject").status_code == 200

    carol = connect(firm.token(firm.carol))
    assert carol.get(f"/referrals/{pending.referral_id}/matches").status_code == 403
    assert carol.post(f"/referrals/matches/{pending.pk}/confirm").status_code == 403
    bob = connect(firm.token(firm.bob))
    assert bob.post("/referrals/matches/999999999/confirm").status_code == 404
    pending.refresh_from_db()
    assert pending.decision == MatchDecision.PENDING
