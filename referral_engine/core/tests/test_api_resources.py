"""The nine REST resources, table-driven, through a real HTTP server (pytest-django's live_server + httpx).

Each row of RESOURCES says how to build a valid body, how to make rows through the services, and which field to
use for the filter, ordering, bad-type and related-id checks; every test below runs once per resource.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from django.db import connection
from django.db.models import Model
from django.test import Client
from django.test.utils import CaptureQueriesContext

from referral_engine.engagement.models import Ask, Task
from referral_engine.engagement.services import ask_create, task_create
from referral_engine.feedback.models import NpsResponse
from referral_engine.feedback.services import nps_response_create
from referral_engine.partners.models import NetworkingGroup, Partner
from referral_engine.partners.services import partner_create
from referral_engine.referrals.models import Referral
from referral_engine.referrals.services import referral_create
from referral_engine.relationships.models import Account, Contact, Purchase, Touchpoint
from referral_engine.relationships.services import (
    account_create,
    contact_create,
    purchase_create,
    touchpoint_create,
)
from referral_engine.workspaces.models import Membership, Workspace
from referral_engine.workspaces.services import token_create, token_revoke

BASE = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
UNKNOWN_ID = 987_654_321


@dataclass
class Bundle:
    """The related rows one workspace needs for every resource's body."""

    workspace: Workspace
    employee: Membership
    account: Account
    contact: Contact
    partner: Partner
    group: NetworkingGroup


def make_bundle(workspace: Workspace, employee: Membership, partner: Partner | None = None) -> Bundle:
    account = account_create(workspace=workspace, actor=employee, name=f"{workspace.name} customer")
    contact = contact_create(
        workspace=workspace, actor=employee, first_name="Ada", last_name="Related", account=account
    )
    if partner is None:
        partner = partner_create(workspace=workspace, actor=employee, name=f"{workspace.name} partner")
    group = NetworkingGroup.objects.create(workspace=workspace, name=f"{workspace.name} chapter")
    return Bundle(workspace, employee, account, contact, partner, group)


@dataclass
class World:
    acme: Bundle
    globex: Bundle


@pytest.fixture
def world(firm) -> World:
    return World(
        acme=make_bundle(firm.workspace, firm.bob, firm.carol_partner),
        globex=make_bundle(firm.other_workspace, firm.dave),
    )


@dataclass
class Resource:
    path: str
    model: type[Model]
    payload: Callable[[Bundle], dict]
    make: Callable[[Bundle, int], Model]  # row number i, through the services
    patch: Callable[[Bundle], dict]
    patched: Callable[[dict], bool]  # the PATCH answer shows the change
    required: str  # a field a create cannot leave out
    bad_type: tuple[str, object]
    relation: tuple[str, Callable[[Bundle], int], str]  # (body field, id of a row in a bundle, label)
    filter: dict
    matches: Callable[[int], bool]  # which made rows the filter keeps
    ordering: str  # make() gives increasing values with i
    extra: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return self.path


