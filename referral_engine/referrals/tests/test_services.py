from datetime import UTC, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from referral_engine.core.testing import make_account, make_contact
from referral_engine.referrals.deadlines import add_working_days
from referral_engine.referrals.models import Referral, ReferralStatus, SourceKind
from referral_engine.referrals.selectors import referral_list_for_partner
from referral_engine.referrals.services import referral_create, referral_move, referral_update


def _referral(firm, **fields) -> Referral:
    fields.setdefault("source_kind", SourceKind.PARTNER)
    fields.setdefault("source_partner", firm.carol_partner)
    fields.setdefault("referred_account", make_account(firm.workspace))
    return referral_create(workspace=firm.workspace, actor=firm.alice, **fields)


def test_a_new_referral_is_received_now_due_for_first_contact_a_working_day_later_and_tier_1(firm):
    before = timezone.now()
    referral = _referral(firm)

    assert referral.status == ReferralStatus.RECEIVED
    assert before <= referral.received_at <= timezone.now()
    assert referral.first_contact_due == add_working_days(referral.received_at, 1, UTC)
    assert referral.tier == 1


def test_a_referral_through_an_earlier_one_is_tier_2(firm):
    parent = _referral(firm)
    child = _referral(firm, parent=parent)
    assert child.tier == 2


@pytest.mark.parametrize(
    ("kind", "field"),
    [
        (SourceKind.CUSTOMER, "source_contact"),
        (SourceKind.PARTNER, "source_partner"),
        (SourceKind.EMPLOYEE, "source_employee"),
        (SourceKind.EVENT, "source_event"),
    ],
)
def test_the_source_matching_the_kind_is_required(firm, kind, field):
    with pytest.raises(ValidationError) as error:
        referral_create(
            workspace=firm.workspace,
            actor=firm.alice,
            source_kind=kind,
            referred_account=make_account(firm.workspace),
        )
    assert field in error.value.message_dict
    assert Referral.objects.count() == 0


def test_a_source_from_another_workspace_is_refused_like_an_unknown_one(firm):
    outsider = make_contact(firm.other_workspace)
    with pytest.raises(ValidationError) as error:
        _referral(firm, source_kind=SourceKind.CUSTOMER, source_contact=outsider, source_partner=None)
    assert error.value.message_dict == {"source_contact": ["No contact with this id in this workspace."]}


def test_moving_stamps_the_stage_and_may_skip_stages(firm):
    referral = _referral(firm)
    at = referral.received_at + timedelta(hours=3)

    referral_move(referral=referral, actor=firm.bob, status=ReferralStatus.MEETING, at=at)

    referral.refresh_from_db()
    assert referral.status == ReferralStatus.MEETING
    assert referral.meeting_at == at
    assert referral.contacted_at is None


def test_a_stage_cannot_be_dated_before_an_earlier_recorded_stage(firm):
    referral = _referral(firm)
    referral_move(
        referral=referral,
        actor=firm.bob,
        status=ReferralStatus.CONTACTED,
        at=referral.received_at + timedelta(days=2),
    )

    with pytest.raises(ValidationError) as error:
        referral_move(
            referral=referral,
            actor=firm.bob,
            status=ReferralStatus.PROPOSAL,
            at=referral.received_at + timedelta(days=1),
        )
    assert "at" in error.value.message_dict
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CONTACTED
    assert referral.proposal_at is None


def test_won_needs_a_non_negative_value_and_lost_needs_a_reason(firm):
    referral = _referral(firm)
    for won_value in (None, Decimal("-1")):
        with pytest.raises(ValidationError) as error:
            referral_move(referral=referral, actor=firm.bob, status=ReferralStatus.WON, won_value=won_value)
        assert "won_value" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        referral_move(referral=referral, actor=firm.bob, status=ReferralStatus.LOST, lost_reason="  ")
    assert "lost_reason" in error.value.message_dict
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.RECEIVED

    referral_move(referral=referral, actor=firm.bob, status=ReferralStatus.WON, won_value=Decimal("0"))
    referral.refresh_from_db()
    assert (referral.status, referral.won_value) == (ReferralStatus.WON, Decimal("0"))
    assert referral.closed_at is not None


def test_reopening_a_closed_referral_clears_its_close(firm):
    referral = _referral(firm)
    referral_move(referral=referral, actor=firm.bob, status=ReferralStatus.LOST, lost_reason="Went elsewhere")

    referral_update(instance=referral, actor=firm.bob, status=ReferralStatus.PROPOSAL)

    referral.refresh_from_db()
    assert referral.status == ReferralStatus.PROPOSAL
    assert (referral.closed_at, referral.lost_reason) == (None, "")
    assert referral.proposal_at is not None


def test_a_partner_sees_only_the_referrals_they_gave(firm):
    own = _referral(firm)
    _referral(firm, source_kind=SourceKind.EMPLOYEE, source_employee=firm.bob, source_partner=None)

    assert list(referral_list_for_partner(partner=firm.carol_partner)) == [own]
