"""The back office: a firm's owner or admin sees and edits only their firm; members and outsiders see nothing."""

import itertools
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from referral_engine.core.testing import make_account, make_contact
from referral_engine.engagement.models import Ask, Task
from referral_engine.feedback.models import NpsResponse, SurveyInvitation
from referral_engine.partners.models import Attendance, Event, NetworkingGroup, Partner
from referral_engine.referrals.models import Referral, Reward
from referral_engine.relationships.models import Account, Contact, ContactLink, Purchase, Touchpoint
from referral_engine.workspaces.models import ApiToken, Membership, User, Workspace
from referral_engine.workspaces.selectors import token_membership
from referral_engine.workspaces.services import token_create

AT = datetime(2025, 3, 3, 9, tzinfo=UTC)
_unique = itertools.count(1)

# Every workspace-owned model, so the scoping and the query-count tests cover each admin.
WORKSPACE_MODELS = [
    Account,
    Contact,
    ContactLink,
    Purchase,
    Touchpoint,
    NetworkingGroup,
    Partner,
    Event,
    Attendance,
    Referral,
    Reward,
    Ask,
    Task,
    SurveyInvitation,
    NpsResponse,
    Membership,
    ApiToken,
]


def populate(workspace: Workspace, *, tag: str, count: int, employee: Membership) -> None:
    """`count` rows of every workspace-owned model, each carrying `tag` in what its list page shows."""
    start = Contact.objects.filter(workspace=workspace).count()
    for i in range(start, start + count):
        name = f"{tag} {i}"
        account = make_account(workspace, name=f"{name} Ltd", owner=employee)
        contact = make_contact(
            workspace, last_name=name, account=account, owner=employee, email=f"{i}@{tag}.test"
        )
        other = make_contact(workspace, last_name=f"{name} colleague", account=account)
        ContactLink.objects.create(
            workspace=workspace, from_contact=other, to_contact=contact, kind="reports_to"
        )
        Purchase.objects.create(
            workspace=workspace, account=account, date=date(2025, 1, 2), amount=Decimal(10)
        )
        group = NetworkingGroup.objects.create(workspace=workspace, name=f"{name} chapter")
        partner = Partner.objects.create(
            workspace=workspace, name=f"{name} partner", networking_group=group, owner=employee
        )
        Touchpoint.objects.create(
            workspace=workspace, kind="call", channel="phone", direction="out", contact=contact, at=AT
        )
        event = Event.objects.create(workspace=workspace, name=f"{name} breakfast", starts_at=AT)
        Attendance.objects.create(workspace=workspace, event=event, partner=partner)
        referral = Referral.objects.create(
            workspace=workspace,
            source_kind="customer",
            source_contact=contact,
            referred_account=account,
            received_at=AT,
            owner=employee,
        )
        Reward.objects.create(workspace=workspace, referral=referral, kind="gift", amount=Decimal(25))
        Ask.objects.create(workspace=workspace, asker=employee, contact=contact, at=AT, channel="phone")
        Task.objects.create(
            workspace=workspace, kind="thank", title=f"Thank {name}", due=date(2025, 3, 4), assignee=employee
        )
        invitation = SurveyInvitation.objects.create(
            workspace=workspace, contact=contact, token_digest=f"{next(_unique):064x}", expires_at=AT
        )
        NpsResponse.objects.create(
            workspace=workspace, contact=contact, account=account, invitation=invitation, score=9, at=AT
        )
        ApiToken.objects.create(
            workspace=workspace,
            membership=employee,
            name=f"{name} token",
            prefix="re_x",
            digest=f"{next(_unique):064x}",
        )


def changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


@pytest.fixture
def back_office(firm):
    """alice and dave run their firms and may open the back office; so may bob, who is only a member."""
    for membership in (firm.alice, firm.bob, firm.dave):
        membership.user.is_staff = True
        membership.user.save(update_fields=["is_staff"])
    populate(firm.workspace, tag="Acmerow", count=2, employee=firm.alice)
    populate(firm.other_workspace, tag="Globexrow", count=2, employee=firm.dave)
    return firm


