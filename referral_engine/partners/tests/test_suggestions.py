"""Who to refer to whom, on a firm small enough to work the cosines out by hand.

Partners (their text is the profession twice, then the target market):
  Carol  "accountant"         -> {account}
  Pia    target "payroll"     -> {payroll}
Accounts' needs:
  A "payroll"                 -> {payroll}
  B "accounting and payroll"  -> {account, payroll} ("and" is a stop word)
  C "accounts"                -> {account}
"account" is in 3 of the 5 texts (Carol, B, C) and "payroll" in 3 (Pia, A, B): the same idf, so B's vector is
(1/sqrt 2, 1/sqrt 2) and its cosine with Carol or Pia is 1/sqrt 2 = 0.7071; A-Pia and C-Carol are 1.0.
Relationship: A has 3 touchpoints in the last 180 days (3/6 = 0.5); C has an RQ of 80 (0.8); B nothing (0).
Score = fit x (0.5 + 0.5 x relationship): C-Carol 0.9, A-Pia 0.75, B-Carol = B-Pia = 0.3536.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from referral_engine.core.testing import make_account
from referral_engine.partners.models import Partner, ReferralGiven
from referral_engine.partners.suggestions import analyse, suggestions
from referral_engine.relationships.models import Channel, Direction, Touchpoint, TouchpointKind


@pytest.fixture
def world(firm):
    ws = firm.workspace
    pia = Partner.objects.create(workspace=ws, name="Pia Payroll", target_market="payroll")
    a = make_account(ws, name="Alpha", needs="payroll")
    b = make_account(ws, name="Beta", needs="accounting and payroll")
    c = make_account(ws, name="Gamma", needs="accounts")
    make_account(ws, name="No needs")
    now = timezone.now()
    for days in (1, 10, 100):
        Touchpoint.objects.create(
            workspace=ws,
            account=a,
            kind=TouchpointKind.CALL,
            channel=Channel.PHONE,
            direction=Direction.OUTBOUND,
            at=now - timedelta(days=days),
        )
    Touchpoint.objects.create(  # too old to count
        workspace=ws,
        account=b,
        kind=TouchpointKind.CALL,
        channel=Channel.PHONE,
        direction=Direction.OUTBOUND,
        at=now - timedelta(days=400),
    )
    from referral_engine.insights.models import RelationshipScore

    RelationshipScore.objects.create(workspace=ws, kind="account", account=c, score=80.0, computed_at=now)
    # Globex has a perfect match of its own, which Acme must never see.
    other = firm.other_workspace
    Partner.objects.create(workspace=other, name="Gus Globex", profession="payroll")
    make_account(other, name="Globex Client", needs="payroll")
    return {"carol": firm.carol_partner, "pia": pia, "a": a, "b": b, "c": c, "firm": firm}


def _pairs(items):
    return [(s["account"], s["partner"], s["fit"], s["relationship"], s["score"]) for s in items]


def test_the_analyser_strips_suffixes_and_stop_words():
    assert analyse("Accounting and accountants, accounts") == ["account", "account", "account"]
    assert analyse("The payroll of a bakery") == ["payroll", "bakery"]


def test_suggestions_ranked_by_fit_and_relationship(world):
    items = suggestions(workspace=world["firm"].workspace)
    assert _pairs(items) == [
        ("Gamma", "Carol Clark", 1.0, 0.8, 0.9),
        ("Alpha", "Pia Payroll", 1.0, 0.5, 0.75),
        ("Beta", "Carol Clark", 0.7071, 0.0, 0.3536),
        ("Beta", "Pia Payroll", 0.7071, 0.0, 0.3536),
    ]
    assert items[0]["shared_terms"] == ["account"] and items[2]["needs"] == "accounting and payroll"


def test_suggestions_for_one_partner_and_without_pairs_already_given(world):
    ws = world["firm"].workspace
    assert [s["account"] for s in suggestions(workspace=ws, partner_id=world["pia"].pk)] == ["Alpha", "Beta"]
    ReferralGiven.objects.create(workspace=ws, partner=world["carol"], account=world["b"], at=timezone.now())
    assert [(s["account"], s["partner"]) for s in suggestions(workspace=ws)] == [
        ("Gamma", "Carol Clark"),
        ("Alpha", "Pia Payroll"),
        ("Beta", "Pia Payroll"),
    ]
    assert suggestions(workspace=ws, limit=1)[0]["account"] == "Gamma"
    assert suggestions(workspace=ws, partner_id=world["pia"].pk + 1000) == []


def test_suggestions_stay_in_the_workspace(world):
    firm = world["firm"]
    items = suggestions(workspace=firm.other_workspace)
    assert [(s["account"], s["partner"], s["fit"]) for s in items] == [("Globex Client", "Gus Globex", 1.0)]


def test_the_suggestions_page_and_the_one_click(client, world):
    firm = world["firm"]
    client.force_login(firm.bob.user)
    html = client.get(reverse("partner_suggestions")).content.decode()
    assert html.index("Gamma") < html.index("Alpha") < html.index("Beta") and "Globex" not in html
    answer = client.post(
        reverse("partner_given_create"),
        {"partner": world["pia"].pk, "account": world["a"].pk, "next": reverse("partner_suggestions")},
    )
    assert answer.status_code == 302 and answer["Location"] == reverse("partner_suggestions")
    assert ReferralGiven.objects.filter(partner=world["pia"], account=world["a"], given_by=firm.bob).exists()
    html = client.get(reverse("partner_suggestions")).content.decode()
    assert f'data-account="{world["a"].pk}" data-partner="{world["pia"].pk}"' not in html
    # The partner's page shows its own panel.
    html = client.get(reverse("partner_detail", args=[world["carol"].pk])).content.decode()
    assert "Who could use them" in html and "Gamma" in html


def test_the_suggestions_page_is_scoped(client, world):
    firm = world["firm"]
    client.force_login(firm.dave.user)
    html = client.get(reverse("partner_suggestions")).content.decode()
    assert "Globex Client" in html and "Gamma" not in html
    client.force_login(firm.carol.user)
    assert client.get(reverse("partner_suggestions")).status_code == 404


def test_the_suggestions_api(client, world):
    firm = world["firm"]
    token = firm.token(firm.alice)
    body = client.get(
        "/api/v1/partners/suggestions",
        {"partner_id": world["carol"].pk},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    ).json()
    assert [(s["account"], s["score"]) for s in body] == [("Gamma", 0.9), ("Beta", 0.3536)]
    answer = client.get("/api/v1/partners/suggestions", {"limit": 0}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert answer.status_code == 422
    # Another firm's partner id gives nothing; a partner's token is refused.
    body = client.get(
        "/api/v1/partners/suggestions",
        {"partner_id": world["carol"].pk},
        HTTP_AUTHORIZATION=f"Bearer {firm.token(firm.dave)}",
    ).json()
    assert body == []
    answer = client.get("/api/v1/partners/suggestions", HTTP_AUTHORIZATION=f"Bearer {firm.token(firm.carol)}")
    assert answer.status_code in (401, 403)
