"""Benchmark: the stored programme figures' jobs over the million-account demo workspace, on SQLite and PostgreSQL.

    .venv/bin/python bench/programme_figures.py --sqlite-copy-of /work/bench-data/demo-1m.sqlite3 \\
        --sqlite-path /work/bench-data/figures-1m.sqlite3
    .venv/bin/python bench/programme_figures.py --pg-template re_bench_1m \\
        --database-url postgres://postgres@127.0.0.1:5432/re_bench_figures

The database is a copy, migrated first. Timed, in one process (programme_services.py):
  1. the nightly warm-up, which computes every workspace's default figures and stores the slow ones;
  2. the half-hourly job 31 minutes later, which recomputes the stored workspaces' default figures;
  3. a page's read of each insight: stored ones are read back, quick ones (under the threshold) computed.
Prints seconds and the peak memory of the process (max RSS).
"""

import argparse
import resource
import time
from datetime import timedelta

from copies import add_copy_arguments, prepare_copy, setup_django


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(label: str, fn):
    started = time.perf_counter()
    result = fn()
    print(f"{label:<52} {time.perf_counter() - started:8.3f} s   peak {_peak_mib():7.0f} MiB", flush=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_copy_arguments(parser)
    parser.add_argument("--workspace", default="demo", help="workspace slug (default demo)")
    args = parser.parse_args()

    url = prepare_copy(parser, args)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from referral_engine.insights import programme
    from referral_engine.insights.models import ProgrammeFigures
    from referral_engine.insights.programme_services import (
        DEFAULT_OPTIONS,
        INSIGHTS,
        programme_figures,
        programme_figures_refresh,
        programme_figures_warm,
    )
    from referral_engine.workspaces.models import Workspace

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated in {time.perf_counter() - started:.1f} s ({connection.vendor})")
    workspace = Workspace.objects.get(slug=args.workspace)
    ProgrammeFigures.objects.all().delete()

    now = timezone.now()
    stored = _timed("nightly warm-up, every workspace", lambda: programme_figures_warm(now=now))
    print(
        f"  figures stored: {stored} (of the demo workspace: "
        f"{ProgrammeFigures.objects.filter(workspace=workspace).count()})"
    )
    later = now + timedelta(minutes=31)
    counts = _timed("half-hourly job, 31 minutes later", lambda: programme_figures_refresh(now=later))
    print(f"  {counts}")
    period = programme.programme_period(workspace=workspace)
    for insight in INSIGHTS:
        stored = ProgrammeFigures.objects.filter(workspace=workspace, insight=insight).exists()
        _timed(
            f"a page's read of {insight} ({'stored' if stored else 'quick: computed on read'})",
            lambda insight=insight: programme_figures(
                workspace=workspace,
                insight=insight,
                period=period,
                now=later + timedelta(minutes=1),
                **DEFAULT_OPTIONS.get(insight, {}),
            ),
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
