"""The programme pages, their CSVs, the one-click influencer task and the API: who may see what, bad periods,
and the API answering the same numbers the selectors (and so the pages) show."""

import csv
import io
import json

import pytest
from django.urls import reverse

from referral_engine.core.testing import PASSWORD
from referral_engine.engagement.models import Task, TaskKind
from referral_engine.insights import programme
from referral_engine.insights.tests.programme_firm import END, START

pytestmark = pytest.mark.django_db

PAGES = [
    "programme_source_mix",
    "programme_referred",
    "programme_value_per_hour",
    "programme_chains",
    "programme_influencers",
    "programme_health",
]
ENDPOINTS = [
    "source-mix",
    "referred-vs-non-referred",
    "value-per-hour",
    "chains",
    "influencers",
    "programme-health",
]
CSVS = [
    ("source-mix", "sources"),
    ("source-mix", "trend"),
    ("referred", "comparison"),
    ("referred", "survival"),
    ("value-per-hour", "sources"),
    ("value-per-hour", "partners"),
    ("chains", "tiers"),
    ("chains", "depths"),
    ("chains", "trees"),
    ("influencers", "influencers"),
    ("health", "weeks"),
]
PERIOD = f"start={START}&end={END}&period=quarter"


def _as(client, membership):
    client.logout()
    client.login(username=membership.user.email, password=PASSWORD)
    return client


def _api(client, firm, membership, method, path, **kwargs):
    token = firm.token(membership)
    return getattr(client, method)(f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {token}", **kwargs)


# ------------------------------------------------------------------------------------------------------- pages


@pytest.mark.parametrize("name", PAGES)
def test_employees_see_each_page_partners_do_not_and_outsiders_see_only_their_own(client, firm, pf, name):
    url = f"{reverse(name)}?{PERIOD}"
    page = _as(client, firm.bob).get(url)
    assert page.status_code == 200
    assert _as(client, firm.carol).get(url).status_code == 404
    theirs = _as(client, firm.dave).get(url)
    assert theirs.status_code == 200
    # Acme's names never appear on Globex's page.
    for acme_only in ("Pete Partner", "P1 Bee", "A11", "D2 Dee"):
        assert acme_only not in theirs.content.decode()


def test_the_pages_show_the_hand_worked_figures(client, firm, pf):
    c = _as(client, firm.bob)
    mix = c.get(f"{reverse('programme_source_mix')}?{PERIOD}").content.decode()
    # Partner 3000 of 7300 = 41%.
    assert "41%" in mix and 'data-chart="trend"' in mix
    chart = json.loads(
        mix.split('data-chart="sources"')[1].split('data-value="')[1].split('"')[0].replace("&quot;", '"')
    )
    assert chart["datasets"][0]["data"] == [1800, 3000, 500, 1500, 0, 500]
    referred = c.get(f"{reverse('programme_referred')}?{PERIOD}").content.decode()
    # Follow-up ends on the real today here, so the page shows the selector's figures for today.
    period = programme.programme_period(workspace=firm.workspace, start=START, end=END, period="quarter")
    figures = programme.referred_vs_non_referred(workspace=firm.workspace, period=period)
    assert f"χ² = {figures['log_rank']['chi2']:.2f}" in referred
    assert "55.6%" in referred or "56%" in referred  # referred win rate 5 / 9
    influencers = c.get(f"{reverse('programme_influencers')}?{PERIOD}").content.decode()
    assert influencers.index("P1 Bee") < influencers.index("D2 Dee") < influencers.index("P4 Bee")
    assert "P2 Bee" not in influencers
    chains = c.get(f"{reverse('programme_chains')}?{PERIOD}").content.decode()
    assert "2 referral chains" in chains


def test_the_insights_home_leads_to_the_programme(client, firm, pf):
    got = _as(client, firm.bob).get(reverse("insights_programme"))
    assert got.status_code == 302 and got.url == reverse("programme_source_mix")
    assert _as(client, firm.carol).get(reverse("insights_programme")).status_code == 404


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("period=week", "Select a valid choice"),
        ("start=2026-07-01&end=2026-06-30", "The period starts after it ends."),
        ("start=2026-13-01", "Enter a valid date"),
        ("start=2000-01-01&end=2026-06-30", "at most ten years"),
    ],
)
def test_a_bad_period_on_a_page_is_a_400_with_the_error(client, firm, pf, query, message):
    got = _as(client, firm.bob).get(f"{reverse('programme_source_mix')}?{query}")
    assert got.status_code == 400
    assert message in got.content.decode()
    assert 'class="chart"' not in got.content.decode()
    csv_got = client.get(f"{reverse('programme_csv', args=['chains', 'tiers'])}?{query}")
    assert csv_got.status_code == 400