RESOURCES = [
    Resource(
        path="/accounts",
        model=Account,
        payload=lambda b: {
            "name": "Initech",
            "domain": "initech.test",
            "owner_id": b.employee.pk,
            "status": "customer",
            "won_at": "2025-01-15",
        },
        make=lambda b, i: account_create(
            workspace=b.workspace,
            actor=b.employee,
            name=f"Row {i:02d}",
            status="customer" if i % 2 == 0 else "prospect",
        ),
        patch=lambda b: {"name": "Initech Ltd", "owner_id": None},
        patched=lambda r: r["name"] == "Initech Ltd" and r["owner_id"] is None,
        required="name",
        bad_type=("won_at", "last tuesday"),
        relation=("owner_id", lambda b: b.employee.pk, "employee"),
        filter={"status": "customer"},
        matches=lambda i: i % 2 == 0,
        ordering="name",
    ),
    Resource(
        path="/contacts",
        model=Contact,
        payload=lambda b: {
            "first_name": "Grace",
            "last_name": "Hopper",
            "email": "grace@initech.test",
            "account_id": b.account.pk,
            "role": "decision_maker",
        },
        make=lambda b, i: contact_create(
            workspace=b.workspace,
            actor=b.employee,
            first_name="Pat",
            last_name=f"Row {i:02d}",
            email=f"row{i}@contacts.test",
            do_not_contact=i % 2 == 1,
        ),
        patch=lambda b: {"title": "CTO", "account_id": None},
        patched=lambda r: r["title"] == "CTO" and r["account_id"] is None,
        required="first_name",
        bad_type=("do_not_contact", "sometimes"),
        relation=("account_id", lambda b: b.account.pk, "account"),
        filter={"do_not_contact": "true"},
        matches=lambda i: i % 2 == 1,
        ordering="last_name",
    ),
    Resource(
        path="/partners",
        model=Partner,
        payload=lambda b: {
            "name": "Dan Deed",
            "company": "Deed Law",
            "email": "dan@deed.test",
            "profession": "lawyer",
            "networking_group_id": b.group.pk,
        },
        make=lambda b, i: partner_create(
            workspace=b.workspace,
            actor=b.employee,
            name=f"Row {i:02d}",
            email=f"row{i}@partners.test",
            profession="lawyer" if i % 2 == 0 else "notary",
        ),
        patch=lambda b: {"profession": "notary", "networking_group_id": None},
        patched=lambda r: r["profession"] == "notary" and r["networking_group_id"] is None,
        required="name",
        bad_type=("do_not_contact", [1, 2]),
        relation=("networking_group_id", lambda b: b.group.pk, "networking group"),
        filter={"profession": "lawyer"},
        matches=lambda i: i % 2 == 0,
        ordering="name",
    ),
    Resource(
        path="/purchases",
        model=Purchase,
        payload=lambda b: {
            "account_id": b.account.pk,
            "date": "2025-02-01",
            "amount": "1200.50",
            "margin": 300,
        },
        make=lambda b, i: purchase_create(
            workspace=b.workspace,
            actor=b.employee,
            account=b.account,
            date=date(2025, 1, 1) + timedelta(days=i),
            amount=Decimal(100 + i),
        ),
        patch=lambda b: {"amount": 1500, "description": "Renewal"},
        patched=lambda r: r["amount"] == "1500.00" and r["description"] == "Renewal",
        required="amount",
        bad_type=("amount", "lots"),
        relation=("account_id", lambda b: b.account.pk, "account"),
        filter={"date_from": "2025-01-02"},
        matches=lambda i: i >= 1,
        ordering="date",
    ),
    Resource(
        path="/referrals",
        model=Referral,
        payload=lambda b: {
            "source_kind": "partner",
            "source_partner_id": b.partner.pk,
            "referred_account_id": b.account.pk,
            "story": "Met at the chapter breakfast.",
        },
        make=lambda b, i: referral_create(
            workspace=b.workspace,
            actor=b.employee,
            source_kind="employee" if i % 2 == 0 else "partner",
            source_employee=b.employee if i % 2 == 0 else None,
            source_partner=b.partner if i % 2 else None,
            referred_account=b.account,
            received_at=BASE + timedelta(hours=i),
        ),
        patch=lambda b: {"story": "Told again.", "owner_id": b.employee.pk},
        patched=lambda r: r["story"] == "Told again." and r["owner_id"] is not None,
        required="source_kind",
        bad_type=("received_at", "yesterday-ish"),
        relation=("referred_account_id", lambda b: b.account.pk, "account"),
        filter={"source_kind": "employee"},
        matches=lambda i: i % 2 == 0,
        ordering="received_at",
    ),
    Resource(
        path="/touchpoints",
        model=Touchpoint,
        payload=lambda b: {
            "kind": "call",
            "channel": "phone",
            "direction": "out",
            "contact_id": b.contact.pk,
            "minutes": 15,
            "at": "2025-02-03T10:00:00Z",
        },
        make=lambda b, i: touchpoint_create(
            workspace=b.workspace,
            actor=b.employee,
            kind="call" if i % 2 == 0 else "meeting",
            channel="phone",
            direction="out",
            contact=b.contact,
            at=BASE + timedelta(hours=i),
        ),
        patch=lambda b: {"summary": "All is well.", "minutes": 30},
        patched=lambda r: r["summary"] == "All is well." and r["minutes"] == 30,
        required="kind",
        bad_type=("minutes", "ten"),
        relation=("contact_id", lambda b: b.contact.pk, "contact"),
        filter={"kind": "call"},
        matches=lambda i: i % 2 == 0,
        ordering="at",
    ),
    Resource(
        path="/asks",
        model=Ask,
        payload=lambda b: {"contact_id": b.contact.pk, "channel": "in_person", "dedicated_meeting": True},
        make=lambda b, i: ask_create(
            workspace=b.workspace,
            actor=b.employee,
            contact=b.contact,
            channel="phone",
            outcome="pending" if i % 2 == 0 else "declined",
            at=BASE + timedelta(hours=i),
        ),
        patch=lambda b: {"outcome": "referral_given"},
        patched=lambda r: r["outcome"] == "referral_given",
        required="channel",
        bad_type=("dedicated_meeting", "often"),
        relation=("contact_id", lambda b: b.contact.pk, "contact"),
        filter={"outcome": "pending"},
        matches=lambda i: i % 2 == 0,
        ordering="at",
    ),
    Resource(
        path="/nps-responses",
        model=NpsResponse,
        payload=lambda b: {"contact_id": b.contact.pk, "score": 9, "comment": "Great team."},
        make=lambda b, i: nps_response_create(
            workspace=b.workspace,
            actor=b.employee,
            contact=b.contact,
            score=i % 11,
            at=BASE + timedelta(hours=i),
        ),
        patch=lambda b: {"score": 3},
        patched=lambda r: r["score"] == 3 and r["category"] == "detractor",
        required="contact_id",
        bad_type=("score", "ten"),
        relation=("contact_id", lambda b: b.contact.pk, "contact"),
        filter={"score_max": 1},
        matches=lambda i: i <= 1,
        ordering="at",
    ),
    Resource(
        path="/tasks",
        model=Task,
        payload=lambda b: {
            "kind": "follow_up",
            "title": "Call Ada",
            "due": "2025-03-01",
            "assignee_id": b.employee.pk,
            "contact_id": b.contact.pk,
        },
        make=lambda b, i: task_create(
            workspace=b.workspace,
            actor=b.employee,
            kind="thank" if i % 2 == 0 else "ask",
            title=f"Row {i:02d}",
            due=date(2025, 1, 1) + timedelta(days=i),
        ),
        patch=lambda b: {"status": "done"},
        patched=lambda r: r["status"] == "done" and r["completed_at"] is not None,
        required="title",
        bad_type=("due", "soon"),
        relation=("assignee_id", lambda b: b.employee.pk, "employee"),
        filter={"kind": "thank"},
        matches=lambda i: i % 2 == 0,
        ordering="due",
    ),
]

