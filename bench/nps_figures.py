"""Benchmark: the NPS page's figures over an existing (large) workspace — read-only — in seconds and peak memory.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/re_bench_1m .venv/bin/python bench/nps_figures.py --workspace demo
    DATABASE_URL=sqlite:////path/to/copy.sqlite3 .venv/bin/python bench/nps_figures.py --workspace demo --months 24

Times `feedback.selectors.nps_figures` (overall, by segment, by owner, per month: one query for the answers, then
the numpy maths of insights/nps.py) and `detractor_follow_up_status`, each run `--repeat` times (best and worst
printed). Nothing is written. Peak memory is the process's maximum resident set size.
"""

import argparse
import os
import resource
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspace", required=True, help="slug of the workspace to read")
    parser.add_argument("--months", type=int, default=12, help="period length ending today (default 12)")
    parser.add_argument("--end", type=date.fromisoformat, default=None, help="last day (default today)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from referral_engine.feedback.selectors import (
        detractor_follow_up_status,
        nps_figures,
        nps_period,
    )
    from referral_engine.workspaces.models import Workspace

    workspace = Workspace.objects.get(slug=args.workspace)
    end = args.end or timezone.localdate()
    index = end.year * 12 + end.month - 1 - (args.months - 1)
    start = date(index // 12, index % 12 + 1, 1)
    begin, finish = nps_period(workspace=workspace, start=start, end=end, today=end)
    print(f"database:   {connection.vendor} {connection.settings_dict['NAME']}")
    print(f"workspace:  {workspace.slug}, period {start} to {end}")

    for name, run in (
        ("nps_figures", lambda: nps_figures(workspace=workspace, start=begin, end=finish)),
        (
            "detractor_follow_up_status",
            lambda: detractor_follow_up_status(workspace=workspace, start=begin, end=finish, today=end),
        ),
    ):
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            result = run()
            times.append(time.perf_counter() - started)
        print(f"{name}: best {min(times):.2f} s, worst {max(times):.2f} s")
        if name == "nps_figures":
            o = result.overall
            print(
                f"  answers: {o.n:,} respondents, NPS {o.nps:.2f}; {len(result.monthly)} months, "
                f"{len(result.by_segment)} segments, {len(result.by_owner)} owners"
            )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:,.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
