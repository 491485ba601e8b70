"""`referral-engine referrals import FILE.csv --workspace SLUG [--dry-run] [--as EMAIL]`: a CSV of referrals.

All or nothing (referrals.imports.referral_import): every error is printed with its row and column, the exit
status is non-zero, and nothing is written.
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from referral_engine.referrals.imports import COLUMNS, ImportRefused, referral_import
from referral_engine.workspaces.models import Membership, Role, Workspace

# Far more than any firm types by hand; a bound so a wrong file (a whole CRM dump) is refused, not half-read.
MAX_FILE_BYTES = 200 * 1024 * 1024


class Command(BaseCommand):
    help = "Referrals from the command line: import a CSV of referrals."
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{import}")
        importing = actions.add_parser(
            "import",
            help=f"Import referrals from a CSV file with the columns {', '.join(COLUMNS)} (company required).",
        )
        importing.add_argument("file", help="The CSV file (UTF-8), or - for standard input.")
        importing.add_argument("--workspace", required=True, help="The workspace's slug.")
        importing.add_argument(
            "--dry-run", action="store_true", help="Check every row as a real import would; write nothing."
        )
        importing.add_argument(
            "--as",
            dest="actor",
            default=None,
            help="The e-mail of the employee recorded as importing them (default: the workspace's owner).",
        )

    def handle(
        self, *args, action: str, file: str, workspace: str, dry_run: bool, actor: str | None, **options
    ):
        ws = Workspace.objects.filter(slug=workspace.strip()).first()
        if ws is None:
            raise CommandError(f"No workspace with the slug {workspace!r}.")
        memberships = Membership.objects.filter(workspace=ws, is_active=True).exclude(role=Role.PARTNER)
        if actor:
            membership = memberships.filter(user__email__iexact=actor.strip()).first()
            if membership is None:
                raise CommandError(f"No employee {actor!r} in the workspace {ws.slug!r}.")
        else:
            membership = memberships.filter(role=Role.OWNER).order_by("id").first()
        data = self._read(file, options.get("stdin") or sys.stdin)
        try:
            report = referral_import(workspace=ws, actor=membership, data=data, dry_run=dry_run)
        except ImportRefused as refused:
            for error in refused.report.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"{len(refused.report.errors)} error(s) in {file}; nothing was imported."
            ) from None
        if dry_run:
            self.stdout.write(f"{report.rows} referral(s) checked; none written (--dry-run).")
        else:
            self.stdout.write(f"{len(report.created)} referral(s) imported into {ws.slug}.")

    def _read(self, file: str, stdin) -> bytes | str:
        if file == "-":
            data = (stdin.buffer if hasattr(stdin, "buffer") else stdin).read(MAX_FILE_BYTES + 1)
        else:
            path = Path(file)
            if not path.is_file():
                raise CommandError(f"No such file: {file}")
            if path.stat().st_size > MAX_FILE_BYTES:
                raise CommandError(f"{file} is larger than {MAX_FILE_BYTES // 1024 // 1024} MB.")
            data = path.read_bytes()
        if len(data) > MAX_FILE_BYTES:
            raise CommandError(f"The input is larger than {MAX_FILE_BYTES // 1024 // 1024} MB.")
        return data
