"""Create, replace and sign in to the demo firm. The management command and the benchmark call these."""

from __future__ import annotations

import graphlib
import resource
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from datetime import time as dt_time

import numpy as np
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from referral_engine.core.errors import Conflict
from referral_engine.demo.generator import (
    BULK_MODELS,
    FirmGenerator,
    Ids,
    Plan,
    Staff,
    portal_partner_person,
    staff_plan,
)
from referral_engine.demo.writer import BulkWriter
from referral_engine.insights.services import insights_refresh
from referral_engine.partners.models import Partner
from referral_engine.relationships.models import Account
from referral_engine.workspaces.models import Membership, Role, User, Workspace
from referral_engine.workspaces.services import membership_add, user_create, workspace_create

DEFAULT_ACCOUNTS = 200
DEFAULT_SEED = 42
DEFAULT_SLUG = "demo"
MAX_ACCOUNTS = 10_000_000
# A load this big, and at least as big as what the tables hold already, drops the tables' indexes (and foreign
# keys on PostgreSQL) and builds them again at the end: several times faster than row by row, but on PostgreSQL
# readers of those tables wait until the load commits (see writer.py). A small firm never blocks anyone.
REBUILD_FROM = 100_000
FIRM_NAMES = (
    "Brightline Advisory",
    "Northwind Consulting",
    "Keel & Compass Partners",
    "Lumen Business Services",
)


@dataclass(frozen=True)
class Login:
    email: str
    password: str


@dataclass
class DemoReport:
    workspace: Workspace
    today: date
    owner: Login
    partner: Login | None
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    peak_mib: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def demo_email(*, slug: str, local: str) -> str:
    # .example is reserved (RFC 2606): a demo address can never reach a real mailbox.
    return f"{local}@{slug}.example"


def peak_memory_mib() -> float:
    # ru_maxrss is in KiB on Linux (bytes on macOS, where this overstates by 1024: fine for a figure).
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def demo_arguments_check(*, accounts: int, seed: int, slug: str) -> None:
    errors = {}
    if accounts < 1:
        errors["accounts"] = ["Give at least 1 account."]
    elif accounts > MAX_ACCOUNTS:
        errors["accounts"] = [f"Give at most {MAX_ACCOUNTS:,} accounts."]
    if not 0 <= seed < 2**63:
        errors["seed"] = ["The seed is a whole number from 0 up."]
    if not slug or len(slug) > 60 or slugify(slug) != slug:
        errors["workspace"] = [
            f"{slug!r} is not a workspace slug: use 1 to 60 lower-case letters, digits, hyphens or underscores."
        ]
    if errors:
        raise ValidationError(errors)


def demo_workspace_get(*, slug: str) -> Workspace | None:
    """The workspace with this slug, refusing one the demo command did not make (so it is never touched)."""
    workspace = Workspace.objects.filter(slug=slug).first()
    if workspace is None:
        return None
    owner_email = demo_email(slug=slug, local="owner")
    if not Membership.objects.filter(workspace=workspace, role=Role.OWNER, user__email=owner_email).exists():
        raise Conflict(
            f"The workspace {slug!r} was not made by the demo command (its owner is not {owner_email}); "
            "it is left alone. Choose another --workspace.",
            field="workspace",
        )
    return workspace


def _workspace_models() -> list[type[models.Model]]:
    """Every model with a `workspace` foreign key, in an order that deletes rows before the rows they refer to."""
    from django.apps import apps

    owned = [
        m
        for m in apps.get_models()
        if any(f.name == "workspace" and f.related_model is Workspace for f in m._meta.concrete_fields)
    ]
    graph = {
        m: {f.related_model for f in m._meta.concrete_fields if f.is_relation and f.related_model in owned}
        - {m}
        for m in owned
    }
    # static_order() yields what a model refers to before the model; delete in the reverse order.
    return list(reversed(list(graphlib.TopologicalSorter(graph).static_order())))


@transaction.atomic
def demo_firm_delete(*, workspace: Workspace, using: str = DEFAULT_DB_ALIAS) -> None:
    """Delete a demo workspace and its demo users with one DELETE per table (a million accounts in minutes; the
    ORM's cascade would load every row into memory first)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for model in _workspace_models():
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"DELETE FROM {table} WHERE workspace_id = %s", [workspace.pk])
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    slug = workspace.slug
    Workspace.objects.filter(pk=workspace.pk).delete()
    _orphan_demo_users(slug=slug).delete()


def _orphan_demo_users(*, slug: str):
    # Only addresses at the workspace's own reserved .example domain, which only the demo command hands out.
    return User.objects.filter(email__endswith=f"@{slug}.example", memberships__isnull=True)


@transaction.atomic
def demo_logins_reset(*, workspace: Workspace) -> tuple[Login, Login | None]:
    """Give the demo owner (and the portal partner) new random passwords, so `make demo` always prints a login."""
    owner = (
        Membership.objects.select_related("user")
        .filter(
            workspace=workspace, role=Role.OWNER, user__email=demo_email(slug=workspace.slug, local="owner")
        )
        .first()
    )
    if owner is None:
        raise Conflict(f"The workspace {workspace.slug!r} has no demo owner.", field="workspace")
    logins = []
    partner = Partner.objects.filter(workspace=workspace, portal_membership__isnull=False).select_related(
        "portal_membership__user"
    )
    portal = partner.order_by("id").first()
    for user in (owner.user, portal.portal_membership.user if portal else None):
        if user is None:
            logins.append(None)
            continue
        password = secrets.token_urlsafe(12)
        user.set_password(password)
        user.save(update_fields=["password"])
        logins.append(Login(user.email, password))
    return logins[0], logins[1]


def _staff_create(*, plan: Plan, slug: str) -> tuple[Workspace, Staff, Login, Login]:
    people = staff_plan(plan=plan)
    owner_password = secrets.token_urlsafe(12)
    owner_person = people[0]
    owner_user = user_create(
        email=demo_email(slug=slug, local="owner"), password=owner_password, full_name=owner_person.full_name
    )
    name = FIRM_NAMES[plan.seed % len(FIRM_NAMES)]
    workspace = workspace_create(name=name, slug=slug, owner=owner_user)
    Membership.objects.filter(workspace=workspace, user=owner_user).update(
        title=owner_person.title, team=owner_person.team
    )
    memberships = [Membership.objects.get(workspace=workspace, user=owner_user)]
    for person in people[1:]:
        local = f"{person.first_name}.{person.last_name}".lower()
        # Employees sign in only after someone sets their password: unusable until then.
        user = user_create(
            email=demo_email(slug=slug, local=local), password=None, full_name=person.full_name
        )
        memberships.append(
            membership_add(
                workspace=workspace, user=user, role=person.role, title=person.title, team=person.team
            )
        )
    for lead in {p.lead for p in people if p.lead is not None}:
        followers = [m.pk for m, p in zip(memberships, people, strict=True) if p.lead == lead]
        Membership.objects.filter(pk__in=followers).update(lead=memberships[lead])

    portal_person = portal_partner_person(plan=plan)
    partner_password = secrets.token_urlsafe(12)
    partner_user = user_create(
        email=demo_email(slug=slug, local="partner"),
        password=partner_password,
        full_name=portal_person.full_name,
    )
    portal = membership_add(workspace=workspace, user=partner_user, role=Role.PARTNER)
    staff = Staff(
        membership_ids=np.array([m.pk for m in memberships], dtype=np.int64),
        names=tuple(p.full_name for p in people),
        teams=tuple(p.team for p in people),
        portal_membership_id=portal.pk,
        portal_email=partner_user.email,
    )
    return (
        workspace,
        staff,
        Login(owner_user.email, owner_password),
        Login(partner_user.email, partner_password),
    )


def demo_firm_create(
    *,
    accounts: int = DEFAULT_ACCOUNTS,
    seed: int = DEFAULT_SEED,
    slug: str = DEFAULT_SLUG,
    today: date | None = None,
    replace: bool = False,
    chunk_size: int = 10_000,
    on_progress: Callable[[int], None] | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> DemoReport:
    """Generate the demo firm in one transaction: a failure or Ctrl-C writes nothing.

    The same accounts, seed and `today` give the same firm (only password hashes and survey token digests differ).
    `on_progress` is called with the number of accounts written after each chunk.
    """
    demo_arguments_check(accounts=accounts, seed=seed, slug=slug)
    plan = Plan(accounts=accounts, seed=seed, today=today or timezone.localdate(), chunk_size=chunk_size)
    started = time.perf_counter()
    with transaction.atomic(using=using):
        existing = demo_workspace_get(slug=slug)
        if existing is not None:
            if not replace:
                raise Conflict(
                    f"The workspace {slug!r} exists already. Add --replace to delete it and generate it again, "
                    "or --if-missing to keep it.",
                    field="workspace",
                )
            demo_firm_delete(workspace=existing, using=using)
        else:
            # Demo users left behind by a workspace deleted some other way would block their own re-creation.
            _orphan_demo_users(slug=slug).delete()
        workspace, staff, owner, partner = _staff_create(plan=plan, slug=slug)
        # Ids only grow, so the largest account id is an upper bound on the accounts there already.
        largest = Account.objects.using(using).aggregate(largest=Max("id"))["largest"] or 0
        writer = BulkWriter(
            models_written=BULK_MODELS,
            workspace_id=workspace.pk,
            rebuild=accounts >= max(REBUILD_FROM, largest),
            using=using,
        )
        ids = Ids(writer.start())
        generator = FirmGenerator(plan=plan, staff=staff, ids=ids)
        for rows in generator.setup():
            writer.write(rows)
        for k in range(plan.chunks):
            for rows in generator.chunk(k):
                writer.write(rows)
            if on_progress is not None:
                start, stop = plan.chunk_bounds(k)
                on_progress(stop - start)
        writer.finish(next_free={m: ids.next_free(m) for m in BULK_MODELS})
        if accounts < REBUILD_FROM:
            # The Value page and the cards show figures from the start. A load this big is a benchmark's:
            # refresh it with `referral-engine insights refresh` (bench/insights_refresh.py times that).
            insights_refresh(
                workspace=workspace, now=datetime.combine(plan.today, dt_time(23, 59), tzinfo=UTC)
            )
    rows = {
        "workspaces.Workspace": 1,
        "workspaces.User": len(staff.membership_ids) + 1,
        "workspaces.Membership": len(staff.membership_ids) + 1,
        **{m._meta.label: writer.written[m._meta.label] for m in BULK_MODELS},
    }
    return DemoReport(
        workspace=workspace,
        today=plan.today,
        owner=owner,
        partner=partner,
        rows=rows,
        seconds=time.perf_counter() - started,
        peak_mib=peak_memory_mib(),
    )
