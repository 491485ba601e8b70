"""De-duplication rules on plain strings: no database."""

import pytest

from referral_engine.referrals.dedupe import (
    Level,
    classify,
    customer_flag,
    domain_of_website,
    email_domain,
    name_similarity,
    normalise_company,
)

ACME_FIVE_WAYS = ["Acme Corp.", "ACME Corporation", "acme, inc", "Acme GmbH", "Ácme Corp"]


@pytest.mark.parametrize("name", ACME_FIVE_WAYS)
def test_the_same_company_written_five_ways_normalises_to_one_name(name):
    assert normalise_company(name) == "acme"


@pytest.mark.parametrize("left", ACME_FIVE_WAYS)
@pytest.mark.parametrize("right", ACME_FIVE_WAYS)
def test_the_same_company_written_differently_is_a_sure_match(left, right):
    verdict = classify(company=left, candidate_name=right)
    assert verdict.level == Level.SURE
    assert verdict.reasons == ["same company name (acme)"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Smith & Jones Ltd", "smith jones"),
        ("Smith and Jones Limited", "smith jones"),
        ("Rossi S.p.A.", "rossi"),
        ("Bianchi S.r.l.", "bianchi"),
        ("Müller e.K.", "muller"),
        ("Müller GmbH & Co. KG", "muller"),
        ("Nordic Oy", "nordic"),
        ("Kangaroo Pty Ltd", "kangaroo"),
        ("Van Dijk B.V.", "van dijk"),
        ("Dupont SARL", "dupont"),
        ("Hansen ApS", "hansen"),
        ("Widgets, LLC", "widgets"),
        ("Widgets Incorporated", "widgets"),
        # A legal form only goes when it is a trailing word.
        ("AB Volvo", "ab volvo"),
        ("Co-op Bank", "co op bank"),
        ("Incorporated Design Studio", "incorporated design studio"),
    ],
)
def test_legal_forms_punctuation_and_ampersands_are_normalised(name, expected):
    assert normalise_company(name) == expected


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Acme Consulting", "Acme Logistics"),
        ("Acme Holdings", "Acme"),
        ("Blue Sky Partners", "Blue Ocean Partners"),
        ("Global Solutions", "Global Systems"),
        ("Northwind Traders", "Southwind Traders"),
    ],
)
def test_different_companies_that_share_a_word_are_not_sure_matches(left, right):
    assert classify(company=left, candidate_name=right).level != Level.SURE


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Acme Consulting", "Acme Logistics"),
        ("Acme Holdings", "Acme"),
        ("Blue Sky Partners", "Blue Ocean Partners"),
    ],
)
def test_companies_sharing_only_a_word_are_not_even_possible_matches(left, right):
    assert classify(company=left, candidate_name=right).level == Level.NONE


def test_a_near_spelling_is_a_possible_match_not_a_sure_one():
    verdict = classify(company="Initech Solutions", candidate_name="Initech Solution Ltd")
    assert verdict.level == Level.POSSIBLE
    assert 0.85 <= verdict.similarity < 1
    assert "similar company name" in verdict.reasons[0]


def test_name_similarity_is_between_zero_and_one_and_ignores_word_order():
    assert name_similarity("Acme Corp", "ACME, Inc.") == 1.0
    assert name_similarity("Jones Smith", "Smith & Jones") > 0.95
    assert name_similarity("", "Acme") == 0.0
    assert 0 <= name_similarity("Acme", "Zeta Dynamics") < 0.5


@pytest.mark.parametrize(
    "address",
    [
        "someone@gmail.com",
        "Someone@GoogleMail.com",
        "a@hotmail.co.uk",
        "a@hotmail.fr",
        "a@outlook.com",
        "a@live.com",
        "a@yahoo.de",
        "a@icloud.com",
        "a@me.com",
        "a@aol.com",
        "a@gmx.net",
        "a@gmx.de",
        "a@web.de",
        "a@proton.me",
        "a@protonmail.com",
        "a@yandex.ru",
        "a@mail.ru",
        "a@zoho.com",
    ],
)
def test_free_mail_domains_never_match_by_domain(address):
    assert email_domain(address) is None
    # Two strangers on the same free-mail provider are not one company.
    verdict = classify(
        company="Jane's Bakery",
        email=address,
        candidate_name="Tom's Garage",
        candidate_emails=["tom@gmail.com"],
    )
    assert verdict.level == Level.NONE
    assert classify(company="x", email=address, candidate_domain=address.split("@")[1]).level == Level.NONE


def test_a_company_domain_is_read_from_an_address_and_a_website():
    assert email_domain("Jane.Doe@ACME.com ") == "acme.com"
    assert email_domain("not an address") is None
    assert email_domain("@acme.com") is None
    assert domain_of_website("https://www.Acme.com/about?x=1") == "acme.com"
    assert domain_of_website("acme.com") == "acme.com"
    assert domain_of_website("http://acme.com:8080") == "acme.com"
    assert domain_of_website("") is None
    assert domain_of_website("not a domain") is None


def test_the_same_address_is_sure_whatever_its_case():
    verdict = classify(company="Unrelated", email="Jane@Acme.com", candidate_emails=["jane@acme.com"])
    assert verdict.level == Level.SURE
    assert verdict.reasons == ["same e-mail address (jane@acme.com)"]


def test_a_company_domain_matches_the_accounts_domain_or_a_colleagues_address():
    on_account = classify(company="Something Else", email="new@acme.com", candidate_domain="www.acme.com")
    assert on_account.level == Level.SURE
    assert "acme.com is the account's domain" in on_account.reasons[0]
    colleague = classify(company="Something Else", email="new@acme.com", candidate_emails=["old@acme.com"])
    assert colleague.level == Level.SURE
    assert colleague.reasons == ["same e-mail domain (acme.com)"]
    other = classify(company="Something Else", email="new@acme.com", candidate_domain="acme.co.uk")
    assert other.level == Level.NONE


@pytest.mark.parametrize(
    ("status", "flag", "note"),
    [
        ("customer", "existing_customer", "an existing customer referred again — not new business"),
        ("churned", "former_customer", "a former customer (churned) referred again"),
        ("prospect", "", None),
        (None, "", None),
    ],
)
def test_an_existing_or_former_customer_is_flagged(status, flag, note):
    assert customer_flag(status) == (flag, note)
