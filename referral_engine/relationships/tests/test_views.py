"""Account and contact pages: lists, the pages, and the quick actions in place."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from referral_engine.core.testing import make_account, make_contact
from referral_engine.engagement.models import Ask
from referral_engine.engagement.services import ask_create
from referral_engine.feedback.services import nps_response_create
from referral_engine.referrals.services import referral_create
from referral_engine.relationships.models import ContactLink, Touchpoint
from referral_engine.relationships.services import purchase_create, touchpoint_create

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def initech(firm):
    return make_account(
        firm.workspace,
        name="Initech",
        status="customer",
        industry="Software",
        domain="initech.test",
        owner=firm.alice,
    )


@pytest.fixture
def ann(firm, initech):
    return make_contact(
        firm.workspace,
        first_name="Ann",
        last_name="Able",
        email="ann@initech.test",
        account=initech,
        role="decision_maker",
        title="CEO",
    )


def _touchpoint_post(**overrides) -> dict:
    data = {
        "kind": "meeting",
        "channel": "in_person",
        "direction": "out",
        "minutes": "45",
        "at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "summary": "Quarterly review: they open a Berlin office.",
    }
    data.update(overrides)
    return data


def _pages(initech, ann) -> list[tuple[str, str]]:
    return [
        ("get", reverse("account_list")),
        ("get", reverse("contact_list")),
        ("get", reverse("account_detail", args=[initech.pk])),
        ("get", reverse("contact_detail", args=[ann.pk])),
        ("post", reverse("account_touchpoint_create", args=[initech.pk])),
        ("post", reverse("contact_touchpoint_create", args=[ann.pk])),
        ("post", reverse("contact_ask_create", args=[ann.pk])),
    ]


# ------------------------------------------------------------------------------------------------------ access


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_employees_open_account_and_contact_pages(client, firm, initech, ann, who):
    client.force_login(getattr(firm, who).user)
    for method, url in _pages(initech, ann):
        if method == "get":
            response = client.get(url)
            assert response.status_code == 200, url
            assert "Initech" in response.content.decode(), url


def test_the_partner_gets_404_for_every_account_and_contact_page(client, firm, initech, ann):
    client.force_login(firm.carol.user)
    for method, url in _pages(initech, ann):
        response = getattr(client, method)(url, _touchpoint_post() if method == "post" else None)
        assert response.status_code == 404, url
    assert not Touchpoint.objects.exists() and not Ask.objects.exists()


def test_the_outsider_never_sees_acmes_accounts_or_contacts(client, firm, initech, ann):
    client.force_login(firm.dave.user)
    lists = (reverse("account_list"), reverse("contact_list"))
    for url in lists:
        response = client.get(url, {"q": "initech"})
        assert response.status_code == 200 and "Initech" not in response.content.decode(), url
    for method, url in _pages(initech, ann):
        if url not in lists:
            response = getattr(client, method)(url, _touchpoint_post() if method == "post" else None)
            assert response.status_code == 404, url
    assert not Touchpoint.objects.exists() and not Ask.objects.exists()


def test_signed_out_visitors_are_sent_to_sign_in(client, initech, ann):
    for method, url in _pages(initech, ann):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "next=" in response["Location"], url


# ------------------------------------------------------------------------------------------------------- lists


def _query_count(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params or {}).status_code == 200
    return len(queries)


def test_the_account_list_makes_the_same_queries_for_3_or_30_rows(client, firm):
    client.force_login(firm.alice.user)
    for i in range(3):
        make_account(firm.workspace, owner=firm.bob, name=f"Small {i}")
    client.get(reverse("account_list"))
    few = _query_count(client, reverse("account_list"), {"sort": "-status", "owner": firm.bob.pk})
    for i in range(27):
        make_account(firm.workspace, owner=firm.bob, name=f"Big {i}")
    many = _query_count(client, reverse("account_list"), {"sort": "-status", "owner": firm.bob.pk})
    assert few == many


def test_the_contact_list_makes_the_same_queries_for_3_or_30_rows(client, firm, initech):
    client.force_login(firm.alice.user)
    for _ in range(3):
        make_contact(firm.workspace, account=initech, owner=firm.alice)
    client.get(reverse("contact_list"))
    few = _query_count(client, reverse("contact_list"), {"sort": "account"})
    for _ in range(27):
        make_contact(firm.workspace, account=initech, owner=firm.alice)
    many = _query_count(client, reverse("contact_list"), {"sort": "account"})
    assert few == many


def test_the_account_list_filters_sorts_and_pages(client, firm, initech):
    for name in ("Zeta", "Alpha", "Mid"):
        make_account(firm.workspace, name=name, status="prospect")
    for i in range(30):
        make_account(firm.workspace, name=f"Bulk {i:02}", status="churned")
    client.force_login(firm.bob.user)

    page = client.get(reverse("account_list"), {"status": "prospect", "sort": "-name"}).content.decode()
    assert page.index("Zeta") < page.index("Mid") < page.index("Alpha")
    assert "Initech" not in page and "Bulk" not in page

    page = client.get(reverse("account_list"), {"q": "init"}).content.decode()
    assert "Initech" in page and "Alpha" not in page

    page = client.get(reverse("account_list"), {"owner": "me"}).content.decode()
    assert "No accounts match." in page  # bob owns none
    assert "Initech" in client.get(reverse("account_list"), {"owner": firm.alice.pk}).content.decode()

    first = client.get(reverse("account_list"), {"status": "churned"}).content.decode()
    assert "1–25 of 30 accounts" in first and "Page 1 of 2" in first
    second = client.get(reverse("account_list"), {"status": "churned", "page": 2}).content.decode()
    assert "26–30 of 30 accounts" in second and "Bulk 29" in second


def test_a_column_that_is_not_whitelisted_does_not_sort(client, firm, initech):
    client.force_login(firm.alice.user)
    response = client.get(reverse("account_list"), {"sort": "-owner__user__password"})
    assert response.status_code == 200 and "Initech" in response.content.decode()


def test_a_very_large_list_counts_only_up_to_the_cap(client, firm, monkeypatch):
    from referral_engine.core import web

    monkeypatch.setattr(web, "COUNT_CAP", 5)
    for _ in range(8):
        make_account(firm.workspace)
    client.force_login(firm.alice.user)
    monkeypatch.setattr(web, "PER_PAGE", 3)
    page = client.get(reverse("account_list")).content.decode()
    assert "1–3 of more than 5 accounts" in page


def test_the_contact_list_filters_by_role_and_search(client, firm, ann, initech):
    make_contact(firm.workspace, first_name="Ben", last_name="Bright", account=initech, role="user")
    client.force_login(firm.alice.user)
    page = client.get(reverse("contact_list"), {"role": "decision_maker"}).content.decode()
    assert "Ann Able" in page and "Ben Bright" not in page
    page = client.get(reverse("contact_list"), {"q": "bright"}).content.decode()
    assert "Ben Bright" in page and "Ann Able" not in page


# ------------------------------------------------------------------------------------------------- account page


def test_the_account_page_shows_its_people_money_referrals_touchpoints_and_nps(client, firm, initech, ann):
    ws = firm.workspace
    make_contact(ws, first_name="Ben", last_name="Bright", account=initech, role="influencer")
    purchase_create(
        workspace=ws, actor=firm.alice, account=initech, date=timezone.localdate(), amount=Decimal("1200")
    )
    purchase_create(
        workspace=ws,
        actor=firm.alice,
        account=initech,
        date=timezone.localdate() - timedelta(days=40),
        amount=Decimal("800"),
        description="Onboarding",
    )
    given = referral_create(
        workspace=ws,
        actor=firm.alice,
        source_kind="customer",
        source_contact=ann,
        referred_account=make_account(ws, name="Hooli"),
    )
    received = referral_create(
        workspace=ws,
        actor=firm.alice,
        source_kind="partner",
        source_partner=firm.carol_partner,
        referred_account=initech,
    )
    touchpoint_create(
        workspace=ws,
        actor=firm.bob,
        kind="call",
        channel="phone",
        direction="in",
        contact=ann,
        summary="Invoice question",
    )
    nps_response_create(workspace=ws, actor=None, contact=ann, score=10, comment="Quick answers, every time.")

    client.force_login(firm.alice.user)
    page = client.get(reverse("account_detail", args=[initech.pk])).content.decode()
    assert "Ann Able" in page and "Decision maker" in page and "Influencer" in page
    assert "EUR 2,000" in page and "Onboarding" in page
    assert reverse("referral_detail", args=[given.pk]) in page and "Hooli" in page
    assert reverse("referral_detail", args=[received.pk]) in page and "Carol Clark" in page
    assert "Invoice question" in page
    assert "Quick answers, every time." in page


def test_logging_a_touchpoint_in_place_updates_the_timeline(client, firm, initech, ann):
    client.force_login(firm.bob.user)
    response = client.post(
        reverse("account_touchpoint_create", args=[initech.pk]), _touchpoint_post(contact=ann.pk), **HTMX
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Touchpoint logged." in page
    assert 'id="touchpoints" hx-swap-oob="true"' in page and "Quarterly review" in page
    touchpoint = Touchpoint.objects.get()
    assert (
        touchpoint.workspace == firm.workspace and touchpoint.account == initech and touchpoint.contact == ann
    )
    assert touchpoint.employee == firm.bob and touchpoint.minutes == 45


def test_logging_a_touchpoint_without_script_redirects_to_the_timeline(client, firm, initech):
    client.force_login(firm.alice.user)
    response = client.post(reverse("account_touchpoint_create", args=[initech.pk]), _touchpoint_post())
    assert response.status_code == 302
    assert response["Location"] == reverse("account_detail", args=[initech.pk]) + "#touchpoints"
    assert Touchpoint.objects.get().account == initech


@pytest.mark.parametrize("htmx", [True, False])
def test_a_bad_touchpoint_is_refused_beside_the_field_and_nothing_is_written(client, firm, initech, htmx):
    client.force_login(firm.alice.user)
    response = client.post(
        reverse("account_touchpoint_create", args=[initech.pk]),
        _touchpoint_post(minutes="-5", kind="séance"),
        **(HTMX if htmx else {}),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ensure this value is greater than or equal to 0." in page
    assert "Select a valid choice. séance is not one of the available choices." in page
    assert "hx-swap-oob" not in page
    assert not Touchpoint.objects.exists()


def test_a_contact_of_another_account_cannot_be_picked_for_a_touchpoint(client, firm, initech):
    stranger = make_contact(firm.other_workspace, first_name="Zed")
    client.force_login(firm.alice.user)
    response = client.post(
        reverse("account_touchpoint_create", args=[initech.pk]), _touchpoint_post(contact=stranger.pk)
    )
    assert "Select a valid choice" in response.content.decode()
    assert not Touchpoint.objects.exists()


# ------------------------------------------------------------------------------------------------- contact page


def test_the_contact_page_shows_who_they_know_both_ways_and_their_referrals(client, firm, ann, initech):
    ws = firm.workspace
    boss = make_contact(ws, first_name="Bea", last_name="Boss", account=initech)
    report = make_contact(ws, first_name="Ray", last_name="Report", account=initech)
    ContactLink.objects.create(workspace=ws, from_contact=ann, to_contact=boss, kind="reports_to")
    ContactLink.objects.create(workspace=ws, from_contact=report, to_contact=ann, kind="reports_to")
    given = referral_create(
        workspace=ws,
        actor=firm.alice,
        source_kind="customer",
        source_contact=ann,
        referred_account=make_account(ws, name="Hooli"),
    )
    about = referral_create(
        workspace=ws,
        actor=firm.alice,
        source_kind="partner",
        source_partner=firm.carol_partner,
        referred_account=initech,
        referred_contact=ann,
    )
    ask_create(workspace=ws, actor=firm.bob, contact=ann, channel="phone", note="Asked about her peers")
    client.force_login(firm.alice.user)
    page = client.get(reverse("contact_detail", args=[ann.pk])).content.decode()
    assert "Bea Boss" in page and "Ray Report" in page
    assert reverse("referral_detail", args=[given.pk]) in page
    assert reverse("referral_detail", args=[about.pk]) in page
    assert "Asked about her peers" in page
    assert f"{reverse('referral_create')}?source_kind=customer&amp;source_contact={ann.pk}" in page


def test_logging_an_ask_on_a_contact_page(client, firm, ann):
    client.force_login(firm.bob.user)
    response = client.post(
        reverse("contact_ask_create", args=[ann.pk]),
        {
            "channel": "in_person",
            "at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "outcome": "maybe_later",
            "dedicated_meeting": "on",
            "note": "After their launch",
        },
        **HTMX,
    )
    page = response.content.decode()
    assert "Ask logged." in page and 'id="asks" hx-swap-oob="true"' in page and "After their launch" in page
    ask = Ask.objects.get()
    assert (
        ask.contact == ann
        and ask.asker == firm.bob
        and ask.dedicated_meeting
        and ask.workspace == firm.workspace
    )


def test_a_bad_ask_is_refused_beside_the_field(client, firm, ann):
    client.force_login(firm.alice.user)
    response = client.post(
        reverse("contact_ask_create", args=[ann.pk]), {"channel": "pigeon", "at": "yesterday"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Select a valid choice. pigeon is not one of the available choices." in page
    assert "Enter a valid date/time." in page
    assert not Ask.objects.exists()


def test_logging_a_touchpoint_on_a_contact_page_counts_for_their_account(client, firm, ann, initech):
    client.force_login(firm.alice.user)
    client.post(
        reverse("contact_touchpoint_create", args=[ann.pk]), _touchpoint_post(kind="call", channel="phone")
    )
    touchpoint = Touchpoint.objects.get()
    assert touchpoint.contact == ann and touchpoint.account == initech
    page = client.get(reverse("account_detail", args=[initech.pk])).content.decode()
    assert "Quarterly review" in page