@pytest.mark.parametrize(("slug", "chart"), CSVS)
def test_each_chart_downloads_as_csv_for_employees_only(client, firm, pf, slug, chart):
    url = f"{reverse('programme_csv', args=[slug, chart])}?{PERIOD}"
    got = _as(client, firm.bob).get(url)
    assert got.status_code == 200 and got["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(got.content.decode())))
    assert len(rows) >= 2
    assert _as(client, firm.carol).get(url).status_code == 404


def test_csv_numbers_are_the_figures(client, firm, pf):
    got = _as(client, firm.bob).get(
        f"{reverse('programme_csv', args=['value-per-hour', 'sources'])}?{PERIOD}"
    )
    rows = {r["key"]: r for r in csv.DictReader(io.StringIO(got.content.decode()))}
    assert float(rows["partner"]["value_per_hour"]) == pytest.approx(2000)
    assert rows["employee"]["value_per_hour"] == ""
    tiers = _as(client, firm.bob).get(f"{reverse('programme_csv', args=['chains', 'tiers'])}?{PERIOD}")
    assert list(csv.reader(io.StringIO(tiers.content.decode())))[2][:3] == ["2", "1", "800.000000"]


def test_an_unknown_csv_is_a_404(client, firm, pf):
    assert _as(client, firm.bob).get(reverse("programme_csv", args=["chains", "lorenz"])).status_code == 404


def test_one_click_builds_the_relationship_once_a_month(client, firm, pf):
    p1 = pf.contacts["p1"]
    url = reverse("programme_influencer_task", args=[p1.pk])
    c = _as(client, firm.bob)
    assert c.post(url, {"query": PERIOD}).status_code == 302
    assert c.post(url, {"query": PERIOD}).status_code == 302
    tasks = Task.objects.filter(workspace=firm.workspace, contact=p1)
    assert tasks.count() == 1
    task = tasks.get()
    assert task.kind == TaskKind.FOLLOW_UP and task.dedupe_key.startswith(f"influencer:{p1.pk}:")
    assert task.assignee == firm.bob  # no owner on the contact or its account: whoever clicked
    page = c.get(f"{reverse('programme_influencers')}?{PERIOD}").content.decode()
    assert "Task open" in page


def test_the_task_is_refused_for_others_and_for_do_not_contact(client, firm, pf):
    p1, p5 = pf.contacts["p1"], pf.contacts["p5"]
    url = reverse("programme_influencer_task", args=[p1.pk])
    assert _as(client, firm.carol).post(url).status_code == 404
    assert _as(client, firm.dave).post(url).status_code == 404
    assert _as(client, firm.bob).get(url).status_code == 405
    _as(client, firm.bob).post(reverse("programme_influencer_task", args=[p5.pk]))
    assert not Task.objects.filter(workspace=firm.workspace, dedupe_key__startswith="influencer:").exists()


# --------------------------------------------------------------------------------------------------------- API


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_each_endpoint_answers_the_selectors_figures_for_employees_only(client, firm, pf, endpoint):
    got = _api(client, firm, firm.bob, "get", f"/insights/{endpoint}?{PERIOD}")
    assert got.status_code == 200, got.content
    assert got.json()["period"] == {"start": str(START), "end": str(END), "period": "quarter"}
    assert _api(client, firm, firm.carol, "get", f"/insights/{endpoint}?{PERIOD}").status_code == 403
    assert client.get(f"/api/v1/insights/{endpoint}").status_code == 401
    theirs = _api(client, firm, firm.dave, "get", f"/insights/{endpoint}?{PERIOD}")
    assert theirs.status_code == 200
    assert "Pete Partner" not in theirs.content.decode() and "P1 Bee" not in theirs.content.decode()


def test_the_api_source_mix_is_the_hand_worked_one(client, firm, pf):
    body = _api(client, firm, firm.bob, "get", f"/insights/source-mix?{PERIOD}").json()
    sources = {s["key"]: s for s in body["sources"]}
    assert body["total_value"] == pytest.approx(7300)
    assert sources["partner"]["value_share"] == pytest.approx(3000 / 7300)
    assert [b["label"] for b in body["trend"]] == ["2026-Q1", "2026-Q2"]
    period = programme.programme_period(workspace=firm.workspace, start=START, end=END, period="quarter")
    selected = programme.referred_vs_non_referred(workspace=firm.workspace, period=period)
    api = _api(client, firm, firm.bob, "get", f"/insights/referred-vs-non-referred?{PERIOD}").json()
    assert api["log_rank"]["chi2"] == pytest.approx(selected["log_rank"]["chi2"])
    assert api["referred"]["win_rate"] == pytest.approx(5 / 9)
    chains = _api(client, firm, firm.bob, "get", f"/insights/chains?{PERIOD}&limit=1").json()
    assert [t["root_id"] for t in chains["longest"]] == [pf.referrals["R1"].pk]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("period=week", "period"),
        ("start=2026-07-01&end=2026-06-30", "start"),
        ("start=not-a-date", "start"),
        ("start=2000-01-01&end=2026-06-30", "start"),
    ],
)
@pytest.mark.parametrize("endpoint", ["source-mix", "programme-health"])
def test_a_bad_period_is_a_422_naming_the_field(client, firm, pf, endpoint, query, field):
    got = _api(client, firm, firm.bob, "get", f"/insights/{endpoint}?{query}")
    assert got.status_code == 422
    assert got.json()["detail"][0]["loc"] == ["query", field]


def test_the_api_task_is_created_once_and_scoped(client, firm, pf):
    p1 = pf.contacts["p1"]
    first = _api(client, firm, firm.bob, "post", f"/insights/influencers/{p1.pk}/task")
    assert first.status_code == 201 and first.json()["created"] is True
    again = _api(client, firm, firm.bob, "post", f"/insights/influencers/{p1.pk}/task")
    assert again.status_code == 200 and again.json()["task_id"] == first.json()["task_id"]
    assert _api(client, firm, firm.dave, "post", f"/insights/influencers/{p1.pk}/task").status_code == 404
    assert _api(client, firm, firm.carol, "post", f"/insights/influencers/{p1.pk}/task").status_code == 403
    refused = _api(client, firm, firm.bob, "post", f"/insights/influencers/{pf.contacts['p5'].pk}/task")
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "contact_id"]
    assert Task.objects.filter(workspace=firm.workspace, dedupe_key__startswith="influencer:").count() == 1