by_resource = pytest.mark.parametrize("resource", RESOURCES, ids=str)


@pytest.fixture
def alice(firm, connect) -> httpx.Client:
    return connect(firm.token(firm.alice))


class InProcess:
    """Django's test client with httpx's call shapes (json=, params=), for the in-process tests."""

    def __init__(self, token: str):
        self.client = Client(headers={"Authorization": f"Bearer {token}"})

    def get(self, path: str, params: dict | None = None):
        return self.client.get(f"/api/v1{path}", params or {})

    def post(self, path: str, json: dict):
        return self.client.post(f"/api/v1{path}", json, content_type="application/json")

    def delete(self, path: str):
        return self.client.delete(f"/api/v1{path}")


def locs(response: httpx.Response) -> list[list]:
    return [error["loc"] for error in response.json()["detail"]]


def messages(response: httpx.Response, loc: list) -> list[str]:
    return [error["msg"] for error in response.json()["detail"] if error["loc"] == loc]


# ------------------------------------------------------------------------------------------------ the checks
# Each check is one behaviour of a resource. They run in one test per resource because every test that uses the
# live server pays for emptying the database afterwards (seconds on PostgreSQL); each check makes its own rows
# (distinct row numbers) and compares counts with what was there before it.


def check_create_read_update_delete(resource, firm, world, alice, connect):
    rows_before = resource.model.objects.count()

    created = alice.post(resource.path, json=resource.payload(world.acme))
    assert created.status_code == 201, created.text
    url = f"{resource.path}/{created.json()['id']}"
    assert resource.model.objects.count() == rows_before + 1

    read = alice.get(url)
    assert read.status_code == 200
    assert read.json() == created.json()

    updated = alice.patch(url, json=resource.patch(world.acme))
    assert updated.status_code == 200, updated.text
    assert resource.patched(updated.json())
    assert alice.get(url).json() == updated.json()

    deleted = alice.delete(url)
    assert deleted.status_code == 204
    gone = alice.get(url)
    assert (gone.status_code, gone.json()) == (404, {"detail": "Not found."})
    assert resource.model.objects.count() == rows_before


