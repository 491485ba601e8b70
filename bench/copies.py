"""What the benchmarks share: they work on a copy of a big database so the source stays as it is.

    parser = argparse.ArgumentParser()
    add_copy_arguments(parser)
    url = prepare_copy(parser, parser.parse_args())   # copies the SQLite file or creates the PostgreSQL copy
    setup_django(url)                                  # then import the project's code

A SQLite copy is a copied file (--sqlite-copy-of to --sqlite-path); a PostgreSQL copy is a database created from
a template (--pg-template to --database-url). Without the copy options the named database is used as it is.
"""

import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def postgres_admin(url: str, statement: str, **names) -> None:
    """Run `statement` on the server of `url` from its `postgres` database; {name} is the URL's database."""
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


def add_copy_arguments(parser) -> None:
    parser.add_argument("--database-url", help="postgres://... of the copy")
    parser.add_argument("--pg-template", help="create the --database-url database from this one first")
    parser.add_argument("--sqlite-path", type=Path, help="the SQLite file to use")
    parser.add_argument("--sqlite-copy-of", type=Path, help="copy this SQLite file to --sqlite-path first")


def prepare_copy(parser, args) -> str:
    """Make the copy the arguments ask for and return its database URL."""
    if args.sqlite_path is not None:
        path = args.sqlite_path.resolve()
        if args.sqlite_copy_of is not None:
            for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                leftover.unlink(missing_ok=True)
            started = time.perf_counter()
            shutil.copyfile(args.sqlite_copy_of, path)
            print(f"copied {args.sqlite_copy_of} in {time.perf_counter() - started:.1f} s")
        return f"sqlite:///{path}"
    if args.database_url:
        if args.pg_template:
            started = time.perf_counter()
            postgres_admin(args.database_url, "DROP DATABASE IF EXISTS {name}")
            postgres_admin(
                args.database_url, "CREATE DATABASE {name} TEMPLATE {template}", template=args.pg_template
            )
            print(f"created from template {args.pg_template} in {time.perf_counter() - started:.1f} s")
        return args.database_url
    parser.error("give --sqlite-path or --database-url")


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
