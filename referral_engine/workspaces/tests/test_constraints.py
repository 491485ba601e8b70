"""The database itself refuses workspace, membership, token and invitation rows the models forbid.

Every case first stores a valid row, so a refusal below is the constraint's doing and not a broken fixture.
"""

from datetime import UTC, datetime

from referral_engine.core.testing import make_user
from referral_engine.core.tests.integrity import refused
from referral_engine.workspaces.models import ApiToken, Invitation, Membership, User, Workspace

EXPIRES = datetime(2030, 1, 1, tzinfo=UTC)


def test_a_person_has_one_membership_per_workspace_but_may_join_several(firm):
    with refused(
        "membership_one_per_user", "workspaces_membership.workspace_id, workspaces_membership.user_id"
    ):
        Membership.objects.create(workspace=firm.workspace, user=firm.bob.user, role="admin")
    assert Membership.objects.create(workspace=firm.other_workspace, user=firm.bob.user, role="member").pk


def test_a_membership_role_is_one_the_product_knows(firm):
    Membership.objects.create(workspace=firm.workspace, user=make_user("erin@acme.test"), role="admin")

    with refused("membership_role_valid"):
        Membership.objects.create(workspace=firm.workspace, user=make_user("fay@acme.test"), role="boss")


def test_nobody_is_their_own_lead(firm):
    Membership.objects.filter(pk=firm.bob.pk).update(lead=firm.alice)

    with refused("membership_not_own_lead"):
        Membership.objects.filter(pk=firm.bob.pk).update(lead=firm.bob)


def test_slugs_emails_and_token_digests_are_unique(firm):
    with refused("slug"):
        Workspace.objects.create(name="Acme again", slug="acme")
    with refused("email"):
        User.objects.create(email="alice@acme.test")
    ApiToken.objects.create(
        workspace=firm.workspace, membership=firm.bob, name="one", prefix="re_abc", digest="d" * 64
    )
    with refused("digest"):
        ApiToken.objects.create(
            workspace=firm.workspace, membership=firm.bob, name="two", prefix="re_abc", digest="d" * 64
        )


def invitation(firm, **fields) -> Invitation:
    fields = {"workspace": firm.workspace, "email": "new@acme.test", "expires_at": EXPIRES, **fields}
    fields.setdefault("digest", f"{Invitation.objects.count() + 1:064x}")
    return Invitation.objects.create(**fields)


def test_an_invitation_role_is_one_the_product_knows_and_a_partner_invitation_names_the_partner(firm):
    invitation(firm, role="admin")
    invitation(firm, email="partner@law.test", role="partner", partner=firm.carol_partner)

    with refused("invitation_role_valid"):
        invitation(firm, email="x@acme.test", role="boss")
    with refused("invitation_partner_role_has_partner"):
        invitation(firm, email="y@law.test", role="partner")


def test_one_pending_invitation_per_address_and_workspace(firm):
    first = invitation(firm)

    with refused(
        "invitation_one_pending_per_email", "workspaces_invitation.workspace_id, workspaces_invitation.email"
    ):
        invitation(firm)
    # Elsewhere, or once the first is accepted or revoked, the address may be invited again.
    invitation(firm, workspace=firm.other_workspace)
    Invitation.objects.filter(pk=first.pk).update(revoked_at=EXPIRES)
    assert invitation(firm).pk
