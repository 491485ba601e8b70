"""Every programme figure of the hand-built firm (programme_firm.py), worked out by hand in the comments.

The period is 1 January to 30 June 2026 by quarter (Q1, Q2) and today is 30 June 2026.
"""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from referral_engine.insights import programme
from referral_engine.insights.tests.programme_firm import (
    TODAY,
)

pytestmark = pytest.mark.django_db


def by_key(rows, key="key"):
    return {row[key]: row for row in rows}


def test_source_mix_shares_and_trend(pf, period):
    mix = programme.source_mix(workspace=pf.firm.workspace, period=period)
    sources = by_key(mix["sources"])
    # Won in the period: customer R1 1000 + R11 800; partner R2 3000; employee R3 500; event R7 1500;
    # not referred A5, A9, A10 (A6 was won before the period), valued by first-year purchases: A5 200 + 300
    # (its 999 came before the win). 8 wins, 1800 + 3000 + 500 + 1500 + 500 = 7300.
    assert mix["total_count"] == 8
    assert mix["total_value"] == pytest.approx(7300)
    assert sources["customer"]["count"] == 2 and sources["customer"]["value"] == pytest.approx(1800)
    assert sources["partner"]["value"] == pytest.approx(3000)
    assert sources["employee"]["value"] == pytest.approx(500)
    assert sources["event"]["value"] == pytest.approx(1500)
    assert sources["other"]["count"] == 0
    assert sources["non_referred"]["count"] == 3 and sources["non_referred"]["value"] == pytest.approx(500)
    # Shares: partner 3000 / 7300 = 0.410959; customers 2 of 8 wins = 0.25; not referred 3 / 8 = 0.375.
    assert sources["partner"]["value_share"] == pytest.approx(3000 / 7300)
    assert sources["partner"]["value_share"] == pytest.approx(0.410959, abs=1e-6)
    assert sources["customer"]["count_share"] == pytest.approx(0.25)
    assert sources["non_referred"]["count_share"] == pytest.approx(0.375)
    # Trend: Q1 holds R1 (Feb), R11 (Mar) and A5 (Mar), A9 (Jan), A10 (Feb); Q2 the partner, employee and event wins.
    q1, q2 = mix["trend"]
    assert (q1["label"], q2["label"]) == ("2026-Q1", "2026-Q2")
    assert q1["counts"] == {
        "customer": 2,
        "partner": 0,
        "employee": 0,
        "event": 0,
        "other": 0,
        "non_referred": 3,
    }
    assert q1["values"]["non_referred"] == pytest.approx(500)
    assert q2["counts"]["partner"] == q2["counts"]["employee"] == q2["counts"]["event"] == 1
    assert q2["values"]["partner"] == pytest.approx(3000)


def test_referred_vs_non_referred_side_by_side(pf, period):
    out = programme.referred_vs_non_referred(workspace=pf.firm.workspace, period=period)
    ref, plain = out["referred"], out["non_referred"]
    # Referred win rate: 9 referrals received in the period (R1, R11, R111, R12, R2, R21, R3, R4, R7), 5 won.
    assert (ref["entered"], ref["won"]) == (9, 5)
    assert ref["win_rate"] == pytest.approx(5 / 9)
    # Days to close of the won: R1 30 (01-11 → 02-10), R11 18, R2 30, R3 10, R7 9: 97 / 5 = 19.4.
    assert ref["days_to_close"] == pytest.approx(19.4)
    # Not referred: won in the period A5, A9, A10 and one prospect recorded in the period (A8): 3 / 4.
    assert (plain["entered"], plain["won"]) == (4, 3)
    assert plain["win_rate"] == pytest.approx(0.75)
    # Days to close only where recorded before the win: A5, 01-15 → 03-15 = 59 days.
    assert plain["days_to_close"] == pytest.approx(59)
    # First-year value: referred customers won in the period A1, A11, A2, A3, A7: A1 400 + 100 (day 364; the 50 on
    # day 365 is outside), A2 600, A7 200 = 1300, 260 each. Not referred A5, A9, A10: 500, 166.67 each.
    assert ref["customers"] == 5 and ref["first_year_value"] == pytest.approx(1300)
    assert ref["first_year_value_mean"] == pytest.approx(260)
    assert plain["customers"] == 3 and plain["first_year_value_mean"] == pytest.approx(500 / 3)


