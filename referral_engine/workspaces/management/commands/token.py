"""`referral-engine token create|list|revoke`: API tokens from the command line.

The raw token is printed once, at creation; only its digest is stored, so a lost token is revoked and replaced.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from referral_engine.workspaces.models import ApiToken, Membership, Workspace
from referral_engine.workspaces.services import token_create, token_revoke


class Command(BaseCommand):
    help = "Create, list and revoke API tokens (Authorization: Bearer <token>)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{create,list,revoke}")

        create = actions.add_parser("create", help="Create a token acting as a user in a workspace.")
        create.add_argument("--user", required=True, help="The e-mail of the user the token acts as.")
        create.add_argument("--workspace", required=True, help="The workspace's slug.")
        create.add_argument("--name", default="API token", help="A name to recognise the token by.")

        listing = actions.add_parser("list", help="List a workspace's tokens (never the tokens themselves).")
        listing.add_argument("--workspace", required=True, help="The workspace's slug.")

        revoke = actions.add_parser("revoke", help="Revoke a token by its prefix.")
        revoke.add_argument("--prefix", required=True, help="The prefix shown by `token list`.")
        revoke.add_argument("--workspace", required=True, help="The workspace's slug.")

    def handle(self, *args, action: str, **options) -> None:
        workspace = self._workspace(options["workspace"])
        if action == "create":
            self._create(workspace, email=options["user"], name=options["name"])
        elif action == "list":
            self._list(workspace)
        else:
            self._revoke(workspace, prefix=options["prefix"])

    def _workspace(self, slug: str) -> Workspace:
        workspace = Workspace.objects.filter(slug=slug.strip()).first()
        if workspace is None:
            raise CommandError(f"No workspace with the slug {slug!r}.")
        return workspace

    def _create(self, workspace: Workspace, *, email: str, name: str) -> None:
        email = email.strip().lower()
        membership = (
            Membership.objects.filter(workspace=workspace, user__email=email)
            .select_related("user", "workspace")
            .first()
        )
        if membership is None:
            raise CommandError(f"No user {email!r} in the workspace {workspace.slug!r}.")
        try:
            _, raw = token_create(membership=membership, name=name)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        # The token goes alone on stdout so a script can capture it; the explanation goes to stderr.
        self.stdout.write(raw)
        self.stderr.write(
            f"Token for {membership.user.email} ({membership.get_role_display()}) in {workspace.slug}. "
            "It is shown only this once; send it as 'Authorization: Bearer <token>'."
        )

    def _list(self, workspace: Workspace) -> None:
        tokens = ApiToken.objects.filter(workspace=workspace).select_related("membership__user")
        rows = [("PREFIX", "NAME", "USER", "CREATED", "LAST USED", "REVOKED")]
        for token in tokens:
            rows.append(
                (
                    token.prefix,
                    token.name,
                    token.membership.user.email,
                    f"{token.created_at:%Y-%m-%d %H:%M}",
                    f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never",
                    f"{token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else "-",
                )
            )
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            self.stdout.write(
                "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            )

    def _revoke(self, workspace: Workspace, *, prefix: str) -> None:
        tokens = list(ApiToken.objects.filter(workspace=workspace, prefix=prefix.strip()))
        if not tokens:
            raise CommandError(f"No token with the prefix {prefix!r} in the workspace {workspace.slug!r}.")
        # Prefixes carry ~40 random bits, so two tokens sharing one is practically impossible; if it ever
        # happens, revoking both is the safe reading of "revoke this prefix".
        for token in tokens:
            token_revoke(token=token)
        self.stdout.write(f"Revoked {len(tokens)} token(s) with the prefix {prefix} in {workspace.slug}.")
