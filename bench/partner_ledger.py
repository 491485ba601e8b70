"""Benchmark: the partner ledger, the ranking, the suggestions and the daily nudge over the demo's workspace of a
million accounts, on SQLite and PostgreSQL.

    .venv/bin/python bench/partner_ledger.py --sqlite-copy-of /work/bench-data/demo-1m.sqlite3 \\
        --sqlite-path /work/bench-data/ledger-1m.sqlite3
    .venv/bin/python bench/partner_ledger.py --pg-template re_bench_1m \\
        --database-url postgres://postgres@127.0.0.1:5432/re_bench_ledger

The database is a copy, migrated first. The demo writes the referrals we passed to partners as given referrals;
on a demo generated before it did (only outbound "Referral passed to ..." note touchpoints), one INSERT ... SELECT
turns the notes into given referrals and one UPDATE closes a third of them as won, so the ledger has both sides. Prints seconds per measure and the peak memory of the
process (max RSS); nothing loads the workspace into Python objects.
"""

import argparse
import resource
import time

from copies import add_copy_arguments, prepare_copy, setup_django


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(label: str, fn):
    started = time.perf_counter()
    result = fn()
    print(f"{label:<44} {time.perf_counter() - started:8.2f} s   peak {_peak_mib():7.0f} MiB")
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
    from django.db import connection, transaction

    from referral_engine.partners.ledger import (
        neglected_partner_nudges_create,
        partner_ledger,
        partners_ranked,
    )
    from referral_engine.partners.models import ReferralGiven
    from referral_engine.partners.suggestions import suggestions
    from referral_engine.relationships.models import Account
    from referral_engine.workspaces.models import Workspace

    started = time.perf_counter()
    try:
        call_command("migrate", verbosity=0)
    except Exception as exc:  # another app's migration may not apply to this copy; ours must
        print(f"full migrate failed ({type(exc).__name__}: {str(exc)[:160]}); migrating partners")
        for app in ("partners", "referrals", "relationships"):
            call_command("migrate", app, verbosity=0)
    print(f"migrated in {time.perf_counter() - started:.1f} s ({connection.vendor})")
    workspace = Workspace.objects.get(slug=args.workspace)
    print(f"accounts: {Account.objects.filter(workspace=workspace).count():,}")

    def seed():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM partners_referralgiven WHERE workspace_id = %s", [workspace.pk])
            cursor.execute(
                "INSERT INTO partners_referralgiven (created_at, updated_at, workspace_id, partner_id, contact_id,"
                " account_id, given_by_id, at, note, status) "
                "SELECT at, at, workspace_id, partner_id, contact_id, account_id, employee_id, at, '', 'open' "
                "FROM relationships_touchpoint WHERE workspace_id = %s AND partner_id IS NOT NULL "
                "AND direction = 'out' AND summary LIKE 'Referral passed to%%'",
                [workspace.pk],
            )
            cursor.execute(
                "UPDATE partners_referralgiven SET status = 'won', won_value = 1500, closed_at = at "
                "WHERE workspace_id = %s AND id %% 3 = 0",
                [workspace.pk],
            )
        return ReferralGiven.objects.filter(workspace=workspace).count()

    given = ReferralGiven.objects.filter(workspace=workspace).count()
    if given:
        print(f"given referrals written by the demo: {given:,}")
    else:
        given = _timed("seed given referrals (INSERT ... SELECT)", seed)
        print(f"given referrals: {given:,}")
    for order in ("received_value", "balance", "value_per_hour"):
        rows = _timed(
            f"ranking by {order} (all partners)",
            lambda order=order: partners_ranked(workspace=workspace, order=order)[:25],
        )
    from referral_engine.partners.models import Partner

    top = Partner.objects.get(pk=partners_ranked(workspace=workspace, order="received_value")[0]["id"])
    ledger = _timed(f"one partner's ledger ({top.name})", lambda: partner_ledger(partner=top))
    print(
        f"  given {ledger.given} / received {ledger.received}, balance {ledger.balance}, "
        f"{len(ledger.months)} months, value per hour {ledger.value_per_hour}"
    )
    items = _timed(
        "suggestions, whole workspace (top 100)", lambda: suggestions(workspace=workspace, limit=100)
    )
    print(
        f"  {len(items)} suggestions; best {items[0]['account']} -> {items[0]['partner']}"
        if items
        else "  none"
    )
    _timed(
        "suggestions for one partner (top 5)",
        lambda: suggestions(workspace=workspace, partner_id=top.pk, limit=5),
    )
    created = _timed(
        "daily nudge job for the workspace", lambda: neglected_partner_nudges_create(workspace=workspace)
    )
    print(f"  nudges created: {created}")
    del rows
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
