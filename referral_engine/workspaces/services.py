import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from referral_engine.core.errors import Conflict, field_error
from referral_engine.partners.models import Partner
from referral_engine.workspaces.models import ApiToken, Invitation, Membership, Role, User, Workspace

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "re_"
INVITATION_PREFIX = "inv_"


@transaction.atomic
def user_create(*, email: str, password: str | None, full_name: str = "", validate: bool = True) -> User:
    email = User.objects.normalize_email(email).strip().lower()
    if not email or "@" not in email:
        raise field_error("email", "Enter a valid e-mail address.")
    if User.objects.filter(email=email).exists():
        raise Conflict(f"A user with the e-mail {email} already exists.", field="email")
    user = User(email=email, full_name=full_name)
    if password is not None and validate:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.save()
    return user


@transaction.atomic
def workspace_create(*, name: str, slug: str | None = None, owner: User, currency: str = "EUR") -> Workspace:
    slug = slugify(slug or name)[:60]
    if not name.strip():
        raise field_error("name", "A workspace needs a name.")
    if not slug:
        raise field_error("slug", "A workspace needs a slug of letters, digits or hyphens.")
    if Workspace.objects.filter(slug=slug).exists():
        raise Conflict(f"A workspace with the slug {slug!r} already exists.", field="slug")
    workspace = Workspace.objects.create(name=name.strip(), slug=slug, currency=currency.upper())
    Membership.objects.create(workspace=workspace, user=owner, role=Role.OWNER)
    return workspace


@transaction.atomic
def membership_add(
    *, workspace: Workspace, user: User, role: str, title: str = "", team: str = ""
) -> Membership:
    if role not in Role.values:
        raise field_error("role", f"Choose one of: {', '.join(Role.values)}.")
    if Membership.objects.filter(workspace=workspace, user=user).exists():
        raise Conflict(f"{user.email} is already in {workspace.name}.", field="user")
    return Membership.objects.create(workspace=workspace, user=user, role=role, title=title, team=team)


@transaction.atomic
def token_create(*, membership: Membership, name: str = "API token") -> tuple[ApiToken, str]:
    """Create an API token for a membership. The raw token is returned once and never stored."""
    if not membership.is_active:
        raise field_error("membership", "This membership is not active.")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        workspace=membership.workspace,
        membership=membership,
        name=name.strip() or "API token",
        prefix=raw[:10],
        digest=ApiToken.digest_of(raw),
    )
    return token, raw


@transaction.atomic
def token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
    return token


# ------------------------------------------------------------------------------------------------ invitations


@transaction.atomic
def invitation_create(
    *, workspace: Workspace, actor: Membership, email: str, role: str, partner=None
) -> tuple[Invitation, str]:
    """Invite someone to the workspace by e-mail. The raw token is returned once and only its digest is stored.

    Inviting an address again replaces its earlier pending invitation, so only the newest link works.
    """
    if actor.workspace_id != workspace.pk or not actor.is_active or not actor.can_manage:
        raise PermissionDenied("Only an owner or an admin may invite people.")
    email = User.objects.normalize_email(email or "").strip().lower()
    errors: dict = {}
    if not email or "@" not in email:
        errors["email"] = ["Enter a valid e-mail address."]
    if role not in Role.values:
        errors["role"] = [f"Choose one of: {', '.join(Role.values)}."]
    elif role == Role.OWNER and actor.role != Role.OWNER:
        errors["role"] = ["Only an owner may invite another owner."]
    elif role == Role.PARTNER and partner is None:
        errors["role"] = ["A partner invitation needs the partner it gives portal access to."]
    if partner is not None and (partner.workspace_id != workspace.pk or role != Role.PARTNER):
        errors["partner"] = ["No partner with this id in this workspace."]
    if errors:
        raise ValidationError(errors)
    if Membership.objects.filter(workspace=workspace, user__email=email, is_active=True).exists():
        raise Conflict(f"{email} is already in {workspace.name}.", field="email")

    now = timezone.now()
    Invitation.objects.filter(
        workspace=workspace, email=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now, updated_at=now)
    raw = INVITATION_PREFIX + secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        workspace=workspace,
        email=email,
        role=role,
        invited_by=actor,
        partner=partner,
        digest=Invitation.digest_of(raw),
        expires_at=now + timedelta(days=settings.INVITATION_TTL_DAYS),
    )
    # The raw token exists only here, so the mail is sent from this process once the row is committed rather
    # than queued as a task (a queued task would have to store the token in clear).
    transaction.on_commit(lambda: _invitation_mail(invitation=invitation, raw_token=raw))
    return invitation, raw


