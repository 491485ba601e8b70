"""Chains (tier 2): detection at intake, the whole tree in a fixed number of queries, correcting the parent."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from referral_engine.core.testing import make_account, make_contact
from referral_engine.referrals.models import Referral
from referral_engine.referrals.selectors import referral_chain_tree
from referral_engine.referrals.services import referral_create, referral_move, referral_update


def _from_employee(firm, name: str, **fields) -> Referral:
    return referral_create(
        workspace=firm.workspace,
        actor=firm.alice,
        referred_account=make_account(firm.workspace, name=name),
        source_kind="employee",
        source_employee=firm.bob,
        **fields,
    )


def _from_contact(firm, contact, name: str, **fields) -> Referral:
    return referral_create(
        workspace=firm.workspace,
        actor=firm.alice,
        referred_account=make_account(firm.workspace, name=name),
        source_kind="customer",
        source_contact=contact,
        **fields,
    )


def _won(referral: Referral, value: str) -> Referral:
    return referral_move(referral=referral, actor=None, status="won", won_value=Decimal(value))


# ---------------------------------------------------------------------------------------------- tier detection


def test_a_contact_of_an_account_won_through_a_referral_refers_at_tier_2(firm):
    root = _won(_from_employee(firm, "Hooli", received_at=timezone.now() - timedelta(days=30)), "5000")
    gavin = make_contact(firm.workspace, first_name="Gavin", account=root.referred_account)

    child = _from_contact(firm, gavin, "Pied Piper")

    assert (child.tier, child.parent) == (2, root)


def test_a_partners_own_contact_introduced_on_their_behalf_is_tier_2(firm):
    introduced = referral_create(
        workspace=firm.workspace,
        actor=firm.alice,
        referred_account_name="Clark Client Co",
        source_kind="partner",
        source_partner=firm.carol_partner,
        received_at=timezone.now() - timedelta(days=10),
    )
    # The person Carol introduced (still at proposal, not won) now refers a business of their own.
    dina = make_contact(firm.workspace, first_name="Dina", account=introduced.referred_account)

    child = _from_contact(firm, dina, "Dina's Neighbour Ltd")

    assert (child.tier, child.parent) == (2, introduced)


def test_a_direct_referral_stays_tier_1(firm):
    # A won account exists, but the referrer is not one of its people; and an open, non-partner referral
    # of the referrer's own company does not start a chain either.
    _won(_from_employee(firm, "Hooli"), "100")
    stranger = make_contact(
        firm.workspace, first_name="Sam", account=make_account(firm.workspace, name="Own Co")
    )
    _from_employee(firm, "Own Co Again", referred_contact=None)

    referral = _from_contact(firm, stranger, "Newco")
    assert (referral.tier, referral.parent) == (1, None)
    by_employee = _from_employee(firm, "Another")
    assert (by_employee.tier, by_employee.parent) == (1, None)


def test_a_referral_received_before_the_win_does_not_come_through_it(firm):
    root = _won(_from_employee(firm, "Hooli"), "100")
    gavin = make_contact(firm.workspace, first_name="Gavin", account=root.referred_account)
    earlier = _from_contact(firm, gavin, "Earlier Co", received_at=root.received_at - timedelta(days=1))
    assert earlier.tier == 1


# ------------------------------------------------------------------------------------------------- the chain


@pytest.fixture
def tree(firm):
    """root -> a -> (a1, a2 -> a2x); root -> b. Won: root 1000, a2 250."""
    now = timezone.now()
    root = _won(_from_employee(firm, "Root Co", received_at=now - timedelta(days=60)), "1000")
    a = _from_employee(firm, "A Co", parent=root, received_at=now - timedelta(days=50))
    b = _from_employee(firm, "B Co", parent=root, received_at=now - timedelta(days=45))
    a1 = _from_employee(firm, "A1 Co", parent=a, received_at=now - timedelta(days=40))
    a2 = _won(_from_employee(firm, "A2 Co", parent=a, received_at=now - timedelta(days=30)), "250")
    a2x = _from_employee(firm, "A2X Co", parent=a2, received_at=now - timedelta(days=20))
    return {"root": root, "a": a, "b": b, "a1": a1, "a2": a2, "a2x": a2x}


def test_the_chain_is_the_whole_tree_from_the_root_with_its_won_value(tree):
    chain = referral_chain_tree(referral=tree["a2"])
    names = [(node.depth, node.referral.referred_account.name) for node in chain.rows()]
    assert names == [
        (0, "Root Co"),
        (1, "A Co"),
        (2, "A1 Co"),
        (2, "A2 Co"),
        (3, "A2X Co"),
        (1, "B Co"),
    ]
    assert [node.tier for node in chain.rows()] == [1, 2, 2, 2, 2, 2]
    assert chain.won_value == Decimal("1250.00")
    assert (chain.won_count, chain.truncated) == (2, False)


def test_the_chain_costs_the_same_queries_whatever_its_size(firm, tree):
    with CaptureQueriesContext(connection) as small:
        referral_chain_tree(referral=tree["a2x"])
    parent = tree["a2x"]
    for i in range(12):
        parent = _from_employee(firm, f"Deep {i}", parent=parent)
    for i in range(8):
        _from_employee(firm, f"Wide {i}", parent=tree["b"])
    with CaptureQueriesContext(connection) as large:
        chain = referral_chain_tree(referral=parent)
    assert len(chain.nodes) == 6 + 12 + 8
    assert len(large.captured_queries) == len(small.captured_queries) == 3


def test_the_chain_stops_at_its_limit_and_says_so(tree):
    chain = referral_chain_tree(referral=tree["root"], limit=3)
    assert (len(chain.nodes), chain.truncated) == (3, True)


# ------------------------------------------------------------------------------------------ correcting the parent


def test_a_referral_cannot_get_one_of_its_descendants_as_parent(tree):
    for descendant in ("a", "a2", "a2x"):
        with pytest.raises(ValidationError) as refused:
            referral_update(instance=tree["root"], actor=None, parent=tree[descendant])
        assert "parent" in refused.value.message_dict
    tree["root"].refresh_from_db()
    assert (tree["root"].parent_id, tree["root"].tier) == (None, 1)
    # A sibling branch is fine: b moves under a1.
    moved = referral_update(instance=tree["b"], actor=None, parent=tree["a1"])
    assert (moved.parent, moved.tier) == (tree["a1"], 2)


def test_the_page_shows_the_tree_and_a_person_corrects_the_parent(client, firm, tree):
    client.force_login(firm.bob.user)
    page = client.get(reverse("referral_detail", args=[tree["a1"].pk])).content.decode()
    for name in ("Root Co", "A Co", "A1 Co", "A2 Co", "A2X Co", "B Co"):
        assert name in page
    assert "6 referrals in this chain; 2 won" in page
    assert client.get(reverse("referral_chain", args=[tree["a1"].pk])).status_code == 200

    url = reverse("referral_parent", args=[tree["b"].pk])
    response = client.post(url, {"parent": tree["a2x"].pk, "parent_q": "A2X Co"})
    assert response.status_code == 302
    tree["b"].refresh_from_db()
    assert (tree["b"].parent_id, tree["b"].tier) == (tree["a2x"].pk, 2)

    # A cycle is refused beside the field, and nothing changes.
    response = client.post(reverse("referral_parent", args=[tree["a"].pk]), {"parent": tree["a2x"].pk})
    assert response.status_code == 422
    assert "came through this one" in response.content.decode()
    tree["a"].refresh_from_db()
    assert tree["a"].parent_id == tree["root"].pk

    # Clearing makes it a direct referral.
    response = client.post(reverse("referral_parent", args=[tree["b"].pk]), {"clear": "1"})
    assert response.status_code == 302
    tree["b"].refresh_from_db()
    assert (tree["b"].parent_id, tree["b"].tier) == (None, 1)


def test_the_parent_picker_finds_referrals_by_company(client, firm, tree):
    client.force_login(firm.bob.user)
    response = client.get(
        reverse("referral_lookup"), {"kind": "referral", "field": "parent", "parent_q": "A2X"}
    )
    assert response.status_code == 200
    assert f'data-id="{tree["a2x"].pk}"' in response.content.decode()


def test_another_workspace_cannot_see_a_chain_or_be_a_parent(client, firm, tree):
    globex = referral_create(
        workspace=firm.other_workspace,
        actor=firm.dave,
        referred_account_name="Umbrella",
        source_kind="employee",
        source_employee=firm.dave,
    )
    client.force_login(firm.bob.user)
    response = client.post(reverse("referral_parent", args=[tree["b"].pk]), {"parent": globex.pk})
    assert response.status_code == 422
    tree["b"].refresh_from_db()
    assert tree["b"].parent_id == tree["root"].pk
    with pytest.raises(ValidationError):
        referral_update(instance=tree["b"], actor=None, parent=globex)

    client.force_login(firm.dave.user)
    assert client.get(reverse("referral_chain", args=[tree["a"].pk])).status_code == 404
    assert client.post(reverse("referral_parent", args=[tree["a"].pk]), {"clear": "1"}).status_code == 404
    lookup = client.get(reverse("referral_lookup"), {"kind": "referral", "field": "parent", "parent_q": "Co"})
    assert "Root Co" not in lookup.content.decode()

    client.force_login(firm.carol.user)
    assert client.get(reverse("referral_chain", args=[tree["a"].pk])).status_code == 404
    assert client.post(reverse("referral_parent", args=[tree["a"].pk]), {"clear": "1"}).status_code == 404
    tree["a"].refresh_from_db()
    assert tree["a"].parent_id == tree["root"].pk
