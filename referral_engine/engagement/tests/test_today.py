from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from referral_engine.core.testing import make_account, make_contact
from referral_engine.engagement.models import Task, TaskKind, TaskStatus
from referral_engine.engagement.services import ask_create, task_complete, task_create, task_snooze
from referral_engine.referrals.services import referral_create


def _day(offset: int):
    return timezone.localdate() + timedelta(days=offset)


def _task(firm, assignee=None, **fields):
    fields.setdefault("kind", TaskKind.FOLLOW_UP)
    fields.setdefault("title", "Call back")
    fields.setdefault("due", _day(0))
    return task_create(workspace=firm.workspace, actor=None, assignee=assignee or firm.bob, **fields)


def _referral(firm, owner=None, received_days_ago=0, **fields):
    return referral_create(
        workspace=firm.workspace,
        actor=None,
        source_kind="partner",
        source_partner=firm.carol_partner,
        referred_account=make_account(firm.workspace, name=fields.pop("name", "Fabrikam")),
        owner=owner or firm.bob,
        received_at=timezone.now() - timedelta(days=received_days_ago),
        **fields,
    )


def _tasks_on_page(response) -> list[str]:
    board = response.context["board"]
    return [task.title for group in board.groups for task in group.tasks]


# ------------------------------------------------------------------------------------------------ who sees what


def test_someone_signed_out_is_sent_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/signin/?next=/"


def test_a_partner_is_sent_to_their_portal(client, firm):
    client.force_login(firm.carol.user)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("portal")


def test_each_employee_sees_only_their_own_tasks(client, firm):
    _task(firm, title="Bob's call")
    _task(firm, assignee=firm.alice, title="Alice's call")
    task_create(
        workspace=firm.other_workspace,
        actor=None,
        kind=TaskKind.ASK,
        title="Dave's ask",
        due=_day(0),
        assignee=firm.dave,
    )

    seen = {}
    for person in (firm.alice, firm.bob, firm.dave):
        client.force_login(person.user)
        response = client.get("/")
        assert response.status_code == 200
        seen[person.user.email] = _tasks_on_page(response)

    assert seen == {
        "alice@acme.test": ["Alice's call"],
        "bob@acme.test": ["Bob's call"],
        "dave@globex.test": ["Dave's ask"],
    }


# ------------------------------------------------------------------------------------------------- the page


def test_tasks_are_grouped_by_due_date_and_a_snoozed_task_waits_until_it_is_due(client, firm):
    week_end = _day(0) + timedelta(days=6 - timezone.localdate().weekday())
    _task(firm, title="Late", due=_day(-3))
    _task(firm, title="Now", due=_day(0))
    _task(firm, title="Much later", due=week_end + timedelta(days=10))
    back_today = _task(firm, title="Back from snooze", due=_day(-5))
    task_snooze(task=back_today, actor=firm.bob, until=_day(1))
    Task.objects.filter(pk=back_today.pk).update(due=_day(0))  # the day it was snoozed to has come
    put_off = _task(firm, title="Put off", due=_day(0))
    task_snooze(task=put_off, actor=firm.bob, until=_day(2))
    done = _task(firm, title="Already done")
    task_complete(task=done, actor=firm.bob)

    client.force_login(firm.bob.user)
    response = client.get("/")

    groups = {group.key: [task.title for task in group.tasks] for group in response.context["board"].groups}
    assert groups["overdue"] == ["Late"]
    assert groups["today"] == ["Back from snooze", "Now"] or groups["today"] == ["Now", "Back from snooze"]
    assert groups["later"] == ["Much later"]
    assert response.context["board"].snoozed_later == 1
    html = response.content.decode()
    assert "3 days late" in html
    assert "Put off" not in html and "Already done" not in html
    assert "1 snoozed task will come back" in html


def test_each_task_says_what_it_is_about_with_links_to_those_pages(client, firm):
    account = make_account(firm.workspace, name="Northwind Traders")
    contact = make_contact(firm.workspace, first_name="Pat", last_name="Lee", account=account)
    referral = _referral(firm, name="Fabrikam")
    _task(firm, title="Thank Carol", partner=firm.carol_partner, referral=referral)
    _task(firm, title="Ask Pat", contact=contact)
    _task(firm, title="Check in", account=account)

    client.force_login(firm.bob.user)
    html = client.get("/").content.decode()

    assert f'href="{reverse("referral_detail", kwargs={"pk": referral.pk})}"' in html
    assert f'href="{reverse("partner_detail", kwargs={"pk": firm.carol_partner.pk})}"' in html
    assert f'href="{reverse("contact_detail", kwargs={"pk": contact.pk})}"' in html
    assert f'href="{reverse("account_detail", kwargs={"pk": account.pk})}"' in html


