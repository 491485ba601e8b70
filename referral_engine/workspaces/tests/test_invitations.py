import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from referral_engine.core.errors import Conflict
from referral_engine.core.testing import PASSWORD, make_user
from referral_engine.workspaces.models import Invitation, Membership, Role, User
from referral_engine.workspaces.services import invitation_accept, invitation_create, invitation_revoke

NEW_PASSWORD = "a-fresh-long-passphrase"


def _link(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/invitations/[^\s/]+/)", body)
    assert match, body
    return match.group(1)


def _invite(
    client, firm, smtp_server, django_capture_on_commit_callbacks, email="erin@acme.test", role="member"
):
    client.force_login(firm.alice.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("invitation_create"), {"email": email, "role": role})
    assert response.status_code == 302, response.content.decode()
    client.logout()
    return _link(smtp_server.body())


def test_an_owner_invites_by_email_and_the_new_colleague_joins_through_the_link(
    client, firm, smtp_server, django_capture_on_commit_callbacks
):
    link = _invite(client, firm, smtp_server, django_capture_on_commit_callbacks, role="admin")

    message = smtp_server.messages[-1]
    assert message["X-Envelope-To"] == "erin@acme.test"
    assert message["Subject"] == "Alice Archer invites you to Acme Advisory on Referral Engine"
    assert "as admin" in smtp_server.body()
    invitation = Invitation.objects.get(email="erin@acme.test")
    raw_token = link.rstrip("/").rsplit("/", 1)[1]
    assert invitation.digest == Invitation.digest_of(raw_token) and raw_token not in invitation.digest

    page = client.get(link)
    assert page.status_code == 200
    assert "Alice Archer" in page.content.decode() and "Acme Advisory" in page.content.decode()

    response = client.post(
        link, {"full_name": "Erin Evans", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )

    assert response.status_code == 302 and response["Location"] == reverse("today")
    erin = User.objects.get(email="erin@acme.test")
    assert erin.full_name == "Erin Evans" and erin.check_password(NEW_PASSWORD)
    assert Membership.objects.get(user=erin, workspace=firm.workspace).role == Role.ADMIN
    assert client.get(reverse("today")).status_code == 200  # signed in as Erin
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None


def test_a_used_link_says_so_clearly(client, firm, smtp_server, django_capture_on_commit_callbacks):
    link = _invite(client, firm, smtp_server, django_capture_on_commit_callbacks)
    client.post(link, {"full_name": "Erin Evans", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    client.logout()

    response = client.get(link)

    assert response.status_code == 410
    assert "already been used" in response.content.decode()


def test_an_expired_or_withdrawn_link_says_so_and_joins_nobody(client, firm):
    expired, expired_token = invitation_create(
        workspace=firm.workspace, actor=firm.alice, email="old@acme.test", role="member"
    )
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    withdrawn, withdrawn_token = invitation_create(
        workspace=firm.workspace, actor=firm.alice, email="gone@acme.test", role="member"
    )
    invitation_revoke(invitation=withdrawn, actor=firm.alice)

    for token, words in ((expired_token, "has expired"), (withdrawn_token, "was withdrawn")):
        url = reverse("invitation_accept", args=[token])
        assert words in client.get(url).content.decode()
        response = client.post(
            url, {"full_name": "X Y", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        )
        assert response.status_code == 410
    assert not User.objects.filter(email__in=["old@acme.test", "gone@acme.test"]).exists()
    assert client.get(reverse("invitation_accept", args=["inv_made-up"])).status_code == 404


def test_accepting_with_bad_input_shows_the_message_beside_the_field_and_writes_nothing(client, firm):
    _, token = invitation_create(
        workspace=firm.workspace, actor=firm.alice, email="erin@acme.test", role="member"
    )
    url = reverse("invitation_accept", args=[token])

    mismatch = client.post(
        url, {"full_name": "Erin", "password1": NEW_PASSWORD, "password2": "something-else-x"}
    )
    weak = client.post(url, {"full_name": "Erin", "password1": "12345", "password2": "12345"})
    nameless = client.post(url, {"full_name": "", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert mismatch.context["form"].errors == {"password2": ["The two passwords differ."]}
    assert "password1" in weak.context["form"].errors
    assert "full_name" in nameless.context["form"].errors
    assert "The two passwords differ." in mismatch.content.decode()
    assert not User.objects.filter(email="erin@acme.test").exists()


def test_someone_with_an_account_signs_in_then_joins(client, firm):
    dave = firm.dave.user
    _, token = invitation_create(workspace=firm.workspace, actor=firm.alice, email=dave.email, role="member")
    url = reverse("invitation_accept", args=[token])

    page = client.get(url)
    assert "Sign in to accept" in page.content.decode()
    assert f"/signin/?next={url}" in page.content.decode().replace("%2F", "/")

    client.force_login(dave)
    response = client.post(url)

    assert response.status_code == 302
    assert Membership.objects.get(user=dave, workspace=firm.workspace).role == Role.MEMBER
    assert client.session["workspace_id"] == firm.workspace.pk


def test_signed_in_as_someone_else_the_link_asks_to_sign_out_first(client, firm):
    _, token = invitation_create(
        workspace=firm.workspace, actor=firm.alice, email="erin@acme.test", role="member"
    )
    client.force_login(firm.dave.user)

    response = client.post(reverse("invitation_accept", args=[token]))

    assert "you are signed in as dave@globex.test" in response.content.decode()
    assert not Membership.objects.filter(user=firm.dave.user, workspace=firm.workspace).exists()


@pytest.mark.parametrize("person", ["bob", "carol", "dave"])
def test_only_an_owner_or_admin_of_the_workspace_may_invite(client, firm, person):
    client.force_login(getattr(firm, person).user)
    response = client.post(reverse("invitation_create"), {"email": "erin@acme.test", "role": "member"})
    if person == "dave":
        # Dave owns Globex: his invitation goes to his own workspace, never to Acme.
        assert not Invitation.objects.filter(workspace=firm.workspace).exists()
        assert Invitation.objects.filter(workspace=firm.other_workspace, email="erin@acme.test").exists()
    else:
        assert response.status_code == 404
        assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"email": "not-an-address", "role": "member"}, "email", "Enter a valid email address."),
        ({"email": "bob@acme.test", "role": "member"}, "email", "bob@acme.test is already in Acme Advisory."),
        ({"email": "erin@acme.test", "role": "partner"}, "role", "Select a valid choice."),
    ],
)
def test_a_bad_invitation_shows_the_message_beside_the_field_and_writes_nothing(
    client, firm, smtp_server, data, field, message
):
    client.force_login(firm.alice.user)
    response = client.post(reverse("invitation_create"), data)

    assert response.status_code == 200
    form = response.context["invitation_form"]
    assert any(message in error for error in form.errors[field])
    assert message in response.content.decode()
    assert not Invitation.objects.exists()
    assert smtp_server.messages == []


def test_an_admin_cannot_invite_an_owner(firm):
    firm.bob.role = Role.ADMIN
    firm.bob.save()
    with pytest.raises(ValidationError) as error:
        invitation_create(workspace=firm.workspace, actor=firm.bob, email="erin@acme.test", role="owner")
    assert error.value.message_dict == {"role": ["Only an owner may invite another owner."]}


def test_inviting_again_replaces_the_earlier_link(firm):
    first, first_token = invitation_create(
        workspace=firm.workspace, actor=firm.alice, email="erin@acme.test", role="member"
    )
    second, _ = invitation_create(
        workspace=firm.workspace, actor=firm.alice, email="Erin@ACME.test", role="admin"
    )

    first.refresh_from_db()
    assert first.revoked_at is not None and second.email == "erin@acme.test"
    with pytest.raises(Conflict, match="withdrawn"):
        invitation_accept(invitation=first, user=None, full_name="Erin", password=NEW_PASSWORD)


def test_a_partner_invitation_becomes_the_partners_portal_sign_in(firm):
    from referral_engine.partners.models import Partner

    partner = Partner.objects.create(workspace=firm.workspace, name="Frank Fox", email="frank@law.test")
    invitation, _ = invitation_create(
        workspace=firm.workspace, actor=firm.alice, email="frank@law.test", role="partner", partner=partner
    )

    membership = invitation_accept(
        invitation=invitation, user=None, full_name="Frank Fox", password=NEW_PASSWORD
    )

    partner.refresh_from_db()
    assert membership.role == Role.PARTNER and partner.portal_membership == membership


def test_the_settings_page_lists_pending_invitations_and_they_can_be_withdrawn_or_sent_again(
    client, firm, smtp_server, django_capture_on_commit_callbacks
):
    invitation, _ = invitation_create(
        workspace=firm.workspace, actor=firm.alice, email="erin@acme.test", role="member"
    )
    client.force_login(firm.alice.user)
    assert "erin@acme.test" in client.get(reverse("settings")).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("invitation_resend", args=[invitation.pk]))
    assert len(smtp_server.messages) == 1
    fresh = Invitation.objects.get(email="erin@acme.test", revoked_at__isnull=True)
    assert fresh.pk != invitation.pk

    client.force_login(firm.dave.user)
    assert client.post(reverse("invitation_revoke", args=[fresh.pk])).status_code == 404
    client.force_login(firm.bob.user)
    assert client.post(reverse("invitation_revoke", args=[fresh.pk])).status_code == 404
    client.force_login(firm.alice.user)
    client.post(reverse("invitation_revoke", args=[fresh.pk]))
    fresh.refresh_from_db()
    assert fresh.revoked_at is not None
    assert list(client.get(reverse("settings")).context["invitations"]) == []


def test_an_existing_user_invited_keeps_their_password(firm):
    user = make_user("gina@acme.test", "Gina Green")
    invitation, _ = invitation_create(
        workspace=firm.workspace, actor=firm.alice, email=user.email, role="member"
    )
    invitation_accept(invitation=invitation, user=user)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