def check_a_list_counts_pages_filters_and_orders(resource, firm, world, alice, connect):
    existing = set(resource.model.objects.filter(workspace=world.acme.workspace).values_list("pk", flat=True))
    made = [resource.make(world.acme, i).pk for i in range(3)]
    resource.make(world.globex, 0)  # another firm's row, which must never be listed
    total = len(existing) + 3

    everything = alice.get(resource.path, params={"limit": 500}).json()
    assert everything["count"] == total
    assert {item["id"] for item in everything["items"]} == existing | set(made)

    ascending = [
        item["id"]
        for offset in range(0, total, 2)
        for item in alice.get(
            resource.path, params={"limit": 2, "offset": offset, "ordering": resource.ordering}
        ).json()["items"]
    ]
    assert len(ascending) == len(set(ascending)) == total  # pages neither repeat nor skip a row
    assert [pk for pk in ascending if pk in made] == made
    descending = alice.get(resource.path, params={"ordering": f"-{resource.ordering}"}).json()["items"]
    assert [item["id"] for item in descending if item["id"] in made] == made[::-1]

    page = alice.get(resource.path, params={"limit": 1, "offset": 1}).json()
    assert (page["count"], len(page["items"])) == (total, 1)

    filtered = alice.get(resource.path, params=resource.filter).json()
    kept = {item["id"] for item in filtered["items"]}
    assert {pk for pk in made if pk in kept} == {pk for i, pk in enumerate(made) if resource.matches(i)}
    assert filtered["count"] == len(filtered["items"])


def check_bad_paging_or_ordering_is_a_422_on_the_query(resource, firm, world, alice, connect):
    for params in (
        {"ordering": "password"},
        {"ordering": "-created_at,nonsense"},
        {"limit": 0},
        {"limit": 501},
        {"offset": -1},
        {"limit": "ten"},
    ):
        response = alice.get(resource.path, params=params)
        assert response.status_code == 422, params
        assert locs(response) == [["query", next(iter(params))]]


def check_bad_bodies_are_refused_on_their_field_and_write_nothing(resource, firm, world, alice, connect):
    rows_before = resource.model.objects.count()
    valid = resource.payload(world.acme)
    field_name, bad_value = resource.bad_type
    relation, id_in, label = resource.relation

    missing = {k: v for k, v in valid.items() if k != resource.required}
    response = alice.post(resource.path, json=missing)
    assert response.status_code == 422
    assert ["body", resource.required] in locs(response)

    response = alice.post(resource.path, json={**valid, field_name: bad_value})
    assert response.status_code == 422
    assert locs(response) == [["body", field_name]]

    response = alice.post(resource.path, json={**valid, resource.required: None})
    assert response.status_code == 422
    assert ["body", resource.required] in locs(response)

    response = alice.post(resource.path, json={**valid, "surprise": 1})
    assert response.status_code == 422
    assert locs(response) == [["body", "surprise"]]

    # An unknown id and another workspace's id get the very same answer, naming the field.
    unknown = alice.post(resource.path, json={**valid, relation: UNKNOWN_ID})
    foreign = alice.post(resource.path, json={**valid, relation: id_in(world.globex)})
    assert unknown.status_code == foreign.status_code == 422
    assert unknown.json() == foreign.json()
    assert messages(unknown, ["body", relation]) == [f"No {label} with this id in this workspace."]

    for raw in (b'{"name": ', b"[1, 2]", b"null", b"\xff\xfe", b'{"score": NaN, "amount": 1e400}'):
        response = alice.post(resource.path, content=raw, headers={"Content-Type": "application/json"})
        assert response.status_code in (400, 422), raw

    assert resource.model.objects.count() == rows_before


