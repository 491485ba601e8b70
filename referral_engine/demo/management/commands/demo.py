"""`referral-engine demo`: load a realistic demo firm (see docs/demo.md)."""

import argparse
import sys
from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from referral_engine.core.errors import Conflict
from referral_engine.demo.services import (
    DEFAULT_ACCOUNTS,
    DEFAULT_SEED,
    DEFAULT_SLUG,
    DemoReport,
    Login,
    demo_arguments_check,
    demo_firm_create,
    demo_logins_reset,
    demo_workspace_get,
)


def _day(value: str | date | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2025-01-31") from None


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"--{name}: {' '.join(m)}" for name, m in exc.message_dict.items())
    return " ".join(exc.messages)


class Command(BaseCommand):
    help = (
        "Load a demo firm: employees, partners in a networking group, accounts with their buying circles, three "
        "years of purchases, referrals in every pipeline stage, NPS answers, asks and open tasks. The same seed "
        "and --today give the same firm."
    )

    def add_arguments(self, parser):
        parser.add_argument("--accounts", type=int, default=DEFAULT_ACCOUNTS, help="accounts (default 200)")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default 42)")
        parser.add_argument(
            "--workspace", default=DEFAULT_SLUG, metavar="SLUG", help="workspace slug (default demo)"
        )
        parser.add_argument(
            "--today",
            type=_day,
            default=None,
            metavar="YYYY-MM-DD",
            help="the day the history ends (default today)",
        )
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--replace", action="store_true", help="delete the demo workspace first, if it exists"
        )
        mode.add_argument(
            "--if-missing",
            action="store_true",
            help="if the workspace exists, generate nothing: reset the demo passwords and print the logins",
        )
        parser.add_argument("--chunk-size", type=int, default=10_000, help=argparse.SUPPRESS)

    def handle(self, *args, **options):
        accounts, seed, slug = options["accounts"], options["seed"], options["workspace"]
        try:
            today = _day(options["today"])
            demo_arguments_check(accounts=accounts, seed=seed, slug=slug)
            if options["chunk_size"] < 1:
                raise ValidationError({"chunk-size": ["Give at least 1."]})
            if options["if_missing"]:
                existing = demo_workspace_get(slug=slug)
                if existing is not None:
                    owner, partner = demo_logins_reset(workspace=existing)
                    self.stdout.write(f"The demo workspace {slug!r} is there already; new passwords:")
                    self._logins(owner, partner)
                    return
            with tqdm(
                total=accounts,
                unit=" accounts",
                disable=not self.stdout.isatty(),
                file=sys.stderr,
                leave=False,
            ) as bar:
                report = demo_firm_create(
                    accounts=accounts,
                    seed=seed,
                    slug=slug,
                    today=today,
                    replace=options["replace"],
                    chunk_size=options["chunk_size"],
                    on_progress=bar.update,
                )
        except argparse.ArgumentTypeError as exc:
            raise CommandError(str(exc)) from None
        except ValidationError as exc:
            raise CommandError(_messages(exc)) from None
        except Conflict as exc:
            raise CommandError(exc.message) from None
        except KeyboardInterrupt:
            raise CommandError("Interrupted: nothing was written.", returncode=130) from None
        self._report(report, accounts=accounts, seed=seed)

    def _logins(self, owner: Login, partner: Login | None) -> None:
        self.stdout.write(f"  Owner sign-in:           {owner.email}  {owner.password}")
        if partner is not None:
            self.stdout.write(f"  Partner portal sign-in:  {partner.email}  {partner.password}")

    def _report(self, report: DemoReport, *, accounts: int, seed: int) -> None:
        workspace = report.workspace
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo firm {workspace.name!r} (workspace {workspace.slug!r}): {accounts:,} accounts, "
                f"seed {seed}, history up to {report.today:%Y-%m-%d}."
            )
        )
        self._logins(report.owner, report.partner)
        self.stdout.write("Rows written:")
        width = max(len(label) for label in report.rows)
        for label, count in report.rows.items():
            self.stdout.write(f"  {label:<{width}}  {count:>12,}")
        rate = report.total_rows / report.seconds if report.seconds else 0.0
        self.stdout.write(
            f"  {'total':<{width}}  {report.total_rows:>12,}  in {report.seconds:,.1f} s ({rate:,.0f} rows/s)"
        )
        self.stdout.write(f"Peak memory: {report.peak_mib:,.0f} MiB")
