"""Every intake channel ends in the same record: the quick form, the API, the partner portal and a personal link.

The same referral (Carol, our partner, refers Fiona Fox at Fabrikam) goes through each channel in turn; the rows
each one leaves are compared field by field, then removed so the next channel starts from the same state.
"""

import httpx
import pytest
from django.test import Client
from django.urls import reverse

from referral_engine.engagement.models import Task
from referral_engine.intake.services import referral_link_get_or_create
from referral_engine.referrals.models import Referral
from referral_engine.relationships.models import Account, Contact

COMPANY, FIRST, LAST = "Fabrikam", "Fiona", "Fox"
EMAIL, PHONE = "fiona@fabrikam.test", "+44 20 7946 0000"
STORY = "Carol audits Fabrikam; their CFO asked her who could fix their onboarding."


def _snapshot(workspace) -> dict:
    referral = Referral.objects.select_related("referred_account", "referred_contact__account").get(
        workspace=workspace
    )
    contact = referral.referred_contact
    tasks = Task.objects.filter(referral=referral)
    return {
        "workspace": referral.workspace_id,
        "source_kind": referral.source_kind,
        "source_contact": referral.source_contact_id,
        "source_partner": referral.source_partner_id,
        "source_employee": referral.source_employee_id,
        "source_name": referral.source_name,
        "owner": referral.owner_id,
        "status": referral.status,
        "tier": referral.tier,
        "parent": referral.parent_id,
        "story": referral.story,
        "account": (referral.referred_account.name, referral.referred_account.status),
        "contact": (
            contact.first_name,
            contact.last_name,
            contact.email,
            contact.phone,
            contact.account.name,
        ),
        "first_contact_within": referral.first_contact_due - referral.received_at,
        "tasks": sorted((task.kind, task.assignee_id, task.title) for task in tasks),
    }


def _clear(workspace) -> None:
    Task.objects.filter(workspace=workspace, referral__isnull=False).delete()
    Referral.objects.filter(workspace=workspace).delete()
    Contact.objects.filter(workspace=workspace, email=EMAIL).delete()
    Account.objects.filter(workspace=workspace, name=COMPANY).delete()


def _quick_form(firm, live_server) -> None:
    client = Client()
    client.force_login(firm.alice.user)
    response = client.post(
        reverse("referral_create"),
        {
            "source_kind": "partner",
            "source_partner": firm.carol_partner.pk,
            "source_partner_q": str(firm.carol_partner),
            "referred_account_q": COMPANY,
            "first_name": FIRST,
            "last_name": LAST,
            "email": EMAIL,
            "phone": PHONE,
            "story": STORY,
            "owner": firm.bob.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def _api(firm, live_server) -> None:
    headers = {"Authorization": f"Bearer {firm.token(firm.alice)}", "Connection": "close"}
    with httpx.Client(base_url=f"{live_server.url}/api/v1", headers=headers) as api:
        account = api.post("/accounts", json={"name": COMPANY})
        assert account.status_code == 201, account.text
        contact = api.post(
            "/contacts",
            json={
                "account_id": account.json()["id"],
                "first_name": FIRST,
                "last_name": LAST,
                "email": EMAIL,
                "phone": PHONE,
            },
        )
        assert contact.status_code == 201, contact.text
        referral = api.post(
            "/referrals",
            json={
                "source_kind": "partner",
                "source_partner_id": firm.carol_partner.pk,
                "referred_account_id": account.json()["id"],
                "referred_contact_id": contact.json()["id"],
                "owner_id": firm.bob.pk,
                "story": STORY,
            },
        )
        assert referral.status_code == 201, referral.text


def _portal(firm, live_server) -> None:
    client = Client()
    client.force_login(firm.carol.user)
    response = client.post(
        reverse("portal"),
        {"company": COMPANY, "person": f"{FIRST} {LAST}", "email": EMAIL, "phone": PHONE, "story": STORY},
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def _public_link(firm, live_server) -> None:
    link, _ = referral_link_get_or_create(
        workspace=firm.workspace, actor=firm.alice, partner=firm.carol_partner
    )
    # Through the real server, as a visitor's browser would: fetch the form for its CSRF cookie, then post it.
    with httpx.Client(base_url=live_server.url, headers={"Connection": "close"}) as browser:
        page = browser.get(f"/r/{link.code}/")
        assert page.status_code == 200
        token = page.text.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
        response = browser.post(
            f"/r/{link.code}/",
            data={
                "csrfmiddlewaretoken": token,
                "company": COMPANY,
                "person": f"{FIRST} {LAST}",
                "email": EMAIL,
                "phone": PHONE,
                "story": STORY,
                "website": "",
            },
            headers={"Referer": f"{live_server.url}/r/{link.code}/"},
        )
        assert response.status_code == 302, response.text[:2000]


CHANNELS = {"quick form": _quick_form, "API": _api, "portal": _portal, "public link": _public_link}


@pytest.mark.django_db(transaction=True)
def test_every_channel_ends_in_the_same_record(firm, live_server):
    firm.carol_partner.owner = firm.bob
    firm.carol_partner.save()

    snapshots = {}
    for name, record in CHANNELS.items():
        record(firm, live_server)
        snapshots[name] = _snapshot(firm.workspace)
        _clear(firm.workspace)

    expected = snapshots["quick form"]
    assert expected["source_partner"] == firm.carol_partner.pk and expected["owner"] == firm.bob.pk
    assert expected["contact"] == (FIRST, LAST, EMAIL, PHONE, COMPANY)
    assert expected["tasks"], "a thank-you task for the referrer's owner"
    for name, snapshot in snapshots.items():
        assert snapshot == expected, name
