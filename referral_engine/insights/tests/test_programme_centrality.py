"""The neglected influencers' centrality (programme.neglected_influencers): betweenness within each buying circle
computed with networkx over the SQL pool, worked by hand on the circles of programme_firm.py.

Circle B: two triangles p1-p2-p5 and p1-p3-p4 sharing p1. Circle D: a triangle. Circle E: the triangles e1-e2-e3 and
e5-e6-e7 joined by the bridge e1-e4-e5. Normalised betweenness (Brandes 2001) is the number of pairs of other people
whose shortest path passes through the person (a pair with several shortest paths counts the share through them)
over the (n-1)(n-2)/2 pairs of others. Listed (the rules): p1, p4, d2, e1, e2, e3, e4.
"""

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from referral_engine.core.testing import PASSWORD, make_account, make_contact
from referral_engine.insights import programme
from referral_engine.insights.models import RelationshipScore
from referral_engine.insights.tests.programme_firm import (
    END,
    START,
    TODAY,
)
from referral_engine.relationships.models import Contact, ContactLink

pytestmark = pytest.mark.django_db


def _period(workspace):
    return programme.programme_period(
        workspace=workspace, start=START, end=END, period="quarter", today=TODAY
    )


def _rows(workspace, limit=25):
    out = programme.neglected_influencers(workspace=workspace, period=_period(workspace), limit=limit)
    return out["influencers"]


def _ids(pf, *names):
    return [pf.contacts[n].pk for n in names]


def test_a_bridge_outranks_a_better_linked_person(pf):
    rows = {r["contact_id"]: r for r in _rows(pf.firm.workspace)}
    e1, e4 = rows[pf.contacts["e1"].pk], rows[pf.contacts["e4"].pk]
    # E has 7 people: 6 * 5 / 2 = 15 pairs of others. e4 is on every path between {e1, e2, e3} and {e5, e6, e7}:
    # 9 pairs, 9/15 = 0.6. e1 is on the paths from e2 and e3 to e4, e5, e6, e7: 8 pairs, 8/15. By degree e1
    # (3 of 6 = 0.5) beats e4 (2 of 6); by betweenness the bridge comes first.
    assert e4["betweenness"] == pytest.approx(0.6)
    assert e1["betweenness"] == pytest.approx(8 / 15)
    assert (e1["centrality"], e4["centrality"]) == (pytest.approx(0.5), pytest.approx(1 / 3))
    order = [r["contact_id"] for r in _rows(pf.firm.workspace)]
    assert order.index(e4["contact_id"]) < order.index(e1["contact_id"])


def test_ties_fall_to_degree_then_rq_then_id(pf):
    rows = _rows(pf.firm.workspace)
    zero = [r["contact_id"] for r in rows if r["betweenness"] == 0]
    # Betweenness 0 for d2 (a triangle), p4 (p1 and p3 are linked directly), e2 and e3 (e1 and the other are
    # linked directly). Then degree: d2 2/2 = 1.0, p4 2/4 = 0.5, e2 = e3 = 2/6. Then RQ: e3 has none (counted
    # as 0, the weakest) before e2's 35.
    assert zero == _ids(pf, "d2", "p4", "e3", "e2")


def _star(workspace, spokes: int) -> Contact:
    # One hub linked to `spokes` others in an account of their own; nobody has an RQ or a touchpoint.
    account = make_account(workspace)
    hub = make_contact(workspace, account=account)
    for _ in range(spokes):
        spoke = make_contact(workspace, account=account)
        ContactLink.objects.create(workspace=workspace, from_contact=hub, to_contact=spoke, kind="knows")
    return hub


def test_the_hub_of_a_bigger_circle_comes_first_when_betweenness_and_degree_tie(pf):
    # A star's hub lies on every shortest path between two spokes (betweenness 1) and is linked to every other
    # person (degree centrality 1), whatever the star's size: 4 links beat 2, though the small star came first.
    ws = pf.firm.workspace
    small, big = _star(ws, 2), _star(ws, 4)
    rows = {r["contact_id"]: (i, r) for i, r in enumerate(_rows(ws))}
    (small_at, small_row), (big_at, big_row) = rows[small.pk], rows[big.pk]
    assert (small_row["betweenness"], small_row["centrality"], small_row["links"]) == (1.0, 1.0, 2)
    assert (big_row["betweenness"], big_row["centrality"], big_row["links"]) == (1.0, 1.0, 4)
    assert big_at < small_at


