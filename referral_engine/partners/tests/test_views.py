"""Partner pages for employees: the list, a partner's page and its quick actions (not the portal)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from referral_engine.core.testing import make_account
from referral_engine.engagement.models import Ask
from referral_engine.partners.models import Partner
from referral_engine.referrals.services import referral_create, referral_move
from referral_engine.relationships.models import Touchpoint
from referral_engine.relationships.services import touchpoint_create

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def carol(firm) -> Partner:
    return firm.carol_partner


def _make_partners(firm, count: int, offset: int = 0) -> None:
    for i in range(offset, offset + count):
        Partner.objects.create(
            workspace=firm.workspace,
            name=f"Partner {i:02}",
            company=f"Firm {i:02}",
            profession="lawyer" if i % 2 else "accountant",
            owner=firm.bob,
        )


def _pages(carol) -> list[tuple[str, str]]:
    return [
        ("get", reverse("partner_list")),
        ("get", reverse("partner_detail", args=[carol.pk])),
        ("post", reverse("partner_touchpoint_create", args=[carol.pk])),
        ("post", reverse("partner_ask_create", args=[carol.pk])),
    ]


def _one_to_one(**overrides) -> dict:
    data = {
        "kind": "one_to_one",
        "channel": "in_person",
        "direction": "out",
        "minutes": "60",
        "at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "summary": "Coffee: her clients need IT audits.",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_employees_open_the_partner_pages(client, firm, carol, who):
    client.force_login(getattr(firm, who).user)
    for method, url in _pages(carol):
        if method == "get":
            response = client.get(url)
            assert response.status_code == 200 and "Clark Accountants" in response.content.decode(), url


def test_the_partner_herself_gets_404_for_the_employee_pages(client, firm, carol):
    client.force_login(firm.carol.user)
    for method, url in _pages(carol):
        response = getattr(client, method)(url, _one_to_one() if method == "post" else None)
        assert response.status_code == 404, url
    assert not Touchpoint.objects.exists() and not Ask.objects.exists()


def test_the_outsider_gets_404_for_acmes_partner(client, firm, carol):
    client.force_login(firm.dave.user)
    response = client.get(reverse("partner_list"))
    assert response.status_code == 200 and "Carol Clark" not in response.content.decode()
    for method, url in _pages(carol)[1:]:
        response = getattr(client, method)(url, _one_to_one() if method == "post" else None)
        assert response.status_code == 404, url
    assert not Touchpoint.objects.exists() and not Ask.objects.exists()


def test_signed_out_visitors_are_sent_to_sign_in(client, carol):
    for method, url in _pages(carol):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "next=" in response["Location"], url


def test_the_partner_list_makes_the_same_queries_for_3_or_30_rows(client, firm):
    client.force_login(firm.alice.user)
    _make_partners(firm, 2)
    client.get(reverse("partner_list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("partner_list"), {"sort": "-company"})
    _make_partners(firm, 27, offset=2)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("partner_list"), {"sort": "-company"})
    assert len(few) == len(many)
    assert "1–25 of 30 partners" in response.content.decode()


def test_the_partner_list_filters_by_profession_owner_and_search(client, firm):
    _make_partners(firm, 4)
    client.force_login(firm.bob.user)
    page = client.get(reverse("partner_list"), {"profession": "lawyer"}).content.decode()
    assert "Partner 01" in page and "Partner 00" not in page and "Carol Clark" not in page
    page = client.get(reverse("partner_list"), {"owner": "me"}).content.decode()
    assert "Partner 00" in page and "Carol Clark" not in page
    page = client.get(reverse("partner_list"), {"q": "clark"}).content.decode()
    assert "Carol Clark" in page and "Partner 00" not in page


def test_the_partner_page_shows_referrals_both_ways_and_one_to_ones(client, firm, carol):
    ws = firm.workspace
    won = referral_create(
        workspace=ws,
        actor=firm.alice,
        source_kind="partner",
        source_partner=carol,
        referred_account=make_account(ws, name="Hooli"),
    )
    referral_move(referral=won, actor=firm.alice, status="won", won_value=Decimal("25000"))
    referral_create(
        workspace=ws,
        actor=firm.alice,
        source_kind="partner",
        source_partner=carol,
        referred_account=make_account(ws, name="Soylent"),
    )
    touchpoint_create(
        workspace=ws,
        actor=firm.alice,
        kind="one_to_one",
        channel="in_person",
        direction="out",
        partner=carol,
        minutes=60,
        summary="How can we help each other",
    )
    client.force_login(firm.alice.user)
    page = client.get(reverse("partner_detail", args=[carol.pk])).content.decode()
    assert "2 referrals" in page and "1 won, EUR 25,000" in page
    assert "Hooli" in page and "Soylent" in page
    assert "How can we help each other" in page
    assert f"{reverse('referral_create')}?source_kind=partner&amp;source_partner={carol.pk}" in page


def test_logging_a_one_to_one_in_place(client, firm, carol):
    client.force_login(firm.bob.user)
    response = client.post(reverse("partner_touchpoint_create", args=[carol.pk]), _one_to_one(), **HTMX)
    page = response.content.decode()
    assert "Touchpoint logged." in page and 'id="touchpoints" hx-swap-oob="true"' in page
    touchpoint = Touchpoint.objects.get()
    assert touchpoint.partner == carol and touchpoint.kind == "one_to_one" and touchpoint.employee == firm.bob


def test_a_bad_touchpoint_on_a_partner_is_refused_beside_the_field(client, firm, carol):
    client.force_login(firm.alice.user)
    response = client.post(reverse("partner_touchpoint_create", args=[carol.pk]), _one_to_one(minutes="lots"))
    assert response.status_code == 200 and "Enter a whole number." in response.content.decode()
    assert not Touchpoint.objects.exists()


def test_logging_an_ask_of_a_partner_without_script(client, firm, carol):
    client.force_login(firm.alice.user)
    response = client.post(
        reverse("partner_ask_create", args=[carol.pk]),
        {"channel": "video", "at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "outcome": "pending"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("partner_detail", args=[carol.pk]) + "#asks"
    ask = Ask.objects.get()
    assert ask.partner == carol and ask.contact is None and ask.asker == firm.alice