def check_a_refused_update_changes_nothing(resource, firm, world, alice, connect):
    row = resource.make(world.acme, 10)
    url = f"{resource.path}/{row.pk}"
    before = alice.get(url).json()
    field_name, bad_value = resource.bad_type
    relation, id_in, _ = resource.relation

    for body in (
        {field_name: bad_value},
        {relation: UNKNOWN_ID},
        {relation: id_in(world.globex)},
        {"surprise": True},
        {**resource.patch(world.acme), relation: id_in(world.globex)},
    ):
        response = alice.patch(url, json=body)
        assert response.status_code == 422, body
    assert alice.get(url).json() == before


def check_another_workspaces_rows_do_not_exist_for_you(resource, firm, world, alice, connect):
    foreign = resource.make(world.globex, 20)
    own = resource.make(world.acme, 21)
    stamp = resource.model.objects.get(pk=foreign.pk).updated_at

    for url in (
        f"{resource.path}/{foreign.pk}",
        f"{resource.path}/{UNKNOWN_ID}",
        f"{resource.path}/{10**30}",
    ):
        for method, body in (("GET", None), ("PATCH", resource.patch(world.acme)), ("DELETE", None)):
            response = alice.request(method, url, json=body)
            assert (response.status_code, response.json()) == (404, {"detail": "Not found."}), (method, url)
    assert resource.model.objects.get(pk=foreign.pk).updated_at == stamp

    listed = alice.get(resource.path, params={"limit": 500}).json()["items"]
    assert foreign.pk not in {item["id"] for item in listed}

    # Dave owns Globex: Acme's row is a 404 for him, whatever he tries.
    dave = connect(firm.token(firm.dave))
    for method in ("GET", "PATCH", "DELETE"):
        response = dave.request(method, f"{resource.path}/{own.pk}", json={} if method == "PATCH" else None)
        assert response.status_code == 404
    assert resource.model.objects.filter(pk=own.pk).exists()


def check_a_missing_or_wrong_token_is_a_401(resource, firm, world, alice, connect):
    row = resource.make(world.acme, 30)
    revoked, raw = token_create(membership=firm.bob)
    token_revoke(token=revoked)
    rows_before = resource.model.objects.count()
    for client in (connect(), connect("re_not-a-token"), connect(raw)):
        assert client.get(resource.path).status_code == 401
        assert client.post(resource.path, json=resource.payload(world.acme)).status_code == 401
        assert client.delete(f"{resource.path}/{row.pk}").status_code == 401
    for client in (connect(Authorization=f"Basic {firm.token(firm.alice)}"), connect("x" * 5000)):
        assert client.get(f"{resource.path}/{row.pk}").status_code == 401
    assert resource.model.objects.count() == rows_before


def check_a_partners_token_is_refused_everything_but_referrals(resource, firm, world, alice, connect):
    if resource.path == "/referrals":
        return  # what a partner may do with referrals is in referrals/tests/test_api.py
    carol = connect(firm.token(firm.carol))
    row = resource.make(world.acme, 40)
    before = resource.model.objects.count()
    url = f"{resource.path}/{row.pk}"

    for method, path, body in (
        ("GET", resource.path, None),
        ("POST", resource.path, resource.payload(world.acme)),
        ("GET", url, None),
        ("PATCH", url, resource.patch(world.acme)),
        ("DELETE", url, None),
    ):
        response = carol.request(method, path, json=body)
        assert response.status_code == 403, (method, path)
    assert resource.model.objects.count() == before
    assert resource.model.objects.get(pk=row.pk).updated_at == row.updated_at


