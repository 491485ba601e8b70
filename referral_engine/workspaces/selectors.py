from django.db.models import QuerySet
from django.utils import timezone

from referral_engine.workspaces.models import ApiToken, Membership, Role, Workspace


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