def test_kaplan_meier_and_log_rank_of_the_firm(pf, period):
    out = programme.referred_vs_non_referred(workspace=pf.firm.workspace, period=period)
    ref, plain, test = out["referred"], out["non_referred"], out["log_rank"]
    # Referred (days from won to churn, or to 06-30 censored): A1 140+, A11 112+, A3 90 (churned 06-30), A2 56+,
    # A7 20+. KM: at 90, 3 at risk (140, 112, 90), 1 churns: S = 2/3.
    # Not referred: A9 60, A10 90, A5 107+. At 60: 3 at risk, 1 churns: 2/3; at 90: 2 at risk, 1: 2/3 * 1/2 = 1/3.
    s_ref = {p["days"]: p["survival"] for p in ref["survival"]}
    s_plain = {p["days"]: p["survival"] for p in plain["survival"]}
    assert (ref["accounts"], ref["churned"], plain["accounts"], plain["churned"]) == (5, 1, 3, 2)
    assert s_ref[90] == pytest.approx(2 / 3) and s_ref[180] == pytest.approx(2 / 3)
    assert s_plain[90] == pytest.approx(1 / 3) and s_plain[180] == pytest.approx(1 / 3)
    # Log-rank. t=60: n1 = 3, n2 = 3, d = 1 (non-referred): E1 = 1 * 3/6 = 0.5, V = 1 * .5 * .5 * 5/5 = 0.25.
    # t=90: n1 = 3, n2 = 2, d = 2 (one each): E1 = 2 * 3/5 = 1.2, V = 2 * .6 * .4 * 3/4 = 0.36.
    # O1 = 1, E1 = 1.7, V = 0.61: chi2 = 0.7^2 / 0.61 = 0.803279; p = P(chi2_1 > 0.803279) = 0.370.
    assert test["observed_referred"] == 1 and test["expected_referred"] == pytest.approx(1.7)
    assert test["chi2"] == pytest.approx(0.49 / 0.61)
    assert test["p_value"] == pytest.approx(0.3701, abs=1e-3)
    # Peto's hazard ratio: (1 / 1.7) / (2 / 1.3) = 0.382353: referred customers leave 62% slower here.
    assert test["hazard_ratio"] == pytest.approx((1 / 1.7) / (2 / 1.3))
    assert out["curve"][0] == {"days": 0, "referred": 1.0, "non_referred": 1.0}


def test_value_per_hour_by_source_and_partner(pf, period):
    out = programme.value_per_hour(workspace=pf.firm.workspace, period=period)
    sources = by_key(out["sources"])
    # Customers: 1800 won over c_src's 120-minute meeting and the 15-minute touchpoints with p3 (05-31), d1 (03-02)
    # and d2 (03-22): 165 minutes = 2.75 h, 654.55 an hour.
    assert sources["customer"]["hours"] == pytest.approx(2.75)
    assert sources["customer"]["value_per_hour"] == pytest.approx(1800 / 2.75)
    # Partners: Carol's one-to-one 60 + call 30 = 1.5 h (her 600 minutes in December are before the period;
    # Pete's 60 minutes were at the event, so they count for events): 3000 / 1.5 = 2000.
    assert sources["partner"]["hours"] == pytest.approx(1.5)
    assert sources["partner"]["value_per_hour"] == pytest.approx(2000)
    # Events: 180 + 60 minutes at the Spring mixer = 4 h; R7 1500: 375 an hour.
    assert sources["event"]["value_per_hour"] == pytest.approx(375)
    # Employees: 500 won, no recorded time: no rate.
    assert (
        sources["employee"]["value"] == pytest.approx(500) and sources["employee"]["value_per_hour"] is None
    )
    # By partner: Carol 3000 / 1.5 h = 2000; Pete 0 over 1 h = 0.
    carol, pete = out["partners"]
    assert (carol["partner_id"], carol["value_per_hour"]) == (pf.firm.carol_partner.pk, pytest.approx(2000))
    assert (pete["name"], pete["hours"], pete["value_per_hour"]) == ("Pete Partner", pytest.approx(1), 0)


