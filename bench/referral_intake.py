"""Benchmark: intake of referrals through the service, with de-duplication, against a firm of a million accounts.

Each referral goes through `referrals.intake.referral_intake` in its own transaction, exactly as the public form,
the portal and the CSV import record one: the account and contact are reused or created, `referral_create` runs
its checks, tier detection, the de-duplication match (`referral_match_candidates`) and the thank-you task.
A fifth of the referrals name an existing account written another way ("ACME, Inc." for "Acme Inc"), a tenth
give the e-mail of an existing contact, the rest are new businesses.

It works on a copy of the shared bench database, so the original stays as generated:

    .venv/bin/python bench/referral_intake.py                         # SQLite: copies /work/bench-data/demo-1m.sqlite3
    .venv/bin/python bench/referral_intake.py --database-url postgres://postgres@127.0.0.1:5432/re_bench_intake \\
        --template re_bench_1m                                        # PostgreSQL: CREATE DATABASE ... TEMPLATE

Prints referrals, seconds, referrals per second, peak memory (ru_maxrss; tracemalloc with --tracemalloc) and
where the time went (the de-duplication candidate queries, the other queries, Python). --max-seconds stops
early and projects the time for the whole number from the measured rate.
"""

import argparse
import os
import random
import resource
import sqlite3
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = Path("/work/bench-data/demo-1m.sqlite3")
DEFAULT_COPY = Path("/work/bench-data/intake-1m.sqlite3")

SPELLINGS = (
    lambda name: name.upper(),
    lambda name: name.lower(),
    lambda name: name.replace(" ", "  "),
    lambda name: f"{name.rsplit(' ', 1)[0]}, Inc." if " " in name else f"{name} Inc",
    lambda name: f"{name.rsplit(' ', 1)[0]}" if " " in name else name,
)
WORDS = [
    "Amber",
    "Basalt",
    "Cedar",
    "Delta",
    "Ember",
    "Fjord",
    "Garnet",
    "Harbor",
    "Indigo",
    "Juniper",
    "Kestrel",
    "Lumen",
    "Meridian",
    "Nimbus",
    "Onyx",
    "Prairie",
    "Quartz",
    "Rowan",
    "Summit",
    "Tundra",
    "Umber",
    "Vertex",
    "Willow",
    "Xenon",
    "Yonder",
    "Zephyr",
]
TRADES = [
    "Robotics",
    "Bakery",
    "Logistics",
    "Dental",
    "Studio",
    "Brewing",
    "Foundry",
    "Clinic",
    "Optics",
    "Textiles",
    "Freight",
    "Farms",
]


def _postgres_admin(url: str, statement: str) -> None:
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
    text = sql.lstrip()
    upper = text.upper()
    if text.startswith("SELECT") and 'FROM "relationships_account"' in text:
        if "LIKE" in upper:
            return "dedupe: accounts by name prefix"
        if '"domain" IN' in text:
            return "dedupe: accounts by domain"
        if "LOWER(" in upper:
            return "intake: account by name"
        return "selects: accounts, other"
    if text.startswith("SELECT") and 'FROM "relationships_contact"' in text:
        return "selects: contacts (by e-mail)"
    if text.startswith("SELECT") and 'FROM "referrals_referral"' in text:
        return "selects: referrals (open ones, tier)"
    if text.startswith("INSERT"):
        return "inserts"
    if text.startswith("SELECT"):
        table = text.partition(" FROM ")[2].split(" ", 1)[0].strip('"')
        return f"selects: {table or 'other'}"
    return "other statements"


