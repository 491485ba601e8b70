"""`referral-engine insights refresh [--workspace SLUG]`: recompute value, CRV and RQ now (docs/value.md)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from referral_engine.demo.services import peak_memory_mib
from referral_engine.insights.services import insights_refresh
from referral_engine.workspaces.models import Workspace


class Command(BaseCommand):
    help = "Lifetime value, customer referral value and relationship quotient: stored figures."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{refresh}")
        refresh = actions.add_parser(
            "refresh",
            help="Recompute every stored figure of one workspace, or of all of them.",
            description=(
                "Refits BG/NBD + Gamma-Gamma on each workspace's purchases, values every account (historic, "
                "predicted, CRV, true value, segment, quadrant) and scores every contact, account and partner "
                "(RQ), replacing the stored figures in one transaction per workspace. Prints each phase's seconds."
            ),
        )
        refresh.add_argument("--workspace", metavar="SLUG", help="Only this workspace (default: every one).")

    def handle(self, *args, action: str, workspace: str | None = None, **options) -> None:
        workspaces = Workspace.objects.order_by("id")
        if workspace is not None:
            workspaces = workspaces.filter(slug=workspace)
            if not workspaces.exists():
                raise CommandError(f"There is no workspace {workspace!r}.")
        for each in workspaces.iterator():
            started = time.perf_counter()
            run = insights_refresh(workspace=each)
            seconds = time.perf_counter() - started
            phases = ", ".join(
                f"{name} {value:.2f} s" for name, value in run.seconds.items() if name != "total"
            )
            self.stdout.write(
                f"{each.slug}: {run.accounts_valued:,} accounts valued, {run.customers:,} customers with purchases, "
                f"in {seconds:.2f} s ({phases}); peak memory {peak_memory_mib():,.0f} MiB"
            )
            if run.fitted:
                share = f"{run.top_value_share:.1%}" if run.top_value_share is not None else "—"
                self.stdout.write(
                    f"  predicted with BG/NBD + Gamma-Gamma; the top segment holds {share} of value"
                )
            else:
                self.stdout.write(f"  historic values only: {run.reason}")