CHECKS = [
    check_create_read_update_delete,
    check_a_list_counts_pages_filters_and_orders,
    check_bad_paging_or_ordering_is_a_422_on_the_query,
    check_bad_bodies_are_refused_on_their_field_and_write_nothing,
    check_a_refused_update_changes_nothing,
    check_another_workspaces_rows_do_not_exist_for_you,
    check_a_missing_or_wrong_token_is_a_401,
    check_a_partners_token_is_refused_everything_but_referrals,
]


# --------------------------------------------------------------------------------------------------- the tests


@by_resource
def test_every_resource_keeps_the_api_contract_over_http(resource, firm, world, alice, connect):
    for check in CHECKS:
        check(resource, firm, world, alice, connect)


NASTY = [None, "", -1, 1.5, True, [], {}, "2025-99-99", "☃", 10**30, "x" * 21_000, "nul\x00byte"]


def _json_types(prop: dict) -> set[str]:
    return {prop.get("type")} | {option.get("type") for option in prop.get("anyOf", [])}


@by_resource
def test_no_value_in_any_field_or_filter_makes_a_500(resource, firm, world):
    # In-process, where a server error raises in the test itself; this is about input, not transport.
    alice = InProcess(firm.token(firm.alice))
    valid = resource.payload(world.acme)
    schema = json.loads(Client().get("/api/v1/openapi.json").content)
    properties = schema["components"]["schemas"][f"{resource.model.__name__}In"]["properties"]
    rows_before = resource.model.objects.count()
    # Junk in every field at once, then the values most likely to get past validation and break the database,
    # each in one field of its type alone (an over-long or NUL string, an integer beyond 64 bits).
    bodies = [{**valid, **dict.fromkeys(properties, value)} for value in NASTY]
    for name, prop in properties.items():
        types = _json_types(prop)
        if "string" in types:
            bodies += [{**valid, name: "x" * 21_000}, {**valid, name: "nul\x00byte"}]
        if types & {"integer", "number"}:
            bodies.append({**valid, name: 10**30})
    for body in bodies:
        response = alice.post(resource.path, json=body)
        assert response.status_code in (201, 409, 422), (body, response.status_code)
        if response.status_code == 201:
            # Remove what was made so the next body does not clash on a unique e-mail.
            assert alice.delete(f"{resource.path}/{response.json()['id']}").status_code == 204
    assert resource.model.objects.count() == rows_before

    names = [p["name"] for p in schema["paths"][f"/api/v1{resource.path}"]["get"]["parameters"]]
    for value in ("", "x" * 300, str(10**30), "-1", "2025-99-99", "2025-01-01T10:00", "nul\x00byte", "☃"):
        response = alice.get(resource.path, params=dict.fromkeys(names, value))
        assert response.status_code in (200, 422), (value, response.status_code)
    for name in names:
        response = alice.get(resource.path, params={name: str(10**30)})
        assert response.status_code in (200, 422), (name, response.status_code)


@by_resource
def test_a_list_costs_the_same_queries_for_3_rows_as_for_30(
    resource, firm, world, django_assert_max_num_queries
):
    # In-process (the live server runs in another thread, out of reach of query capture).
    client = Client(headers={"Authorization": f"Bearer {firm.token(firm.alice)}"})
    url = f"/api/v1{resource.path}?limit=500"
    for i in range(3):
        resource.make(world.acme, i)
    assert client.get(url).status_code == 200  # the first use of a token records it; later ones do not

    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    assert len(json.loads(response.content)["items"]) >= 3

    for i in range(3, 30):
        resource.make(world.acme, i)
    with django_assert_max_num_queries(len(few)):
        response = client.get(url)
    assert len(json.loads(response.content)["items"]) >= 30
