"""De-duplication of a new referral against the workspace's accounts, contacts and open referrals."""

from datetime import date

import pytest
from django.http import Http404

from referral_engine.core.errors import Conflict
from referral_engine.referrals.models import CustomerFlag, MatchDecision, ReferralMatch
from referral_engine.referrals.selectors import referral_match_candidates, referral_match_get
from referral_engine.referrals.services import referral_create, referral_match_decide, referral_matches_record
from referral_engine.relationships.models import Account, AccountStatus
from referral_engine.relationships.services import account_create, contact_create


def _referral(firm, name, workspace=None, **fields):
    workspace = workspace or firm.workspace
    employee = firm.bob if workspace == firm.workspace else firm.dave
    return referral_create(
        workspace=workspace,
        actor=employee,
        referred_account_name=name,
        source_kind="employee",
        source_employee=employee,
        **fields,
    )


def test_a_sure_email_match_links_the_referral_to_the_existing_records(firm):
    acme = account_create(
        workspace=firm.workspace, actor=firm.alice, name="Acme Corporation", domain="acme.com"
    )
    jane = contact_create(
        workspace=firm.workspace, actor=firm.alice, first_name="Jane", email="jane@acme.com", account=acme
    )
    referral = _referral(firm, "Jane's firm")
    typed_account_id = referral.referred_account_id

    recorded = referral_matches_record(referral=referral, email="JANE@acme.com")

    referral.refresh_from_db()
    assert referral.referred_account == acme
    assert referral.referred_contact == jane
    # The account made for this referral duplicated Acme and nothing else used it: merged away.
    assert not Account.objects.filter(pk=typed_account_id).exists()
    by_target = {(m.matched_account_id, m.matched_contact_id): m for m in recorded}
    contact_match = by_target[(None, jane.pk)]
    assert contact_match.decision == MatchDecision.AUTO_LINKED
    assert contact_match.level == "sure"
    assert "same e-mail address (jane@acme.com)" in contact_match.reasons
    assert contact_match.decided_at is not None and contact_match.decided_by is None
    assert by_target[(acme.pk, None)].decision == MatchDecision.AUTO_LINKED


def test_the_same_company_written_another_way_links_to_the_account(firm):
    acme = account_create(workspace=firm.workspace, actor=firm.alice, name="ACME Corporation")
    referral = _referral(firm, "Ácme, Inc.")

    # referral_create recorded the matches at intake.
    [match] = ReferralMatch.objects.filter(referral=referral)

    referral.refresh_from_db()
    assert referral.referred_account == acme
    assert match.matched_account == acme
    assert match.decision == MatchDecision.AUTO_LINKED
    assert match.reasons == ["same company name (acme)"]
    # Recording again keeps the one decision and adds nothing.
    assert referral_matches_record(referral=referral) == []
    assert ReferralMatch.objects.filter(referral=referral).count() == 1


def test_a_free_mail_address_never_matches_by_domain(firm):
    account_create(workspace=firm.workspace, actor=firm.alice, name="Tom's Garage", domain="gmail.com")
    contact_create(workspace=firm.workspace, actor=firm.alice, first_name="Tom", email="tom@gmail.com")
    referral = _referral(firm, "Jane's Bakery")

    assert referral_matches_record(referral=referral, email="jane@gmail.com") == []


def test_another_workspace_never_matches_even_with_the_same_name_and_address(firm):
    globex_acme = account_create(
        workspace=firm.other_workspace, actor=firm.dave, name="Acme Corp", domain="acme.com"
    )
    contact_create(
        workspace=firm.other_workspace,
        actor=firm.dave,
        first_name="Jane",
        email="jane@acme.com",
        account=globex_acme,
    )
    referral = _referral(firm, "Acme Corp")

    assert referral_matches_record(referral=referral, email="jane@acme.com") == []
    referral.refresh_from_db()
    assert referral.referred_account.workspace == firm.workspace
    assert (
        referral_match_candidates(
            workspace=firm.workspace, company="Acme", email="jane@acme.com", exclude_referral=referral
        )
        == []
    )


def test_a_possible_match_waits_for_a_person_who_confirms_it(firm):
    initech = account_create(workspace=firm.workspace, actor=firm.alice, name="Initech Solutions")
    referral = _referral(firm, "Initech Solution Ltd")
    typed = referral.referred_account

    # referral_create recorded the matches at intake.
    [match] = ReferralMatch.objects.filter(referral=referral)
    referral.refresh_from_db()
    assert match.level == "possible" and match.decision == MatchDecision.PENDING
    assert referral.referred_account == typed

    decided = referral_match_decide(match=match, actor=firm.bob, confirm=True)

    referral.refresh_from_db()
    assert referral.referred_account == initech
    assert not Account.objects.filter(pk=typed.pk).exists()
    assert decided.decision == MatchDecision.CONFIRMED
    assert decided.decided_by == firm.bob and decided.decided_at is not None
    with pytest.raises(Conflict):
        referral_match_decide(match=match, actor=firm.alice, confirm=False)
    # The decision is kept, as it was made.
    match.refresh_from_db()
    assert (match.decision, match.decided_by) == (MatchDecision.CONFIRMED, firm.bob)


