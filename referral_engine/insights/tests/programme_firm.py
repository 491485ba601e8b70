"""A small hand-built firm for the programme insights, every figure of which is worked out by hand in
test_programme_figures.py. Dates are in the first half of 2026; "today" for the figures is 30 June 2026.

Accounts and referrals (R = referral, all times 12:00 UTC; the workspace is in UTC):
  A1  won 2026-02-10 via R1  (customer c_src, received 01-11, contacted 01-12, closed 02-10, 1000), root of a chain
  A11 won 2026-03-10 via R11 (tier 2 under R1, customer c_a1, received 02-20, closed 03-10, 800)
  A12 prospect, R111 (tier 2 under R11, received 04-01, contacted 04-03, open)
  A13 prospect, R12  (tier 2 under R1, received 03-05, open)
  A2  won 2026-05-05 via R2  (partner Carol, received 04-05, contacted 04-05 18:00, closed 05-05, 3000)
  A14 prospect, R21  (tier 2 under R2, partner Carol, received 05-10, lost 05-20)
  A3  won 2026-04-01 via R3  (employee Bob, received 03-22, closed 04-01, 500), churned 2026-06-30
  A4  prospect, R4 (customer c_src, received 03-01, lost 03-20)
  A7  won 2026-06-10 via R7  (event E1, received 06-01, closed 06-10, 1500)
  A5  won 2026-03-15, no referral, recorded 2026-01-15; purchases 03-01 999 (before the win), 03-15 200, 06-01 300
  A9  won 2026-01-05, no referral, churned 2026-03-06
  A10 won 2026-02-01, no referral, churned 2026-05-02
  A6  won 2025-11-01, no referral (before the period)
  A8  prospect, no referral, recorded 2026-02-01
Purchases of referred accounts: A1 02-10 400, 2027-02-09 100 (day 364 of its first year), 2027-02-10 50 (day 365,
outside); A2 05-05 600; A7 06-10 200.

Touchpoints: Carol one-to-one 03-01 60 min, Carol call 05-01 30 min, Carol 2025-12-01 600 min (before the period),
c_src meeting 02-01 120 min, at event E1 with c_src 180 min, at E1 with partner Pete 60 min.

Buying circles (influencers): account B with p1..p5 (links p1→p2, p1→p3, p1→p4, p2→p1, p3→p4, p5→p1, p5→p2 and
p1→q1 at another account C), account D with a triangle d1, d2, d3, and account E with two triangles joined by a bridge: e1-e2, e2-e3, e3-e1,
e1-e4 (and e4→e1 again), e4-e5, e5-e6, e6-e7, e7-e5. RQ: p1 30, p2 80, p3 20, d2 39.9, d3 40, e1 10, e2 35, e5 90,
e6 75. Touchpoints: p3 30 days before 06-30, d1 120 days before, d2 100 days before, e4 200 days before (before the
period). p5 and e7 asked not to be contacted.

Health: asks 01-06, 01-07, 03-03; thank-you tasks done for R1 01-13 12:00 and 01-20, for R2 04-06 18:00.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from referral_engine.core.testing import Firm, aware, make_account, make_contact
from referral_engine.engagement.models import Ask, Task, TaskKind, TaskStatus
from referral_engine.insights.models import RelationshipScore
from referral_engine.partners.models import Event, Partner
from referral_engine.referrals.models import Referral, ReferralStatus, SourceKind
from referral_engine.relationships.models import Account, ContactLink, Purchase, Touchpoint

TODAY = date(2026, 6, 30)
START = date(2026, 1, 1)
END = date(2026, 6, 30)


@dataclass
class ProgrammeFirm:
    firm: Firm
    accounts: dict
    referrals: dict
    contacts: dict
    pete: Partner
    event: Event


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def build_programme_firm(firm: Firm) -> ProgrammeFirm:
    ws = firm.workspace
    carol = firm.carol_partner
    pete = Partner.objects.create(workspace=ws, name="Pete Partner", company="Pete IT")
    event = Event.objects.create(workspace=ws, name="Spring mixer", starts_at=at(date(2026, 4, 20)))
    A = {}
    for name, won, churned in [
        ("A1", date(2026, 2, 10), None),
        ("A11", date(2026, 3, 10), None),
        ("A12", None, None),
        ("A13", None, None),
        ("A2", date(2026, 5, 5), None),
        ("A14", None, None),
        ("A3", date(2026, 4, 1), date(2026, 6, 30)),
        ("A4", None, None),
        ("A7", date(2026, 6, 10), None),
        ("A5", date(2026, 3, 15), None),
        ("A9", date(2026, 1, 5), date(2026, 3, 6)),
        ("A10", date(2026, 2, 1), date(2026, 5, 2)),
        ("A6", date(2025, 11, 1), None),
        ("A8", None, None),
    ]:
        status = "churned" if churned else ("customer" if won else "prospect")
        A[name] = make_account(ws, name=name, won_at=won, churned_at=churned, status=status)
    Account.objects.filter(pk=A["A5"].pk).update(created_at=at(date(2026, 1, 15)))
    Account.objects.filter(pk=A["A8"].pk).update(created_at=at(date(2026, 2, 1)))

    source_account = make_account(ws, name="Source Co")
    c_src = make_contact(ws, first_name="Sam", last_name="Source", account=source_account)
    c_a1 = make_contact(ws, first_name="Ann", last_name="One", account=A["A1"])

    def referral(
        account, kind, *, received, closed=None, status=ReferralStatus.RECEIVED, value=None, **extra
    ):
        return Referral.objects.create(
            workspace=ws,
            source_kind=kind,
            referred_account=A[account],
            received_at=at(received),
            closed_at=at(closed) if closed else None,
            status=status,
            won_value=Decimal(value) if value is not None else None,
            **extra,
        )

    won, lost = ReferralStatus.WON, ReferralStatus.LOST
    R = {}
    R["R1"] = referral(
        "A1",
        SourceKind.CUSTOMER,
        received=date(2026, 1, 11),
        closed=date(2026, 2, 10),
        status=won,
        value="1000",
        source_contact=c_src,
        contacted_at=at(date(2026, 1, 12)),
    )
    R["R11"] = referral(
        "A11",
        SourceKind.CUSTOMER,
        received=date(2026, 2, 20),
        closed=date(2026, 3, 10),
        status=won,
        value="800",
        source_contact=c_a1,
        tier=2,
        parent=R["R1"],
    )
    R["R111"] = referral(
        "A12",
        SourceKind.CUSTOMER,
        received=date(2026, 4, 1),
        status=ReferralStatus.CONTACTED,
        source_contact=c_a1,
        tier=2,
        parent=R["R11"],
        contacted_at=at(date(2026, 4, 3)),
    )
    R["R12"] = referral(
        "A13", SourceKind.CUSTOMER, received=date(2026, 3, 5), source_contact=c_a1, tier=2, parent=R["R1"]
    )
    R["R2"] = referral(
        "A2",
        SourceKind.PARTNER,
        received=date(2026, 4, 5),
        closed=date(2026, 5, 5),
        status=won,
        value="3000",
        source_partner=carol,
        contacted_at=at(date(2026, 4, 5), 18),
    )
    R["R21"] = referral(
        "A14",
        SourceKind.PARTNER,
        received=date(2026, 5, 10),
        closed=date(2026, 5, 20),
        status=lost,
        source_partner=carol,
        tier=2,
        parent=R["R2"],
    )
    R["R3"] = referral(
        "A3",
        SourceKind.EMPLOYEE,
        received=date(2026, 3, 22),
        closed=date(2026, 4, 1),
        status=won,
        value="500",
        source_employee=firm.bob,
    )
    R["R4"] = referral(
        "A4",
        SourceKind.CUSTOMER,
        received=date(2026, 3, 1),
        closed=date(2026, 3, 20),
        status=lost,
        source_contact=c_src,
    )
    R["R7"] = referral(
        "A7",
        SourceKind.EVENT,
        received=date(2026, 6, 1),
        closed=date(2026, 6, 10),
        status=won,
        value="1500",
        source_event=event,
    )

    for account, day, amount in [
        ("A5", date(2026, 3, 1), "999"),
        ("A5", date(2026, 3, 15), "200"),
        ("A5", date(2026, 6, 1), "300"),
        ("A1", date(2026, 2, 10), "400"),
        ("A1", date(2027, 2, 9), "100"),
        ("A1", date(2027, 2, 10), "50"),
        ("A2", date(2026, 5, 5), "600"),
        ("A7", date(2026, 6, 10), "200"),
    ]:
        Purchase.objects.create(workspace=ws, account=A[account], date=day, amount=Decimal(amount))

    def touch(day, minutes, **who):
        return Touchpoint.objects.create(
            workspace=ws,
            kind=who.pop("kind", "meeting"),
            channel="in_person",
            direction="out",
            minutes=minutes,
            at=at(day) if isinstance(day, date) and not isinstance(day, datetime) else day,
            employee=firm.alice,
            **who,
        )

    touch(date(2026, 3, 1), 60, partner=carol, kind="one_to_one")
    touch(date(2026, 5, 1), 30, partner=carol, kind="call")
    touch(date(2025, 12, 1), 600, partner=carol)
    touch(date(2026, 2, 1), 120, contact=c_src)
    touch(date(2026, 4, 20), 180, contact=c_src, event=event, kind="event")
    touch(date(2026, 4, 20), 60, partner=pete, event=event, kind="event")

    # Buying circles.
    B = make_account(ws, name="Circle B")
    C = make_account(ws, name="Circle C")
    D = make_account(ws, name="Circle D")
    P = {f"p{i}": make_contact(ws, first_name=f"P{i}", last_name="Bee", account=B) for i in range(1, 6)}
    P["p5"].do_not_contact = True
    P["p5"].save(update_fields=["do_not_contact"])
    P["q1"] = make_contact(ws, first_name="Q1", last_name="Cee", account=C)
    for i in range(1, 4):
        P[f"d{i}"] = make_contact(ws, first_name=f"D{i}", last_name="Dee", account=D)
    E = make_account(ws, name="Circle E")
    for i in range(1, 8):
        P[f"e{i}"] = make_contact(ws, first_name=f"E{i}", last_name="Eee", account=E)
    P["e7"].do_not_contact = True
    P["e7"].save(update_fields=["do_not_contact"])
    for a, b, kind in [
        ("p1", "p2", "knows"),
        ("p1", "p3", "influences"),
        ("p1", "p4", "reports_to"),
        ("p2", "p1", "knows"),
        ("p3", "p4", "knows"),
        ("p5", "p1", "knows"),
        ("p5", "p2", "knows"),
        ("p1", "q1", "knows"),
        ("d1", "d2", "knows"),
        ("d2", "d3", "knows"),
        ("d3", "d1", "knows"),
        ("e1", "e2", "knows"),
        ("e2", "e3", "knows"),
        ("e3", "e1", "influences"),
        ("e1", "e4", "knows"),
        ("e4", "e1", "reports_to"),
        ("e4", "e5", "knows"),
        ("e5", "e6", "knows"),
        ("e6", "e7", "knows"),
        ("e7", "e5", "knows"),
    ]:
        ContactLink.objects.create(workspace=ws, from_contact=P[a], to_contact=P[b], kind=kind)
    for name, score in [
        ("p1", 30),
        ("p2", 80),
        ("p3", 20),
        ("d2", 39.9),
        ("d3", 40),
        ("e1", 10),
        ("e2", 35),
        ("e5", 90),
        ("e6", 75),
    ]:
        RelationshipScore.objects.create(
            workspace=ws, kind="contact", contact=P[name], score=score, computed_at=at(TODAY)
        )
    touch(at(TODAY) - timedelta(days=30), 15, contact=P["p3"])
    touch(at(TODAY) - timedelta(days=120), 15, contact=P["d1"])
    touch(at(TODAY) - timedelta(days=100), 15, contact=P["d2"])
    touch(at(TODAY) - timedelta(days=200), 15, contact=P["e4"])

    for day in (date(2026, 1, 6), date(2026, 1, 7), date(2026, 3, 3)):
        Ask.objects.create(workspace=ws, asker=firm.alice, contact=c_src, at=at(day), channel="in_person")
    for referral_key, done in [
        ("R1", at(date(2026, 1, 13))),
        ("R1", at(date(2026, 1, 20))),
        ("R2", at(date(2026, 4, 6), 18)),
    ]:
        Task.objects.create(
            workspace=ws,
            kind=TaskKind.THANK,
            title="Thank you",
            due=done.date(),
            status=TaskStatus.DONE,
            completed_at=done,
            referral=R[referral_key],
        )
    return ProgrammeFirm(
        firm=firm,
        accounts=A,
        referrals=R,
        contacts={"c_src": c_src, "c_a1": c_a1, **P},
        pete=pete,
        event=event,
    )


def globex_noise(firm: Firm) -> None:
    """Another workspace's won referral, purchases, touchpoints and circle: never part of Acme's figures."""
    ws = firm.other_workspace
    account = make_account(ws, name="Globex customer", won_at=date(2026, 2, 2), status="customer")
    contact = make_contact(ws, account=account)
    Referral.objects.create(
        workspace=ws,
        source_kind=SourceKind.CUSTOMER,
        source_contact=contact,
        referred_account=account,
        received_at=aware(date(2026, 1, 20)),
        closed_at=aware(date(2026, 2, 2)),
        status=ReferralStatus.WON,
        won_value=Decimal("99999"),
    )
    Purchase.objects.create(workspace=ws, account=account, date=date(2026, 2, 2), amount=Decimal("5000"))
    others = [make_contact(ws, account=account) for _ in range(3)]
    ContactLink.objects.create(workspace=ws, from_contact=others[0], to_contact=others[1], kind="knows")
    ContactLink.objects.create(workspace=ws, from_contact=others[0], to_contact=others[2], kind="knows")
    ContactLink.objects.create(workspace=ws, from_contact=others[0], to_contact=contact, kind="knows")
