"""The referral pages: the board, moving a card, the referral page, the list and "record a referral"."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from referral_engine.core.testing import make_account, make_contact
from referral_engine.engagement.services import ask_create, task_create
from referral_engine.referrals.models import Referral, ReferralStatus
from referral_engine.referrals.services import referral_create
from referral_engine.relationships.models import Account, Contact
from referral_engine.relationships.services import touchpoint_create

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def ann(firm):
    initech = make_account(firm.workspace, name="Initech", status="customer")
    return make_contact(
        firm.workspace, first_name="Ann", last_name="Able", email="ann@initech.test", account=initech
    )


@pytest.fixture
def referral(firm, ann):
    return referral_create(
        workspace=firm.workspace,
        actor=firm.alice,
        source_kind="customer",
        source_contact=ann,
        referred_account=make_account(firm.workspace, name="Hooli"),
        referred_contact=make_contact(firm.workspace, first_name="Dana", last_name="Hill"),
        owner=firm.bob,
        story="Ann told us over lunch that Hooli needs a new vendor.",
        received_at=timezone.now() - timedelta(days=3),
    )


def _make_referrals(firm, source, count: int) -> None:
    statuses = list(ReferralStatus.values)
    for i in range(count):
        r = referral_create(
            workspace=firm.workspace,
            actor=firm.alice,
            source_kind="customer",
            source_contact=source,
            referred_account=make_account(firm.workspace),
            referred_contact=make_contact(firm.workspace),
            owner=firm.alice,
        )
        status = statuses[i % len(statuses)]
        if status != ReferralStatus.RECEIVED:
            from referral_engine.referrals.services import referral_move

            referral_move(
                referral=r,
                actor=firm.alice,
                status=status,
                won_value=Decimal("1000") if status == ReferralStatus.WON else None,
                lost_reason="Too expensive" if status == ReferralStatus.LOST else "",
            )


def _pages(referral) -> list[tuple[str, str]]:
    return [
        ("get", reverse("referral_board")),
        ("get", reverse("referral_list")),
        ("get", reverse("referral_create")),
        ("get", reverse("referral_lookup") + "?kind=contact&field=source_contact&source_contact_q=ann"),
        ("get", reverse("referral_detail", args=[referral.pk])),
        ("post", reverse("referral_move", args=[referral.pk])),
    ]


# ------------------------------------------------------------------------------------------------------ access


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_employees_open_every_referral_page(client, firm, referral, who):
    client.force_login(getattr(firm, who).user)
    for method, url in _pages(referral):
        if method == "get":
            assert client.get(url).status_code == 200, url


def test_the_partner_gets_404_for_every_referral_page(client, firm, referral):
    client.force_login(firm.carol.user)
    for method, url in _pages(referral):
        response = getattr(client, method)(
            url, {"status": "won", "won_value": "1"} if method == "post" else None
        )
        assert response.status_code == 404, url
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.RECEIVED


def test_the_outsider_sees_only_his_own_firm_and_gets_404_for_acmes_referral(client, firm, referral):
    client.force_login(firm.dave.user)
    for url in (reverse("referral_board"), reverse("referral_list"), _pages(referral)[3][1]):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Hooli" not in response.content.decode() and "Ann Able" not in response.content.decode()
    assert client.get(reverse("referral_detail", args=[referral.pk])).status_code == 404
    response = client.post(reverse("referral_move", args=[referral.pk]), {"status": "won", "won_value": "1"})
    assert response.status_code == 404
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.RECEIVED


def test_signed_out_visitors_are_sent_to_sign_in(client, referral):
    for method, url in _pages(referral):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "next=" in response["Location"], url


def test_dave_cannot_record_a_referral_from_acmes_contact(client, firm, ann):
    client.force_login(firm.dave.user)
    response = client.post(
        reverse("referral_create"),
        {"source_kind": "customer", "source_contact": ann.pk, "referred_account_q": "Evil Corp"},
    )
    assert response.status_code == 200
    assert (
        "No contact with this id" in response.content.decode()
        or "not in this workspace" in response.content.decode()
    )
    assert not Referral.objects.filter(workspace=firm.other_workspace).exists()
    assert not Account.objects.filter(name="Evil Corp").exists()


def test_the_lookup_finds_only_this_workspaces_contacts(client, firm, ann):
    make_contact(firm.other_workspace, first_name="Ann", last_name="Outsider")
    client.force_login(firm.alice.user)
    response = client.get(
        reverse("referral_lookup"), {"kind": "contact", "field": "source_contact", "source_contact_q": "ann"}
    )
    assert "Ann Able" in response.content.decode()
    assert "Outsider" not in response.content.decode()


# ------------------------------------------------------------------------------------------------------- board


def test_the_board_shows_each_card_with_source_age_and_an_overdue_deadline(client, firm, referral):
    client.force_login(firm.alice.user)
    response = client.get(reverse("referral_board"))
    page = response.content.decode()
    assert "Hooli" in page and "Ann Able" in page
    # Received three days ago with a one-day first-contact deadline: overdue, and said so.
    assert "Overdue" in page
    assert "past the first-contact deadline" in page


def test_the_board_filters_by_owner(client, firm, referral):
    client.force_login(firm.alice.user)
    assert "Hooli" not in client.get(reverse("referral_board"), {"owner": "me"}).content.decode()
    assert "Hooli" in client.get(reverse("referral_board"), {"owner": firm.bob.pk}).content.decode()


def test_the_board_makes_the_same_number_of_queries_for_3_or_30_referrals(client, firm, ann):
    client.force_login(firm.alice.user)
    _make_referrals(firm, ann, 3)
    client.get(reverse("referral_board"))  # warm up the session and caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("referral_board")).status_code == 200
    _make_referrals(firm, ann, 27)
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("referral_board")).status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_a_board_column_is_capped_with_a_link_to_all_of_them(client, firm, ann, monkeypatch):
    from referral_engine.referrals import selectors

    original = selectors.referral_board
    monkeypatch.setattr(selectors, "referral_board", lambda **kwargs: original(**{**kwargs, "per_column": 2}))
    _make_referrals(firm, ann, 13)  # three received
    client.force_login(firm.alice.user)
    page = client.get(reverse("referral_board")).content.decode()
    assert "See all 3 received" in page
    assert f"{reverse('referral_list')}?status=received" in page


# ------------------------------------------------------------------------------------------------------- moves


def test_moving_a_card_records_the_stage_time_and_tells_the_board_to_redraw(client, firm, referral):
    client.force_login(firm.bob.user)
    before = timezone.now()
    response = client.post(reverse("referral_move", args=[referral.pk]), {"status": "contacted"}, **HTMX)
    assert response.status_code == 204
    assert response["HX-Trigger"] == "referral-moved"
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CONTACTED
    assert referral.contacted_at >= before


def test_moving_without_script_redirects_back_to_the_page_it_came_from(client, firm, referral):
    client.force_login(firm.alice.user)
    response = client.post(
        reverse("referral_move", args=[referral.pk]), {"status": "meeting", "next": "/referrals/?owner=me"}
    )
    assert response.status_code == 302 and response["Location"] == "/referrals/?owner=me"
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.MEETING and referral.meeting_at is not None


def test_moving_never_redirects_off_site(client, firm, referral):
    client.force_login(firm.alice.user)
    response = client.post(
        reverse("referral_move", args=[referral.pk]), {"status": "meeting", "next": "https://evil.test/"}
    )
    assert response["Location"] == reverse("referral_detail", args=[referral.pk])


def test_moving_to_won_asks_for_the_value_and_writes_nothing_without_it(client, firm, referral):
    client.force_login(firm.alice.user)
    response = client.post(reverse("referral_move", args=[referral.pk]), {"status": "won"}, **HTMX)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="won-{referral.pk}-error"' in page and "Enter the value it was won for." in page
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.RECEIVED and referral.closed_at is None


def test_moving_to_won_with_the_value_closes_it(client, firm, referral):
    client.force_login(firm.alice.user)
    response = client.post(
        reverse("referral_move", args=[referral.pk]), {"status": "won", "won_value": "18500.00"}, **HTMX
    )
    assert response.status_code == 204
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.WON
    assert referral.won_value == Decimal("18500.00") and referral.closed_at is not None


def test_moving_to_lost_asks_for_the_reason(client, firm, referral):
    client.force_login(firm.alice.user)
    response = client.post(
        reverse("referral_move", args=[referral.pk]), {"status": "lost", "lost_reason": " "}
    )
    assert response.status_code == 200
    assert "Say why it was lost." in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.RECEIVED
    response = client.post(
        reverse("referral_move", args=[referral.pk]),
        {"status": "lost", "lost_reason": "Went with a competitor"},
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.LOST and referral.lost_reason == "Went with a competitor"


def test_a_negative_won_value_is_refused_beside_the_field(client, firm, referral):
    client.force_login(firm.alice.user)
    response = client.post(
        reverse("referral_move", args=[referral.pk]), {"status": "won", "won_value": "-5"}, **HTMX
    )
    assert f'id="won-{referral.pk}-error"' in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.RECEIVED


def test_an_unknown_stage_is_refused(client, firm, referral):
    client.force_login(firm.alice.user)
    response = client.post(reverse("referral_move", args=[referral.pk]), {"status": "teleported"})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.RECEIVED


# ------------------------------------------------------------------------------------------------ referral page


def test_the_referral_page_tells_the_whole_story(client, firm, referral, ann):
    touchpoint_create(
        workspace=firm.workspace,
        actor=firm.bob,
        kind="call",
        channel="phone",
        direction="out",
        account=referral.referred_account,
        summary="First call with Dana",
    )
    ask_create(
        workspace=firm.workspace,
        actor=firm.alice,
        contact=ann,
        channel="in_person",
        outcome="referral_given",
        at=referral.received_at - timedelta(days=2),
        note="Asked over lunch",
    )
    task_create(
        workspace=firm.workspace,
        actor=None,
        kind="thank",
        title="Thank Ann with a handwritten card",
        due=timezone.localdate(),
        assignee=firm.alice,
        referral=referral,
    )
    child = referral_create(
        workspace=firm.workspace,
        actor=firm.alice,
        source_kind="customer",
        source_contact=referral.referred_contact,
        referred_account=make_account(firm.workspace, name="Pied Piper"),
        parent=referral,
    )
    client.force_login(firm.bob.user)
    page = client.get(reverse("referral_detail", args=[referral.pk])).content.decode()
    assert reverse("contact_detail", args=[ann.pk]) in page  # who referred, linked
    assert reverse("account_detail", args=[referral.referred_account.pk]) in page
    assert "Dana Hill" in page
    assert "Ann told us over lunch" in page
    assert "First call with Dana" in page and "Asked over lunch" in page
    assert "Thank Ann with a handwritten card" in page
    assert reverse("referral_detail", args=[child.pk]) in page and "Pied Piper" in page

    child_page = client.get(reverse("referral_detail", args=[child.pk])).content.decode()
    assert reverse("referral_detail", args=[referral.pk]) in child_page  # up the chain


def test_the_referral_list_is_paginated_sortable_and_the_same_queries_for_3_or_30(client, firm, ann):
    client.force_login(firm.alice.user)
    _make_referrals(firm, ann, 3)
    client.get(reverse("referral_list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("referral_list"), {"sort": "-company"})
    _make_referrals(firm, ann, 27)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("referral_list"), {"sort": "-company"})
    assert len(many) == len(few)
    assert "1–25 of 30 referrals" in response.content.decode()
    won = client.get(reverse("referral_list"), {"status": "won"})
    won_count = Referral.objects.filter(status=ReferralStatus.WON).count()
    assert f"1–{won_count} of {won_count} referrals" in won.content.decode()


# ------------------------------------------------------------------------------------------ record a referral


def test_recording_a_referral_creates_the_new_company_and_person(client, firm, ann):
    client.force_login(firm.bob.user)
    response = client.post(
        reverse("referral_create"),
        {
            "source_kind": "customer",
            "source_contact": ann.pk,
            "source_contact_q": "Ann Able",
            "referred_account_q": "Umbrella Corp",
            "first_name": "Rita",
            "last_name": "Rain",
            "email": "rita@umbrella.test",
            "story": "Ann and Rita sit on the same board.",
            "owner": firm.bob.pk,
        },
    )
    referral = Referral.objects.get(referred_account__name="Umbrella Corp")
    assert response.status_code == 302 and response["Location"] == reverse(
        "referral_detail", args=[referral.pk]
    )
    assert referral.workspace == firm.workspace
    assert referral.source_contact == ann and referral.owner == firm.bob
    assert referral.referred_contact.email == "rita@umbrella.test"
    assert referral.referred_contact.account == referral.referred_account
    assert referral.status == ReferralStatus.RECEIVED and referral.first_contact_due is not None


def test_recording_a_referral_reuses_the_account_and_contact_it_already_knows(client, firm, ann):
    hooli = make_account(firm.workspace, name="Hooli")
    dana = make_contact(firm.workspace, first_name="Dana", email="dana@hooli.test", account=hooli)
    client.force_login(firm.alice.user)
    client.post(
        reverse("referral_create"),
        {
            "source_kind": "partner",
            "source_partner": firm.carol_partner.pk,
            "referred_account_q": "hooli",
            "first_name": "Dana",
            "email": "DANA@hooli.test",
        },
    )
    referral = Referral.objects.get()
    assert referral.referred_account == hooli and referral.referred_contact == dana
    assert Account.objects.filter(workspace=firm.workspace, name__iexact="hooli").count() == 1


def test_without_script_the_typed_source_is_found_when_exactly_one_matches(client, firm, ann):
    make_contact(firm.workspace, first_name="Bert", last_name="Able")
    client.force_login(firm.alice.user)
    client.post(
        reverse("referral_create"),
        {"source_kind": "customer", "source_contact_q": "ann@initech", "referred_account_q": "Soylent"},
    )
    assert Referral.objects.get().source_contact == ann
    response = client.post(
        reverse("referral_create"),
        {"source_kind": "customer", "source_contact_q": "able", "referred_account_q": "Cyberdyne"},
    )
    assert "Several contacts match" in response.content.decode()
    assert not Account.objects.filter(name="Cyberdyne").exists()


def test_a_referral_with_no_source_and_no_company_is_refused_beside_the_fields(client, firm):
    client.force_login(firm.alice.user)
    counts = (Referral.objects.count(), Account.objects.count(), Contact.objects.count())
    response = client.post(reverse("referral_create"), {"source_kind": "customer", "first_name": ""})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Find the customer contact who referred them." in page
    assert "Name the company that was referred." in page
    assert (Referral.objects.count(), Account.objects.count(), Contact.objects.count()) == counts


def test_a_failing_referral_leaves_no_new_account_behind(client, firm):
    client.force_login(firm.alice.user)
    # An "other" source needs its name; the new company must not be created on its own.
    response = client.post(
        reverse("referral_create"), {"source_kind": "other", "source_name": "", "referred_account_q": "Wonka"}
    )
    assert "Say who referred them." in response.content.decode()
    # The person's e-mail is invalid after the account was resolved: still nothing written.
    response = client.post(
        reverse("referral_create"),
        {"source_kind": "other", "source_name": "A website", "referred_account_q": "Wonka", "email": "nope"},
    )
    assert "Enter a valid email address." in response.content.decode()
    assert not Account.objects.filter(name="Wonka").exists()


def test_a_colleague_from_another_workspace_cannot_be_the_source(client, firm):
    client.force_login(firm.alice.user)
    response = client.post(
        reverse("referral_create"),
        {"source_kind": "employee", "source_employee": firm.dave.pk, "referred_account_q": "Tyrell"},
    )
    assert "Select a valid choice" in response.content.decode()
    assert not Referral.objects.exists()


def test_the_form_is_prefilled_from_a_contact_or_partner_page(client, firm, ann):
    client.force_login(firm.alice.user)
    page = client.get(
        reverse("referral_create"), {"source_kind": "customer", "source_contact": ann.pk}
    ).content.decode()
    assert 'value="Ann Able"' in page and f'value="{ann.pk}"' in page
    page = client.get(
        reverse("referral_create"), {"source_kind": "partner", "source_partner": firm.carol_partner.pk}
    ).content.decode()
    assert 'value="Carol Clark (Clark Accountants)"' in page
    assert re.search(r'<input[^>]*value="partner"[^>]*checked', page)
    # Another workspace's id is ignored, not shown.
    other = make_contact(firm.other_workspace, first_name="Zed", last_name="Zulu")
    page = client.get(reverse("referral_create"), {"source_contact": other.pk}).content.decode()
    assert "Zed Zulu" not in page
