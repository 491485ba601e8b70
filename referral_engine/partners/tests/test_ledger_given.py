"""Referrals we give partners (one click from a contact's, an account's or a partner's page, or the API) and the
nudge on Today when a valuable partner has received nothing from us for a while."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from referral_engine.core.testing import make_account, make_contact
from referral_engine.engagement.models import Task, TaskStatus
from referral_engine.partners.ledger import neglected_partner_nudges_create, partner_ledger
from referral_engine.partners.models import GivenStatus, PartnerProgramme, ReferralGiven
from referral_engine.partners.tests.ledger_firm import at, build

D = Decimal


@pytest.fixture
def lf(firm):
    return build(firm)


# --- One click from a page ----------------------------------------------------------------------------------------


def test_refer_a_contact_to_a_partner_from_the_contact_page(client, lf):
    ws = lf.firm.workspace
    account = make_account(ws, name="Hansen Bakery")
    contact = make_contact(ws, account=account, first_name="Hanne")
    client.force_login(lf.firm.bob.user)
    page = client.get(reverse("contact_detail", args=[contact.pk])).content.decode()
    assert 'data-testid="refer-to-partner"' in page and "Ewa Nowak" in page and "Gus Globex" not in page
    back = reverse("contact_detail", args=[contact.pk])
    answer = client.post(
        reverse("partner_given_create"),
        {"partner": lf.lars.pk, "contact": contact.pk, "note": "Needs a contract review", "next": back},
    )
    assert answer.status_code == 302 and answer["Location"] == back
    given = ReferralGiven.objects.get(contact=contact)
    # The contact's account comes along; we gave it, now.
    assert (given.partner, given.account, given.given_by, given.status) == (
        lf.lars,
        account,
        lf.firm.bob,
        "open",
    )
    assert given.note == "Needs a contract review"
    assert partner_ledger(partner=lf.lars).given == 2


def test_the_account_page_offers_the_same_card(client, lf):
    account = make_account(lf.firm.workspace, name="Olsen Shipping")
    client.force_login(lf.firm.alice.user)
    page = client.get(reverse("account_detail", args=[account.pk])).content.decode()
    assert 'data-testid="refer-to-partner"' in page and f'name="account" value="{account.pk}"' in page
    client.post(reverse("partner_given_create"), {"partner": lf.ewa.pk, "account": account.pk})
    assert ReferralGiven.objects.filter(account=account, partner=lf.ewa).count() == 1


@pytest.mark.parametrize(
    "data, field",
    [
        ({}, "partner"),
        ({"partner": "PARTNER"}, "contact"),  # neither a contact nor an account
        ({"partner": "GLOBEX", "account": "ACCOUNT"}, "partner"),  # another firm's partner
        ({"partner": "PARTNER", "account": "GLOBEX_ACCOUNT"}, "account"),
        ({"partner": "PARTNER", "account": "ACCOUNT", "note": "x" * 2001}, "note"),
    ],
)
def test_bad_input_is_a_400_with_the_field_and_nothing_written(client, lf, data, field):
    ws, other = lf.firm.workspace, lf.firm.other_workspace
    ids = {
        "PARTNER": lf.ewa.pk,
        "GLOBEX": lf.globex_partner.pk,
        "ACCOUNT": make_account(ws).pk,
        "GLOBEX_ACCOUNT": make_account(other).pk,
    }
    data = {k: ids.get(v, v) for k, v in data.items()}
    before = ReferralGiven.objects.count()
    client.force_login(lf.firm.bob.user)
    answer = client.post(reverse("partner_given_create"), data)
    assert answer.status_code == 400 and f'data-field="{field}"' in answer.content.decode()
    assert ReferralGiven.objects.count() == before


def test_a_contact_of_another_account_is_refused_by_the_service(lf):
    from django.core.exceptions import ValidationError

    from referral_engine.partners.services import referral_given_create

    ws = lf.firm.workspace
    contact = make_contact(ws, account=make_account(ws))
    with pytest.raises(ValidationError) as exc:
        referral_given_create(
            workspace=ws, actor=lf.firm.bob, partner=lf.ewa, contact=contact, account=make_account(ws)
        )
    assert "account" in exc.value.message_dict and not ReferralGiven.objects.filter(contact=contact).exists()


def test_closing_a_given_referral_and_the_thank_you(client, lf):
    client.force_login(lf.firm.bob.user)
    url = reverse("partner_given_update", args=[lf.g2.pk])
    # Won without a value: refused, nothing changes.
    answer = client.post(url, {"status": "won", "won_value": ""})
    assert answer.status_code == 400 and 'data-field="won_value"' in answer.content.decode()
    lf.g2.refresh_from_db()
    assert lf.g2.status == "open" and lf.g2.closed_at is None
    answer = client.post(url, {"status": "won", "won_value": "700", "thanked": "on"})
    assert answer.status_code == 302
    lf.g2.refresh_from_db()
    assert lf.g2.status == "won" and lf.g2.won_value == D("700.00") and lf.g2.thanked_at is not None
    assert lf.g2.closed_at >= lf.g2.at
    led = partner_ledger(partner=lf.ewa)
    assert led.thanks == 2 and led.given_won == 2
    # Reopening clears the outcome and the thank-you.
    client.post(url, {"status": "open"})
    lf.g2.refresh_from_db()
    assert (lf.g2.status, lf.g2.won_value, lf.g2.closed_at, lf.g2.thanked_at) == ("open", None, None, None)


def test_given_pages_are_404_outside_the_firm(client, lf):
    url = reverse("partner_given_update", args=[lf.g2.pk])
    create = reverse("partner_given_create")
    # Globex's owner: Acme's referral does not exist for him, and Acme's partner and account are not choices.
    client.force_login(lf.firm.dave.user)
    assert client.post(url, {"status": "lost"}).status_code == 404
    answer = client.post(create, {"partner": lf.ewa.pk, "account": lf.g1.account_id})
    assert answer.status_code == 400 and 'data-field="partner"' in answer.content.decode()
    # The portal partner has no employee pages at all.
    client.force_login(lf.firm.carol.user)
    assert client.post(url, {"status": "lost"}).status_code == 404
    assert client.post(create, {"partner": lf.ewa.pk, "account": lf.g1.account_id}).status_code == 404
    lf.g2.refresh_from_db()
    assert lf.g2.status == "open" and ReferralGiven.objects.count() == 3


def test_the_database_refuses_a_cross_workspace_given_referral(lf):
    with pytest.raises(IntegrityError), transaction.atomic():
        ReferralGiven.objects.create(
            workspace=lf.firm.workspace, partner=lf.globex_partner, account=lf.g1.account, at=at(2026, 1, 1)
        )


# --- API ----------------------------------------------------------------------------------------------------------


def _post(client, token, path, body, method="post"):
    return getattr(client, method)(
        f"/api/v1/partners{path}", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


def test_the_given_api(client, lf):
    token = lf.firm.token(lf.firm.alice)
    account = make_account(lf.firm.workspace)
    answer = _post(client, token, "/given", {"partner_id": lf.ewa.pk, "account_id": account.pk})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["status"] == "open" and body["given_by_id"] == lf.firm.alice.pk
    answer = _post(client, token, f"/given/{body['id']}", {"status": "won", "won_value": "120.50"}, "patch")
    assert answer.status_code == 200 and answer.json()["won_value"] == "120.50"
    # Bad input: 422 on the field, nothing written.
    before = ReferralGiven.objects.count()
    answer = _post(client, token, "/given", {"partner_id": lf.globex_partner.pk, "account_id": account.pk})
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["body", "partner_id"]
    answer = _post(client, token, "/given", {"partner_id": lf.ewa.pk})
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["body", "contact_id"]
    answer = _post(
        client, token, "/given", {"partner_id": lf.ewa.pk, "account_id": account.pk, "status": "won"}
    )
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["body", "won_value"]
    assert ReferralGiven.objects.count() == before
    # Another firm's token cannot touch it.
    assert (
        _post(
            client, lf.firm.token(lf.firm.dave), f"/given/{body['id']}", {"status": "lost"}, "patch"
        ).status_code
        == 404
    )


# --- The nudge on Today -------------------------------------------------------------------------------------------


def test_a_neglected_valuable_partner_gets_a_nudge_once_per_period(lf):
    ws = lf.firm.workspace
    # 1 Sep 2026: in the last 12 months Ewa sent 2 won clients (1500), Lars 1 (2000). We last gave Ewa on 1 Mar
    # and Lars on 5 Feb: both more than 90 days ago.
    now = at(2026, 9, 1)
    assert neglected_partner_nudges_create(workspace=ws, now=now) == 2
    ewa = Task.objects.get(partner=lf.ewa)
    assert ewa.assignee == lf.firm.bob  # Ewa's owner
    assert ewa.details.startswith("Ewa sent you 2 clients in the last 12 months (EUR 1,500 won)")
    assert "you have sent them nothing since March 2026" in ewa.details
    assert Task.objects.get(partner=lf.lars).assignee == lf.firm.alice  # nobody looks after Lars: the owner
    # The daily job the next day, and even after the task is done, makes no second one in the period.
    Task.objects.filter(partner=lf.ewa).update(status=TaskStatus.DONE, completed_at=now)
    assert neglected_partner_nudges_create(workspace=ws, now=now + timedelta(days=1)) == 0
    # Once the next 90-day period starts, the nudge comes again.
    assert neglected_partner_nudges_create(workspace=ws, now=now + timedelta(days=90)) == 2
    assert Task.objects.filter(partner=lf.ewa).count() == 2
    assert not Task.objects.filter(workspace=lf.firm.other_workspace).exists()


def test_the_nudge_shows_on_the_owners_today(client, lf):
    neglected_partner_nudges_create(workspace=lf.firm.workspace, now=at(2026, 9, 1))
    client.force_login(lf.firm.bob.user)
    html = client.get(reverse("today")).content.decode()
    assert "Give back to Ewa Nowak" in html and "Give back to Lars Berg" not in html
    client.force_login(lf.firm.alice.user)
    assert "Give back to Lars Berg" in client.get(reverse("today")).content.decode()


def test_no_nudge_after_a_recent_referral_or_below_the_top(lf):
    ws = lf.firm.workspace
    ReferralGiven.objects.create(workspace=ws, partner=lf.ewa, account=lf.g1.account, at=at(2026, 8, 20))
    PartnerProgramme.objects.create(workspace=ws, nudge_after_days=30, valuable_partners=1)
    # Only the top partner (Lars, 2000) counts; Ewa got something 12 days ago anyway.
    assert neglected_partner_nudges_create(workspace=ws, now=at(2026, 9, 1)) == 1
    assert list(Task.objects.values_list("partner__name", flat=True)) == ["Lars Berg"]
    # A year on, nobody sent us anything in the last 12 months: no valuable partners, no nudge.
    assert neglected_partner_nudges_create(workspace=ws, now=at(2027, 9, 1)) == 0


def test_the_scheduled_job_nudges_every_workspace(lf, settings):
    from referral_engine.integrations.schedule import registered
    from referral_engine.partners.tasks import nudge_neglected_partners

    assert "referral_engine.partners.tasks.nudge_neglected_partners" in [j.task_path for j in registered()]
    from referral_engine.partners.ledger import neglected_partners

    # Whatever today is, the job nudges exactly the neglected partners of each firm, Acme's and Globex's.
    expected = {
        ws.pk: {item["partner"].pk for item in neglected_partners(workspace=ws)}
        for ws in (lf.firm.workspace, lf.firm.other_workspace)
    }
    created = nudge_neglected_partners.call()
    assert created == sum(map(len, expected.values()))
    for ws_id, partner_ids in expected.items():
        assert (
            set(Task.objects.filter(workspace_id=ws_id).values_list("partner_id", flat=True)) == partner_ids
        )


def test_the_nudge_settings_page(client, lf):
    client.force_login(lf.firm.bob.user)  # a member, not a manager
    assert client.get(reverse("partner_programme_settings")).status_code == 404
    client.force_login(lf.firm.alice.user)
    answer = client.post(
        reverse("partner_programme_settings"), {"nudge_after_days": "0", "valuable_partners": "3"}
    )
    assert answer.status_code == 400 and not PartnerProgramme.objects.exists()
    answer = client.post(
        reverse("partner_programme_settings"), {"nudge_after_days": "60", "valuable_partners": "3"}
    )
    assert answer.status_code == 302
    programme = PartnerProgramme.objects.get(workspace=lf.firm.workspace)
    assert (programme.nudge_after_days, programme.valuable_partners) == (60, 3)
    client.force_login(lf.firm.dave.user)
    client.post(reverse("partner_programme_settings"), {"nudge_after_days": "7", "valuable_partners": "1"})
    programme.refresh_from_db()
    assert programme.nudge_after_days == 60
    assert PartnerProgramme.objects.get(workspace=lf.firm.other_workspace).nudge_after_days == 7


def test_the_status_constraint_holds(lf):
    with pytest.raises(IntegrityError), transaction.atomic():
        ReferralGiven.objects.filter(pk=lf.g2.pk).update(status=GivenStatus.WON)
