"""Benchmark: this week's ask lists for 1,000 employees over a workspace of a million accounts (2.4 million
contacts in the demo data), on SQLite and PostgreSQL.

    .venv/bin/python bench/ask_lists.py --sqlite-copy-of /work/bench-data/demo-1m.sqlite3 \\
        --sqlite-path /work/bench-data/asklists-1m.sqlite3
    .venv/bin/python bench/ask_lists.py --pg-template re_bench_1m \\
        --database-url postgres://postgres@127.0.0.1:5432/re_bench_asklists

The database is a copy (a copied SQLite file, or a PostgreSQL database made from a template), migrated first.
Employees are added in bulk up to --employees, and a share of the contacts is handed to the new ones in one
UPDATE so the lists spread across the whole team. The lists are then generated twice: the first run makes
them, the second (forced) must add nothing (idempotence); last, the hourly job's call, which only looks up
that the week's lists exist.

--profile relaxed (the default) drops the rules that need a stored insights refresh (segment, RQ, promoter) and
keeps the cadence and a success moment in the last 30 days (a go-live, a promoter answer or a purchase), so the
candidates are a realistic share of the workspace even on a copy nobody refreshed; --profile default keeps the
shipped defaults (top segment, RQ >= 60, promoter, success moment), which select nobody until insights ran.
Prints candidates, suggestions, seconds and the peak memory of the process (max RSS).
"""

import argparse
import resource
import sys
import time

from copies import add_copy_arguments, prepare_copy, setup_django


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _add_employees(workspace, target: int) -> list[int]:
    """Bulk-add employees until the workspace has `target` active ones; returns the new membership ids."""
    from django.contrib.auth.hashers import make_password

    from referral_engine.workspaces.models import Membership, Role, User

    have = Membership.objects.filter(workspace=workspace, is_active=True).exclude(role=Role.PARTNER).count()
    missing = max(0, target - have)
    if missing == 0:
        return []
    password = make_password(None)
    users = User.objects.bulk_create(
        [
            User(email=f"bench-asker-{i}@{workspace.slug}.test", full_name=f"Asker {i}", password=password)
            for i in range(missing)
        ],
        batch_size=1000,
    )
    if users[0].pk is None:  # SQLite before 3.35 returns no ids
        users = list(User.objects.filter(email__startswith="bench-asker-").order_by("pk"))
    memberships = Membership.objects.bulk_create(
        [
            Membership(workspace=workspace, user=user, role=Role.MEMBER, team=f"Team {i % 20}")
            for i, user in enumerate(users)
        ],
        batch_size=1000,
    )
    ids = [m.pk for m in memberships if m.pk is not None]
    if len(ids) != len(memberships):
        ids = list(
            Membership.objects.filter(
                workspace=workspace, user__email__startswith="bench-asker-"
            ).values_list("pk", flat=True)
        )
    return sorted(ids)