def test_isolated_people_count_in_the_circle(pf):
    # A contact of E with no link at all: E has 8 people, 7 * 6 / 2 = 21 pairs of others, no new shortest path.
    # e4: 9/21 = 0.428571; e1: 8/21; e4's degree centrality 2 of 7.
    make_contact(pf.firm.workspace, first_name="E8", last_name="Eee", account=pf.contacts["e1"].account)
    rows = {r["contact_id"]: r for r in _rows(pf.firm.workspace)}
    e1, e4 = rows[pf.contacts["e1"].pk], rows[pf.contacts["e4"].pk]
    assert e4["betweenness"] == pytest.approx(9 / 21) == pytest.approx(0.428571, abs=1e-6)
    assert e1["betweenness"] == pytest.approx(8 / 21)
    assert (e4["circle"], e4["links"], e4["centrality"]) == (8, 2, pytest.approx(2 / 7))


def test_a_second_shortest_path_splits_the_bridge(pf):
    # A link e2 → e6 opens a second way between the triangles. Of the 15 pairs of others, e4 now lies on:
    #   e1-e5: e1-e4-e5 (2 steps; e1-e2-e6-e5 takes 3)               1
    #   e1-e7: e1-e4-e5-e7 or e1-e2-e6-e7 (both 3)                      1/2
    #   e3-e5: e3-e1-e4-e5 or e3-e2-e6-e5 (both 3)                      1/2
    #   e1-e6, e2-e5, e2-e7, e3-e6 (2 steps via e2 or e6), e3-e7 (3 via e2, e6; 4 via e4): 0
    # 2 of 15, down from 9.
    ContactLink.objects.create(
        workspace=pf.firm.workspace,
        from_contact=pf.contacts["e2"],
        to_contact=pf.contacts["e6"],
        kind="knows",
    )
    rows = {r["contact_id"]: r for r in _rows(pf.firm.workspace)}
    assert rows[pf.contacts["e4"].pk]["betweenness"] == pytest.approx(2 / 15)


def _stage_two_accounts(queries) -> set[int]:
    # The account ids the circles were read for: the IN lists of the queries after the pool's.
    found = set()
    for q in queries:
        if "WITH edges" in q["sql"]:
            continue
        for ids in re.findall(r'"account_id" IN \(([^)]*)\)', q["sql"]):
            found |= {int(i) for i in ids.split(",")}
    return found


def test_the_networkx_re_rank_only_sees_the_sql_pool(pf, monkeypatch):
    ws = pf.firm.workspace
    # With the whole pool the two best are p1 (4/6) and the bridge e4 (0.6).
    assert [r["contact_id"] for r in _rows(ws, limit=2)] == _ids(pf, "p1", "e4")
    # A pool of 2 holds the two best by degree centrality, p1 (1.0, 4 links) and d2 (1.0, 2 links): E's circle
    # is never read, so the bridge e4 (1/3 by degree) cannot be listed — the documented approximation.
    monkeypatch.setattr(programme, "POOL_PER_ROW", 1)
    monkeypatch.setattr(programme, "POOL_MIN", 0)
    with CaptureQueriesContext(connection) as ctx:
        rows = _rows(ws, limit=2)
    assert [r["contact_id"] for r in rows] == _ids(pf, "p1", "d2")
    assert [r["betweenness"] for r in rows] == pytest.approx([4 / 6, 0])
    assert _stage_two_accounts(ctx.captured_queries) == {
        pf.contacts["p1"].account_id,
        pf.contacts["d2"].account_id,
    }
    # A pool of 4 (p1, d2, e1, p4) reads E for e1, but e4 is still outside the pool: e1 comes second.
    with CaptureQueriesContext(connection) as ctx:
        rows = _rows(ws, limit=4)
    assert [r["contact_id"] for r in rows] == _ids(pf, "p1", "e1", "d2", "p4")
    assert pf.contacts["e4"].account_id in _stage_two_accounts(ctx.captured_queries)


def test_the_query_count_does_not_grow_with_the_circles(pf):
    ws = pf.firm.workspace
    with CaptureQueriesContext(connection) as before:
        _rows(ws)
    # Ten more neglected triangles: ten more circles to re-rank, not one query more.
    for i in range(10):
        account = make_account(ws, name=f"Triangle {i}")
        people = [make_contact(ws, account=account) for _ in range(3)]
        for a, b in [(0, 1), (1, 2), (2, 0)]:
            ContactLink.objects.create(
                workspace=ws, from_contact=people[a], to_contact=people[b], kind="knows"
            )
    with CaptureQueriesContext(connection) as after:
        rows = _rows(ws, limit=100)
    assert len(rows) == 7 + 30
    assert len(after.captured_queries) == len(before.captured_queries)


