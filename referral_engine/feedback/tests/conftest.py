"""A small firm for the NPS tests: Acme's customer Initech (owned by bob) with reachable and unreachable contacts."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from referral_engine.core.testing import make_account, make_contact
from referral_engine.feedback.models import SurveyInvitation
from referral_engine.integrations.models import OutboundEmail
from referral_engine.relationships.models import Account, Contact

# A Thursday: two working days later is the Monday after.
T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
LINK = re.compile(r"https?://[^\s]+/s/([A-Za-z0-9_-]+)/")


@dataclass
class World:
    initech: Account
    hooli: Account
    prospect: Account
    ann: Contact
    ben: Contact
    cat: Contact  # no e-mail address
    dan: Contact  # do-not-contact
    eve: Contact  # at a prospect: never in an "everyone" round
    gil: Contact  # Hooli, a customer without an owner


@pytest.fixture
def world(firm) -> World:
    ws = firm.workspace
    initech = make_account(ws, name="Initech", status="customer", owner=firm.bob)
    hooli = make_account(ws, name="Hooli", status="customer")
    prospect = make_account(ws, name="Prospective Ltd", status="prospect")
    return World(
        initech=initech,
        hooli=hooli,
        prospect=prospect,
        ann=make_contact(ws, first_name="Ann", last_name="Able", email="ann@initech.test", account=initech),
        ben=make_contact(ws, first_name="Ben", last_name="Bright", email="ben@initech.test", account=initech),
        cat=make_contact(ws, first_name="Cat", last_name="Cole", account=initech),
        dan=make_contact(
            ws,
            first_name="Dan",
            last_name="Dare",
            email="dan@initech.test",
            account=initech,
            do_not_contact=True,
        ),
        eve=make_contact(
            ws, first_name="Eve", last_name="Early", email="eve@prospective.test", account=prospect
        ),
        gil=make_contact(ws, first_name="Gil", last_name="Gray", email="gil@hooli.test", account=hooli),
    )


def mailed_token(invitation: SurveyInvitation) -> str:
    """The token of the link in the invitation's e-mail, as the contact receives it."""
    email = OutboundEmail.objects.get(workspace=invitation.workspace, dedupe_key=f"survey:{invitation.pk}")
    return LINK.search(email.body).group(1)
