"""The value page, its CSVs, the settings form, the cards, the account list filter and the API: who may see
what. Another workspace's owner or a partner never sees Acme's figures."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from referral_engine.core.testing import PASSWORD
from referral_engine.insights.models import AccountValue, InsightsRun, ValueSettings
from referral_engine.insights.services import insights_refresh
from referral_engine.insights.tests.helpers import NOW, add_relationship, small_firm

IMMEDIATE = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}
}


@pytest.fixture
def valued(firm):
    small = small_firm(firm)
    add_relationship(firm, small)
    insights_refresh(workspace=firm.workspace, now=NOW)
    return small


def _as(client, membership):
    client.logout()
    client.login(username=membership.user.email, password=PASSWORD)
    return client


def _api(client, firm, membership, method, path, **kwargs):
    token = firm.token(membership)
    return getattr(client, method)(f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {token}", **kwargs)


# ------------------------------------------------------------------------------------------------------- pages


def test_employees_see_the_value_page_partners_do_not_and_outsiders_see_only_their_own(client, firm, valued):
    page = _as(client, firm.bob).get(reverse("insights_value"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ann" in html  # top referrer by CRV
    assert 'data-type="scatter"' in html and 'data-type="line"' in html
    assert _as(client, firm.bob).get(reverse("insights")).url == reverse("insights_value")

    assert _as(client, firm.carol).get(reverse("insights_value")).status_code == 404
    theirs = _as(client, firm.dave).get(reverse("insights_value"))
    assert theirs.status_code == 200 and "Ann" not in theirs.content.decode()


@pytest.mark.parametrize("chart", ["lorenz", "grid", "referrers", "segments", "quadrants"])
def test_each_chart_downloads_as_csv_for_employees_only(client, firm, valued, chart):
    url = reverse("insights_value_csv", args=[chart])
    got = _as(client, firm.bob).get(url)
    assert got.status_code == 200 and got["Content-Type"].startswith("text/csv")
    lines = got.content.decode().splitlines()
    assert len(lines) >= 2
    assert _as(client, firm.carol).get(url).status_code == 404
    dave = _as(client, firm.dave).get(url).content.decode()
    assert "Alpha" not in dave and "Ann" not in dave
    assert _as(client, firm.bob).get(reverse("insights_value_csv", args=["nope"])).status_code == 404


def test_lorenz_csv_ends_at_all_accounts_holding_all_value(client, firm, valued):
    got = _as(client, firm.bob).get(reverse("insights_value_csv", args=["lorenz"])).content.decode()
    assert got.splitlines()[-1] == "1.000000,1.000000"


def test_the_account_and_contact_pages_show_value_and_rq(client, firm, valued):
    account = _as(client, firm.bob).get(reverse("account_detail", args=[valued.a.pk])).content.decode()
    assert 'data-testid="value-card"' in account
    assert "Advocates" in account and "Core" in account
    contact = _as(client, firm.bob).get(reverse("contact_detail", args=[valued.ann.pk])).content.decode()
    assert 'data-testid="rq-card"' in contact and "Responsiveness" in contact


def test_the_account_list_filters_by_segment_and_quadrant(client, firm, valued):
    got = _as(client, firm.bob).get(reverse("account_list"), {"segment": "top"}).content.decode()
    assert "Beta" in got and "Alpha" not in got
    got = _as(client, firm.bob).get(reverse("account_list"), {"quadrant": "advocate"}).content.decode()
    assert "Alpha" in got and "Beta" not in got


def test_only_managers_refresh_from_the_page(
    client, firm, valued, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    assert _as(client, firm.bob).post(reverse("insights_refresh")).status_code == 404
    assert _as(client, firm.carol).post(reverse("insights_refresh")).status_code == 404
    before = InsightsRun.objects.get(workspace=firm.workspace).computed_at
    with django_capture_on_commit_callbacks(execute=True):
        answer = _as(client, firm.alice).post(reverse("insights_refresh"))
    assert answer.status_code == 302
    assert InsightsRun.objects.get(workspace=firm.workspace).computed_at > before


def test_the_settings_form_is_for_managers_and_refuses_bad_input(client, firm):
    url = reverse("value_settings")
    assert _as(client, firm.bob).get(url).status_code == 404
    assert _as(client, firm.carol).get(url).status_code == 404
    assert _as(client, firm.alice).get(url).status_code == 200
    good = {
        "horizon": 24, "horizon_unit": "weeks", "discount_rate": "0.08", "default_margin": "0.25",
        "acquisition_cost_saved": "250", "tier2_weight": "0.4", "top_share": "0.2", "core_share": "0.3",
        "rq_engagement": 30, "rq_breadth": 20, "rq_sentiment": 20, "rq_responsiveness": 15, "rq_reciprocity": 15,
        "rq_half_life_days": 60, "circle_expected": 3, "min_customers": 20,
    }  # fmt: skip
    bad = _as(client, firm.alice).post(url, {**good, "top_share": "0.8", "core_share": "0.5", "horizon": 0})
    assert bad.status_code == 422
    assert not ValueSettings.objects.filter(workspace=firm.workspace).exists()
    assert _as(client, firm.alice).post(url, {**good, "horizon_unit": "years"}).status_code == 422
    assert _as(client, firm.bob).post(url, good).status_code == 404
    assert not ValueSettings.objects.filter(workspace=firm.workspace).exists()
    assert _as(client, firm.alice).post(url, good).status_code == 302
    saved = ValueSettings.objects.get(workspace=firm.workspace)
    assert (saved.horizon, saved.horizon_unit, str(saved.tier2_weight)) == (24, "weeks", "0.4000")
    settings_page = _as(client, firm.alice).get(reverse("settings")).content.decode()
    assert url in settings_page


# --------------------------------------------------------------------------------------------------------- API


def test_api_value_summary(client, firm, valued):
    got = _api(client, firm, firm.bob, "get", "/insights/value")
    assert got.status_code == 200
    body = got.json()
    assert body["accounts_valued"] == 3 and body["fitted"] is False
    assert [s["accounts"] for s in body["segments"]] == [1, 1, 1]
    assert sum(s["share"] for s in body["segments"]) == pytest.approx(1.0)
    assert body["top_referrers"][0]["name"].startswith("Ann")
    assert _api(client, firm, firm.carol, "get", "/insights/value").status_code == 403
    theirs = _api(client, firm, firm.dave, "get", "/insights/value").json()
    assert theirs["accounts_valued"] == 0 and theirs["top_referrers"] == []


def test_api_account_value_and_contact_rq(client, firm, valued):
    got = _api(client, firm, firm.bob, "get", f"/accounts/{valued.a.pk}/value")
    assert got.status_code == 200
    body = got.json()
    value = AccountValue.objects.get(account=valued.a)
    assert body["crv"] == pytest.approx(value.crv) and body["segment"] == "core" and body["valued"] is True
    assert body["rq"]["breadth"] == pytest.approx(1 / 3)
    rq = _api(client, firm, firm.bob, "get", f"/contacts/{valued.ann.pk}/rq").json()
    assert rq["rq"]["sentiment"] == pytest.approx(0.9) and len(rq["history"]) == 1
    for path in (f"/accounts/{valued.a.pk}/value", f"/contacts/{valued.ann.pk}/rq"):
        assert _api(client, firm, firm.dave, "get", path).status_code == 404
        assert _api(client, firm, firm.carol, "get", path).status_code == 403
    assert _api(client, firm, firm.bob, "get", "/accounts/999999999/value").status_code == 404


def test_api_account_list_segment_filter(client, firm, valued):
    got = _api(client, firm, firm.bob, "get", "/accounts?segment=top").json()
    assert [a["name"] for a in got["items"]] == ["Beta"]
    assert _api(client, firm, firm.bob, "get", "/accounts?segment=best").status_code == 422


def test_api_refresh_is_for_managers(client, firm, valued, settings, django_capture_on_commit_callbacks):
    settings.TASKS = IMMEDIATE
    assert _api(client, firm, firm.bob, "post", "/insights/refresh").status_code == 403
    assert _api(client, firm, firm.carol, "post", "/insights/refresh").status_code == 403
    before = InsightsRun.objects.get(workspace=firm.workspace).computed_at
    with django_capture_on_commit_callbacks(execute=True):
        got = _api(client, firm, firm.alice, "post", "/insights/refresh")
    assert got.status_code == 202
    assert InsightsRun.objects.get(workspace=firm.workspace).computed_at > before
    # Dave's refresh touches only his own workspace.
    with django_capture_on_commit_callbacks(execute=True):
        assert _api(client, firm, firm.dave, "post", "/insights/refresh").status_code == 202
    assert AccountValue.objects.filter(workspace=firm.workspace).count() == 3


# ----------------------------------------------------------------------------------------------------- command


def test_the_refresh_command_prints_timings_and_refuses_an_unknown_workspace(firm, valued, capsys):
    call_command("insights", "refresh", "--workspace", "acme")
    out = capsys.readouterr().out
    assert out.startswith("acme: 3 accounts valued") and "read " in out and "write " in out
    assert "historic values only" in out
    with pytest.raises(CommandError, match="no workspace 'nowhere'"):
        call_command("insights", "refresh", "--workspace", "nowhere")


def test_the_value_page_costs_the_same_queries_however_many_accounts(client, firm, valued):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from referral_engine.core.testing import make_account
    from referral_engine.insights.tests.helpers import at
    from referral_engine.relationships.services import purchase_create

    _as(client, firm.bob)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("insights_value")).status_code == 200
    for i in range(40):
        account = make_account(firm.workspace, name=f"Extra {i}")
        purchase_create(
            workspace=firm.workspace, actor=firm.alice, account=account, date=at(NOW).date(), amount=10 + i
        )
    insights_refresh(workspace=firm.workspace, now=NOW)
    with CaptureQueriesContext(connection) as more:
        page = client.get(reverse("insights_value"))
    assert "43 accounts valued" in page.content.decode()
    assert len(more.captured_queries) == len(few.captured_queries)
