"""The demo firm: deterministic for a seed, realistic in shape, and populated where people look first."""

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from django.db.models import Count, Sum
from django.test import override_settings

from referral_engine.demo.generator import FirmGenerator
from referral_engine.demo.services import demo_firm_create, demo_firm_delete
from referral_engine.demo.tests.helpers import firm_digest
from referral_engine.engagement.models import Ask, Task, TaskStatus
from referral_engine.feedback.models import NpsResponse
from referral_engine.partners.models import (
    Attendance,
    Event,
    EventKind,
    GivenStatus,
    GroupKind,
    NetworkingGroup,
    Partner,
    ReferralGiven,
)
from referral_engine.referrals.models import Referral, ReferralStatus, SourceKind
from referral_engine.relationships.models import Account, BuyingRole, Contact, Purchase, Touchpoint
from referral_engine.workspaces.models import Membership, Role, User, Workspace

TODAY = date(2025, 3, 14)
MIDNIGHT = datetime(2025, 3, 14, tzinfo=UTC)  # history ends here
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def shop(django_db_setup, django_db_blocker):
    """One 300-account firm for the shape tests, generated once for the module and deleted afterwards."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER):
        report = demo_firm_create(accounts=300, seed=11, slug="demo-shape", today=TODAY, chunk_size=120)
        yield report.workspace
        demo_firm_delete(workspace=report.workspace)


def test_the_same_seed_and_day_give_the_same_firm_and_another_seed_another(db):
    first = demo_firm_create(accounts=90, seed=5, slug="demo-a", today=TODAY, chunk_size=40).workspace
    again = demo_firm_create(accounts=90, seed=5, slug="demo-b", today=TODAY, chunk_size=40).workspace
    other = demo_firm_create(accounts=90, seed=6, slug="demo-c", today=TODAY, chunk_size=40).workspace

    assert Account.objects.filter(workspace=first).count() == 90
    assert firm_digest(first) == firm_digest(again)
    assert firm_digest(first) != firm_digest(other)


def test_a_failure_half_way_writes_nothing(db, monkeypatch):
    real_chunk = FirmGenerator.chunk
    before = (User.objects.count(), Account.objects.count(), Partner.objects.count(), Task.objects.count())

    def chunk_then_fail(self, k):
        if k == 1:
            raise RuntimeError("disk full")
        return real_chunk(self, k)

    monkeypatch.setattr(FirmGenerator, "chunk", chunk_then_fail)
    with pytest.raises(RuntimeError):
        demo_firm_create(accounts=50, seed=1, slug="demo-broken", today=TODAY, chunk_size=20)

    assert not Workspace.objects.filter(slug="demo-broken").exists()
    assert (
        User.objects.count(),
        Account.objects.count(),
        Partner.objects.count(),
        Task.objects.count(),
    ) == before


@pytest.mark.django_db
def test_a_few_accounts_hold_most_of_the_purchase_value(shop):
    per_account = Purchase.objects.filter(workspace=shop).values("account").annotate(total=Sum("amount"))
    values = np.sort(np.array([float(row["total"]) for row in per_account]))[::-1]
    top = values[: len(values) // 5].sum() / values.sum()

    # The generator gives about 0.75 here (BG/NBD frequencies times Gamma-Gamma spend); Pareto's 80/20 is the idea.
    assert top > 0.6
    assert Purchase.objects.filter(workspace=shop, margin__isnull=False).count() > 0


@pytest.mark.django_db
def test_nps_answers_have_promoters_passives_and_detractors_skewed_high(shop):
    scores = np.array(NpsResponse.objects.filter(workspace=shop).values_list("score", flat=True))
    promoters, detractors = (scores >= 9).sum(), (scores <= 6).sum()
    passives = len(scores) - promoters - detractors

    assert promoters > 0 and passives > 0 and detractors > 0
    assert promoters > detractors
    assert NpsResponse.objects.filter(workspace=shop, invitation__isnull=True).exists()


@pytest.mark.django_db
def test_every_pipeline_stage_and_source_kind_is_there_with_consistent_dates(shop):
    referrals = Referral.objects.filter(workspace=shop)
    assert set(referrals.values_list("status", flat=True)) == set(ReferralStatus.values)
    assert set(referrals.values_list("source_kind", flat=True)) == set(SourceKind.values)
    for r in referrals.filter(status=ReferralStatus.WON):
        assert r.won_value is not None and r.closed_at is not None
        assert r.closed_at.date() == r.referred_account.won_at
    assert not referrals.filter(status=ReferralStatus.LOST, lost_reason="").exists()
    assert all(r.received_at < MIDNIGHT for r in referrals)


@pytest.mark.django_db
def test_tier_two_referrals_come_through_an_account_won_by_an_earlier_referral(shop):
    tier2 = list(Referral.objects.filter(workspace=shop, tier=2).select_related("parent", "source_contact"))

    assert tier2
    for referral in tier2:
        assert referral.source_kind == SourceKind.CUSTOMER
        assert referral.parent.workspace_id == shop.pk
        assert referral.parent.status == ReferralStatus.WON
        assert referral.parent.referred_account_id == referral.source_contact.account_id
        assert referral.parent.closed_at < referral.received_at


@pytest.mark.django_db
def test_the_owner_has_work_today_and_some_referrals_are_past_their_first_contact_deadline(shop):
    owner = Membership.objects.get(workspace=shop, role=Role.OWNER)
    open_tasks = Task.objects.filter(workspace=shop, assignee=owner, status=TaskStatus.OPEN)

    assert open_tasks.filter(due__lt=TODAY).exists()
    assert open_tasks.filter(due=TODAY).exists()
    assert open_tasks.filter(due__gt=TODAY, due__lte=TODAY + timedelta(days=7)).exists()
    late = Referral.objects.filter(
        workspace=shop, status=ReferralStatus.RECEIVED, first_contact_due__lt=MIDNIGHT
    )
    assert late.filter(owner=owner).count() >= 1
    assert set(Task.objects.filter(workspace=shop).values_list("kind", flat=True)) >= {
        "thank",
        "update",
        "follow_up",
        "detractor_follow_up",
    }


@pytest.mark.django_db
def test_people_roles_links_and_the_whole_team_at_work(shop):
    employees = Membership.objects.filter(workspace=shop).exclude(role=Role.PARTNER)
    assert employees.count() >= 6
    assert employees.filter(lead__isnull=False).count() == employees.count() - 1
    # Only the owner can sign in until someone gives the others a password.
    assert [m.user.has_usable_password() for m in employees.select_related("user").order_by("id")] == [
        True
    ] + [False] * (employees.count() - 1)
    assert set(Contact.objects.filter(workspace=shop).values_list("role", flat=True)) == set(
        BuyingRole.values
    )
    assert Contact.objects.filter(workspace=shop, do_not_contact=True).exists()
    assert Contact.objects.filter(workspace=shop, birthday__isnull=False).exists()
    assert (
        Touchpoint.objects.filter(workspace=shop).values("employee").distinct().count() == employees.count()
    )
    assert Ask.objects.filter(workspace=shop).values("outcome").distinct().count() >= 4
    assert Ask.objects.filter(workspace=shop, referral__isnull=False, outcome="referral_given").exists()


@pytest.mark.django_db
def test_a_networking_group_with_events_attendance_and_partners_on_both_sides(shop):
    chapter = NetworkingGroup.objects.get(workspace=shop, kind=GroupKind.BNI)
    assert chapter.partners.count() >= 20
    assert Partner.objects.filter(workspace=shop, portal_membership__isnull=False).count() == 1
    kinds = set(Event.objects.filter(workspace=shop).values_list("kind", flat=True))
    assert kinds == {EventKind.HOSTED, EventKind.ATTENDED}
    assert Attendance.objects.filter(workspace=shop, contact__isnull=False).exists()
    assert Attendance.objects.filter(workspace=shop, partner__isnull=False).exists()
    given = Referral.objects.filter(workspace=shop, source_kind=SourceKind.PARTNER)
    assert given.values("source_partner").annotate(n=Count("id")).count() > 3
    # Referrals we pass the other way are outbound notes to the partner about one of our accounts (docs/demo.md).
    passed = Touchpoint.objects.filter(
        workspace=shop, partner__isnull=False, account__isnull=False, direction="out"
    )
    assert passed.filter(summary__startswith="Referral passed to").exists()


@pytest.mark.django_db
def test_referrals_we_pass_to_partners_are_in_the_ledger_some_won_with_a_value_some_open_some_lost(shop):
    given = ReferralGiven.objects.filter(workspace=shop).select_related("contact", "partner")
    notes = Touchpoint.objects.filter(workspace=shop, summary__startswith="Referral passed to")

    # One ledger row per outbound note, to the same partner about the same account, on the same day.
    assert given.count() == notes.count() > 0
    assert set(given.values_list("partner_id", "account_id", "at")) == set(
        notes.values_list("partner_id", "account_id", "at")
    )
    statuses = set(given.values_list("status", flat=True))
    assert statuses == {GivenStatus.OPEN, GivenStatus.WON, GivenStatus.LOST}
    won = given.filter(status=GivenStatus.WON)
    assert won.aggregate(total=Sum("won_value"))["total"] > 0
    assert not won.filter(won_value__isnull=True).exists()
    assert not given.exclude(status=GivenStatus.WON).filter(won_value__isnull=False).exists()
    assert won.filter(thanked_at__isnull=False).exists()
    for row in given:
        # We give the partner the decision maker of the account that needs them, before the history ends.
        assert row.contact.account_id == row.account_id
        assert row.at < MIDNIGHT
        if row.closed_at is not None:
            assert row.at <= row.closed_at < MIDNIGHT
        if row.thanked_at is not None:
            assert row.closed_at <= row.thanked_at < MIDNIGHT


@pytest.mark.django_db
def test_partner_referrals_and_one_to_ones_are_attributed_to_the_partners_networking_group(shop):
    from_partners = Referral.objects.filter(workspace=shop, source_kind=SourceKind.PARTNER).select_related(
        "source_partner"
    )
    grouped = [r for r in from_partners if r.source_partner.networking_group_id is not None]

    assert grouped
    assert all(r.group_id == r.source_partner.networking_group_id for r in from_partners)
    assert (
        not Referral.objects.filter(workspace=shop, group__isnull=False)
        .exclude(source_kind=SourceKind.PARTNER)
        .exists()
    )
    chapter = NetworkingGroup.objects.get(workspace=shop, kind=GroupKind.BNI)
    one_to_ones = Touchpoint.objects.filter(workspace=shop, kind="one_to_one", partner__isnull=False)
    assert one_to_ones.exists()
    assert one_to_ones.filter(group=chapter).count() == one_to_ones.count()
    assert set(
        Touchpoint.objects.filter(workspace=shop, group__isnull=False).values_list("group", flat=True)
    ) == {chapter.pk}
