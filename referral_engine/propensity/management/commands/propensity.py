"""`referral-engine propensity train|score [--workspace SLUG] [--json]`: the propensity to refer (docs/propensity.md)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from referral_engine.propensity.services import propensity_score, propensity_train
from referral_engine.workspaces.models import Workspace


class Command(BaseCommand):
    help = "Propensity to refer: train the model on a workspace's history, or score its contacts."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{train,score}")
        train = actions.add_parser(
            "train",
            help="Train and validate the model, print AUC, calibration error, examples and positives.",
            description=(
                "Builds monthly snapshots of what was known about each customer contact and whether they referred "
                "within the next 90 days, trains a calibrated logistic regression on the earlier snapshots and "
                "tests it on the later ones (AUC; expected calibration error over 10 bins), then fits the final "
                "model on all of them and stores it. With too few positive examples nothing is fitted and the "
                "reason is printed. Contacts are not scored: run `propensity score` afterwards."
            ),
        )
        train.add_argument("--workspace", metavar="SLUG", help="Only this workspace (default: every one).")
        train.add_argument("--json", action="store_true", help="Print one JSON object per workspace.")
        train.add_argument(
            "--as-of",
            metavar="YYYY-MM-DD",
            help="Train as if it were midnight UTC starting this day (a back-test; default: now).",
        )
        score = actions.add_parser(
            "score",
            help="Score every customer contact with the latest trained model.",
            description="Replaces the workspace's scores with the latest run's probabilities and reasons.",
        )
        score.add_argument("--workspace", metavar="SLUG", help="Only this workspace (default: every one).")

    def handle(self, *args, action: str, workspace: str | None = None, **options) -> None:
        now = None
        if options.get("as_of"):
            try:
                now = datetime.combine(date.fromisoformat(options["as_of"]), time.min, tzinfo=UTC)
            except ValueError:
                raise CommandError(
                    f"--as-of must be a date as YYYY-MM-DD, not {options['as_of']!r}."
                ) from None
        workspaces = Workspace.objects.order_by("id")
        if workspace is not None:
            workspaces = workspaces.filter(slug=workspace)
            if not workspaces.exists():
                raise CommandError(f"There is no workspace {workspace!r}.")
        for each in workspaces.iterator():
            if action == "train":
                self._train(each, as_json=options.get("json", False), now=now)
            else:
                scored = propensity_score(workspace=each)
                if scored:
                    self.stdout.write(f"{each.slug}: {scored:,} contacts scored")
                else:
                    self.stdout.write(
                        f"{each.slug}: nothing scored (no trained model; the profile rules rank)"
                    )

    def _train(self, workspace: Workspace, *, as_json: bool, now: datetime | None) -> None:
        run = propensity_train(workspace=workspace, now=now)
        if as_json:
            self.stdout.write(
                json.dumps(
                    {
                        "workspace": workspace.slug,
                        "auc": run.auc,
                        "calibration_error": run.calibration_error,
                        "calibration_error_kind": "expected calibration error, 10 equal-width bins",
                        "brier": run.brier,
                        "examples": run.examples,
                        "positives": run.positives,
                        "test_examples": run.test_examples,
                        "test_positives": run.test_positives,
                        "test_from": run.test_from.isoformat() if run.test_from else None,
                        "snapshots": len(run.snapshots),
                        "method": run.method,
                        "fallback_reason": run.fallback_reason or None,
                        "seconds": {k: round(v, 3) for k, v in run.seconds.items()},
                    }
                )
            )
            return
        self.stdout.write(
            f"{workspace.slug}: {run.examples:,} examples ({len(run.snapshots)} monthly snapshots), "
            f"{run.positives:,} positives"
        )
        if run.fallback_reason:
            self.stdout.write(f"  not trained: {run.fallback_reason}")
            return
        self.stdout.write(
            f"  AUC {run.auc:.3f} on {run.test_examples:,} held-out examples ({run.test_positives:,} positives) "
            f"from {run.test_from:%Y-%m-%d}; expected calibration error (10 bins) {run.calibration_error:.4f}; "
            f"Brier {run.brier:.4f}"
        )
