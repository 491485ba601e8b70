"""The reciprocity ledger on the hand-built firm of ledger_firm.py: figures, ranking, pages, CSV, API, portal."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from referral_engine.partners.ledger import Period, partner_ledger, partners_ranked
from referral_engine.partners.tests.ledger_firm import build

D = Decimal


@pytest.fixture
def lf(firm):
    return build(firm)


def test_ewas_ledger_both_ways(lf):
    led = partner_ledger(partner=lf.ewa)
    assert (led.given, led.given_won, led.given_lost, led.given_won_value) == (2, 1, 0, D("300.00"))
    assert (led.received, led.received_won, led.received_won_value) == (3, 2, D("1500.00"))
    # 300 given - 1500 received: we owe Ewa 1200; one referral fewer given than received.
    assert led.balance == D("-1200.00") and led.count_balance == -1
    assert (led.thanks, led.thanks_value) == (1, D("300.00"))
    assert (led.one_to_ones, led.minutes, led.hours) == (1, 120, D("2.00"))
    assert led.value_per_hour == D("750.00")  # 1500 / 2 h


def test_ewas_balance_over_time_by_month(lf):
    months = partner_ledger(partner=lf.ewa).months
    got = [
        (m["month"], m["given"], m["given_won_value"], m["received"], m["received_won_value"], m["balance"])
        for m in months
    ]
    assert got == [
        # Jan: G1 given, R1 received; nothing closed yet.
        (date(2026, 1, 1), 1, D("0.00"), 1, D("0.00"), D("0.00")),
        # Feb: G1 won 300 (10 Feb), R1 won 1000 (15 Feb): -700.
        (date(2026, 2, 1), 0, D("300.00"), 0, D("1000.00"), D("-700.00")),
        # Mar: G2 given, R2 received and won 500: -1200.
        (date(2026, 3, 1), 1, D("0.00"), 1, D("500.00"), D("-1200.00")),
        # Apr: R3 received (lost): the value balance stays, the count balance goes to -1.
        (date(2026, 4, 1), 0, D("0.00"), 1, D("0.00"), D("-1200.00")),
    ]
    assert [m["count_balance"] for m in months] == [0, 0, 0, -1]


def test_lars_ledger_and_a_partner_with_nothing(lf):
    lars = partner_ledger(partner=lf.lars)
    assert (lars.given_won_value, lars.received_won_value, lars.balance) == (
        D("2500.00"),
        D("2000.00"),
        D("500.00"),
    )
    assert lars.hours == D("4.00") and lars.value_per_hour == D("500.00")  # 2000 / 4 h
    carol = partner_ledger(partner=lf.carol)
    assert carol.given == carol.received == 0 and carol.balance == D("0.00")
    assert carol.value_per_hour is None and carol.months == []


def test_a_period_counts_what_happened_in_it(lf):
    march = partner_ledger(partner=lf.ewa, period=Period(date(2026, 3, 1), date(2026, 3, 31)))
    # Given: G2 (1 Mar). Received: R2 (5 Mar), won 500 on 20 Mar. G1 closed and was thanked in February.
    assert (march.given, march.given_won_value) == (1, D("0.00"))
    assert (march.received, march.received_won, march.received_won_value) == (1, 1, D("500.00"))
    assert march.balance == D("-500.00") and march.thanks == 0 and march.minutes == 0
    assert march.value_per_hour is None
    assert [m["month"] for m in march.months] == [date(2026, 3, 1)]


def _order(lf, order, period=None):
    period = period or Period()
    return [p["name"] for p in partners_ranked(workspace=lf.firm.workspace, period=period, order=order)]


def test_partners_ranked_three_ways(lf):
    assert _order(lf, "received_value") == ["Lars Berg", "Ewa Nowak", "Carol Clark"]  # 2000, 1500, 0
    assert _order(lf, "balance") == ["Ewa Nowak", "Carol Clark", "Lars Berg"]  # -1200, 0, +500
    assert _order(lf, "value_per_hour") == ["Ewa Nowak", "Lars Berg", "Carol Clark"]  # 750, 500, none
    rows = {r["name"]: r for r in partners_ranked(workspace=lf.firm.workspace)}
    assert rows["Ewa Nowak"] == {
        "id": lf.ewa.pk,
        "name": "Ewa Nowak",
        "profession": "accountant",
        "given": 2,
        "given_won_value": D("300.00"),
        "received": 3,
        "received_won_value": D("1500.00"),
        "balance": D("-1200.00"),
        "one_to_ones": 1,
        "hours": D("2.00"),
        "value_per_hour": D("750.00"),
    }
    assert rows["Lars Berg"]["balance"] == D("500.00") and rows["Lars Berg"]["value_per_hour"] == D("500.00")
    assert "Gus Globex" not in rows


def test_ranking_in_a_period(lf):
    feb = Period(date(2026, 2, 1), date(2026, 2, 28))
    rows = {r["name"]: r for r in partners_ranked(workspace=lf.firm.workspace, period=feb)}
    # February: Ewa 1000 received (R1), 300 given (G1); Lars 2000 received, G3 given (won in March).
    assert rows["Ewa Nowak"]["received_won_value"] == D("1000.00") and rows["Ewa Nowak"]["balance"] == D(
        "-700.00"
    )
    assert rows["Ewa Nowak"]["hours"] == D("0.50")  # the 30-minute call on 1 Feb
    assert rows["Lars Berg"]["given"] == 1 and rows["Lars Berg"]["given_won_value"] == D("0.00")
    assert rows["Lars Berg"]["value_per_hour"] == D("500.00")


# --- Pages --------------------------------------------------------------------------------------------------------


def test_the_ledger_page_ranks_and_downloads(client, lf):
    client.force_login(lf.firm.bob.user)
    page = client.get(reverse("partner_ledger"), {"order": "balance"})
    html = page.content.decode()
    assert page.status_code == 200 and "Gus Globex" not in html
    assert html.index("Ewa Nowak") < html.index("Carol Clark") < html.index("Lars Berg")
    answer = client.get(reverse("partner_ledger"), {"order": "value_per_hour", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(answer.content.decode())))
    assert [r["name"] for r in rows] == ["Ewa Nowak", "Lars Berg", "Carol Clark"]
    assert (
        rows[0]["value_per_hour"] == "750.00"
        and rows[0]["balance"] == "-1200.00"
        and rows[2]["value_per_hour"] == ""
    )


def test_the_ledger_page_refuses_a_backwards_period(client, lf):
    client.force_login(lf.firm.bob.user)
    answer = client.get(reverse("partner_ledger"), {"start": "2026-03-01", "end": "2026-02-01"})
    assert answer.status_code == 400 and "The end is before the start." in answer.content.decode()
    answer = client.get(reverse("partner_ledger"), {"start": "yesterday", "format": "csv"})
    assert answer.status_code == 400


def test_the_partner_page_shows_its_ledger_chart_and_csv(client, lf):
    client.force_login(lf.firm.alice.user)
    html = client.get(reverse("partner_detail", args=[lf.ewa.pk])).content.decode()
    assert 'data-testid="ledger-balance"' in html and "-1,200.00" in html
    assert 'class="chart"' in html and "Feb 2026" in html
    answer = client.get(reverse("partner_ledger_csv", args=[lf.ewa.pk]))
    rows = list(csv.reader(io.StringIO(answer.content.decode())))
    assert rows[0] == [
        "month",
        "given",
        "given_won_value",
        "received",
        "received_won_value",
        "balance",
        "count_balance",
    ]
    assert rows[2] == ["2026-02-01", "0", "300.00", "0", "1000.00", "-700.00", "0"]
    assert rows[-1] == ["2026-04-01", "0", "0.00", "1", "0.00", "-1200.00", "-1"]


def test_employee_ledger_pages_are_404_for_globex_and_the_portal_partner(client, lf):
    urls = [
        reverse("partner_ledger_csv", args=[lf.ewa.pk]),
        reverse("partner_detail", args=[lf.ewa.pk]),
    ]
    client.force_login(lf.firm.dave.user)
    for url in urls:
        assert client.get(url).status_code == 404, url
    html = client.get(reverse("partner_ledger")).content.decode()
    assert "Ewa Nowak" not in html and "Gus Globex" in html
    client.force_login(lf.firm.carol.user)
    for url in [*urls, reverse("partner_ledger"), reverse("partner_programme_settings")]:
        assert client.get(url).status_code == 404, url


def test_the_portal_partner_sees_her_own_ledger_only(client, lf):
    from referral_engine.partners.models import GivenStatus, ReferralGiven
    from referral_engine.partners.tests.ledger_firm import at

    ReferralGiven.objects.create(
        workspace=lf.firm.workspace,
        partner=lf.carol,
        account=lf.g1.account,
        at=at(2026, 5, 1),
        status=GivenStatus.WON,
        closed_at=at(2026, 5, 9),
        won_value=D("450.00"),
    )
    client.force_login(lf.firm.carol.user)
    html = client.get(reverse("portal_ledger")).content.decode()
    assert "450.00" in html and "Given One" in html
    # Nothing of Ewa's or Lars's ledger, nor our hours.
    assert "Ewa" not in html and "Lars" not in html and "1,500.00" not in html and "per hour" not in html
    rows = list(
        csv.reader(io.StringIO(client.get(reverse("portal_ledger"), {"format": "csv"}).content.decode()))
    )
    assert rows[1] == ["2026-05-01", "1", "450.00", "0", "0.00", "450.00", "1"]
    # Employees have no portal; another firm's owner neither.
    for who in (lf.firm.alice, lf.firm.dave):
        client.force_login(who.user)
        assert client.get(reverse("portal_ledger")).status_code == 404


# --- API ----------------------------------------------------------------------------------------------------------


def _api(client, token, path, **params):
    return client.get(f"/api/v1/partners{path}", params, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_the_ledger_api(client, lf):
    token = lf.firm.token(lf.firm.bob)
    body = _api(client, token, f"/{lf.ewa.pk}/ledger").json()
    assert body["given_won_value"] == "300.00" and body["received_won_value"] == "1500.00"
    assert body["balance"] == "-1200.00" and body["value_per_hour"] == "750.00" and body["hours"] == "2.00"
    assert body["thanks"] == 1 and body["one_to_ones"] == 1
    assert [(m["month"], m["balance"]) for m in body["months"]] == [
        ("2026-01-01", "0.00"),
        ("2026-02-01", "-700.00"),
        ("2026-03-01", "-1200.00"),
        ("2026-04-01", "-1200.00"),
    ]
    march = _api(client, token, f"/{lf.ewa.pk}/ledger", start="2026-03-01", end="2026-03-31").json()
    assert march["balance"] == "-500.00" and march["start"] == "2026-03-01"
    ranking = _api(client, token, "/ledger", order="balance").json()
    assert ranking["count"] == 3 and [r["name"] for r in ranking["items"]] == [
        "Ewa Nowak",
        "Carol Clark",
        "Lars Berg",
    ]


def test_the_ledger_api_refuses_bad_periods(client, lf):
    token = lf.firm.token(lf.firm.bob)
    answer = _api(client, token, f"/{lf.ewa.pk}/ledger", start="2026-03-01", end="2026-01-01")
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["query", "end"]
    assert _api(client, token, f"/{lf.ewa.pk}/ledger", start="soon").status_code == 422
    assert _api(client, token, "/ledger", order="luck").status_code == 422


def test_the_ledger_api_is_scoped(client, lf):
    # Globex cannot read Acme's partner; Acme cannot read Globex's.
    assert _api(client, lf.firm.token(lf.firm.dave), f"/{lf.ewa.pk}/ledger").status_code == 404
    assert _api(client, lf.firm.token(lf.firm.alice), f"/{lf.globex_partner.pk}/ledger").status_code == 404
    ranking = _api(client, lf.firm.token(lf.firm.dave), "/ledger").json()
    assert [r["name"] for r in ranking["items"]] == ["Gus Globex"]
    # A partner's token reads its own ledger and nobody else's, nor the ranking.
    carol = lf.firm.token(lf.firm.carol)
    assert _api(client, carol, f"/{lf.carol.pk}/ledger").status_code == 200
    assert _api(client, carol, f"/{lf.ewa.pk}/ledger").status_code == 404
    assert _api(client, carol, "/ledger").status_code in (401, 403)