def test_referrals_past_their_first_contact_deadline_are_listed_for_their_owner(client, firm):
    _referral(firm, name="Waiting Ltd", received_days_ago=3)
    _referral(firm, name="Fresh Ltd")  # still within the deadline
    _referral(firm, owner=firm.alice, name="Alice's Ltd", received_days_ago=3)

    client.force_login(firm.bob.user)
    response = client.get("/")

    assert [r.referred_account.name for r in response.context["late_referrals"]] == ["Waiting Ltd"]
    assert "1 referral waiting for your first call" in response.content.decode()


def test_the_week_line_counts_my_asks_referrals_and_thank_yous(client, firm):
    contact = make_contact(firm.workspace)
    ask_create(workspace=firm.workspace, actor=firm.bob, contact=contact, channel="phone")
    ask_create(workspace=firm.workspace, actor=firm.bob, contact=contact, channel="phone")
    ask_create(workspace=firm.workspace, actor=firm.alice, contact=contact, channel="phone")
    ask_create(
        workspace=firm.workspace,
        actor=firm.bob,
        contact=contact,
        channel="phone",
        at=timezone.now() - timedelta(days=8),
    )
    _referral(firm)
    thank = _task(firm, kind=TaskKind.THANK, title="Thank")
    task_complete(task=thank, actor=firm.bob)

    client.force_login(firm.bob.user)
    response = client.get("/")

    assert response.context["summary"] == {"asks": 2, "referrals": 1, "thanks": 1}


def test_the_page_costs_the_same_queries_for_three_tasks_or_fifteen(
    client, firm, django_assert_max_num_queries
):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        return len(queries)

    account = make_account(firm.workspace)
    contact = make_contact(firm.workspace, account=account)
    # Every task points at rows of each kind; a query per row would show as more queries for more tasks.
    about = {"account": account, "contact": contact, "partner": firm.carol_partner}
    client.force_login(firm.bob.user)
    for _ in range(3):
        _task(firm, referral=_referral(firm, received_days_ago=2), **about)
    few = count_queries()
    for _ in range(12):
        _task(firm, referral=_referral(firm, received_days_ago=2), **about)
    many = count_queries()

    assert many == few
    with django_assert_max_num_queries(12):
        client.get("/")


# ------------------------------------------------------------------------------------- completing and snoozing


def test_completing_a_task_in_place_returns_the_list_without_it(client, firm):
    keep = _task(firm, title="Keep me")
    finish = _task(firm, kind=TaskKind.THANK, title="Finish me")
    client.force_login(firm.bob.user)

    response = client.post(reverse("task_complete", args=[finish.pk]), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="today-tasks"' in html and "<html" not in html
    assert "Keep me" in html and "Finish me" not in html
    assert 'id="week-summary" hx-swap-oob="true"' in html
    assert "thank-you done" in html
    finish.refresh_from_db()
    keep.refresh_from_db()
    assert finish.status == TaskStatus.DONE and keep.status == TaskStatus.OPEN


def test_completing_a_task_without_javascript_redirects_back(client, firm):
    task = _task(firm)
    client.force_login(firm.bob.user)

    response = client.post(reverse("task_complete", args=[task.pk]), {"next": "/"})

    assert response.status_code == 302 and response["Location"] == "/"
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE


def test_snoozing_a_task_in_place_puts_it_out_of_sight(client, firm):
    task = _task(firm, title="Later please")
    client.force_login(firm.bob.user)

    response = client.post(
        reverse("task_snooze", args=[task.pk]), {"until": _day(3).isoformat()}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert "Later please" not in response.content.decode()
    task.refresh_from_db()
    assert (task.status, task.due) == (TaskStatus.SNOOZED, _day(3))


@pytest.mark.parametrize("until", ["", "next tuesday", "2001-01-01"])
def test_a_bad_snooze_date_says_so_and_changes_nothing(client, firm, until):
    task = _task(firm, title="Stay")
    client.force_login(firm.bob.user)

    response = client.post(reverse("task_snooze", args=[task.pk]), {"until": until}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    html = response.content.decode()
    assert "errornote" in html and "Stay" in html
    task.refresh_from_db()
    assert (task.status, task.due) == (TaskStatus.OPEN, _day(0))


def test_nobody_outside_the_workspace_and_no_partner_may_touch_a_task(client, firm):
    task = _task(firm)
    for person in (firm.carol, firm.dave):
        client.force_login(person.user)
        assert client.post(reverse("task_complete", args=[task.pk])).status_code == 404
        assert client.post(reverse("task_snooze", args=[task.pk]), {"until": _day(2)}).status_code == 404
    client.logout()
    assert client.post(reverse("task_complete", args=[task.pk])).status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN


def test_a_task_changes_only_by_post(client, firm):
    task = _task(firm)
    client.force_login(firm.bob.user)
    assert client.get(reverse("task_complete", args=[task.pk])).status_code == 405
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN
