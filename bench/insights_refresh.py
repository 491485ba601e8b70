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
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _postgres(url: str, statement: str, **names) -> None:
    import dj_database_url
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(url)
    with psycopg.connect(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        identifiers = {key: sql.Identifier(value) for key, value in {"name": config["NAME"], **names}.items()}
        admin.execute(sql.SQL(statement).format(**identifiers))


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
    parser.add_argument("--database-url", help="postgres://... of the copy to refresh")
    parser.add_argument("--pg-template", help="create the --database-url database from this one first")
    parser.add_argument("--sqlite-path", type=Path, help="the SQLite file to refresh")
    parser.add_argument("--sqlite-copy-of", type=Path, help="copy this SQLite file to --sqlite-path first")
    parser.add_argument("--workspace", default="demo", help="workspace slug (default demo)")
    parser.add_argument("--repeat", type=int, default=1, help="refreshes in a row (default 1)")
    args = parser.parse_args()

    if args.sqlite_path is not None:
        path = args.sqlite_path.resolve()
        if args.sqlite_copy_of is not None:
            for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                leftover.unlink(missing_ok=True)
            started = time.perf_counter()
            shutil.copyfile(args.sqlite_copy_of, path)
            print(f"copied {args.sqlite_copy_of} in {time.perf_counter() - started:.1f} s")
        url = f"sqlite:///{path}"
    elif args.database_url:
        url = args.database_url
        if args.pg_template:
            started = time.perf_counter()
            _postgres(url, "DROP DATABASE IF EXISTS {name}")
            _postgres(url, "CREATE DATABASE {name} TEMPLATE {template}", template=args.pg_template)
            print(f"created from template {args.pg_template} in {time.perf_counter() - started:.1f} s")
    else:
        parser.error("give --sqlite-path or --database-url")

    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
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