def signed_in(client, user: User):
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", WORKSPACE_MODELS, ids=lambda m: m._meta.model_name)
def test_alice_lists_only_her_firms_rows(back_office, client, model):
    page = signed_in(client, back_office.alice.user).get(changelist(model))

    assert page.status_code == 200
    body = page.content.decode()
    assert model.objects.filter(workspace=back_office.workspace).exists()
    assert "Globex" not in body
    assert "dave@globex.test" not in body
    assert ("Bob Baker" if model is Membership else "Acmerow") in body


def test_alice_sees_her_workspace_and_its_people_only(back_office, client):
    signed_in(client, back_office.alice.user)

    workspaces = client.get(changelist(Workspace)).content.decode()
    people = client.get(changelist(User)).content.decode()
    members = client.get(changelist(Membership)).content.decode()

    assert "Acme Advisory" in workspaces and "Globex" not in workspaces
    assert "bob@acme.test" in people and "carol@partner.test" in people and "dave@globex.test" not in people
    assert "Bob Baker" in members and "Dave Dunn" not in members


def test_alice_may_look_at_her_people_but_not_change_their_accounts(back_office, client):
    signed_in(client, back_office.alice.user)
    bob = back_office.bob.user

    page = client.get(change_url(bob))

    assert page.status_code == 200
    assert bob.password not in page.content.decode()
    assert client.get(reverse("admin:auth_user_password_change", args=[bob.pk])).status_code == 403
    client.post(change_url(bob), {"email": "bob@evil.test", "is_superuser": "on"})
    bob.refresh_from_db()
    assert (bob.email, bob.is_superuser) == ("bob@acme.test", False)
    assert client.get(change_url(back_office.dave.user)).status_code == 302


@pytest.mark.parametrize("suffix", ["", "history/", "delete/"])
def test_another_firms_row_does_not_exist_for_alice(back_office, client, suffix):
    secret = Account.objects.filter(workspace=back_office.other_workspace).first()
    signed_in(client, back_office.alice.user)

    page = client.get(change_url(secret).replace("/change/", f"/{suffix}") if suffix else change_url(secret))

    assert page.status_code in (302, 404)
    assert secret.name not in client.get(page.url if page.status_code == 302 else "/admin/").content.decode()


def test_a_filter_set_to_another_firms_row_reveals_nothing(back_office, client):
    signed_in(client, back_office.alice.user)
    globex_account = Account.objects.filter(workspace=back_office.other_workspace).first()

    for model, lookup, other in [
        (Account, "owner__id__exact", back_office.dave),
        (Contact, "account__id__exact", globex_account),
        (Referral, "workspace__id__exact", back_office.other_workspace),
    ]:
        page = client.get(changelist(model), {lookup: other.pk})
        assert page.status_code == 200
        assert "Globex" not in page.content.decode() and "Dave" not in page.content.decode()


def test_alice_cannot_change_another_firms_row_by_posting(back_office, client):
    secret = Account.objects.filter(workspace=back_office.other_workspace).first()
    signed_in(client, back_office.alice.user)

    client.post(change_url(secret), {"name": "Taken over", "workspace": back_office.workspace.pk})

    secret.refresh_from_db()
    assert secret.name.startswith("Globexrow")
    assert secret.workspace_id == back_office.other_workspace.pk


AUTOCOMPLETES = [
    # (source model, field, model whose rows answer)
    ("relationships", "contact", "account", Account),
    ("relationships", "account", "owner", Membership),
    ("referrals", "referral", "source_contact", Contact),
    ("referrals", "referral", "source_partner", Partner),
    ("engagement", "task", "referral", Referral),
    ("relationships", "account", "workspace", Workspace),
    ("workspaces", "membership", "user", User),
]


