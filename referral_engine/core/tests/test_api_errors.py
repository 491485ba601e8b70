"""The API's contract as a whole: the OpenAPI document, the docs page and the shape of every kind of error."""

import httpx
import pytest
from django.test import Client

from referral_engine.relationships.models import Account

RESOURCE_PATHS = [
    "/accounts",
    "/contacts",
    "/partners",
    "/purchases",
    "/referrals",
    "/touchpoints",
    "/asks",
    "/nps-responses",
    "/tasks",
]


@pytest.fixture
def alice(firm, live_server):
    # Connection: close avoids ~40 ms of delayed-ACK wait per request on a kept-alive test connection.
    headers = {"Authorization": f"Bearer {firm.token(firm.alice)}", "Connection": "close"}
    with httpx.Client(base_url=f"{live_server.url}/api/v1", headers=headers) as client:
        yield client


def test_the_openapi_document_and_docs_list_every_path_with_its_operations_and_bearer_auth(db):
    # In-process: the document needs no database rows, so this test need not pay for the live server.
    client = Client()
    schema = client.get("/api/v1/openapi.json").json()

    for path in RESOURCE_PATHS:
        assert set(schema["paths"][f"/api/v1{path}"]) == {"get", "post"}
        assert set(schema["paths"][f"/api/v1{path}/{{id}}"]) == {"get", "patch", "delete"}
        for operation in schema["paths"][f"/api/v1{path}"].values():
            assert operation["description"], f"{path} needs a docstring"
    assert schema["components"]["securitySchemes"]["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    # Separate In, Out and Patch schemas, for every resource.
    for name in (
        "Account",
        "Contact",
        "Partner",
        "Purchase",
        "Referral",
        "Touchpoint",
        "Ask",
        "NpsResponse",
        "Task",
    ):
        assert {f"{name}In", f"{name}Out", f"{name}Patch"} <= set(schema["components"]["schemas"])

    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert "openapi.json" in docs.content.decode()


def test_errors_have_one_shape_and_times_are_aware(firm, alice):
    missing = alice.post("/accounts", json={"domain": "initech.test"})
    assert missing.status_code == 422
    assert missing.json()["detail"] == [{"type": "missing", "loc": ["body", "name"], "msg": "Field required"}]

    from_a_service = alice.post("/accounts", json={"name": "  "})
    assert from_a_service.json() == {
        "detail": [{"loc": ["body", "name"], "msg": "An account needs a name.", "type": "value_error"}]
    }

    malformed = alice.post(
        "/accounts", content=b'{"name": "Initech"', headers={"Content-Type": "application/json"}
    )
    assert malformed.status_code == 400
    assert malformed.json() == {"detail": "Cannot parse request body"}

    assert alice.get("/accounts/123456").json() == {"detail": "Not found."}
    assert httpx.get(alice.base_url.join("accounts"), headers={"Connection": "close"}).json() == {
        "detail": "Unauthorized"
    }
    assert Account.objects.count() == 0

    # A naive time in a body is refused; a filter takes it as UTC.
    contact = alice.post("/contacts", json={"first_name": "Ada"}).json()
    body = {"kind": "call", "channel": "phone", "direction": "in", "contact_id": contact["id"]}

    naive = alice.post("/touchpoints", json={**body, "at": "2025-02-03T10:00:00"})
    assert naive.status_code == 422
    assert naive.json()["detail"][0]["loc"] == ["body", "at"]

    made = alice.post("/touchpoints", json={**body, "at": "2025-02-03T10:00:00+01:00"}).json()
    assert made["at"] == "2025-02-03T09:00:00Z"
    assert alice.get("/touchpoints", params={"at_from": "2025-02-03T09:00:00"}).json()["count"] == 1
    assert alice.get("/touchpoints", params={"at_from": "2025-02-03T09:00:01"}).json()["count"] == 0
    assert alice.get("/touchpoints", params={"at_to": "2025-02-03"}).json()["count"] == 0