def _hand_out_contacts(workspace, new_ids: list[int]) -> int:
    """Give every third contact to one of the new employees, in one set-based UPDATE (ids are contiguous when
    bulk-created on a fresh sequence; otherwise the UPDATE uses the ids' positions through a CASE-free map)."""
    from django.db import connection

    if not new_ids:
        return 0
    first, n = new_ids[0], len(new_ids)
    contiguous = new_ids == list(range(first, first + n))
    if not contiguous:
        print("new membership ids are not contiguous; contacts keep their owners")
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE relationships_contact SET owner_id = %s + (id %% %s) WHERE workspace_id = %s AND id %% 3 = 0",
            [first, n, workspace.pk],
        )
        return cursor.rowcount


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_copy_arguments(parser)
    parser.add_argument("--workspace", default="demo", help="workspace slug (default demo)")
    parser.add_argument("--employees", type=int, default=1000, help="active employees to have (default 1000)")
    parser.add_argument("--profile", choices=("relaxed", "default"), default="relaxed")
    parser.add_argument(
        "--max-asks",
        type=int,
        default=5,
        help="most asks per employee per week (default 5, the shipped default)",
    )
    args = parser.parse_args()

    url = prepare_copy(parser, args)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from referral_engine.asking.models import AskSuggestion
    from referral_engine.asking.selectors import ask_candidates, referral_profile_get, team_load, week_of
    from referral_engine.asking.services import (
        ask_lists_generate,
        ask_lists_generate_if_missing,
        referral_profile_update,
    )
    from referral_engine.relationships.models import Contact
    from referral_engine.workspaces.models import Membership, Role, Workspace

    started = time.perf_counter()
    try:
        call_command("migrate", verbosity=0)
    except (
        Exception
    ) as exc:  # another app's migration may not apply to this copy; ours and what it reads must
        print(f"full migrate failed ({type(exc).__name__}: {str(exc)[:160]}); migrating what the lists read")
        for app in ("asking", "insights", "propensity"):
            try:
                call_command("migrate", app, verbosity=0)
            except Exception as app_exc:
                print(f"  migrate {app} failed: {type(app_exc).__name__}: {str(app_exc)[:160]}")
    print(f"migrated in {time.perf_counter() - started:.1f} s ({connection.vendor})")
    workspace = Workspace.objects.get(slug=args.workspace)

    started = time.perf_counter()
    new_ids = _add_employees(workspace, args.employees)
    handed = _hand_out_contacts(workspace, new_ids)
    employees = (
        Membership.objects.filter(workspace=workspace, is_active=True).exclude(role=Role.PARTNER).count()
    )
    print(
        f"employees:   {employees:,} ({len(new_ids):,} added, {handed:,} contacts handed to them) in {time.perf_counter() - started:.1f} s"
    )
    contacts = Contact.objects.filter(workspace=workspace).count()
    print(f"contacts:    {contacts:,}")

    manager = Membership.objects.filter(workspace=workspace, role=Role.OWNER).first()
    if args.profile == "relaxed":
        referral_profile_update(
            workspace=workspace,
            actor=manager,
            segments=[],
            min_rq=0,
            promoter_required=False,
            success_required=True,
        )
    else:
        referral_profile_update(
            workspace=workspace,
            actor=manager,
            segments=["top"],
            min_rq=60,
            promoter_required=True,
            success_required=True,
        )
    referral_profile_update(workspace=workspace, actor=manager, max_asks_per_employee_week=args.max_asks)
    print(f"profile:     {args.profile}, at most {args.max_asks} asks per employee per week")

    now = timezone.now()
    week = week_of(timezone.localdate(now))
    AskSuggestion.objects.filter(workspace=workspace, week=week).delete()
    profile = referral_profile_get(workspace=workspace)
    team = team_load(workspace=workspace, week=week)
    at_max = int((team.asks_this_week >= profile.max_asks_per_employee_week).sum())
    print(f"team:        {at_max:,} of {len(team.ids):,} employees already made the weekly maximum of asks")
    started = time.perf_counter()
    candidates = sum(
        1 for _ in ask_candidates(workspace=workspace, profile=profile, now=now, week=week).iterator()
    )
    print(f"candidates:  {candidates:,} (the candidate query alone: {time.perf_counter() - started:.1f} s)")
    for run in ("first", "again"):
        started = time.perf_counter()
        created = ask_lists_generate(workspace=workspace, week=week, now=now)
        seconds = time.perf_counter() - started
        print(
            f"{run:6} run:  {created:,} suggestions in {seconds:.1f} s; peak memory so far {_peak_mib():,.0f} MiB"
        )
    started = time.perf_counter()
    created = ask_lists_generate_if_missing(workspace=workspace, week=week, now=now)
    print(
        f"hourly job:  {created:,} suggestions in {time.perf_counter() - started:.2f} s (lists already made)"
    )
    per_employee = (
        AskSuggestion.objects.filter(workspace=workspace, week=week).values("employee_id").distinct().count()
    )
    print(f"lists:       {per_employee:,} employees have a list this week")
    print(f"peak memory: {_peak_mib():,.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