@pytest.mark.parametrize(("app_label", "model_name", "field", "target"), AUTOCOMPLETES, ids=lambda v: str(v))
def test_autocomplete_answers_only_with_rows_of_alices_firm(
    back_office, client, app_label, model_name, field, target
):
    signed_in(client, back_office.alice.user)
    url = reverse("admin:autocomplete")
    params = {"app_label": app_label, "model_name": model_name, "field_name": field, "term": ""}

    results = client.get(url, params).json()["results"]
    ids = {int(result["id"]) for result in results}

    if target is Workspace:
        expected = {back_office.workspace.pk}
    elif target is User:
        expected = set(
            Membership.objects.filter(workspace=back_office.workspace).values_list("user_id", flat=True)
        )
    else:
        expected = set(target.objects.filter(workspace=back_office.workspace).values_list("pk", flat=True))
    assert ids == expected
    # And dave, asking the same question, hears only of Globex.
    signed_in(client, back_office.dave.user)
    theirs = {int(result["id"]) for result in client.get(url, params).json()["results"]}
    assert theirs and not theirs & ids


def test_a_member_cannot_manage_even_as_staff(back_office, client):
    signed_in(client, back_office.bob.user)

    index = client.get("/admin/")
    assert index.status_code == 200
    assert "Acmerow" not in index.content.decode()
    assert reverse("admin:relationships_account_changelist") not in index.content.decode()
    for model in (Account, Referral, Membership, User, Workspace):
        assert client.get(changelist(model)).status_code == 403
    account = Account.objects.filter(workspace=back_office.workspace).first()
    assert client.get(change_url(account)).status_code == 403
    autocomplete = reverse("admin:autocomplete")
    params = {"app_label": "relationships", "model_name": "contact", "field_name": "account"}
    assert client.get(autocomplete, params).status_code == 403


def test_alice_adds_an_account_to_her_firm_and_cannot_add_one_to_another(back_office, client):
    signed_in(client, back_office.alice.user)
    add = reverse("admin:relationships_account_add")
    form = {
        "name": "Initech",
        "status": "prospect",
        "contacts-TOTAL_FORMS": 1,
        "contacts-INITIAL_FORMS": 0,
        "contacts-0-first_name": "Peter",
        "contacts-0-last_name": "Gibbons",
        "contacts-0-email": "0@Acmerow.test",  # already taken in Acme by populate()
        "purchases-TOTAL_FORMS": 0,
        "purchases-INITIAL_FORMS": 0,
    }

    # Her firm is chosen for her...
    assert f'value="{back_office.workspace.pk}"' in client.get(add).content.decode()
    # ...another firm is refused with a form error, not stored...
    refused = client.post(add, {**form, "workspace": back_office.other_workspace.pk})
    assert refused.status_code == 200
    assert not Account.objects.filter(name="Initech").exists()
    # ...a duplicate address added inline is a form error, not a database error...
    duplicate = client.post(add, {**form, "workspace": back_office.workspace.pk})
    assert duplicate.status_code == 200
    assert "contact_email_unique_in_workspace" in duplicate.content.decode()
    # ...and the row and its inline contact land in her firm.
    done = client.post(
        add, {**form, "workspace": back_office.workspace.pk, "contacts-0-email": "peter@initech.test"}
    )
    assert done.status_code == 302
    initech = Account.objects.get(name="Initech")
    assert initech.workspace_id == back_office.workspace.pk
    assert initech.contacts.get().workspace_id == back_office.workspace.pk


def test_a_reference_into_another_firm_is_a_form_error_even_for_a_superuser(back_office, client):
    root = User.objects.create_superuser("root@example.test", "pw")
    signed_in(client, root)
    globex_account = Account.objects.filter(workspace=back_office.other_workspace).first()

    page = client.post(
        reverse("admin:relationships_contact_add"),
        {"workspace": back_office.workspace.pk, "first_name": "Mixed", "account": globex_account.pk},
    )

    assert page.status_code == 200
    assert "Choose a record of the same workspace." in page.content.decode()
    assert not Contact.objects.filter(first_name="Mixed").exists()


