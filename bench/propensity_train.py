"""Benchmark: train the propensity model on a big workspace and score every customer contact, per phase.

    .venv/bin/python bench/propensity_train.py --sqlite-path /work/bench-data-h/propensity-1m.sqlite3
    .venv/bin/python bench/propensity_train.py \\
        --database-url postgres://postgres@127.0.0.1:5432/re_bench_propensity

Use a copy of the shared 1,000,000-account demo database (cp the SQLite file; on PostgreSQL
`CREATE DATABASE re_bench_propensity TEMPLATE re_bench_1m`): the copy is migrated first (`migrate propensity`),
then the workspace (default: demo) is trained and scored as the weekly job does. Prints the rows read, the
examples and distinct contacts trained on, AUC and calibration error, seconds per phase (read = one query per
table into numpy, features = every monthly snapshot's feature matrix and labels, fit = time-ordered validation and
the final fit, score = today's features, probabilities and reasons, write = replacing the scores) and the peak
memory of the process.
"""

import argparse
import os
import resource
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", help="postgres://... of the copy")
    parser.add_argument("--sqlite-path", type=Path, help="the SQLite copy")
    parser.add_argument("--workspace", default="demo", help="workspace slug (default demo)")
    parser.add_argument(
        "--as-of", help="YYYY-MM-DD: train and score as of midnight UTC that day (default now)"
    )
    args = parser.parse_args()
    if args.sqlite_path is not None:
        os.environ["DATABASE_URL"] = f"sqlite:///{args.sqlite_path.resolve()}"
    elif args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        parser.error("give --sqlite-path or --database-url")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from referral_engine.propensity.services import propensity_score, propensity_train
    from referral_engine.workspaces.models import Workspace

    started = time.perf_counter()
    call_command("migrate", "propensity", verbosity=0)
    print(f"database: {connection.vendor}, migrated in {time.perf_counter() - started:.1f} s")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start")
    workspace = Workspace.objects.get(slug=args.workspace)
    now = (
        datetime.combine(date.fromisoformat(args.as_of), datetime.min.time(), tzinfo=UTC)
        if args.as_of
        else timezone.now()
    )

    started = time.perf_counter()
    run = propensity_train(workspace=workspace, now=now)
    history = run.history
    scored = propensity_score(workspace=workspace, run=run, now=now)
    total = time.perf_counter() - started
    run.refresh_from_db()

    rows = {
        "contacts": history.contacts,
        "accounts": len(history.account_id),
        "purchases": len(history.purchases.day),
        "touchpoints": len(history.touchpoints.day),
        "nps answers": len(history.nps.day),
        "asks": len(history.asks.day),
        "referrals": len(history.referrals.day),
    }
    print("rows read:    " + ", ".join(f"{name} {n:,}" for name, n in rows.items()))
    print(
        f"examples:     {run.examples:,} contact-months over {len(run.snapshots)} monthly snapshots "
        f"(cap PROPENSITY_MAX_EXAMPLES={settings.PROPENSITY_MAX_EXAMPLES:,}; "
        f"{run.params.get('contacts', 0):,} distinct contacts; share kept {run.params.get('sampled_share', 1):.3f})"
    )
    print(f"positives:    {run.positives:,}")
    if run.fallback_reason:
        print(f"fallback:     {run.fallback_reason}")
    else:
        print(
            f"AUC:          {run.auc:.4f} on {run.test_examples:,} held-out examples ({run.test_positives:,} positive)"
        )
        print(f"ECE (10 bins): {run.calibration_error:.5f}; Brier {run.brier:.5f}")
    print(f"scored:       {scored:,} contacts")
    order = ("read", "features", "fit", "score_read", "score", "write")
    phases = ", ".join(f"{name} {run.seconds[name]:.1f} s" for name in order if name in run.seconds)
    print(f"seconds:      {total:.1f} ({phases})")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        f"process CPU:  {usage.ru_utime + usage.ru_stime:.1f} s (the rest of the wall time is waiting: the database, or other processes)"
    )
    print(f"peak memory:  {usage.ru_maxrss / 1024:,.0f} MiB")
    print(f"load average: {os.getloadavg()[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
