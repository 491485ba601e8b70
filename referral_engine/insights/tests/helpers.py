"""A small hand-worked firm for the refresh: three customers, a referral chain, touchpoints and an NPS answer."""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from referral_engine.core.testing import make_account, make_contact, money
from referral_engine.feedback.services import nps_response_create
from referral_engine.insights.services import value_settings_get_or_create
from referral_engine.referrals.models import Referral, ReferralStatus, SourceKind
from referral_engine.relationships.models import Account, Contact
from referral_engine.relationships.services import purchase_create, touchpoint_create

NOW = datetime(2026, 2, 1, 12, tzinfo=UTC)


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def won_referral(workspace, *, account, received: date, parent=None, **source) -> Referral:
    kind = SourceKind.PARTNER if "source_partner" in source else SourceKind.CUSTOMER
    return Referral.objects.create(
        workspace=workspace,
        source_kind=kind,
        referred_account=account,
        status=ReferralStatus.WON,
        received_at=at(received),
        closed_at=at(received),
        won_value=money(1000),
        tier=2 if parent else 1,
        parent=parent,
        **source,
    )


@dataclass
class Small:
    a: Account
    b: Account
    c: Account
    ann: Contact  # at A, referred B
    ben: Contact  # at B, referred C through Ann's chain (tier 2 for Ann)
    first: Referral
    second: Referral


def small_firm(firm) -> Small:
    ws = firm.workspace
    settings = value_settings_get_or_create(workspace=ws)
    settings.acquisition_cost_saved = Decimal(100)
    settings.save()
    a = make_account(ws, name="Alpha", status="customer")
    b = make_account(ws, name="Beta", status="customer")
    c = make_account(ws, name="Gamma", status="customer")
    ann = make_contact(ws, account=a, first_name="Ann", role="decision_maker")
    ben = make_contact(ws, account=b, first_name="Ben", role="influencer")
    buy = [
        (a, date(2025, 1, 1), "100", "40"),
        (a, date(2025, 2, 1), "200", None),  # no margin recorded: 30% by default
        (b, date(2025, 1, 10), "1000", "500"),
        (b, date(2026, 1, 10), "1000", "500"),
        (b, date(2024, 12, 1), "900", "900"),  # before the referral: not the referral's doing
        (c, date(2025, 6, 1), "400", "200"),
    ]
    for account, day, amount, margin in buy:
        purchase_create(
            workspace=ws,
            actor=firm.alice,
            account=account,
            date=day,
            amount=Decimal(amount),
            margin=None if margin is None else Decimal(margin),
        )
    first = won_referral(ws, account=b, received=date(2025, 1, 10), source_contact=ann)
    second = won_referral(ws, account=c, received=date(2025, 6, 1), source_contact=ben, parent=first)
    return Small(a=a, b=b, c=c, ann=ann, ben=ben, first=first, second=second)


def add_relationship(firm, small: Small) -> None:
    """Ann: an outbound call 30 days before NOW answered by her e-mail 28 days before, and an NPS 9."""
    ws = firm.workspace
    touchpoint_create(
        workspace=ws, actor=firm.bob, contact=small.ann, kind="call", channel="phone", direction="out",
        at=at(date(2026, 1, 2)),
    )  # fmt: skip
    touchpoint_create(
        workspace=ws, actor=firm.bob, contact=small.ann, kind="email", channel="email", direction="in",
        at=at(date(2026, 1, 4)),
    )  # fmt: skip
    nps_response_create(workspace=ws, actor=firm.bob, contact=small.ann, score=9, at=at(date(2025, 12, 1)))
    nps_response_create(workspace=ws, actor=firm.bob, contact=small.ann, score=4, at=at(date(2025, 6, 1)))