def test_an_admin_cannot_make_themselves_owner(back_office, client):
    erin = User.objects.create_user("erin@acme.test", "pw", is_staff=True)
    membership = Membership.objects.create(workspace=back_office.workspace, user=erin, role="admin")
    signed_in(client, erin)

    page = client.post(
        change_url(membership),
        {"workspace": back_office.workspace.pk, "user": erin.pk, "role": "owner", "is_active": "on"},
    )

    assert page.status_code == 200
    assert "Only an owner may grant or change ownership." in page.content.decode()
    membership.refresh_from_db()
    assert membership.role == "admin"
    # Nor touch the owner's own membership.
    assert client.get(change_url(back_office.alice)).status_code == 200
    client.post(
        change_url(back_office.alice),
        {"workspace": back_office.workspace.pk, "user": back_office.alice.user.pk, "role": "member"},
    )
    back_office.alice.refresh_from_db()
    assert back_office.alice.role == "owner"


def test_a_token_added_in_the_back_office_is_shown_once_and_works(back_office, client):
    signed_in(client, back_office.alice.user)

    page = client.post(
        reverse("admin:workspaces_apitoken_add"),
        {"membership": back_office.bob.pk, "name": "zapier"},
        follow=True,
    )

    raw = re.search(r"The new API token is (re_\S+) ", page.content.decode()).group(1)
    token = ApiToken.objects.get(name="zapier")
    assert token_membership(raw_token=raw) == back_office.bob
    assert token.workspace_id == back_office.workspace.pk
    change_page = client.get(change_url(token)).content.decode()
    assert raw not in change_page and token.digest not in change_page
    assert raw not in client.get(change_url(token)).content.decode()


def test_alice_cannot_issue_a_token_for_another_firms_member(back_office, client):
    signed_in(client, back_office.alice.user)

    page = client.post(
        reverse("admin:workspaces_apitoken_add"), {"membership": back_office.dave.pk, "name": "x"}
    )

    assert page.status_code == 200
    assert not ApiToken.objects.filter(name="x").exists()


def test_the_revoke_action_revokes_only_the_chosen_tokens_of_her_firm(back_office, client):
    mine, _ = token_create(membership=back_office.bob, name="mine")
    theirs, raw_theirs = token_create(membership=back_office.dave, name="theirs")
    signed_in(client, back_office.alice.user)

    client.post(
        changelist(ApiToken), {"action": "revoke", "_selected_action": [mine.pk, theirs.pk]}, follow=True
    )

    mine.refresh_from_db(), theirs.refresh_from_db()
    assert mine.revoked_at is not None
    assert theirs.revoked_at is None
    assert token_membership(raw_token=raw_theirs) == back_office.dave


def test_every_registered_admin_renders_its_list_add_and_change_pages_for_a_superuser(back_office, client):
    root = User.objects.create_superuser("root@example.test", "pw")
    signed_in(client, root)

    for model, model_admin in admin.site._registry.items():
        name = f"{model._meta.app_label}_{model._meta.model_name}"
        # Searching renders the whole list and proves every search_fields path exists.
        page = client.get(reverse(f"admin:{name}_changelist"), {"q": "Acmerow"})
        assert page.status_code == 200, name
        add = client.get(reverse(f"admin:{name}_add"))
        assert add.status_code == (200 if model_admin.has_add_permission(add.wsgi_request) else 403), name
        obj = model._default_manager.first()
        if obj is not None:
            assert client.get(reverse(f"admin:{name}_change", args=[obj.pk])).status_code == 200, name


def _query_counts(client, models) -> dict[str, int]:
    counts = {}
    for model in models:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(changelist(model)).status_code == 200
        counts[model._meta.model_name] = len(queries)
    return counts


def test_list_pages_cost_the_same_queries_for_3_rows_as_for_30(
    back_office, client, django_assert_max_num_queries
):
    # alice also helps run Globex here, so the lists show their workspace column and filter as well.
    Membership.objects.create(
        workspace=back_office.other_workspace, user=back_office.alice.user, role="admin"
    )
    signed_in(client, back_office.alice.user)
    models = [*WORKSPACE_MODELS, Workspace, User]
    populate(back_office.workspace, tag="Acmerow", count=1, employee=back_office.alice)
    few = _query_counts(client, models)
    assert max(few.values()) <= 12, few

    populate(back_office.workspace, tag="Acmerow", count=27, employee=back_office.alice)

    for model in models:
        with django_assert_max_num_queries(few[model._meta.model_name]):
            page = client.get(changelist(model))
        assert page.status_code == 200
