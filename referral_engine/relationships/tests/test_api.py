"""Clashes with what already exists are 409s that write nothing (real HTTP server)."""

import httpx
import pytest

from referral_engine.core.errors import Conflict
from referral_engine.core.testing import make_account, make_contact
from referral_engine.partners.models import Partner
from referral_engine.referrals.services import referral_create
from referral_engine.relationships.models import Account, Contact
from referral_engine.relationships.services import contact_create


@pytest.fixture
def alice(firm, live_server):
    # Connection: close avoids ~40 ms of delayed-ACK wait per request on a kept-alive test connection.
    headers = {"Authorization": f"Bearer {firm.token(firm.alice)}", "Connection": "close"}
    with httpx.Client(base_url=f"{live_server.url}/api/v1", headers=headers) as client:
        yield client


def test_clashes_with_what_exists_are_409s_that_write_nothing(firm, alice):
    make_contact(firm.workspace, email="ada@initech.test")
    other = make_contact(firm.workspace, email="grace@initech.test")
    # Another firm's contact clashes with no one here.
    make_contact(firm.other_workspace, email="linus@initech.test")
    before = Contact.objects.count()

    created = alice.post("/contacts", json={"first_name": "Ada", "email": "ADA@initech.test"})
    assert created.status_code == 409
    assert created.json() == {"detail": "A contact with the e-mail ada@initech.test already exists."}

    updated = alice.patch(f"/contacts/{other.pk}", json={"email": "ada@initech.test"})
    assert updated.status_code == 409
    other.refresh_from_db()
    assert other.email == "grace@initech.test"
    assert Contact.objects.count() == before

    assert alice.post("/contacts", json={"first_name": "L", "email": "linus@initech.test"}).status_code == 201

    response = alice.post("/partners", json={"name": "Copycat", "email": "Carol@Partner.test"})
    assert response.status_code == 409
    assert Partner.objects.filter(workspace=firm.workspace).count() == 1

    # What referred business, or was referred, keeps the history: deleting it is a conflict too.
    account = make_account(firm.workspace)
    referral_create(
        workspace=firm.workspace,
        actor=firm.bob,
        source_kind="employee",
        source_employee=firm.bob,
        referred_account=account,
    )

    response = alice.delete(f"/accounts/{account.pk}")

    assert response.status_code == 409
    assert "referrals" in response.json()["detail"]
    assert Account.objects.filter(pk=account.pk).exists()

    referrer = make_contact(firm.workspace)
    referral_create(
        workspace=firm.workspace,
        actor=firm.bob,
        source_kind="customer",
        source_contact=referrer,
        referred_account=make_account(firm.workspace),
    )

    assert alice.delete(f"/contacts/{referrer.pk}").status_code == 409
    assert Contact.objects.filter(pk=referrer.pk).exists()


def test_a_touchpoint_counts_for_the_contacts_account_and_needs_someone_to_be_with(firm, alice):
    account = make_account(firm.workspace)
    contact = make_contact(firm.workspace, account=account)

    response = alice.post(
        "/touchpoints", json={"kind": "call", "channel": "phone", "direction": "in", "contact_id": contact.pk}
    )

    assert response.status_code == 201
    assert response.json()["account_id"] == account.pk
    assert response.json()["employee_id"] == firm.alice.pk

    response = alice.post("/touchpoints", json={"kind": "call", "channel": "phone", "direction": "in"})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "loc": ["body", "contact_id"],
            "msg": "A touchpoint needs a contact, an account or a partner.",
            "type": "value_error",
        }
    ]


def test_a_contact_email_is_stored_lower_case_so_the_same_address_cannot_be_added_twice(firm):
    first = contact_create(
        workspace=firm.workspace, actor=firm.alice, first_name="Ann", email=" Ann@Umbrella.test "
    )
    assert first.email == "ann@umbrella.test"
    with pytest.raises(Conflict):
        contact_create(
            workspace=firm.workspace, actor=firm.alice, first_name="Ann", email="ANN@umbrella.test"
        )
