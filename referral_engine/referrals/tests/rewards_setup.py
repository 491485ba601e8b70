"""Builders for the reward tests: a programme with rules, and referrals won through the real services."""

from datetime import UTC, datetime
from decimal import Decimal

from referral_engine.core.testing import make_account, make_contact
from referral_engine.referrals.models import Referral, ReferralStatus, SourceKind
from referral_engine.referrals.rewards import reward_programme_update, reward_rule_create
from referral_engine.referrals.services import referral_create, referral_move

# A fixed clock: the win on 1 March 2026 at noon UTC; the programme holds rewards 14 days.
WON_AT = datetime(2026, 3, 1, 12, tzinfo=UTC)


def programme(firm, *, budget=None, hold_days=14, enabled=True):
    return reward_programme_update(
        workspace=firm.workspace,
        actor=firm.alice,
        enabled=enabled,
        yearly_budget=None if budget is None else Decimal(budget),
        hold_days=hold_days,
    )


def gift_rule(firm, **fields):
    fields = {
        "name": "Thank-you gift",
        "kind": "gift",
        "basis": "fixed",
        "amount": Decimal("50.00"),
        "for_customers": True,
        "for_partners": True,
        "for_employees": True,
        **fields,
    }
    return reward_rule_create(workspace=firm.workspace, actor=firm.alice, **fields)


def fee_rule(firm, **fields):
    fields = {
        "name": "Partner fee",
        "kind": "fee",
        "basis": "percent",
        "percent": Decimal("7.5"),
        "for_customers": False,
        "for_partners": True,
        "for_employees": False,
        **fields,
    }
    return reward_rule_create(workspace=firm.workspace, actor=firm.alice, **fields)


def customer(firm, workspace=None, **fields):
    workspace = workspace or firm.workspace
    account = make_account(
        workspace, name=fields.pop("account_name", "Initech"), owner=fields.pop("owner", None)
    )
    fields.setdefault("first_name", "Ann")
    fields.setdefault("last_name", "Able")
    return make_contact(workspace, account=account, **fields)


def referral(firm, *, workspace=None, company="Hooli", **source) -> Referral:
    workspace = workspace or firm.workspace
    if not source:
        source = {"source_kind": SourceKind.PARTNER, "source_partner": firm.carol_partner}
    return referral_create(
        workspace=workspace,
        actor=None,
        referred_account=make_account(workspace, name=company),
        received_at=datetime(2026, 2, 1, 9, tzinfo=UTC),
        **source,
    )


def win(referral: Referral, value="10000", at=WON_AT, actor=None) -> Referral:
    return referral_move(
        referral=referral, actor=actor, status=ReferralStatus.WON, won_value=Decimal(value), at=at
    )


def won_referral(firm, *, value="10000", at=WON_AT, **kwargs) -> Referral:
    return win(referral(firm, **kwargs), value=value, at=at)
