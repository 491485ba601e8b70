"""/api/v1/referral-links over a real HTTP server: employees list, create, revoke and renew; nobody else's."""

import httpx

from referral_engine.intake.models import ReferralLink


def test_an_employee_creates_lists_rotates_and_revokes_links(firm, ann, connect, live_server):
    bob = connect(firm.token(firm.bob))

    created = bob.post("/referral-links", json={"contact_id": ann.pk, "owner_id": firm.alice.pk})
    assert created.status_code == 201, created.text
    body = created.json()
    link = ReferralLink.objects.get(pk=body["id"])
    assert (body["code"], body["referrer_kind"], body["contact_id"], body["owner_id"], body["is_active"]) == (
        link.code,
        "contact",
        ann.pk,
        firm.alice.pk,
        True,
    )
    assert body["url"].endswith(f"/r/{link.code}/")

    again = bob.post("/referral-links", json={"contact_id": ann.pk})
    assert (again.status_code, again.json()["id"]) == (200, link.pk)

    employee = bob.post("/referral-links", json={"employee_id": firm.bob.pk})
    assert employee.status_code == 201 and employee.json()["referrer_kind"] == "employee"

    listed = bob.get("/referral-links", params={"contact_id": ann.pk}).json()
    assert (listed["count"], [item["id"] for item in listed["items"]]) == (1, [link.pk])
    assert bob.get("/referral-links").json()["count"] == 2
    assert bob.get(f"/referral-links/{link.pk}").json()["code"] == link.code

    rotated = bob.post(f"/referral-links/{link.pk}/rotate")
    assert rotated.status_code == 201
    new_id = rotated.json()["id"]
    assert new_id != link.pk and rotated.json()["owner_id"] == firm.alice.pk
    assert bob.get("/referral-links", params={"is_active": "false"}).json()["items"][0]["id"] == link.pk

    revoked = bob.post(f"/referral-links/{new_id}/revoke")
    assert revoked.status_code == 200 and revoked.json()["is_active"] is False
    assert revoked.json()["revoked_at"] is not None
    # The revoked link's form is gone.
    assert httpx.get(f"{live_server.url}/r/{rotated.json()['code']}/").status_code == 404


def test_bad_bodies_get_422_on_the_field_and_nothing_is_written(firm, ann, connect):
    bob = connect(firm.token(firm.bob))

    cases = [
        ({}, ["body", "referrer"]),
        ({"contact_id": ann.pk, "partner_id": firm.carol_partner.pk}, ["body", "referrer"]),
        ({"contact_id": 10**9}, ["body", "contact_id"]),
        ({"employee_id": firm.carol.pk}, ["body", "employee_id"]),
        ({"contact_id": ann.pk, "owner_id": firm.dave.pk}, ["body", "owner_id"]),
        ({"contact_id": ann.pk, "code": "MINE"}, ["body", "code"]),
    ]
    for payload, loc in cases:
        response = bob.post("/referral-links", json=payload)
        assert response.status_code == 422, payload
        assert loc in [error["loc"] for error in response.json()["detail"]], response.json()
    assert not ReferralLink.objects.exists()


def test_globex_cannot_list_read_create_revoke_or_rotate_acmes_links(
    firm, ann, ann_link, globex_link, connect
):
    dave = connect(firm.token(firm.dave))

    listed = dave.get("/referral-links").json()
    assert [item["id"] for item in listed["items"]] == [globex_link.pk]
    assert dave.get(f"/referral-links/{ann_link.pk}").status_code == 404
    assert dave.post(f"/referral-links/{ann_link.pk}/revoke").status_code == 404
    assert dave.post(f"/referral-links/{ann_link.pk}/rotate").status_code == 404
    refused = dave.post("/referral-links", json={"contact_id": ann.pk})
    assert refused.status_code == 422
    ann_link.refresh_from_db()
    assert ann_link.is_active
    assert ReferralLink.objects.filter(workspace=firm.workspace).count() == 1


def test_a_partners_token_may_not_use_referral_links(firm, ann_link, connect):
    carol = connect(firm.token(firm.carol))
    assert carol.get("/referral-links").status_code == 403
    assert carol.post("/referral-links", json={"partner_id": firm.carol_partner.pk}).status_code == 403
    assert carol.post(f"/referral-links/{ann_link.pk}/revoke").status_code == 403
    assert httpx.get(str(carol.base_url).rstrip("/") + "/referral-links").status_code == 401