def test_a_rejected_match_keeps_the_referral_separate_and_the_decision(firm):
    initech = account_create(workspace=firm.workspace, actor=firm.alice, name="Initech Solutions")
    referral = _referral(firm, "Initech Solution Ltd")
    # referral_create recorded the matches at intake.
    [match] = ReferralMatch.objects.filter(referral=referral)

    referral_match_decide(match=match, actor=firm.alice, confirm=False)

    referral.refresh_from_db()
    match.refresh_from_db()
    assert referral.referred_account != initech
    assert Account.objects.filter(pk=referral.referred_account_id).exists()
    assert (match.decision, match.decided_by) == (MatchDecision.REJECTED, firm.alice)
    assert match.matched_account == initech


def test_only_an_employee_of_the_workspace_may_decide(firm):
    account_create(workspace=firm.workspace, actor=firm.alice, name="Initech Solutions")
    referral = _referral(firm, "Initech Solution Ltd")
    # referral_create recorded the matches at intake.
    [match] = ReferralMatch.objects.filter(referral=referral)

    for outsider in (firm.dave, firm.carol):
        with pytest.raises(Http404):
            referral_match_decide(match=match, actor=outsider, confirm=True)
    with pytest.raises(Http404):
        referral_match_get(workspace=firm.other_workspace, id=match.pk)
    match.refresh_from_db()
    assert match.decision == MatchDecision.PENDING


def test_an_existing_customer_referred_again_is_flagged_as_not_new_business(firm):
    fabrikam = account_create(
        workspace=firm.workspace,
        actor=firm.alice,
        name="Fabrikam Ltd",
        status=AccountStatus.CUSTOMER,
        won_at=date(2024, 1, 1),
    )
    referral = _referral(firm, "FABRIKAM")

    # referral_create recorded the matches at intake.
    [match] = ReferralMatch.objects.filter(referral=referral)

    referral.refresh_from_db()
    assert referral.referred_account == fabrikam
    assert match.customer_flag == CustomerFlag.EXISTING
    assert "an existing customer referred again — not new business" in match.reasons


def test_a_former_customer_is_flagged(firm):
    account_create(
        workspace=firm.workspace,
        actor=firm.alice,
        name="Contoso GmbH",
        status=AccountStatus.CHURNED,
        won_at=date(2022, 1, 1),
        churned_at=date(2024, 1, 1),
    )
    [match] = referral_match_candidates(workspace=firm.workspace, company="Contoso AG", email="")
    assert (match.kind, match.level, match.customer_flag) == ("account", "sure", CustomerFlag.FORMER)


def test_a_second_referral_of_the_same_business_matches_the_open_one_for_a_person(firm):
    first = _referral(firm, "Northwind Traders")
    second = _referral(firm, "Northwind Traders Limited")

    recorded = list(ReferralMatch.objects.filter(referral=second))

    second.refresh_from_db()
    assert second.referred_account == first.referred_account
    kinds = {(m.matched_account_id is not None, m.matched_referral_id): m.decision for m in recorded}
    assert kinds[(True, None)] == MatchDecision.AUTO_LINKED
    # Two open referrals of one business may be one deal: a person decides.
    assert kinds[(False, first.pk)] == MatchDecision.PENDING


def test_a_sure_match_on_an_account_a_person_picked_is_not_merged_by_itself(firm):
    existing = account_create(workspace=firm.workspace, actor=firm.alice, name="Tailspin Toys")
    picked = account_create(workspace=firm.workspace, actor=firm.alice, name="Tailspin Toys Inc")
    Account.objects.filter(pk=picked.pk).update(created_at=picked.created_at.replace(year=2020))
    referral = referral_create(
        workspace=firm.workspace,
        actor=firm.bob,
        referred_account=Account.objects.get(pk=picked.pk),
        source_kind="employee",
        source_employee=firm.bob,
    )

    # referral_create recorded the matches at intake.
    [match] = ReferralMatch.objects.filter(referral=referral)

    referral.refresh_from_db()
    assert referral.referred_account_id == picked.pk
    assert (match.matched_account, match.decision) == (existing, MatchDecision.PENDING)


def test_candidates_are_narrowed_in_sql_and_bounded(firm, django_assert_max_num_queries):
    Account.objects.bulk_create(
        [Account(workspace=firm.workspace, name=f"Acme Branch {n}") for n in range(120)]
        + [Account(workspace=firm.workspace, name=f"Zeta {n}") for n in range(50)]
    )
    account_create(workspace=firm.workspace, actor=firm.alice, name="Acme Inc", domain="acme.com")

    with django_assert_max_num_queries(6):
        matches = referral_match_candidates(workspace=firm.workspace, company="Acme Corp", email="x@acme.com")

    assert [(m.kind, m.obj.name, m.level) for m in matches][0] == ("account", "Acme Inc", "sure")
    assert all(m.obj.name.startswith("Acme") for m in matches)
    # By name alone too, though 120 longer names share its first word.
    with django_assert_max_num_queries(6):
        by_name = referral_match_candidates(workspace=firm.workspace, company="ACME, Inc.", email="")
    assert [(m.obj.name, m.level) for m in by_name] == [("Acme Inc", "sure")]


def test_the_database_refuses_a_match_to_another_workspaces_account(firm):
    from django.db import IntegrityError, transaction

    referral = _referral(firm, "Acme Corp")
    globex_acme = account_create(workspace=firm.other_workspace, actor=firm.dave, name="Acme Corp")

    with pytest.raises(IntegrityError), transaction.atomic():
        ReferralMatch.objects.create(
            workspace=firm.workspace, referral=referral, matched_account=globex_acme, level="sure"
        )