def test_chains_longest_and_most_valuable(pf, period):
    out = programme.chains(workspace=pf.firm.workspace, period=period)
    R = pf.referrals
    # R1 → R11 → R111 and R1 → R12: depth 3, 4 referrals, won 1000 + 800 = 1800.
    # R2 → R21 (lost): depth 2, 2 referrals, won 3000.
    assert out["trees"] == 2
    assert [(t["root_id"], t["depth"], t["referrals"], t["won_value"]) for t in out["longest"]] == [
        (R["R1"].pk, 3, 4, 1800),
        (R["R2"].pk, 2, 2, 3000),
    ]
    assert [t["root_id"] for t in out["most_valuable"]] == [R["R2"].pk, R["R1"].pk]
    assert out["depths"] == [{"depth": 2, "trees": 1}, {"depth": 3, "trees": 1}]
    # Won in the period by tier: tier 1 R1 1000 + R2 3000 + R3 500 + R7 1500 = 6000 (4); tier 2 R11 800.
    tiers = {t["tier"]: t for t in out["tiers"]}
    assert (tiers[1]["won"], tiers[1]["value"]) == (4, pytest.approx(6000))
    assert (tiers[2]["won"], tiers[2]["value"]) == (1, pytest.approx(800))
    assert tiers[2]["value_share"] == pytest.approx(800 / 6800)


def test_neglected_influencers_ranked_by_centrality(pf, period):
    out = programme.neglected_influencers(workspace=pf.firm.workspace, period=period)
    P = pf.contacts
    # Degree centrality in B (5 people, so / 4): p1 links p2, p3, p4, p5 = 4/4 = 1.0 (p1 → q1 is another
    # account's); p2 {p1, p5}, p3 {p1, p4}, p4 {p1, p3}, p5 {p1, p2} = 0.5. In D (3 people) each 2/2 = 1.0.
    # In E (7 people, so / 6): e1 {e2, e3, e4} = 0.5, e4 {e1, e5} = 1/3, e2 and e3 = 1/3.
    # p1: RQ 30, no touchpoint: in. p2: RQ 80: strong, out. p3: RQ 20 but touched 30 days ago: out. p4: no RQ and
    # never touched: in. p5: do not contact: out. d1: no RQ, touched 120 days ago (within 180): not weak, out.
    # d2: RQ 39.9 and last touched 100 days ago: in. d3: RQ 40 is not below 40: out. e1 (RQ 10), e2 (RQ 35), e3
    # (no RQ, never touched) and e4 (no RQ, touched 200 days ago) are in; e5 (90) and e6 (75) strong, e7 do not
    # contact.
    # Betweenness (Brandes 2001, pairs of others whose shortest paths pass through the person, over the
    # (n-1)(n-2)/2 pairs): B is two triangles p1-p2-p5 and p1-p3-p4 sharing p1, so p1 lies on the 4 paths
    # {p2, p5} x {p3, p4}: 4/6. E is the triangles e1-e2-e3 and e5-e6-e7 joined by e1-e4-e5: e4 lies on the
    # 3 x 3 = 9 paths {e1, e2, e3} x {e5, e6, e7}: 9/15 = 0.6; e1 on {e2, e3} x {e4, e5, e6, e7} = 8/15. D's
    # triangle, p4, e2 and e3: 0.
    # Order: betweenness, then degree centrality, then RQ (none counts as 0): p1, e4 (the bridge, although only
    # 1/3 by degree), e1, d2 (1.0), p4 (0.5), e3 (no RQ), e2 (35).
    rows = out["influencers"]
    assert [r["contact_id"] for r in rows] == [P[k].pk for k in ("p1", "e4", "e1", "d2", "p4", "e3", "e2")]
    assert [r["betweenness"] for r in rows] == pytest.approx([4 / 6, 0.6, 8 / 15, 0, 0, 0, 0])
    assert [r["centrality"] for r in rows] == pytest.approx([1.0, 1 / 3, 0.5, 1.0, 0.5, 1 / 3, 1 / 3])
    assert [r["links"] for r in rows] == [4, 2, 3, 2, 2, 2, 2]
    assert [r["circle"] for r in rows] == [5, 7, 7, 3, 5, 7, 7]
    assert [r["rq"] for r in rows] == [30.0, None, 10.0, pytest.approx(39.9), None, None, 35.0]
    assert rows[1]["days_since_touchpoint"] == 200 and rows[3]["days_since_touchpoint"] == 100
    assert rows[0]["task_status"] is None


