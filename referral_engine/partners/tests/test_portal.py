"""The partner portal: a partner refers someone and sees the referrals they made, and nothing else."""

import pytest
from django.urls import reverse

from referral_engine.core.testing import make_account, make_contact
from referral_engine.partners.models import Partner
from referral_engine.referrals.models import Referral
from referral_engine.referrals.services import referral_create
from referral_engine.relationships.models import Account, Contact
from referral_engine.workspaces.models import Role
from referral_engine.workspaces.services import membership_add, user_create

VALID = {
    "company": "Tailspin Toys",
    "person": "Mia van Wong",
    "email": "mia@tailspin.test",
    "phone": "+44 20 7946 0000",
    "story": "Mia asked me who could help with their year-end.",
}


def _partner_referral(firm, partner, name):
    return referral_create(
        workspace=firm.workspace,
        actor=None,
        source_kind="partner",
        source_partner=partner,
        referred_account=make_account(firm.workspace, name=name),
    )


def test_a_partner_refers_someone_and_it_is_recorded_for_the_partners_owner(client, firm):
    firm.carol_partner.owner = firm.bob
    firm.carol_partner.save()
    client.force_login(firm.carol.user)

    response = client.post(reverse("portal"), VALID)

    assert response.status_code == 302 and response["Location"] == reverse("portal")
    referral = Referral.objects.get()
    assert referral.source_kind == "partner" and referral.source_partner == firm.carol_partner
    assert referral.owner == firm.bob and referral.status == "received"
    assert referral.story == VALID["story"]
    assert referral.referred_account.name == "Tailspin Toys"
    contact = referral.referred_contact
    assert (contact.first_name, contact.last_name, contact.email, contact.phone) == (
        "Mia",
        "van Wong",
        "mia@tailspin.test",
        "+44 20 7946 0000",
    )
    assert contact.account == referral.referred_account
    page = client.get(reverse("portal")).content.decode()
    assert "Tailspin Toys" in page and "Thank you!" in page


def test_a_company_or_person_the_firm_knows_is_reused_not_duplicated(client, firm):
    account = make_account(firm.workspace, name="Tailspin Toys")
    contact = make_contact(firm.workspace, first_name="Mia", email="mia@tailspin.test", account=account)
    client.force_login(firm.carol.user)

    client.post(reverse("portal"), {**VALID, "company": "tailspin toys", "email": "MIA@Tailspin.Test"})

    referral = Referral.objects.get()
    assert referral.referred_account == account and referral.referred_contact == contact
    assert Account.objects.count() == 1 and Contact.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"company": ""}, "company"),
        ({"person": "  "}, "person"),
        ({"email": "not-an-address"}, "email"),
        ({"email": "", "phone": ""}, "email"),
    ],
)
def test_bad_input_is_shown_beside_the_field_and_nothing_is_written(client, firm, changes, field):
    client.force_login(firm.carol.user)

    response = client.post(reverse("portal"), {**VALID, **changes})

    assert response.status_code == 200
    assert field in response.context["form"].errors
    message = response.context["form"].errors[field][0]
    assert message in response.content.decode()
    assert not Referral.objects.exists() and not Account.objects.exists() and not Contact.objects.exists()


def test_a_partner_sees_only_the_referrals_they_made(client, firm):
    other = Partner.objects.create(workspace=firm.workspace, name="Olga Other")
    _partner_referral(firm, firm.carol_partner, "Carol's Lead Ltd")
    _partner_referral(firm, other, "Olga's Lead Ltd")
    client.force_login(firm.carol.user)

    response = client.get(reverse("portal"))

    html = response.content.decode()
    assert [r.referred_account.name for r in response.context["referrals"]] == ["Carol's Lead Ltd"]
    assert "Olga" not in html


@pytest.mark.parametrize("person", ["alice", "bob", "dave"])
def test_employees_and_outsiders_have_no_portal(client, firm, person):
    client.force_login(getattr(firm, person).user)
    assert client.get(reverse("portal")).status_code == 404
    assert client.post(reverse("portal"), VALID).status_code == 404
    assert not Referral.objects.exists()


def test_a_partner_sign_in_without_a_partner_record_is_told_so(client, firm):
    user = user_create(email="pia@partner.test", password=None, full_name="Pia", validate=False)
    membership_add(workspace=firm.workspace, user=user, role=Role.PARTNER)
    client.force_login(user)

    response = client.get(reverse("portal"))

    assert "not linked to a partner record" in response.content.decode()
    assert client.post(reverse("portal"), VALID).status_code == 200
    assert not Referral.objects.exists()


def test_the_portal_page_costs_the_same_queries_for_few_or_many_referrals(
    client, firm, django_assert_num_queries
):
    client.force_login(firm.carol.user)
    _partner_referral(firm, firm.carol_partner, "One")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("portal"))
    for n in range(10):
        _partner_referral(firm, firm.carol_partner, f"Lead {n}")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("portal"))
    assert len(many) == len(few)


def test_a_partner_is_refused_every_employee_page(client, firm):
    account = make_account(firm.workspace)
    contact = make_contact(firm.workspace, account=account)
    referral = _partner_referral(firm, firm.carol_partner, "Hers")
    client.force_login(firm.carol.user)
    pages = [
        reverse("settings"),
        reverse("referral_board"),
        reverse("referral_list"),
        reverse("referral_create"),
        reverse("referral_detail", args=[referral.pk]),
        reverse("account_list"),
        reverse("account_detail", args=[account.pk]),
        reverse("contact_list"),
        reverse("contact_detail", args=[contact.pk]),
        reverse("partner_list"),
        reverse("partner_detail", args=[firm.carol_partner.pk]),
        reverse("search") + "?q=Hers",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 404 or response["Location"] == reverse("portal"), url
