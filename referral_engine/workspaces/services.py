import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from referral_engine.core.errors import Conflict, field_error
from referral_engine.workspaces.models import ApiToken, Membership, Role, User, Workspace

TOKEN_PREFIX = "re_"


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
