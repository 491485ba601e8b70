"""Referrals attributed to a networking group: the API (real HTTP server), the services, the form and the page.

Only the workspace's own groups may be named; another workspace's group is refused on its field, nothing written.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from referral_engine.core.testing import assert_api_field_error, make_account, make_contact
from referral_engine.referrals.models import Referral, SourceKind
from referral_engine.referrals.services import referral_create, referral_update
from referral_engine.relationships.models import Account


def _referral(workspace, **fields) -> Referral:
    fields.setdefault("referred_account", make_account(workspace))
    fields.setdefault("source_kind", SourceKind.OTHER)
    fields.setdefault("source_name", "A directory")
    return referral_create(workspace=workspace, actor=None, **fields)


NO_GROUP = "No networking group with this id in this workspace."


def _group_error(response) -> None:
    assert_api_field_error(response, ["body", "group_id"], NO_GROUP)


# --------------------------------------------------------------------------------------------------------- API


def test_an_employee_attributes_a_referral_to_a_group_changes_it_clears_it_and_filters_by_it(
    firm, groups, connect
):
    chapter, chamber, _ = groups
    other = _referral(firm.workspace, group=chamber)
    _referral(firm.workspace)
    bob = connect(firm.token(firm.bob))

    created = bob.post(
        "/referrals",
        json={
            "source_kind": "partner",
            "source_partner_id": firm.carol_partner.pk,
            "referred_account_name": "Hooli",
            "group_id": chapter.pk,
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["group_id"] == chapter.pk
    assert Referral.objects.get(pk=body["id"]).group == chapter
    assert bob.get(f"/referrals/{body['id']}").json()["group_id"] == chapter.pk

    # Three referrals: one in each group and one in none; the filter keeps one each.
    by_chapter = bob.get("/referrals", params={"group_id": chapter.pk}).json()
    assert (by_chapter["count"], [r["id"] for r in by_chapter["items"]]) == (1, [body["id"]])
    by_chamber = bob.get("/referrals", params={"group_id": chamber.pk}).json()
    assert [r["id"] for r in by_chamber["items"]] == [other.pk]
    assert bob.get("/referrals").json()["count"] == 3

    moved = bob.patch(f"/referrals/{body['id']}", json={"group_id": chamber.pk})
    assert moved.status_code == 200 and moved.json()["group_id"] == chamber.pk
    cleared = bob.patch(f"/referrals/{body['id']}", json={"group_id": None})
    assert cleared.status_code == 200 and cleared.json()["group_id"] is None
    assert Referral.objects.get(pk=body["id"]).group_id is None
    # Leaving group_id out of a PATCH leaves the group as it was.
    assert bob.patch(f"/referrals/{other.pk}", json={"story": "Met at the mixer."}).json()["group_id"] == (
        chamber.pk
    )


def test_another_workspaces_group_is_refused_on_its_field_and_nothing_is_written(firm, groups, connect):
    chapter, _, globex_group = groups
    existing = _referral(firm.workspace, group=chapter)
    before = (Referral.objects.count(), Account.objects.count())
    alice = connect(firm.token(firm.alice))

    for group_id in (globex_group.pk, 987_654):  # another firm's group and an id that exists nowhere
        response = alice.post(
            "/referrals",
            json={
                "source_kind": "other",
                "source_name": "Web",
                "referred_account_name": "Evil Corp",
                "group_id": group_id,
            },
        )
        _group_error(response)
        _group_error(alice.patch(f"/referrals/{existing.pk}", json={"group_id": group_id}))

    assert (Referral.objects.count(), Account.objects.count()) == before
    assert not Account.objects.filter(name="Evil Corp").exists()
    existing.refresh_from_db()
    assert existing.group == chapter
    # Globex's owner cannot reach Acme's referral to change its group either.
    dave = connect(firm.token(firm.dave))
    assert dave.patch(f"/referrals/{existing.pk}", json={"group_id": globex_group.pk}).status_code == 404
    assert dave.get("/referrals", params={"group_id": chapter.pk}).json()["count"] == 0


def test_a_partners_token_cannot_set_a_group_and_filters_only_its_own_referrals(firm, groups, connect):
    chapter, _, _ = groups
    own = _referral(
        firm.workspace, source_kind=SourceKind.PARTNER, source_partner=firm.carol_partner, group=chapter
    )
    colleagues = _referral(
        firm.workspace, source_kind=SourceKind.EMPLOYEE, source_employee=firm.bob, group=chapter
    )
    carol = connect(firm.token(firm.carol))
    before = Referral.objects.count()

    response = carol.post("/referrals", json={"referred_account_name": "Newco", "group_id": chapter.pk})
    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["body", "group_id"]]
    assert Referral.objects.count() == before

    # Two referrals of the chapter, one hers: she sees hers only, and cannot move it.
    listed = carol.get("/referrals", params={"group_id": chapter.pk}).json()
    assert (listed["count"], [r["id"] for r in listed["items"]]) == (1, [own.pk])
    assert carol.get(f"/referrals/{colleagues.pk}").status_code == 404
    assert carol.patch(f"/referrals/{own.pk}", json={"group_id": None}).status_code == 403
    own.refresh_from_db()
    assert own.group == chapter


# ---------------------------------------------------------------------------------------------------- services


def test_the_services_refuse_another_workspaces_group(firm, groups):
    chapter, _, globex_group = groups
    account = make_account(firm.workspace, name="Initech")
    before = Referral.objects.count()

    with pytest.raises(ValidationError) as refused:
        referral_create(
            workspace=firm.workspace,
            actor=firm.alice,
            source_kind=SourceKind.OTHER,
            source_name="Web",
            referred_account=account,
            group=globex_group,
        )
    assert refused.value.message_dict == {"group": ["No networking group with this id in this workspace."]}
    assert Referral.objects.count() == before

    referral = _referral(firm.workspace, group=chapter)
    with pytest.raises(ValidationError) as refused:
        referral_update(instance=referral, actor=firm.alice, group=globex_group)
    assert set(refused.value.message_dict) == {"group"}
    referral.refresh_from_db()
    assert referral.group == chapter


# ----------------------------------------------------------------------------------------------- form and page


def test_the_quick_form_offers_this_workspaces_groups_only_and_records_the_group(client, firm, groups):
    chapter, chamber, globex_group = groups
    ann = make_contact(
        firm.workspace, first_name="Ann", last_name="Able", account=make_account(firm.workspace)
    )
    client.force_login(firm.alice.user)

    page = client.get(reverse("referral_create")).content.decode()
    assert "BNI Riverside" in page and "Riverside Chamber" in page
    assert "BNI Globex Gold" not in page

    form = {
        "source_kind": "customer",
        "source_contact": ann.pk,
        "source_contact_q": "Ann Able",
        "referred_account_q": "Umbrella Corp",
    }
    refused = client.post(reverse("referral_create"), {**form, "group": globex_group.pk})
    assert refused.status_code == 200
    assert "Select a valid choice" in refused.content.decode()
    assert not Referral.objects.exists() and not Account.objects.filter(name="Umbrella Corp").exists()

    response = client.post(reverse("referral_create"), {**form, "group": chamber.pk})
    referral = Referral.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "referral_detail", args=[referral.pk]
    )
    assert (referral.group, referral.source_contact) == (chamber, ann)


def test_the_referral_page_shows_the_group_and_a_person_corrects_or_clears_it(client, firm, groups):
    chapter, chamber, globex_group = groups
    referral = _referral(firm.workspace, group=chapter)
    url = reverse("referral_detail", args=[referral.pk])
    client.force_login(firm.bob.user)

    page = client.get(url).content.decode()
    assert "through" in page and reverse("partner_group_detail", args=[chapter.pk]) in page
    assert "BNI Globex Gold" not in page

    assert client.post(url, {"group": chamber.pk}).status_code == 302
    referral.refresh_from_db()
    assert referral.group == chamber

    refused = client.post(url, {"group": globex_group.pk})
    assert refused.status_code == 422 and "Select a valid choice" in refused.content.decode()
    referral.refresh_from_db()
    assert referral.group == chamber

    assert client.post(url, {"group": ""}).status_code == 302
    referral.refresh_from_db()
    assert referral.group is None


@pytest.mark.parametrize("who", ["carol", "dave"])
def test_the_partner_and_the_outsider_cannot_change_a_referrals_group(client, firm, groups, who):
    chapter, chamber, _ = groups
    referral = _referral(firm.workspace, group=chapter)
    client.force_login(getattr(firm, who).user)

    response = client.post(reverse("referral_detail", args=[referral.pk]), {"group": chamber.pk})
    assert response.status_code == 404
    referral.refresh_from_db()
    assert referral.group == chapter
