"""The profile, settings and workspace-switch pages: each person gets what their role allows."""

import pytest
from django.urls import reverse

from referral_engine.core.testing import PASSWORD
from referral_engine.workspaces.access import SESSION_KEY
from referral_engine.workspaces.models import Role, Workspace
from referral_engine.workspaces.services import membership_add

NEW = "another-long-passphrase"


# ------------------------------------------------------------------------------------------------- settings


def test_an_owner_sees_the_team_the_invite_form_and_pending_invitations(client, firm):
    client.force_login(firm.alice.user)
    response = client.get(reverse("settings"))
    html = response.content.decode()
    assert response.status_code == 200
    assert [m.user.email for m in response.context["members"]] == [
        "alice@acme.test",
        "bob@acme.test",
        "carol@partner.test",
    ]
    assert 'data-testid="invite-form"' in html and "Acme Advisory" in html
    assert "dave@globex.test" not in html


def test_a_member_sees_the_team_but_cannot_invite_or_rename(client, firm):
    client.force_login(firm.bob.user)
    html = client.get(reverse("settings")).content.decode()
    assert "bob@acme.test" in html and "alice@acme.test" in html
    assert 'data-testid="invite-form"' not in html
    assert client.post(reverse("workspace_rename"), {"name": "Bob's firm"}).status_code == 404
    assert Workspace.objects.get(pk=firm.workspace.pk).name == "Acme Advisory"


def test_a_partner_gets_no_settings_page(client, firm):
    client.force_login(firm.carol.user)
    assert client.get(reverse("settings")).status_code == 404


def test_dave_sees_only_his_own_workspace_in_settings(client, firm):
    client.force_login(firm.dave.user)
    response = client.get(reverse("settings"))
    html = response.content.decode()
    assert "Globex" in html
    assert "alice@acme.test" not in html and "Acme Advisory" not in html


def test_an_owner_renames_the_workspace_and_a_blank_name_is_refused_beside_the_field(client, firm):
    client.force_login(firm.alice.user)

    blank = client.post(reverse("workspace_rename"), {"name": "   "})
    assert blank.status_code == 200
    assert "name" in blank.context["workspace_form"].errors
    assert Workspace.objects.get(pk=firm.workspace.pk).name == "Acme Advisory"

    assert client.post(reverse("workspace_rename"), {"name": "Acme Partners"}).status_code == 302
    assert Workspace.objects.get(pk=firm.workspace.pk).name == "Acme Partners"


# -------------------------------------------------------------------------------------------------- profile


@pytest.mark.parametrize("person", ["alice", "bob", "carol", "dave"])
def test_everyone_has_a_profile_page_of_their_own(client, firm, person):
    user = getattr(firm, person).user
    client.force_login(user)
    response = client.get(reverse("profile"))
    assert response.status_code == 200
    assert user.email in response.content.decode()


def test_changing_my_name(client, firm):
    client.force_login(firm.bob.user)
    blank = client.post(reverse("profile"), {"form": "profile", "full_name": ""})
    assert "full_name" in blank.context["profile_form"].errors

    response = client.post(reverse("profile"), {"form": "profile", "full_name": "Robert Baker"})
    assert response.status_code == 302
    firm.bob.user.refresh_from_db()
    assert firm.bob.user.full_name == "Robert Baker"


def test_changing_my_password_needs_the_current_one_and_keeps_me_signed_in(client, firm):
    client.force_login(firm.bob.user)
    wrong = client.post(
        reverse("profile"),
        {"form": "password", "old_password": "nope", "new_password1": NEW, "new_password2": NEW},
    )
    assert "old_password" in wrong.context["password_form"].errors
    weak = client.post(
        reverse("profile"),
        {"form": "password", "old_password": PASSWORD, "new_password1": "123", "new_password2": "123"},
    )
    assert weak.context["password_form"].errors
    firm.bob.user.refresh_from_db()
    assert firm.bob.user.check_password(PASSWORD)

    done = client.post(
        reverse("profile"),
        {"form": "password", "old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )

    assert done.status_code == 302
    firm.bob.user.refresh_from_db()
    assert firm.bob.user.check_password(NEW)
    assert client.get(reverse("today")).status_code == 200


# --------------------------------------------------------------------------------------- switching workspace


def test_someone_in_two_workspaces_switches_between_them(client, firm):
    membership_add(workspace=firm.other_workspace, user=firm.alice.user, role=Role.MEMBER)
    client.force_login(firm.alice.user)
    assert 'data-testid="workspace-switcher"' in client.get(reverse("today")).content.decode()

    response = client.post(reverse("workspace_switch"), {"workspace": firm.other_workspace.pk})

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == firm.other_workspace.pk
    assert client.get(reverse("settings")).context["request"].workspace == firm.other_workspace


@pytest.mark.parametrize("person", ["alice", "bob", "carol"])
def test_nobody_switches_into_a_workspace_they_do_not_belong_to(client, firm, person):
    client.force_login(getattr(firm, person).user)
    response = client.post(reverse("workspace_switch"), {"workspace": firm.other_workspace.pk})
    assert response.status_code == 404
    assert client.session.get(SESSION_KEY) != firm.other_workspace.pk
    assert client.post(reverse("workspace_switch"), {"workspace": "x"}).status_code == 404
    assert client.get(reverse("workspace_switch")).status_code == 405


def test_someone_in_one_workspace_sees_no_switcher(client, firm):
    client.force_login(firm.bob.user)
    assert 'data-testid="workspace-switcher"' not in client.get(reverse("today")).content.decode()
