"""A small hand-built firm for the ledger, suggestion and group tests; every figure in the tests is worked out
from the rows below by hand.

Partners of Acme: Ewa (accountant), Lars (lawyer), Carol (accountant, the portal partner, nothing recorded).

Ewa sent us   R1 received 10 Jan 2026, won 15 Feb 2026, 1000.00
              R2 received  5 Mar 2026, won 20 Mar 2026,  500.00
              R3 received  1 Apr 2026, lost 10 Apr 2026
We gave Ewa   G1 20 Jan 2026, won 10 Feb 2026, 300.00, thanked 12 Feb 2026
              G2  1 Mar 2026, open
Ewa's time    one-to-one 5 Jan 2026 90 min, call 1 Feb 2026 30 min         -> 2 h
Lars sent us  L1 received  1 Feb 2026, won 20 Feb 2026, 2000.00
We gave Lars  G3  5 Feb 2026, won 10 Mar 2026, 2500.00
Lars's time   one-to-one 2 Feb 2026 240 min                                -> 4 h
Globex has its own partner with a won referral of 9999.00, which must never show in Acme.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from referral_engine.core.testing import make_account, make_contact
from referral_engine.partners.models import GivenStatus, Partner, ReferralGiven
from referral_engine.referrals.models import Referral, ReferralStatus, SourceKind
from referral_engine.relationships.models import Channel, Direction, Touchpoint, TouchpointKind


def at(y: int, m: int, d: int) -> datetime:
    from datetime import UTC

    return datetime(y, m, d, 12, tzinfo=UTC)


@dataclass
class LedgerFirm:
    firm: object
    ewa: Partner
    lars: Partner
    carol: Partner
    globex_partner: Partner
    g1: ReferralGiven
    g2: ReferralGiven
    g3: ReferralGiven


def _received(ws, partner, received, *, won=None, value=None, lost=None):
    account = make_account(ws)
    fields = {
        "workspace": ws,
        "source_kind": SourceKind.PARTNER,
        "source_partner": partner,
        "referred_account": account,
        "received_at": received,
    }
    if won is not None:
        fields.update(status=ReferralStatus.WON, closed_at=won, won_value=Decimal(value))
    elif lost is not None:
        fields.update(status=ReferralStatus.LOST, closed_at=lost)
    return Referral.objects.create(**fields)


def _touch(ws, partner, when, minutes, kind=TouchpointKind.ONE_TO_ONE):
    Touchpoint.objects.create(
        workspace=ws,
        partner=partner,
        kind=kind,
        channel=Channel.IN_PERSON,
        direction=Direction.OUTBOUND,
        minutes=minutes,
        at=when,
    )


def build(firm) -> LedgerFirm:
    ws = firm.workspace
    ewa = Partner.objects.create(
        workspace=ws,
        name="Ewa Nowak",
        profession="accountant",
        target_market="small businesses needing bookkeeping, payroll and tax returns",
        owner=firm.bob,
    )
    lars = Partner.objects.create(
        workspace=ws, name="Lars Berg", profession="lawyer", target_market="employment contracts and disputes"
    )
    _received(ws, ewa, at(2026, 1, 10), won=at(2026, 2, 15), value="1000.00")
    _received(ws, ewa, at(2026, 3, 5), won=at(2026, 3, 20), value="500.00")
    _received(ws, ewa, at(2026, 4, 1), lost=at(2026, 4, 10))
    _received(ws, lars, at(2026, 2, 1), won=at(2026, 2, 20), value="2000.00")
    g1 = ReferralGiven.objects.create(
        workspace=ws,
        partner=ewa,
        account=make_account(ws, name="Given One"),
        at=at(2026, 1, 20),
        status=GivenStatus.WON,
        closed_at=at(2026, 2, 10),
        won_value=Decimal("300.00"),
        thanked_at=at(2026, 2, 12),
    )
    g2 = ReferralGiven.objects.create(
        workspace=ws, partner=ewa, contact=make_contact(ws), at=at(2026, 3, 1), status=GivenStatus.OPEN
    )
    g3 = ReferralGiven.objects.create(
        workspace=ws,
        partner=lars,
        account=make_account(ws),
        at=at(2026, 2, 5),
        status=GivenStatus.WON,
        closed_at=at(2026, 3, 10),
        won_value=Decimal("2500.00"),
    )
    _touch(ws, ewa, at(2026, 1, 5), 90)
    _touch(ws, ewa, at(2026, 2, 1), 30, kind=TouchpointKind.CALL)
    _touch(ws, lars, at(2026, 2, 2), 240)
    other = firm.other_workspace
    globex_partner = Partner.objects.create(workspace=other, name="Gus Globex", profession="accountant")
    _received(other, globex_partner, at(2026, 1, 3), won=at(2026, 1, 9), value="9999.00")
    _touch(other, globex_partner, at(2026, 1, 4), 60)
    return LedgerFirm(firm, ewa, lars, firm.carol_partner, globex_partner, g1, g2, g3)