def test_programme_health_per_week(pf, period):
    out = programme.programme_health(workspace=pf.firm.workspace, period=period)
    totals = out["totals"]
    # Weeks from Monday 2025-12-29 to the week of 2026-06-30: 183 days / 7 → 27 weeks.
    assert totals["weeks"] == 27
    assert (totals["asks"], totals["referrals"]) == (3, 9)
    # Thank-you lag: R1 first thanked 01-13 12:00 (2 days; the second task on 01-20 is not the first), R2 04-06
    # 18:00 (1.25 days): mean 1.625. First contact: R1 1 day, R2 0.25, R111 2 days: mean 3.25 / 3.
    assert totals["thank_you_lag_days"] == pytest.approx(1.625)
    assert totals["first_contact_lag_days"] == pytest.approx(3.25 / 3)
    weeks = {w["week"]: w for w in out["weeks"]}
    # Week of Monday 01-05: the asks of 01-06 and 01-07 and R1 (Sunday 01-11).
    assert weeks[date(2026, 1, 5)]["asks"] == 2 and weeks[date(2026, 1, 5)]["referrals"] == 1
    assert weeks[date(2026, 1, 5)]["thank_you_lag_days"] == pytest.approx(2)
    # Week of 03-30: R111 (04-01, contacted 04-03: 2 days) and R2 (Sunday 04-05, 0.25 days; thanked in 1.25).
    assert weeks[date(2026, 3, 30)]["first_contact_lag_days"] == pytest.approx(1.125)
    assert weeks[date(2026, 3, 30)]["thank_you_lag_days"] == pytest.approx(1.25)
    # Week of 03-02: the ask of 03-03 and R12 (03-05), neither contacted nor thanked.
    assert (weeks[date(2026, 3, 2)]["asks"], weeks[date(2026, 3, 2)]["referrals"]) == (1, 1)
    assert weeks[date(2026, 3, 2)]["thank_you_lag_days"] is None


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"period": "week"}, "period"),
        ({"start": date(2026, 7, 1), "end": date(2026, 6, 30)}, "start"),
        ({"start": date(2010, 1, 1), "end": date(2026, 6, 30)}, "start"),
    ],
)
def test_a_bad_period_is_a_field_error(firm, args, field):
    with pytest.raises(ValidationError) as exc:
        programme.programme_period(workspace=firm.workspace, today=TODAY, **args)
    assert field in exc.value.message_dict


def test_default_periods_are_whole_buckets(firm):
    month = programme.programme_period(workspace=firm.workspace, today=date(2026, 6, 30))
    quarter = programme.programme_period(workspace=firm.workspace, today=date(2026, 6, 30), period="quarter")
    year = programme.programme_period(workspace=firm.workspace, today=date(2026, 6, 30), period="year")
    assert (month.start, len(month.buckets())) == (date(2025, 7, 1), 12)
    assert (quarter.start, len(quarter.buckets())) == (date(2024, 7, 1), 8)
    assert (year.start, len(year.buckets())) == (date(2022, 1, 1), 5)
