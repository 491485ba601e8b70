from django.db.models import Case, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from referral_engine.workspaces.models import ApiToken, Invitation, Membership, Role, User, Workspace


def membership_for_user(*, user, workspace: Workspace) -> Membership | None:
    return (
        Membership.objects.filter(user=user, workspace=workspace, is_active=True)
        .select_related("workspace")
        .first()
    )


def memberships_of_user(*, user) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user, is_active=True)
        .select_related("workspace")
        .order_by("workspace__name")
    )


def employee_list(*, workspace: Workspace) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(workspace=workspace, is_active=True)
        .exclude(role=Role.PARTNER)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def token_membership(*, raw_token: str) -> Membership | None:
    """The active membership a bearer token acts as, or None for an unknown or revoked token."""
    token = (
        ApiToken.objects.filter(digest=ApiToken.digest_of(raw_token), revoked_at__isnull=True)
        .select_related("membership__workspace", "membership__user")
        .first()
    )
    if token is None or not token.membership.is_active or not token.membership.user.is_active:
        return None
    now = timezone.now()
    # Record use at most once a minute so the API does not write on every request.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.membership


def member_list(*, workspace: Workspace) -> QuerySet[Membership]:
    """Everyone with an active place in the workspace, employees first, then partners with portal access."""
    return (
        Membership.objects.filter(workspace=workspace, is_active=True)
        .select_related("user")
        .order_by(
            Case(When(role=Role.PARTNER, then=Value(1)), default=Value(0)),
            "user__full_name",
            "user__email",
        )
    )


def invitation_pending_list(*, workspace: Workspace) -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(workspace=workspace, accepted_at__isnull=True, revoked_at__isnull=True)
        .select_related("invited_by__user", "partner")
        .order_by("-created_at", "-id")
    )


def invitation_get(*, workspace: Workspace, id: int) -> Invitation:
    try:
        return Invitation.objects.get(workspace=workspace, pk=id)
    except (Invitation.DoesNotExist, ValueError, TypeError):
        raise Http404("No such invitation") from None


def invitation_for_token(*, raw_token: str) -> Invitation | None:
    """The invitation a link's token belongs to, whatever its state (the page explains an old link)."""
    return (
        Invitation.objects.filter(digest=Invitation.digest_of(raw_token))
        .select_related("workspace", "invited_by__user")
        .first()
    )


def user_with_email(*, email: str) -> User | None:
    return User.objects.filter(email=(email or "").strip().lower()).first()