def test_each_workspace_sees_its_own_circles(pf):
    acme, globex = pf.firm.workspace, pf.firm.other_workspace
    # (A link in one workspace between another's people is refused by the database: cross-workspace triggers.)
    ours = _rows(acme)
    globex_ids = set(Contact.objects.filter(workspace=globex).values_list("pk", flat=True))
    assert not globex_ids & {r["contact_id"] for r in ours}
    # Globex's hub (betweenness 1.0, below) would lead Acme's list if it leaked in.
    assert ours[0]["contact_id"] == pf.contacts["p1"].pk
    assert {r["contact_id"]: r for r in ours}[pf.contacts["e4"].pk]["betweenness"] == pytest.approx(0.6)
    # Globex's circle is a star: one hub linked to three people (4 in the circle, 3 pairs of others, all through
    # the hub): betweenness 3/3 = 1.0, degree 3/3 = 1.0. Its leaves have one link each: not central.
    with CaptureQueriesContext(connection) as ctx:
        theirs = _rows(globex)
    assert _stage_two_accounts(ctx.captured_queries) == set(
        Contact.objects.filter(workspace=globex).values_list("account_id", flat=True)
    )
    assert len(theirs) == 1
    assert (theirs[0]["betweenness"], theirs[0]["centrality"], theirs[0]["circle"]) == (1.0, 1.0, 4)
    assert theirs[0]["contact_id"] in globex_ids


def test_a_large_circle_is_sampled_reproducibly(pf, monkeypatch):
    # Above EXACT_CIRCLE_MAX people, betweenness is estimated from that many pivots (Brandes & Pich 2007) with the
    # account as the seed: E (7 people) from 5 pivots gives the same figures on every call, and B (5 people) is
    # still exact.
    monkeypatch.setattr(programme, "EXACT_CIRCLE_MAX", 5)
    first = _rows(pf.firm.workspace)
    second = _rows(pf.firm.workspace)
    assert [(r["contact_id"], r["betweenness"]) for r in first] == [
        (r["contact_id"], r["betweenness"]) for r in second
    ]
    p1 = {r["contact_id"]: r for r in first}[pf.contacts["p1"].pk]
    assert p1["betweenness"] == pytest.approx(4 / 6)


def test_no_rows_asked_lists_nobody(pf):
    assert _rows(pf.firm.workspace, limit=0) == []


def test_without_stored_scores_recency_decides(pf):
    # No RQ at all: weak now means no touchpoint for 180 days. In: p1, p2, p4, d3, e1..e6 but e7 (do not contact);
    # out: p3 (30 days), d1 (120), d2 (100), p5. e5 has e1's betweenness (8/15) and degree (3/6): the id decides.
    # Then betweenness 0 by degree: d3 (1.0), p2 and p4 (0.5, by id), e2, e3, e6 (2/6, by id).
    RelationshipScore.objects.filter(workspace=pf.firm.workspace).delete()
    rows = _rows(pf.firm.workspace)
    assert [r["contact_id"] for r in rows] == _ids(
        pf, "p1", "e4", "e1", "e5", "d3", "p2", "p4", "e2", "e3", "e6"
    )
    assert {r["rq"] for r in rows} == {None}


def test_the_api_and_the_csv_carry_betweenness(client, firm, pf):
    query = f"start={START}&end={END}&period=quarter&limit=2"
    token = firm.token(firm.bob)
    body = client.get(f"/api/v1/insights/influencers?{query}", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    # The two best: p1 (4/6) and the bridge e4 (9/15).
    assert [(r["contact_id"], r["betweenness"]) for r in body["influencers"]] == [
        (pf.contacts["p1"].pk, pytest.approx(4 / 6)),
        (pf.contacts["e4"].pk, pytest.approx(0.6)),
    ]
    client.login(username=firm.bob.user.email, password=PASSWORD)
    got = client.get(f"{reverse('programme_csv', args=['influencers', 'influencers'])}?{query}")
    rows = {int(r["contact_id"]): r for r in csv.DictReader(io.StringIO(got.content.decode()))}
    assert float(rows[pf.contacts["e4"].pk]["betweenness"]) == pytest.approx(0.6)
