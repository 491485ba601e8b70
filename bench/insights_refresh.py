"""Benchmark: a full insights refresh (value + CRV + RQ + latest NPS) of one big workspace, per phase.

    .venv/bin/python bench/insights_refresh.py --sqlite-copy-of /work/bench-data/demo-1m.sqlite3 \\
        --sqlite-path /work/bench-data/insights-1m.sqlite3
    .venv/bin/python bench/insights_refresh.py --pg-template re_bench_1m \\
        --database-url postgres://postgres@127.0.0.1:5432/re_bench_insights

The database is a copy (a copied SQLite file, or a PostgreSQL database created from a template) so the source
stays as it is; it is migrated first, then the workspace (default: demo) is refreshed --repeat times. Prints the
rows read and written, seconds per phase (read, value = BG/NBD + Gamma-Gamma fit and predictions, crv, nps, rq,
assemble, write) and the peak memory of the process.
"""

import argparse
import os
import resource
import sys
import time
from pathlib import Path

from copies import add_copy_arguments, prepare_copy, setup_django


def _server_cpu(connection) -> float | None:
    """CPU seconds the PostgreSQL backend serving this connection has used, when it runs on this machine."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_copy_arguments(parser)
    parser.add_argument("--workspace", default="demo", help="workspace slug (default demo)")
    parser.add_argument("--repeat", type=int, default=1, help="refreshes in a row (default 1)")
    args = parser.parse_args()

    url = prepare_copy(parser, args)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connections

    from referral_engine.insights.models import (
        AccountValue,
        ReferrerValue,
        RelationshipScore,
        RelationshipScoreHistory,
    )
    from referral_engine.insights.services import insights_refresh
    from referral_engine.relationships.models import Account, Contact, Purchase, Touchpoint
    from referral_engine.workspaces.models import Workspace

    try:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(
            f"database: {connections['default'].vendor} ({url}), migrated in {time.perf_counter() - started:.1f} s"
        )
        print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start")
        workspace = Workspace.objects.get(slug=args.workspace)
        for label, model in (("accounts", Account), ("contacts", Contact), ("purchases", Purchase)):
            print(f"{label + ':':<14}{model.objects.filter(workspace=workspace).count():>12,}")
        print(f"{'touchpoints:':<14}{Touchpoint.objects.filter(workspace=workspace).count():>12,}")
        for attempt in range(1, args.repeat + 1):
            started = time.perf_counter()
            cpu = time.process_time()
            server = _server_cpu(connections["default"])
            run = insights_refresh(workspace=workspace)
            seconds = time.perf_counter() - started
            cpu = time.process_time() - cpu
            server_note = ""
            if server is not None and (after := _server_cpu(connections["default"])) is not None:
                server_note = f", its PostgreSQL backend: {after - server:,.1f} s"
            phases = ", ".join(
                f"{name} {value:,.1f} s" for name, value in run.seconds.items() if name != "total"
            )
            # On a shared machine the wall-clock time includes waiting for a CPU; the CPU seconds do not.
            print(f"refresh {attempt}: {seconds:,.1f} s (this process on the CPU: {cpu:,.1f} s{server_note})")
            print(f"  phases: {phases}")
            print(
                f"  fitted: {run.fitted} {run.reason}; customers {run.customers:,}, accounts valued "
                f"{run.accounts_valued:,}, top segment's share of value {run.top_value_share:.1%}"
            )
        written = {
            "AccountValue": AccountValue.objects.filter(workspace=workspace).count(),
            "ReferrerValue": ReferrerValue.objects.filter(workspace=workspace).count(),
            "RelationshipScore": RelationshipScore.objects.filter(workspace=workspace).count(),
            "RelationshipScoreHistory (all weeks)": RelationshipScoreHistory.objects.filter(
                workspace=workspace
            ).count(),
        }
        for label, count in written.items():
            print(f"  {label}: {count:,} rows")
        print(f"peak memory:  {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")
        print(f"load average: {os.getloadavg()[0]:.1f} at the end")
    finally:
        connections.close_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
