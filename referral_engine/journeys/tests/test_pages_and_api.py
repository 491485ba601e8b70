"""Settings → Journeys and the /journeys and /project-ends API: managers edit, bad input is a field error that
writes nothing, and everyone else is refused — a member and a partner, and Globex's owner for Acme's plans."""

import pytest
from django.urls import reverse

from referral_engine.core.testing import make_account, make_contact
from referral_engine.journeys.models import (
    JourneyPlan,
    JourneyStep,
    ProjectEnd,
    ReminderPreference,
    ReminderSettings,
)
from referral_engine.journeys.services import reminder_settings_ensure

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(firm):
    reminder_settings_ensure(workspace=firm.workspace)
    return JourneyPlan.objects.get(workspace=firm.workspace, built_in="welcome")


def _api(client, firm, membership, method, path, **kwargs):
    token = firm.token(membership)
    if "data" in kwargs:
        kwargs["content_type"] = "application/json"
    return getattr(client, method)(f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {token}", **kwargs)


def _fields(response) -> set[str]:
    return {e["loc"][-1] for e in response.json()["detail"]}


# ------------------------------------------------------------------------------------------------- pages


def test_a_manager_sees_the_built_in_plans_on_first_visit(client, firm):
    client.force_login(firm.alice.user)
    page = client.get(reverse("journey_plan_list")).content.decode()
    for name in (
        "Welcome a new client",
        "Birthdays",
        "Season&#x27;s greetings",
        "Quarterly check-in with top clients",
    ):
        assert name in page
    assert reverse("journey_plan_list") in client.get(reverse("settings")).content.decode()


def test_members_partners_and_other_workspaces_are_refused(client, firm, plan):
    step = plan.steps.first()
    urls = [
        ("get", reverse("journey_plan_list")),
        ("get", reverse("journey_plan_create")),
        ("get", reverse("journey_plan_edit", args=[plan.pk])),
        ("post", reverse("journey_plan_delete", args=[plan.pk])),
        ("post", reverse("journey_step_create", args=[plan.pk])),
        ("get", reverse("journey_step_edit", args=[plan.pk, step.pk])),
        ("post", reverse("journey_step_delete", args=[plan.pk, step.pk])),
        ("post", reverse("reminder_settings_edit")),
    ]
    for who in (firm.bob, firm.carol):
        client.force_login(who.user)
        for method, url in urls:
            assert getattr(client, method)(url).status_code == 404, (who, url)
    # Globex's owner manages Globex's plans: Acme's plan and steps do not exist for him.
    client.force_login(firm.dave.user)
    for method, url in urls[2:7]:
        assert getattr(client, method)(url).status_code == 404, url
    assert "Welcome a new client" in client.get(reverse("journey_plan_list")).content.decode()  # Globex's own
    assert JourneyPlan.objects.filter(workspace=firm.other_workspace).count() == 7
    client.logout()
    assert client.get(reverse("journey_plan_list")).status_code == 302
    assert JourneyPlan.objects.filter(pk=plan.pk).exists() and JourneyStep.objects.filter(pk=step.pk).exists()
    # Globex's owner manages Globex's plans only: Acme's step under Globex's plan is a 404 as well.
    client.force_login(firm.dave.user)
    globex_plan = JourneyPlan.objects.filter(workspace=firm.other_workspace).first()
    assert client.get(reverse("journey_step_edit", args=[globex_plan.pk, step.pk])).status_code == 404


def test_bad_step_input_is_a_field_error_and_writes_nothing(client, firm, plan):
    client.force_login(firm.alice.user)
    before = JourneyStep.objects.count()
    response = client.post(
        reverse("journey_step_create", args=[plan.pk]),
        {"offset_days": "999", "action": "fax", "title": "", "who": "account_owner"},
    )
    assert response.status_code == 400
    form = response.context["step_form"]
    assert set(form.errors) == {"offset_days", "action", "title"}
    assert JourneyStep.objects.count() == before
    response = client.post(
        reverse("journey_step_create", args=[plan.pk]),
        {
            "offset_days": "-2",
            "action": "gift",
            "title": "Flowers",
            "who": "contact_owner",
            "script": "A bouquet",
        },
    )
    assert response.status_code == 302
    step = JourneyStep.objects.get(title="Flowers")
    assert (step.plan, step.offset_days, step.action, step.who) == (plan, -2, "gift", "contact_owner")
    response = client.post(
        reverse("journey_step_edit", args=[plan.pk, step.pk]),
        {"offset_days": "5", "action": "gift", "title": "   ", "who": "contact_owner"},
    )
    assert response.status_code == 400 and "title" in response.context["form"].errors
    step.refresh_from_db()
    assert (step.offset_days, step.title) == (-2, "Flowers")


def test_bad_plan_input_is_a_field_error_and_writes_nothing(client, firm, plan):
    client.force_login(firm.alice.user)
    count = JourneyPlan.objects.count()
    response = client.post(
        reverse("journey_plan_create"),
        {"name": "Diwali", "trigger": "holidays", "holidays": "13-45", "is_active": "on"},
    )
    assert response.status_code == 400 and "holidays" in response.context["form"].errors
    response = client.post(
        reverse("journey_plan_create"), {"name": "Nothing", "trigger": "holidays", "holidays": ""}
    )
    assert response.status_code == 400 and "holidays" in response.context["form"].errors
    response = client.post(reverse("journey_plan_create"), {"name": "Birthdays", "trigger": "birthday"})
    assert response.status_code == 400 and "name" in response.context["form"].errors
    assert JourneyPlan.objects.count() == count
    response = client.post(
        reverse("journey_plan_create"),
        {"name": "Diwali", "trigger": "holidays", "holidays": "11-08\n2027-10-29", "is_active": "on"},
    )
    assert response.status_code == 302
    assert JourneyPlan.objects.get(name="Diwali").holidays == ["11-08", "2027-10-29"]
    # Editing: a bad trigger changes nothing.
    response = client.post(reverse("journey_plan_edit", args=[plan.pk]), {"name": "", "trigger": "never"})
    assert response.status_code == 400 and {"name", "trigger"} <= set(response.context["form"].errors)
    plan.refresh_from_db()
    assert (plan.name, plan.trigger) == ("Welcome a new client", "new_client")


def test_reminder_settings_bad_input_and_good(client, firm):
    client.force_login(firm.alice.user)
    response = client.post(
        reverse("reminder_settings_edit"), {"escalate_after_working_days": "0", "digest_hour": "25"}
    )
    assert response.status_code == 400
    assert {"escalate_after_working_days", "digest_hour"} <= set(response.context["settings_form"].errors)
    assert not ReminderSettings.objects.filter(escalate_after_working_days=0).exists()
    response = client.post(
        reverse("reminder_settings_edit"), {"escalate_after_working_days": "3", "digest_hour": "8"}
    )
    assert response.status_code == 302
    assert ReminderSettings.objects.get(workspace=firm.workspace).escalate_after_working_days == 3


def test_an_employee_opts_out_of_the_digest_and_back_in(client, firm):
    client.force_login(firm.bob.user)
    assert client.post(reverse("digest_preference"), {"digest_enabled": "0"}).status_code == 302
    assert ReminderPreference.objects.get(membership=firm.bob).digest_enabled is False
    assert "Send me the daily digest" in client.get(reverse("profile")).content.decode()
    client.post(reverse("digest_preference"), {"digest_enabled": "1"})
    assert ReminderPreference.objects.get(membership=firm.bob).digest_enabled is True


# --------------------------------------------------------------------------------------------------- API


def test_api_lists_plans_to_employees_and_refuses_partners_and_other_workspaces(client, firm, plan):
    response = _api(client, firm, firm.bob, "get", "/journeys")
    assert response.status_code == 200
    welcome = next(p for p in response.json() if p["id"] == plan.pk)
    assert [s["title"] for s in welcome["steps"]] == ["Welcome card", "Settling in?"]
    assert _api(client, firm, firm.carol, "get", "/journeys").status_code == 403
    assert _api(client, firm, firm.dave, "get", f"/journeys/{plan.pk}").status_code == 404
    assert plan.pk not in [p["id"] for p in _api(client, firm, firm.dave, "get", "/journeys").json()]
    assert (
        _api(
            client,
            firm,
            firm.dave,
            "post",
            f"/journeys/{plan.pk}/steps",
            data={"action": "call", "title": "x"},
        ).status_code
        == 404
    )
    assert client.get("/api/v1/journeys").status_code == 401


def test_api_step_and_plan_changes_are_for_managers_and_bad_input_writes_nothing(client, firm, plan):
    before = JourneyStep.objects.count()
    body = {"offset_days": 3, "action": "call", "title": "Thanks again"}
    assert _api(client, firm, firm.bob, "post", f"/journeys/{plan.pk}/steps", data=body).status_code == 403
    response = _api(
        client,
        firm,
        firm.alice,
        "post",
        f"/journeys/{plan.pk}/steps",
        data={**body, "offset_days": 400, "action": "fax"},
    )
    assert response.status_code == 422 and {"offset_days", "action"} <= _fields(response)
    response = _api(
        client, firm, firm.alice, "post", f"/journeys/{plan.pk}/steps", data={**body, "title": "  "}
    )
    assert response.status_code == 422 and _fields(response) == {"title"}
    assert JourneyStep.objects.count() == before
    response = _api(client, firm, firm.alice, "post", f"/journeys/{plan.pk}/steps", data=body)
    assert response.status_code == 201 and response.json()["who"] == "account_owner"
    response = _api(client, firm, firm.alice, "patch", f"/journeys/{plan.pk}", data={"holidays": ["02-30"]})
    assert response.status_code == 422 and _fields(response) == {"holidays"}
    response = _api(client, firm, firm.alice, "patch", f"/journeys/{plan.pk}", data={"is_active": False})
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert _api(client, firm, firm.bob, "delete", f"/journeys/{plan.pk}").status_code == 403
    assert _api(client, firm, firm.dave, "delete", f"/journeys/{plan.pk}").status_code == 404
    assert JourneyPlan.objects.filter(pk=plan.pk).exists()


def test_api_records_the_end_of_a_project_within_the_workspace_only(client, firm):
    account = make_account(firm.workspace, name="Fabrikam", status="customer")
    ann = make_contact(firm.workspace, first_name="Ann", account=account)
    globex = make_account(firm.other_workspace, name="Initech")
    response = _api(
        client,
        firm,
        firm.bob,
        "post",
        "/project-ends",
        data={"account_id": globex.pk, "ended_on": "2026-11-04"},
    )
    assert response.status_code == 422 and _fields(response) == {"account_id"}
    response = _api(
        client, firm, firm.bob, "post", "/project-ends", data={"account_id": account.pk, "ended_on": "soon"}
    )
    assert response.status_code == 422
    assert not ProjectEnd.objects.exists()
    assert (
        _api(
            client,
            firm,
            firm.carol,
            "post",
            "/project-ends",
            data={"account_id": account.pk, "ended_on": "2026-11-04"},
        ).status_code
        == 403
    )
    response = _api(
        client,
        firm,
        firm.bob,
        "post",
        "/project-ends",
        data={
            "account_id": account.pk,
            "contact_id": ann.pk,
            "ended_on": "2026-11-04",
            "note": "Go-live done",
        },
    )
    assert response.status_code == 201
    end = ProjectEnd.objects.get()
    assert (end.account, end.contact, end.recorded_by, end.workspace) == (
        account,
        ann,
        firm.bob,
        firm.workspace,
    )


def test_an_employee_records_the_end_of_a_project_on_the_accounts_page(client, firm):
    account = make_account(firm.workspace, name="Fabrikam", status="customer", owner=firm.bob)
    globex = make_account(firm.other_workspace, name="Initech")
    client.force_login(firm.bob.user)
    assert "The project ended" in client.get(reverse("account_detail", args=[account.pk])).content.decode()
    url = reverse("project_end_create", args=[account.pk])
    assert client.post(url, {"ended_on": "not a date"}).status_code == 302
    assert not ProjectEnd.objects.exists()
    assert (
        client.post(reverse("project_end_create", args=[globex.pk]), {"ended_on": "2026-11-04"}).status_code
        == 404
    )
    assert client.post(url, {"ended_on": "2026-11-04", "note": "Go-live"}).status_code == 302
    end = ProjectEnd.objects.get()
    assert (end.account, end.recorded_by, str(end.ended_on), end.note) == (
        account,
        firm.bob,
        "2026-11-04",
        "Go-live",
    )
    client.force_login(firm.carol.user)
    assert client.post(url, {"ended_on": "2026-11-04"}).status_code == 404
    assert ProjectEnd.objects.count() == 1


def test_every_plan_endpoint_is_a_404_for_another_workspace_and_a_403_for_a_partner(client, firm, plan):
    step = plan.steps.first()
    calls = [
        ("get", f"/journeys/{plan.pk}", None),
        ("patch", f"/journeys/{plan.pk}", {"name": "Mine now"}),
        ("delete", f"/journeys/{plan.pk}", None),
        ("post", f"/journeys/{plan.pk}/steps", {"action": "call", "title": "x"}),
        ("delete", f"/journeys/{plan.pk}/steps/{step.pk}", None),
    ]
    for method, path, body in calls:
        kwargs = {"data": body} if body is not None else {}
        assert _api(client, firm, firm.dave, method, path, **kwargs).status_code == 404, path
        assert _api(client, firm, firm.carol, method, path, **kwargs).status_code == 403, path
    plan.refresh_from_db()
    assert plan.name == "Welcome a new client" and JourneyStep.objects.filter(pk=step.pk).exists()
    # A step of one plan named under another plan is a 404 too.
    other = JourneyPlan.objects.get(workspace=firm.workspace, built_in="birthdays")
    assert (
        _api(client, firm, firm.alice, "delete", f"/journeys/{other.pk}/steps/{step.pk}").status_code == 404
    )
    assert _api(client, firm, firm.alice, "delete", f"/journeys/{plan.pk}/steps/{step.pk}").status_code == 204
