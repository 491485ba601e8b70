"""Small builders for test data. They go through the services where one exists."""

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from django.utils import timezone

from referral_engine.partners.models import Partner
from referral_engine.relationships.models import Account, Contact
from referral_engine.workspaces.models import Membership, Role, User, Workspace
from referral_engine.workspaces.services import membership_add, token_create, user_create, workspace_create

PASSWORD = "correct-horse-battery-staple"
_counter = itertools.count(1)


@dataclass
class Firm:
    """One workspace with a named person in every role, and an outsider from another workspace.

    alice owns Acme, bob is an employee, carol is an outside partner with portal access,
    and dave owns Globex, a different firm who must never see Acme's data.
    """

    workspace: Workspace
    alice: Membership
    bob: Membership
    carol: Membership
    carol_partner: Partner
    other_workspace: Workspace
    dave: Membership

    def token(self, membership: Membership) -> str:
        return token_create(membership=membership, name=f"test-{membership.user.email}")[1]


def make_user(email: str, full_name: str = "") -> User:
    return user_create(email=email, password=PASSWORD, full_name=full_name, validate=False)


def make_firm() -> Firm:
    alice = make_user("alice@acme.test", "Alice Archer")
    workspace = workspace_create(name="Acme Advisory", slug="acme", owner=alice)
    bob = membership_add(workspace=workspace, user=make_user("bob@acme.test", "Bob Baker"), role=Role.MEMBER)
    carol = membership_add(
        workspace=workspace, user=make_user("carol@partner.test", "Carol Clark"), role=Role.PARTNER
    )
    carol_partner = Partner.objects.create(
        workspace=workspace,
        name="Carol Clark",
        company="Clark Accountants",
        email="carol@partner.test",
        profession="accountant",
        portal_membership=carol,
    )
    dave = make_user("dave@globex.test", "Dave Dunn")
    other = workspace_create(name="Globex", slug="globex", owner=dave)
    return Firm(
        workspace=workspace,
        alice=Membership.objects.get(workspace=workspace, user=alice),
        bob=bob,
        carol=carol,
        carol_partner=carol_partner,
        other_workspace=other,
        dave=Membership.objects.get(workspace=other, user=dave),
    )


def make_account(workspace: Workspace, **fields) -> Account:
    n = next(_counter)
    fields.setdefault("name", f"Account {n}")
    return Account.objects.create(workspace=workspace, **fields)


def make_contact(workspace: Workspace, **fields) -> Contact:
    n = next(_counter)
    fields.setdefault("first_name", "Pat")
    fields.setdefault("last_name", f"Person {n}")
    return Contact.objects.create(workspace=workspace, **fields)


def aware(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)
    return datetime(value.year, value.month, value.day, 12, tzinfo=UTC)


def money(value: str | int | float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def assert_api_field_error(response, loc: list, message: str) -> None:
    """The API refused the request with a 422 naming exactly this field (e.g. ["body", "group_id"])."""
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert [error["loc"] for error in detail] == [loc]
    assert detail[0]["msg"] == message
