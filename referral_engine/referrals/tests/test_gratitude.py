from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from referral_engine.core.testing import make_account, make_contact
from referral_engine.engagement.models import Task, TaskKind
from referral_engine.partners.models import Event
from referral_engine.referrals.deadlines import next_working_day
from referral_engine.referrals.gratitude import referral_stage_news_create, referral_thanks_create
from referral_engine.referrals.models import Referral, SourceKind
from referral_engine.referrals.services import referral_create, referral_move
from referral_engine.workspaces.models import Membership

FRIDAY_15 = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
NEXT_MONDAY = date(2026, 11, 23)


def _from_carol(firm, **fields) -> Referral:
    """Carol Clark, our partner, refers Fabrikam."""
    fields.setdefault("source_kind", SourceKind.PARTNER)
    fields.setdefault("source_partner", firm.carol_partner)
    fields.setdefault("referred_account", make_account(firm.workspace, name="Fabrikam"))
    fields.setdefault("owner", firm.bob)
    return referral_create(workspace=firm.workspace, actor=firm.bob, **fields)


def _tasks(referral: Referral, kind: str | None = None) -> list[Task]:
    tasks = Task.objects.filter(workspace=referral.workspace, referral=referral).order_by("id")
    return list(tasks.filter(kind=kind) if kind else tasks)


def _at(referral: Referral, hours: int) -> datetime:
    return referral.received_at + timedelta(hours=hours)


# -------------------------------------------------------------------------------------------------- thanks


def test_a_new_referral_gets_one_personal_thank_you_with_the_context(firm):
    firm.carol_partner.owner = firm.alice
    firm.carol_partner.save(update_fields=["owner"])
    pat = make_contact(firm.workspace, first_name="Pat", last_name="Lee")
    referral = _from_carol(
        firm, referred_contact=pat, story="Carol audits Fabrikam and heard they need help."
    )

    [thanks] = _tasks(referral)
    assert thanks.kind == TaskKind.THANK
    assert thanks.title == "Thank Carol Clark for referring Fabrikam"
    assert thanks.assignee == firm.alice  # the partner's owner, not the referral's owner
    assert thanks.partner == firm.carol_partner
    assert thanks.dedupe_key == f"referral:{referral.pk}:thank"
    assert "Pat Lee at Fabrikam" in thanks.details
    assert "Carol audits Fabrikam and heard they need help." in thanks.details
    assert "handwritten card" in thanks.details and "never a mass e-mail" in thanks.details
    assert thanks.due == next_working_day(workspace=firm.workspace, now=timezone.now())


def test_the_thank_you_is_due_the_next_working_day(firm):
    referral = _from_carol(firm)
    Task.objects.filter(referral=referral).delete()
    assert referral_thanks_create(referral=referral, now=FRIDAY_15) is True
    assert _tasks(referral, TaskKind.THANK)[0].due == NEXT_MONDAY


def test_the_thank_you_is_created_once_even_when_recorded_twice(firm):
    referral = _from_carol(firm)
    assert referral_thanks_create(referral=referral) is False
    assert referral_thanks_create(referral=referral, now=FRIDAY_15) is False
    assert len(_tasks(referral, TaskKind.THANK)) == 1


def _customer_contact(firm, **fields):
    return make_contact(firm.workspace, first_name="Ann", last_name="Ames", **fields)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("contact_owned_by_alice", "alice"),
        ("contact_at_account_owned_by_alice", "alice"),
        ("contact_owned_by_no_one", "bob"),
        ("partner_owned_by_alice", "alice"),
        ("partner_owned_by_no_one", "bob"),
        ("employee_bob_led_by_alice", "alice"),
        ("employee_bob_without_lead", "alice"),
        ("employee_alice_the_owner", "bob"),
        ("event", "bob"),
    ],
)
def test_the_thank_you_goes_to_whoever_owns_the_relationship_with_the_referrer(firm, source, expected):
    """The referral's owner is bob throughout: he gets the task only when no one owns the relationship."""
    fields: dict = {}
    if source.startswith("contact"):
        account = make_account(firm.workspace, name="Ames Ltd", owner=firm.alice)
        contact = {
            "contact_owned_by_alice": lambda: _customer_contact(firm, owner=firm.alice),
            "contact_at_account_owned_by_alice": lambda: _customer_contact(firm, account=account),
            "contact_owned_by_no_one": lambda: _customer_contact(firm),
        }[source]()
        fields = {"source_kind": SourceKind.CUSTOMER, "source_contact": contact, "source_partner": None}
    elif source.startswith("partner"):
        firm.carol_partner.owner = firm.alice if source == "partner_owned_by_alice" else None
        firm.carol_partner.save(update_fields=["owner"])
    elif source.startswith("employee"):
        if source == "employee_bob_led_by_alice":
            Membership.objects.filter(pk=firm.bob.pk).update(lead=firm.alice)
            firm.bob.refresh_from_db()
        referrer = firm.alice if source == "employee_alice_the_owner" else firm.bob
        fields = {"source_kind": SourceKind.EMPLOYEE, "source_employee": referrer, "source_partner": None}
    else:
        event = Event.objects.create(workspace=firm.workspace, name="Chamber lunch", starts_at=FRIDAY_15)
        fields = {"source_kind": SourceKind.EVENT, "source_event": event, "source_partner": None}

    referral = _from_carol(firm, **fields)

    [thanks] = _tasks(referral, TaskKind.THANK)
    assert thanks.assignee == getattr(firm, expected)
    assert thanks.title.startswith("Thank ") and thanks.title.endswith(" for referring Fabrikam")