# The indexes the de-duplication and intake lookups are written for (proposed as a relationships migration:
# models.Index(F("workspace"), Lower("name"), name="account_ws_lower_name")). --proposed-indexes adds them to
# the bench copy only, to measure the difference.
PROPOSED_INDEXES = {
    "any": (
        "CREATE INDEX IF NOT EXISTS account_ws_lower_name ON relationships_account (workspace_id, LOWER(name))",
    ),
    # relationships.services._contact_check looks a new contact's e-mail up with email__iexact: UPPER(email) = ...
    # on PostgreSQL, LIKE on SQLite; these make that lookup use an index on each.
    "postgresql": (
        "CREATE INDEX IF NOT EXISTS contact_ws_upper_email ON relationships_contact (workspace_id, UPPER(email))",
    ),
    "sqlite": (
        "CREATE INDEX IF NOT EXISTS contact_ws_email_nocase ON relationships_contact "
        "(workspace_id, email COLLATE NOCASE)",
    ),
}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--referrals", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default=None, help="postgres://... (default: a SQLite copy)")
    parser.add_argument("--template", default="re_bench_1m", help="PostgreSQL database to copy (TEMPLATE)")
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="SQLite database to copy")
    parser.add_argument("--copy", type=Path, default=DEFAULT_COPY, help="where the SQLite copy is written")
    parser.add_argument("--reuse", action="store_true", help="use the copy as it is (no fresh copy)")
    parser.add_argument("--max-seconds", type=float, default=None, help="stop after this long and project")
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python allocations (slower)")
    parser.add_argument(
        "--proposed-indexes",
        action="store_true",
        help="create the proposed lower(name) index on the copy first",
    )
    args = parser.parse_args()

    if args.database_url is None:
        if not args.reuse:
            if not args.source.exists():
                parser.error(f"{args.source} does not exist: run bench/demo_generate.py --sqlite-path first")
            for suffix in ("", "-wal", "-shm"):
                Path(f"{args.copy}{suffix}").unlink(missing_ok=True)
            # SQLite's backup API, not a file copy: it includes what still sits in the source's write-ahead log.
            with sqlite3.connect(args.source) as source, sqlite3.connect(args.copy) as copy:
                source.backup(copy)
        url = f"sqlite:///{args.copy}"
    else:
        url = args.database_url
        if not args.reuse:
            _postgres_admin(url, "DROP DATABASE IF EXISTS {name}")
            _postgres_admin(url, f'CREATE DATABASE {{name}} TEMPLATE "{args.template}"')

    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("TASKS_BACKEND", "django_tasks.backends.dummy.DummyBackend")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from referral_engine.partners.models import Partner
    from referral_engine.referrals.intake import referral_intake
    from referral_engine.referrals.models import Referral, ReferralMatch
    from referral_engine.relationships.models import Account, Contact
    from referral_engine.workspaces.models import Membership, Role, Workspace

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    connection = connections["default"]
    print(f"database: {connection.vendor} ({url}), migrated in {time.perf_counter() - started:.1f} s")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start")

    if args.proposed_indexes:
        began = time.perf_counter()
        with connection.cursor() as cursor:
            statements = (*PROPOSED_INDEXES["any"], *PROPOSED_INDEXES[connection.vendor])
            for statement in statements:
                cursor.execute(statement)
            cursor.execute("ANALYZE relationships_account")
            cursor.execute("ANALYZE relationships_contact")
        print(f"proposed indexes: {len(statements)} created in {time.perf_counter() - began:.1f} s")
    workspace = Workspace.objects.order_by("id").first()
    accounts_total = Account.objects.filter(workspace=workspace).count()
    referrals_before = Referral.objects.filter(workspace=workspace).count()
    print(f"workspace: {workspace.slug}, {accounts_total:,} accounts, {referrals_before:,} referrals before")

    # The inputs, drawn with a few set-based queries: ids by stride, never a loop over the workspace.
    rng = random.Random(args.seed)
    max_account = Account.objects.filter(workspace=workspace).order_by("-id").values_list("id", flat=True)[0]
    wanted = sorted({rng.randint(1, max_account) for _ in range(args.referrals // 5 + 100)})
    existing_names = list(
        Account.objects.filter(workspace=workspace, pk__in=wanted).values_list("name", flat=True)
    )
    max_contact = Contact.objects.filter(workspace=workspace).order_by("-id").values_list("id", flat=True)[0]
    wanted = sorted({rng.randint(1, max_contact) for _ in range(args.referrals // 10 + 2000)})
    contacts = list(
        Contact.objects.filter(workspace=workspace, pk__in=wanted)
        .exclude(email="")
        .select_related("account")
        .only("id", "email", "first_name", "last_name", "account__name", "account_id")
    )
    referrers = contacts[:2000]
    partners = list(Partner.objects.filter(workspace=workspace)[:200])
    employees = list(Membership.objects.filter(workspace=workspace).exclude(role=Role.PARTNER))
    owner = next(m for m in employees if m.role == Role.OWNER)

    def make(i: int) -> dict:
        roll = rng.random()
        kind = rng.choice(("customer", "customer", "partner", "employee", "other"))
        source = {
            "customer": lambda: {"source_contact": rng.choice(referrers)},
            "partner": lambda: {"source_partner": rng.choice(partners)} if partners else {"source_name": "x"},
            "employee": lambda: {"source_employee": rng.choice(employees)},
            "other": lambda: {"source_name": f"Visitor {i}"},
        }[kind]()
        if kind == "partner" and not partners:
            kind = "other"
        person = f"{rng.choice(WORDS)} {rng.choice(WORDS)}son"
        if roll < 0.2 and existing_names:
            company = rng.choice(SPELLINGS)(rng.choice(existing_names))
            email = ""
        elif roll < 0.3 and contacts:
            contact = rng.choice(contacts)
            company = contact.account.name if contact.account_id else f"{rng.choice(WORDS)} Co"
            email, person = contact.email, f"{contact.first_name} {contact.last_name}"
        else:
            company = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(TRADES)} {i}"
            email = f"{person.split()[0].lower()}.{i}@{company.split()[0].lower()}{i}.example"
        return {
            "source_kind": kind,
            "company": company,
            "person": person,
            "email": email,
            "story": "Met at the chamber breakfast.",
            "owner": owner,
            **source,
        }

    spent: Counter[str] = Counter()
    counts: Counter[str] = Counter()

    def timed(execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            phase = _phase(sql)
            spent[phase] += time.perf_counter() - began
            counts[phase] += 1

    if args.tracemalloc:
        import tracemalloc

        tracemalloc.start()
    done = 0
    began = time.perf_counter()
    cpu = time.process_time()
    progress_every = max(1, args.referrals // 20)
    with connection.execute_wrapper(timed):
        for i in range(args.referrals):
            referral_intake(workspace=workspace, actor=owner, **make(i))
            done += 1
            if done % progress_every == 0:
                elapsed = time.perf_counter() - began
                print(f"  {done:>9,} referrals  {elapsed:8.1f} s  {done / elapsed:8.1f}/s", flush=True)
            if args.max_seconds is not None and time.perf_counter() - began > args.max_seconds:
                break
    seconds = time.perf_counter() - began
    cpu = time.process_time() - cpu
    peak_tracemalloc = None
    if args.tracemalloc:
        import tracemalloc

        peak_tracemalloc = tracemalloc.get_traced_memory()[1] / 1024 / 1024
        tracemalloc.stop()
    rate = done / seconds
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

    matches = ReferralMatch.objects.filter(workspace=workspace).values_list("level", "decision")
    outcome = Counter(matches)
    print(f"accounts:       {accounts_total:,}")
    print(f"referrals:      {done:,} of {args.referrals:,}")
    print(f"seconds:        {seconds:,.1f} (this process on the CPU: {cpu:,.1f})")
    print(f"referrals/s:    {rate:,.1f}")
    if done < args.referrals:
        print(
            f"projection:     {args.referrals:,} referrals in {args.referrals / rate / 60:,.1f} minutes at this rate"
        )
    print(
        f"peak memory:    {maxrss:,.0f} MiB (ru_maxrss)"
        + (f", {peak_tracemalloc:,.1f} MiB traced by tracemalloc" if peak_tracemalloc is not None else "")
    )
    print(
        "matches:        "
        + ", ".join(f"{level}/{decision}: {n:,}" for (level, decision), n in outcome.most_common())
    )
    total_sql = sum(spent.values())
    print(
        f"time in SQL:    {total_sql:,.1f} s ({total_sql / seconds:.0%}); Python and the rest {seconds - total_sql:,.1f} s"
    )
    for phase, phase_seconds in spent.most_common():
        print(
            f"  {phase:<40} {phase_seconds:9.1f} s  {counts[phase]:>10,} queries  {phase_seconds / max(counts[phase], 1) * 1000:7.2f} ms each"
        )
    print(f"load average:   {os.getloadavg()[0]:.1f} at the end")
    connections.close_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
