"""Referral links: one active link per referrer, revoking and renewing, and what the database refuses."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from referral_engine.core.testing import make_contact
from referral_engine.core.tests.integrity import refused
from referral_engine.intake.models import CODE_ALPHABET, CODE_LENGTH, ReferralLink
from referral_engine.intake.services import (
    link_source,
    referral_link_get_or_create,
    referral_link_revoke,
    referral_link_rotate,
)
from referral_engine.referrals.models import SourceKind


def test_a_referrer_gets_one_short_code_and_keeps_it(firm, ann):
    link, created = referral_link_get_or_create(workspace=firm.workspace, actor=firm.alice, contact=ann)
    again, created_again = referral_link_get_or_create(workspace=firm.workspace, actor=firm.bob, contact=ann)

    assert (created, created_again, again.pk) == (True, False, link.pk)
    assert len(link.code) == CODE_LENGTH and set(link.code) <= set(CODE_ALPHABET)
    assert (link.workspace, link.contact, link.is_active, link.revoked_at) == (
        firm.workspace,
        ann,
        True,
        None,
    )


def test_codes_differ_between_referrers(firm):
    codes = {
        referral_link_get_or_create(
            workspace=firm.workspace, actor=None, contact=make_contact(firm.workspace)
        )[0].code
        for _ in range(20)
    }
    assert len(codes) == 20


def test_revoking_switches_the_link_off_and_a_new_one_can_follow(firm, ann_link):
    referral_link_revoke(link=ann_link, actor=firm.alice)
    ann_link.refresh_from_db()
    assert ann_link.is_active is False and ann_link.revoked_at is not None

    new, created = referral_link_get_or_create(
        workspace=firm.workspace, actor=firm.alice, contact=ann_link.contact
    )
    assert created and new.code != ann_link.code


def test_rotating_revokes_the_old_link_and_keeps_referrer_and_owner(firm, ann, ann_link):
    ann_link.owner = firm.alice
    ann_link.save()

    new = referral_link_rotate(link=ann_link, actor=firm.alice)

    ann_link.refresh_from_db()
    assert ann_link.is_active is False
    assert (new.contact, new.owner, new.is_active) == (ann, firm.alice, True)
    assert new.code != ann_link.code
    assert list(ReferralLink.objects.filter(contact=ann, is_active=True)) == [new]


def test_exactly_one_referrer_is_required(firm, ann):
    with pytest.raises(ValidationError) as error:
        referral_link_get_or_create(workspace=firm.workspace, actor=None)
    assert "referrer" in error.value.message_dict
    with pytest.raises(ValidationError):
        referral_link_get_or_create(
            workspace=firm.workspace, actor=None, contact=ann, partner=firm.carol_partner
        )
    assert not ReferralLink.objects.exists()


def test_another_workspaces_referrer_or_owner_is_refused_on_its_field(firm, ann):
    with pytest.raises(ValidationError) as error:
        referral_link_get_or_create(workspace=firm.other_workspace, actor=firm.dave, contact=ann)
    assert list(error.value.message_dict) == ["contact"]
    with pytest.raises(ValidationError) as error:
        referral_link_get_or_create(workspace=firm.workspace, actor=firm.alice, contact=ann, owner=firm.dave)
    assert list(error.value.message_dict) == ["owner"]
    # A partner's sign-in is not an employee.
    with pytest.raises(ValidationError) as error:
        referral_link_get_or_create(workspace=firm.workspace, actor=firm.alice, employee=firm.carol)
    assert list(error.value.message_dict) == ["employee"]
    assert not ReferralLink.objects.exists()


def test_the_database_refuses_two_referrers_none_or_a_second_active_link(firm, ann, ann_link):
    with refused("referrallink_exactly_one_referrer", "CHECK"):
        ReferralLink.objects.create(workspace=firm.workspace, code="AAAA2222", contact=ann, employee=firm.bob)
    with refused("referrallink_exactly_one_referrer", "CHECK"):
        ReferralLink.objects.create(workspace=firm.workspace, code="AAAA3333")
    with refused("referrallink_one_per_contact", "UNIQUE"):
        ReferralLink.objects.create(workspace=firm.workspace, code="AAAA4444", contact=ann)
    with refused("referrallink_revoked_when_inactive", "CHECK"):
        ReferralLink.objects.create(
            workspace=firm.workspace, code="AAAA5555", partner=firm.carol_partner, is_active=False
        )
    with refused("code", "UNIQUE", "unique"):
        ReferralLink.objects.create(workspace=firm.workspace, code=ann_link.code, employee=firm.bob)
    # A revoked link leaves room for the next one.
    ReferralLink.objects.filter(pk=ann_link.pk).update(is_active=False, revoked_at=timezone.now())
    ReferralLink.objects.create(workspace=firm.workspace, code="AAAA6666", contact=ann)


@pytest.mark.parametrize("field", ["contact", "partner", "employee", "owner"])
def test_the_database_refuses_a_link_into_another_workspace(firm, ann, field):
    globex_contact = make_contact(firm.other_workspace)
    values = {"contact": globex_contact, "partner": None, "employee": None, "owner": None}
    if field == "partner":
        from referral_engine.partners.models import Partner

        values = {"partner": Partner.objects.create(workspace=firm.other_workspace, name="Gus")}
    elif field == "employee":
        values = {"employee": firm.dave}
    elif field == "owner":
        values = {"contact": ann, "owner": firm.dave}
    with refused("cross-workspace reference"):
        ReferralLink.objects.create(workspace=firm.workspace, code="BBBB2222", **values)


def test_the_source_and_follow_up_of_each_kind_of_link(firm, ann):
    ann_source = link_source(
        link=referral_link_get_or_create(workspace=firm.workspace, actor=None, contact=ann)[0]
    )
    assert (ann_source.source_kind, ann_source.source, ann_source.owner, ann_source.first_name) == (
        SourceKind.CUSTOMER,
        {"source_contact": ann},
        firm.bob,
        "Ann",
    )
    # No owner of the contact: the account's owner follows up.
    ann.owner = None
    ann.save()
    ann.account.owner = firm.alice
    ann.account.save()
    ann.refresh_from_db()
    assert link_source(link=ReferralLink.objects.get(contact=ann)).owner == firm.alice

    firm.carol_partner.owner = firm.bob
    firm.carol_partner.save()
    carol = link_source(
        link=referral_link_get_or_create(workspace=firm.workspace, actor=None, partner=firm.carol_partner)[0]
    )
    assert (carol.source_kind, carol.owner, carol.first_name) == (SourceKind.PARTNER, firm.bob, "Carol")

    bob = link_source(
        link=referral_link_get_or_create(workspace=firm.workspace, actor=None, employee=firm.bob)[0]
    )
    assert (bob.source_kind, bob.source, bob.owner, bob.first_name) == (
        SourceKind.EMPLOYEE,
        {"source_employee": firm.bob},
        firm.bob,
        "Bob",
    )

    # The link's own owner wins over the relationship's.
    link = ReferralLink.objects.get(contact=ann)
    link.owner = firm.bob
    assert link_source(link=link).owner == firm.bob


def test_the_database_refuses_an_attempt_counted_in_another_workspace(firm, ann_link):
    from referral_engine.intake.models import IntakeAttempt

    with refused("cross-workspace reference"):
        IntakeAttempt.objects.create(
            workspace=firm.other_workspace, link=ann_link, ip_digest="0" * 64, at=timezone.now()
        )