def test_the_thank_you_names_the_customer_contact_who_referred(firm):
    ann = _customer_contact(firm, owner=firm.alice)
    referral = _from_carol(firm, source_kind=SourceKind.CUSTOMER, source_contact=ann, source_partner=None)
    [thanks] = _tasks(referral, TaskKind.THANK)
    assert thanks.title == "Thank Ann Ames for referring Fabrikam"
    assert thanks.contact == ann


# ------------------------------------------------------------------------------------------------- updates


def test_each_stage_change_gets_one_update_for_the_referrer(firm):
    referral = _from_carol(firm)
    referral_move(referral=referral, actor=firm.bob, status="contacted", at=_at(referral, 1))
    referral_move(referral=referral, actor=firm.bob, status="meeting", at=_at(referral, 2))

    updates = _tasks(referral, TaskKind.UPDATE)
    assert [t.title for t in updates] == [
        "Tell Carol that Fabrikam has been contacted",
        "Tell Carol that Fabrikam is now at meeting stage",
    ]
    assert [t.dedupe_key for t in updates] == [
        f"referral:{referral.pk}:update:contacted",
        f"referral:{referral.pk}:update:meeting",
    ]
    assert {t.assignee for t in updates} == {firm.bob}
    assert all(t.partner == firm.carol_partner for t in updates)


def test_the_same_move_recorded_twice_creates_one_update(firm):
    referral = _from_carol(firm)
    referral_move(referral=referral, actor=firm.bob, status="meeting", at=_at(referral, 1))
    referral_move(referral=referral, actor=firm.bob, status="meeting", at=_at(referral, 2))
    assert referral_stage_news_create(referral=referral) is False
    # Moving back and forward again is the same news: Carol already heard it.
    referral_move(referral=referral, actor=firm.bob, status="received", at=_at(referral, 0))
    referral_move(referral=referral, actor=firm.bob, status="meeting", at=_at(referral, 3))

    assert [t.title for t in _tasks(referral, TaskKind.UPDATE)] == [
        "Tell Carol that Fabrikam is now at meeting stage"
    ]


def test_won_gets_a_thank_you_for_closing_business_and_nothing_more(firm):
    referral = _from_carol(firm)
    referral_move(referral=referral, actor=firm.bob, status="proposal", at=_at(referral, 1))
    referral_move(
        referral=referral, actor=firm.bob, status="won", at=_at(referral, 2), won_value=Decimal("12000")
    )
    referral_move(
        referral=referral, actor=firm.bob, status="won", at=_at(referral, 3), won_value=Decimal("12000")
    )

    thanks = _tasks(referral, TaskKind.THANK)
    assert [t.dedupe_key for t in thanks] == [
        f"referral:{referral.pk}:thank",
        f"referral:{referral.pk}:won-thanks",
    ]
    assert thanks[1].title == "Thank Carol Clark for closing business: we won Fabrikam"
    assert [t.title for t in _tasks(referral, TaskKind.UPDATE)] == [
        "Tell Carol that Fabrikam is now at proposal stage"
    ]
    assert len(_tasks(referral)) == 3


# ---------------------------------------------------------------------------------------- do-not-contact


def test_a_do_not_contact_referrer_is_thanked_internally_and_never_contacted(firm):
    ann = _customer_contact(firm, owner=firm.alice, do_not_contact=True)
    referral = _from_carol(firm, source_kind=SourceKind.CUSTOMER, source_contact=ann, source_partner=None)
    referral_move(referral=referral, actor=firm.bob, status="meeting", at=_at(referral, 1))
    referral_move(
        referral=referral, actor=firm.bob, status="won", at=_at(referral, 2), won_value=Decimal("500")
    )

    thanks, closing = _tasks(referral)
    assert thanks.title == "Ann asked not to be contacted: record the thanks for Fabrikam internally"
    assert closing.title.startswith("Ann asked not to be contacted: record the thanks for closing Fabrikam")
    for task in (thanks, closing):
        assert task.kind == TaskKind.THANK and task.assignee == firm.alice
        assert "Do not call, write or e-mail them" in task.details
        assert "Thank Ann" not in task.title
    assert _tasks(referral, TaskKind.UPDATE) == []


def test_a_do_not_contact_partner_gets_no_updates(firm):
    firm.carol_partner.do_not_contact = True
    firm.carol_partner.save(update_fields=["do_not_contact"])
    referral = _from_carol(firm)
    referral_move(referral=referral, actor=firm.bob, status="contacted", at=_at(referral, 1))
    assert [t.title for t in _tasks(referral)] == [
        "Carol asked not to be contacted: record the thanks for Fabrikam internally"
    ]


def test_gratitude_tasks_stay_in_the_referrals_workspace(firm):
    referral = _from_carol(firm)
    referral_move(referral=referral, actor=firm.bob, status="contacted", at=_at(referral, 1))
    assert Task.objects.filter(workspace=firm.other_workspace).count() == 0
    assert Task.objects.filter(workspace=firm.workspace).count() == 2