def _invitation_mail(*, invitation: Invitation, raw_token: str) -> None:
    inviter = invitation.invited_by.user if invitation.invited_by else None
    context = {
        "invitation": invitation,
        "workspace": invitation.workspace,
        "inviter": inviter,
        "accept_url": settings.SITE_URL + reverse("invitation_accept", kwargs={"token": raw_token}),
        "expires_at": invitation.expires_at,
    }
    # One line: a name with a line break in it must not break the mail's headers.
    subject = " ".join(render_to_string("workspaces/email/invitation_subject.txt", context).split())
    body = render_to_string("workspaces/email/invitation.txt", context)
    try:
        send_mail(subject, body, None, [invitation.email])
    except OSError:
        # The invitation stands; whoever sent it can send it again from the settings page.
        logger.exception("Could not send the invitation e-mail to %s", invitation.email)


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: Membership) -> Invitation:
    if actor.workspace_id != invitation.workspace_id or not actor.can_manage:
        raise PermissionDenied("Only an owner or an admin may revoke an invitation.")
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at", "updated_at"])
    return invitation


@transaction.atomic
def invitation_accept(
    *, invitation: Invitation, user: User | None, full_name: str = "", password: str | None = None
) -> Membership:
    """Accept an invitation: as `user` when they already have an account, else as a new user with a password.

    The new membership gets the invitation's role; a partner invitation becomes the partner's portal sign-in.
    """
    # Lock the row so the same link clicked twice at once makes one membership.
    invitation = Invitation.objects.select_for_update().select_related("workspace").get(pk=invitation.pk)
    problem = invitation_problem(invitation=invitation)
    if problem:
        raise Conflict(problem, field="token")
    if user is None:
        if User.objects.filter(email=invitation.email).exists():
            raise Conflict(f"{invitation.email} already has an account: sign in to accept.", field="email")
        if not (full_name or "").strip():
            raise field_error("full_name", "Tell your colleagues your name.")
        user = user_create(email=invitation.email, password=password, full_name=full_name.strip())
    elif user.email.lower() != invitation.email:
        raise Conflict(f"This invitation is for {invitation.email}, not {user.email}.", field="email")

    membership = Membership.objects.filter(workspace=invitation.workspace, user=user).first()
    if membership is None:
        membership = membership_add(workspace=invitation.workspace, user=user, role=invitation.role)
    elif membership.is_active:
        raise Conflict(f"{user.email} is already in {invitation.workspace.name}.", field="email")
    else:
        membership.is_active = True
        membership.role = invitation.role
        membership.save(update_fields=["is_active", "role", "updated_at"])
    if invitation.partner_id is not None:
        partner = Partner.objects.select_for_update().get(pk=invitation.partner_id)
        if partner.portal_membership_id is None:
            partner.portal_membership = membership
            partner.save(update_fields=["portal_membership", "updated_at"])
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at", "updated_at"])
    return membership


def invitation_problem(*, invitation: Invitation) -> str:
    """Why this invitation can no longer be accepted, in words for the person holding the link; "" if it can."""
    if invitation.accepted_at is not None:
        return "This invitation has already been used. Sign in instead."
    if invitation.revoked_at is not None:
        return "This invitation was withdrawn. Ask whoever invited you to send a new one."
    if invitation.expires_at <= timezone.now():
        return "This invitation has expired. Ask whoever invited you to send a new one."
    return ""


# ------------------------------------------------------------------------------------------- people and places


@transaction.atomic
def user_update(*, user: User, full_name: str) -> User:
    full_name = (full_name or "").strip()
    if not full_name:
        raise field_error("full_name", "Enter your name.")
    if full_name != user.full_name:
        user.full_name = full_name
        user.save(update_fields=["full_name"])
    return user


@transaction.atomic
def user_password_set(*, user: User, password: str) -> User:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


@transaction.atomic
def workspace_update(*, workspace: Workspace, actor: Membership, name: str) -> Workspace:
    if actor.workspace_id != workspace.pk or not actor.can_manage:
        raise PermissionDenied("Only an owner or an admin may rename the workspace.")
    name = (name or "").strip()
    if not name:
        raise field_error("name", "A workspace needs a name.")
    if name != workspace.name:
        workspace.name = name
        workspace.save(update_fields=["name", "updated_at"])
    return workspace
