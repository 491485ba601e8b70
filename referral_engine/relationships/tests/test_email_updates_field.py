"""A contact's or partner's choice of e-mail updates, through the API: set, read back, and refused from outside."""

import pytest

from referral_engine.core.testing import make_contact
from referral_engine.partners.models import Partner
from referral_engine.relationships.models import Contact


def _api(client, firm, membership, method, path, **data):
    call = getattr(client, method)
    return call(
        f"/api/v1{path}",
        data=data or None,
        content_type="application/json",
        headers={"Authorization": f"Bearer {firm.token(membership)}"},
    )


@pytest.mark.parametrize(
    ("path", "fields", "model"),
    [("/contacts", {"first_name": "Ann"}, Contact), ("/partners", {"name": "Ann Ames"}, Partner)],
    ids=["contact", "partner"],
)
def test_the_choice_of_email_updates_is_off_by_default_and_can_be_set(firm, client, path, fields, model):
    created = _api(client, firm, firm.alice, "post", path, email="ann@x.test", **fields)
    assert created.status_code == 201, created.content
    assert created.json()["email_updates"] is False

    changed = _api(client, firm, firm.alice, "patch", f"{path}/{created.json()['id']}", email_updates=True)

    assert changed.status_code == 200 and changed.json()["email_updates"] is True
    assert model.objects.get(pk=created.json()["id"]).email_updates is True


def test_another_workspace_cannot_change_the_choice(firm, client):
    ann = make_contact(firm.workspace, first_name="Ann")

    for path in (f"/contacts/{ann.pk}", f"/partners/{firm.carol_partner.pk}"):
        response = _api(client, firm, firm.dave, "patch", path, email_updates=True)
        assert response.status_code == 404

    ann.refresh_from_db()
    firm.carol_partner.refresh_from_db()
    assert ann.email_updates is False and firm.carol_partner.email_updates is False


def test_a_value_that_is_not_a_yes_or_no_is_a_field_error(firm, client):
    ann = make_contact(firm.workspace, first_name="Ann")

    response = _api(client, firm, firm.alice, "patch", f"/contacts/{ann.pk}", email_updates="sometimes")

    assert response.status_code in (400, 422)
    assert "email_updates" in response.content.decode()
    ann.refresh_from_db()
    assert ann.email_updates is False
