"""Global search: accounts, contacts, partners and referrals, within the workspace only."""

import pytest
from django.urls import reverse

from referral_engine.core.testing import make_account, make_contact
from referral_engine.referrals.services import referral_create


@pytest.fixture
def data(firm):
    initech = make_account(firm.workspace, name="Initech", domain="initech.test")
    ann = make_contact(
        firm.workspace, first_name="Ann", last_name="Able", email="ann@initech.test", account=initech
    )
    referral = referral_create(
        workspace=firm.workspace,
        actor=firm.alice,
        source_kind="customer",
        source_contact=ann,
        referred_account=make_account(firm.workspace, name="Hooli"),
    )
    make_account(firm.other_workspace, name="Initech Globex Branch")
    make_contact(firm.other_workspace, first_name="Ann", last_name="Outsider", email="ann@globex.test")
    return initech, ann, referral


def test_search_finds_accounts_contacts_partners_and_referrals_by_name_email_or_company(client, firm, data):
    initech, ann, referral = data
    client.force_login(firm.bob.user)
    page = client.get(reverse("search"), {"q": "initech"}).content.decode()
    assert reverse("account_detail", args=[initech.pk]) in page
    assert reverse("contact_detail", args=[ann.pk]) in page  # by company and e-mail
    assert "Globex" not in page
    page = client.get(reverse("search"), {"q": "ANN@initech"}).content.decode()
    assert "Ann Able" in page and "Outsider" not in page
    page = client.get(reverse("search"), {"q": "clark accountants"}).content.decode()
    assert reverse("partner_detail", args=[firm.carol_partner.pk]) in page
    page = client.get(reverse("search"), {"q": "hooli"}).content.decode()
    assert reverse("referral_detail", args=[referral.pk]) in page


def test_search_answers_the_shell_box_with_a_dropdown(client, firm, data):
    client.force_login(firm.alice.user)
    response = client.get(reverse("search"), {"q": "ann"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "<html" not in page and 'role="listbox"' in page and "Ann Able" in page
    assert "See all results" in page


def test_search_needs_two_characters_and_says_when_nothing_matches(client, firm, data):
    client.force_login(firm.alice.user)
    assert "at least two characters" in client.get(reverse("search"), {"q": "a"}).content.decode()
    assert "Nothing matches" in client.get(reverse("search"), {"q": "zzzz"}).content.decode()


def test_search_is_for_employees_only(client, firm, data):
    client.force_login(firm.carol.user)
    assert client.get(reverse("search"), {"q": "ann"}).status_code == 404
    client.logout()
    assert client.get(reverse("search"), {"q": "ann"}).status_code == 302


def test_the_outsider_finds_only_his_own_firm(client, firm, data):
    client.force_login(firm.dave.user)
    initech, ann, _ = data
    page = client.get(reverse("search"), {"q": "initech"}).content.decode()
    assert "Initech Globex Branch" in page and "ann@initech.test" not in page
    assert reverse("account_detail", args=[initech.pk]) not in page
