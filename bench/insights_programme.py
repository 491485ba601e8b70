"""Benchmark: every programme insight (issue 7) over the million-account demo workspace, on SQLite and PostgreSQL.

    .venv/bin/python bench/insights_programme.py --database-url sqlite:////work/bench-data/demo-1m.sqlite3
    .venv/bin/python bench/insights_programme.py --database-url postgres://postgres@127.0.0.1:5432/re_bench_1m

Read-only: the insights only read, so the shared databases are used as they are (no copy, no migrate; the
selectors read named columns only, and without a stored RQ table the influencers fall back to touchpoint
recency). Each insight runs in a fresh child process, so its time and memory are its own: seconds (wall, the
whole selector), peak RSS of the child minus its RSS before the insight ran (Django loaded, connection open),
and the tracemalloc peak of Python allocations during the insight (numpy included); then the size of the figures
as stored for a big workspace (programme_services) and the time to read them back, which is what a page costs
once they are stored. The period is the pages' default (the last 12 months by month) unless --start/--end/--period
say otherwise; --workspace picks a workspace by slug (default: the one holding the highest account id, i.e. the
demo firm generated last).
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSIGHTS = (
    "source-mix",
    "referred-vs-non-referred",
    "value-per-hour",
    "chains",
    "influencers",
    "programme-health",
)


def _rss_mib() -> float:
    # Current resident set size from /proc (Linux); ru_maxrss below is the peak.
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _summary(name: str, data: dict) -> str:
    if name == "source-mix":
        return f"{data['total_count']} won, value {data['total_value']:.0f}"
    if name == "referred-vs-non-referred":
        lr = data["log_rank"]
        return (
            f"customers {data['referred']['accounts']}+{data['non_referred']['accounts']}, "
            f"chi2 {lr['chi2'] if lr['chi2'] is None else round(lr['chi2'], 2)}, HR "
            f"{lr['hazard_ratio'] if lr['hazard_ratio'] is None else round(lr['hazard_ratio'], 3)}"
        )
    if name == "value-per-hour":
        return f"{data['partners_total']} partners"
    if name == "chains":
        return f"{data['trees']} trees, deepest {max([d['depth'] for d in data['depths']] or [0])}"
    if name == "influencers":
        return f"{len(data['influencers'])} listed, rq table {data['rq_available']}"
    return f"{data['totals']['referrals']} referrals, {data['totals']['asks']} asks in {data['totals']['weeks']} weeks"


def child(args) -> None:
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from datetime import date

    from referral_engine.insights import programme
    from referral_engine.insights.programme_services import figures_dumps, figures_loads
    from referral_engine.relationships.models import Account
    from referral_engine.workspaces.models import Workspace

    if args.workspace:
        workspace = Workspace.objects.get(slug=args.workspace)
    else:
        workspace_id = Account.objects.order_by("-id").values_list("workspace_id", flat=True).first()
        workspace = Workspace.objects.get(pk=workspace_id)
    period = programme.programme_period(
        workspace=workspace,
        start=date.fromisoformat(args.start) if args.start else None,
        end=date.fromisoformat(args.end) if args.end else None,
        period=args.period,
    )
    before = _rss_mib()
    tracemalloc.start()
    started = time.perf_counter()
    data = programme.INSIGHTS[args.one](workspace=workspace, period=period)
    seconds = time.perf_counter() - started
    _, python_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # What serving the stored figures costs instead (programme_services): the JSON text and reading it back.
    stored = figures_dumps(data)
    started = time.perf_counter()
    figures_loads(stored)
    read_back = time.perf_counter() - started
    print(
        json.dumps(
            {
                "insight": args.one,
                "workspace": workspace.slug,
                "period": f"{period.start}..{period.end} by {period.bucket}",
                "seconds": seconds,
                "rss_before_mib": before,
                "peak_rss_mib": peak,
                "peak_above_before_mib": max(0.0, peak - before),
                "python_peak_mib": python_peak / 2**20,
                "stored_kib": len(stored.encode()) / 1024,
                "read_back_ms": read_back * 1000,
                "summary": _summary(args.one, data),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument(
        "--workspace", help="workspace slug (default: the demo firm with the highest account id)"
    )
    parser.add_argument("--start")
    parser.add_argument("--end")
    parser.add_argument("--period", choices=("month", "quarter", "year"))
    parser.add_argument("--only", action="append", choices=INSIGHTS, help="run only these (repeatable)")
    parser.add_argument("--one", choices=INSIGHTS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        child(args)
        return
    vendor = "PostgreSQL" if args.database_url.startswith("postgres") else "SQLite"
    results = []
    for name in args.only or INSIGHTS:
        command = [sys.executable, __file__, "--database-url", args.database_url, "--one", name]
        for flag in ("workspace", "start", "end", "period"):
            if getattr(args, flag):
                command += [f"--{flag}", getattr(args, flag)]
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            sys.exit(f"{name} failed on {vendor}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        results.append(result)
        print(
            f"{vendor:10} {name:26} {result['seconds']:8.2f} s  peak RSS {result['peak_rss_mib']:7.1f} MiB "
            f"(+{result['peak_above_before_mib']:6.1f} over {result['rss_before_mib']:6.1f})  "
            f"python peak {result['python_peak_mib']:6.1f} MiB  stored {result['stored_kib']:6.1f} KiB, read back "
            f"{result['read_back_ms']:5.1f} ms  {result['summary']}",
            flush=True,
        )
    if results:
        print(f"workspace {results[0]['workspace']}, period {results[0]['period']}")


if __name__ == "__main__":
    main()
