"""Benchmark: generate the demo firm into a fresh database and print rows, seconds, rows per second, peak memory.

    .venv/bin/python bench/demo_generate.py                       # SQLite, in a temporary file, 1,000,000 accounts
    .venv/bin/python bench/demo_generate.py --accounts 100000
    .venv/bin/python bench/demo_generate.py --database-url postgres://postgres@127.0.0.1:5432/re_demo_bench

The PostgreSQL database named in the URL is dropped if it exists, created, migrated, and dropped again at the end
(unless --keep). The SQLite file lives in a temporary directory removed at the end (unless --keep).
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _postgres(url: str, *, statement: str) -> None:
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
        admin.execute(sql.SQL(statement).format(name=sql.Identifier(config["NAME"])))


def _phase(sql: str) -> str:
    if sql.startswith(("CREATE INDEX", "CREATE UNIQUE INDEX")):
        return "building indexes"
    if sql.startswith("ALTER TABLE") and "ADD CONSTRAINT" in sql:
        return "adding foreign keys back"
    if sql.startswith("ANALYZE"):
        return "analyzing"
    if sql.startswith("SELECT CASE"):
        return "checking references"
    return "other statements"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--today", type=date.fromisoformat, default=None, help="YYYY-MM-DD (default today)")
    parser.add_argument(
        "--database-url", default=None, help="postgres://... (default: a temporary SQLite file)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--sqlite-path",
        type=Path,
        default=None,
        help="write the SQLite database to this file (replaced if it exists) instead of a temporary one",
    )
    args = parser.parse_args()

    scratch = None
    if args.database_url is None and args.sqlite_path is not None:
        path = args.sqlite_path.resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
            leftover.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    elif args.database_url is None:
        scratch = Path(tempfile.mkdtemp(prefix="re-demo-bench-"))
        url = f"sqlite:///{scratch / 'bench.sqlite3'}"
    else:
        url = args.database_url
        if args.sqlite_path is not None:
            parser.error("--sqlite-path and --database-url cannot be combined")
        if not url.startswith(("postgres://", "postgresql://")):
            parser.error("--database-url must be a PostgreSQL URL (SQLite is the default)")
        _postgres(url, statement="DROP DATABASE IF EXISTS {name}")
        _postgres(url, statement="CREATE DATABASE {name}")

    # Settings read DATABASE_URL once, at django.setup().
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections
    from tqdm import tqdm

    from referral_engine.demo.services import demo_firm_create

    try:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(
            f"database: {connections['default'].vendor} ({url}), migrated in {time.perf_counter() - started:.1f} s"
        )
        print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start")
        spent: Counter[str] = Counter()

        def timed(execute, sql, params, many, context):
            # The rows themselves go through COPY or executemany on the raw connection, so this sees the
            # statements around them: index and key rebuilds, the guard checks, the service's own queries.
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                spent[_phase(sql)] += time.perf_counter() - started

        with (
            tqdm(total=args.accounts, unit=" accounts", disable=not sys.stderr.isatty(), leave=False) as bar,
            connections["default"].execute_wrapper(timed),
        ):
            cpu = time.process_time()
            report = demo_firm_create(
                accounts=args.accounts, seed=args.seed, today=args.today, on_progress=bar.update
            )
            cpu = time.process_time() - cpu
        width = max(len(label) for label in report.rows)
        for label, count in report.rows.items():
            print(f"  {label:<{width}}  {count:>12,}")
        print(f"accounts:     {args.accounts:,}")
        print(f"rows:         {report.total_rows:,}")
        print(f"seconds:      {report.seconds:,.1f} (this process on the CPU: {cpu:,.1f})")
        print(f"rows/second:  {report.total_rows / report.seconds:,.0f}")
        print(f"peak memory:  {report.peak_mib:,.0f} MiB")
        rest = report.seconds - sum(spent.values())
        print(
            f"of which:     {rest:,.1f} s generating and writing rows, "
            + ", ".join(f"{seconds:,.1f} s {phase}" for phase, seconds in spent.most_common())
        )
        print(f"load average: {os.getloadavg()[0]:.1f} at the end")
    finally:
        connections.close_all()
        if args.keep:
            print(f"kept: {url}")
        elif scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
        elif args.sqlite_path is not None:
            pass  # an explicit file is the point of --sqlite-path
        else:
            _postgres(url, statement="DROP DATABASE IF EXISTS {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
