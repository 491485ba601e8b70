"""Touchpoints attributed to a networking group: the API (real HTTP server), the services, the form and the list.

Only the workspace's own groups may be named; another workspace's group is refused on its field, nothing written.
"""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from referral_engine.core.testing import assert_api_field_error, make_account, make_contact
from referral_engine.partners.models import Event
from referral_engine.relationships.models import Touchpoint
from referral_engine.relationships.services import touchpoint_create, touchpoint_update

AT = datetime(2026, 5, 7, 7, 0, tzinfo=UTC)
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def ann(firm):
    initech = make_account(firm.workspace, name="Initech", status="customer")
    return make_contact(firm.workspace, first_name="Ann", last_name="Able", account=initech)


def _touchpoint(firm, **fields) -> Touchpoint:
    fields.setdefault("partner", firm.carol_partner)
    return touchpoint_create(
        workspace=firm.workspace,
        actor=firm.bob,
        kind="one_to_one",
        channel="in_person",
        direction="out",
        at=AT,
        **fields,
    )


NO_GROUP = "No networking group with this id in this workspace."


def _group_error(response) -> None:
    assert_api_field_error(response, ["body", "group_id"], NO_GROUP)


# --------------------------------------------------------------------------------------------------------- API


def test_an_employee_logs_a_touchpoint_at_a_group_meeting_then_changes_and_clears_the_group(
    firm, groups, connect
):
    chapter, chamber, _ = groups
    breakfast = Event.objects.create(
        workspace=firm.workspace, name="Chapter breakfast", networking_group=chapter, starts_at=AT
    )
    bob = connect(firm.token(firm.bob))

    created = bob.post(
        "/touchpoints",
        json={
            "kind": "event",
            "channel": "in_person",
            "direction": "out",
            "partner_id": firm.carol_partner.pk,
            "event_id": breakfast.pk,
            "group_id": chapter.pk,
            "at": AT.isoformat(),
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["group_id"], body["event_id"], body["employee_id"]) == (
        chapter.pk,
        breakfast.pk,
        firm.bob.pk,
    )
    assert Touchpoint.objects.get(pk=body["id"]).group == chapter
    assert bob.get(f"/touchpoints/{body['id']}").json()["group_id"] == chapter.pk

    moved = bob.patch(f"/touchpoints/{body['id']}", json={"group_id": chamber.pk})
    assert moved.status_code == 200 and moved.json()["group_id"] == chamber.pk
    kept = bob.patch(f"/touchpoints/{body['id']}", json={"minutes": 90})
    assert (kept.json()["group_id"], kept.json()["minutes"]) == (chamber.pk, 90)
    cleared = bob.patch(f"/touchpoints/{body['id']}", json={"group_id": None})
    assert cleared.status_code == 200 and cleared.json()["group_id"] is None
    assert Touchpoint.objects.get(pk=body["id"]).group_id is None


def test_another_workspaces_group_is_refused_on_its_field_and_nothing_is_written(firm, groups, connect):
    chapter, _, globex_group = groups
    existing = _touchpoint(firm, group=chapter)
    alice = connect(firm.token(firm.alice))
    before = Touchpoint.objects.count()

    for group_id in (globex_group.pk, 987_654):  # another firm's group and an id that exists nowhere
        payload = {
            "kind": "call",
            "channel": "phone",
            "direction": "out",
            "partner_id": firm.carol_partner.pk,
        }
        _group_error(alice.post("/touchpoints", json={**payload, "group_id": group_id}))
        _group_error(alice.patch(f"/touchpoints/{existing.pk}", json={"group_id": group_id, "minutes": 5}))

    assert Touchpoint.objects.count() == before
    existing.refresh_from_db()
    assert (existing.group, existing.minutes) == (chapter, 0)
    dave = connect(firm.token(firm.dave))
    assert dave.get(f"/touchpoints/{existing.pk}").status_code == 404
    assert dave.patch(f"/touchpoints/{existing.pk}", json={"group_id": globex_group.pk}).status_code == 404


def test_a_partners_token_can_neither_log_nor_read_touchpoints(firm, groups, connect):
    chapter, _, _ = groups
    mine = _touchpoint(firm, group=chapter)
    carol = connect(firm.token(firm.carol))
    before = Touchpoint.objects.count()

    payload = {
        "kind": "one_to_one",
        "channel": "in_person",
        "direction": "in",
        "partner_id": firm.carol_partner.pk,
        "group_id": chapter.pk,
    }
    assert carol.post("/touchpoints", json=payload).status_code == 403
    assert carol.get("/touchpoints").status_code == 403
    assert carol.get(f"/touchpoints/{mine.pk}").status_code == 403
    assert carol.patch(f"/touchpoints/{mine.pk}", json={"group_id": None}).status_code == 403
    assert Touchpoint.objects.count() == before
    mine.refresh_from_db()
    assert mine.group == chapter


# ---------------------------------------------------------------------------------------------------- services


def test_the_services_refuse_another_workspaces_group(firm, groups):
    chapter, _, globex_group = groups
    before = Touchpoint.objects.count()

    with pytest.raises(ValidationError) as refused:
        _touchpoint(firm, group=globex_group)
    assert refused.value.message_dict == {"group": ["No networking group with this id in this workspace."]}
    assert Touchpoint.objects.count() == before

    touchpoint = _touchpoint(firm, group=chapter)
    with pytest.raises(ValidationError) as refused:
        touchpoint_update(instance=touchpoint, actor=firm.bob, group=globex_group, minutes=30)
    assert set(refused.value.message_dict) == {"group"}
    touchpoint.refresh_from_db()
    assert (touchpoint.group, touchpoint.minutes) == (chapter, 0)


# ----------------------------------------------------------------------------------------------- form and list


def _form(**overrides) -> dict:
    data = {
        "kind": "meeting",
        "channel": "in_person",
        "direction": "out",
        "minutes": "60",
        "at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "summary": "Met at the chapter breakfast.",
    }
    data.update(overrides)
    return data


def test_the_touchpoint_form_offers_this_workspaces_groups_only_and_records_the_group(
    client, firm, groups, ann
):
    chapter, _, globex_group = groups
    client.force_login(firm.alice.user)
    contact_url = reverse("contact_detail", args=[ann.pk])
    account_url = reverse("account_detail", args=[ann.account_id])

    for url in (contact_url, account_url):
        page = client.get(url).content.decode()
        assert 'name="group"' in page and "BNI Riverside" in page, url
        assert "BNI Globex Gold" not in page, url

    post_url = reverse("contact_touchpoint_create", args=[ann.pk])
    refused = client.post(post_url, _form(group=globex_group.pk), **HTMX)
    assert "Select a valid choice" in refused.content.decode()
    assert not Touchpoint.objects.exists()

    logged = client.post(post_url, _form(group=chapter.pk), **HTMX)
    assert "Touchpoint logged." in logged.content.decode()
    touchpoint = Touchpoint.objects.get()
    assert (touchpoint.contact, touchpoint.account_id, touchpoint.group) == (ann, ann.account_id, chapter)
    # The refreshed timeline names the group with a link to its page.
    assert reverse("partner_group_detail", args=[chapter.pk]) in logged.content.decode()

    response = client.post(
        reverse("account_touchpoint_create", args=[ann.account_id]), _form(contact=ann.pk, group=chapter.pk)
    )
    assert response.status_code == 302
    assert Touchpoint.objects.filter(group=chapter).count() == 2


def _page_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_account_page_shows_each_touchpoints_group_without_a_query_per_touchpoint(
    client, firm, groups, ann
):
    chapter, chamber, _ = groups
    client.force_login(firm.alice.user)
    url = reverse("account_detail", args=[ann.account_id])
    for group in (chapter, chamber, chapter):
        _touchpoint(firm, partner=None, contact=ann, group=group)
    client.get(url)
    few = _page_queries(client, url)
    for i in range(12):
        _touchpoint(firm, partner=None, contact=ann, group=(chapter, chamber)[i % 2])

    page = client.get(url).content.decode()
    assert page.count("through <a") == 15
    assert _page_queries(client, url) == few


def test_the_partner_and_the_outsider_cannot_log_a_touchpoint_with_a_group(client, firm, groups, ann):
    chapter, _, _ = groups
    for who in (firm.carol, firm.dave):
        client.force_login(who.user)
        response = client.post(reverse("contact_touchpoint_create", args=[ann.pk]), _form(group=chapter.pk))
        assert response.status_code == 404
    assert not Touchpoint.objects.exists()
