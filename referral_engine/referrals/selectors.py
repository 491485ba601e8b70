"""Reads for referrals, always scoped to one workspace (and, for a partner, to their own referrals)."""

from datetime import datetime

from django.db.models import QuerySet

from referral_engine.core.selectors import get_in_workspace
from referral_engine.partners.models import Partner
from referral_engine.referrals.models import Referral
from referral_engine.workspaces.models import Workspace

REFERRAL_RELATED = (
    "referred_account",
    "referred_contact",
    "source_contact",
    "source_partner",
    "source_employee__user",
    "source_event",
    "owner__user",
)


def referral_list(
    *,
    workspace: Workspace,
    status: str | None = None,
    source_kind: str | None = None,
    tier: int | None = None,
    owner_id: int | None = None,
    referred_account_id: int | None = None,
    source_partner_id: int | None = None,
    group_id: int | None = None,
    received_from: datetime | None = None,
    received_to: datetime | None = None,
) -> QuerySet[Referral]:
    referrals = Referral.objects.filter(workspace=workspace).select_related(*REFERRAL_RELATED)
    if status:
        referrals = referrals.filter(status=status)
    if source_kind:
        referrals = referrals.filter(source_kind=source_kind)
    if tier is not None:
        referrals = referrals.filter(tier=tier)
    if owner_id is not None:
        referrals = referrals.filter(owner_id=owner_id)
    if referred_account_id is not None:
        referrals = referrals.filter(referred_account_id=referred_account_id)
    if source_partner_id is not None:
        referrals = referrals.filter(source_partner_id=source_partner_id)
    if group_id is not None:
        referrals = referrals.filter(group_id=group_id)
    if received_from is not None:
        referrals = referrals.filter(received_at__gte=received_from)
    if received_to is not None:
        referrals = referrals.filter(received_at__lte=received_to)
    return referrals


def referral_get(*, workspace: Workspace, id: int) -> Referral:
    return get_in_workspace(Referral.objects.select_related(*REFERRAL_RELATED), workspace=workspace, id=id)


def referral_list_for_partner(*, partner: Partner, **filters) -> QuerySet[Referral]:
    """What a partner may see: only the referrals they gave us (the portal and a partner's API token)."""
    filters.pop("source_partner_id", None)
    return referral_list(workspace=partner.workspace, source_partner_id=partner.pk, **filters)


def referral_get_for_partner(*, partner: Partner, id: int) -> Referral:
    return get_in_workspace(
        Referral.objects.filter(source_partner=partner).select_related(*REFERRAL_RELATED),
        workspace=partner.workspace,
        id=id,
    )


# ---------------------------------------------------------------------------------------- the web app's pages
# (appended for the pipeline board and the referral page; see docs/pages.md)

BOARD_COLUMN_SIZE = 50


def referral_board(
    *,
    workspace: Workspace,
    owner_id: int | None = None,
    source_kind: str | None = None,
    per_column: int = BOARD_COLUMN_SIZE,
) -> list[tuple[str, list[Referral], int]]:
    """The pipeline board: per stage, the latest `per_column` referrals and how many there are in all.

    One grouped count and one capped query per stage, whatever the number of referrals: open stages show the
    newest received first, closed ones the most recently closed.
    """
    from django.db.models import Count

    from referral_engine.referrals.models import ReferralStatus

    referrals = referral_list(workspace=workspace, owner_id=owner_id, source_kind=source_kind or None)
    totals = dict(
        referrals.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    board = []
    for status in ReferralStatus.values:
        closed = status in (ReferralStatus.WON, ReferralStatus.LOST)
        order = ("-closed_at", "-id") if closed else ("-received_at", "-id")
        cards = list(referrals.filter(status=status).order_by(*order)[:per_column])
        board.append((status, cards, totals.get(status, 0)))
    return board


def referral_chain(*, referral: Referral, depth: int = 5) -> tuple[list[Referral], list[Referral]]:
    """The referrals this one came through (nearest first, at most `depth`) and the ones that came through it."""
    ancestors: list[Referral] = []
    parent_id, seen = referral.parent_id, {referral.pk}
    while parent_id is not None and parent_id not in seen and len(ancestors) < depth:
        parent = (
            Referral.objects.select_related(*REFERRAL_RELATED)
            .filter(workspace_id=referral.workspace_id, pk=parent_id)
            .first()
        )
        if parent is None:
            break
        ancestors.append(parent)
        seen.add(parent.pk)
        parent_id = parent.parent_id
    children = list(
        Referral.objects.filter(workspace_id=referral.workspace_id, parent=referral)
        .select_related(*REFERRAL_RELATED)
        .order_by("received_at", "id")[:50]
    )
    return ancestors, children


def referral_list_past_first_contact(
    *, workspace: Workspace, owner_id: int, now: datetime
) -> QuerySet[Referral]:
    """An owner's referrals still waiting for a first contact after its deadline, most overdue first.
    (Appended for the Today page.)"""
    from referral_engine.referrals.models import ReferralStatus

    return (
        referral_list(workspace=workspace, owner_id=owner_id, status=ReferralStatus.RECEIVED)
        .filter(first_contact_due__lt=now)
        .order_by("first_contact_due", "id")
    )


def referral_list_given(
    *, workspace: Workspace, source_contact_id: int | None = None, source_account_id: int | None = None
) -> QuerySet[Referral]:
    """Referrals given by a contact, or by any contact of an account (appended for the account and contact pages)."""
    referrals = referral_list(workspace=workspace)
    if source_contact_id is not None:
        referrals = referrals.filter(source_contact_id=source_contact_id)
    if source_account_id is not None:
        referrals = referrals.filter(source_contact__account_id=source_account_id)
    return referrals


def referral_list_about_contact(*, workspace: Workspace, contact_id: int) -> QuerySet[Referral]:
    """Referrals in which this contact was the person referred (appended for the contact page)."""
    return referral_list(workspace=workspace).filter(referred_contact_id=contact_id)


def referral_list_overdue(*, workspace: Workspace, now: datetime) -> QuerySet[Referral]:
    """Referrals still waiting for their first contact after its deadline, across all owners, most overdue first.
    (Appended for the first-contact deadline alerts, issue 4 item 3.)"""
    from referral_engine.referrals.models import ReferralStatus

    return (
        referral_list(workspace=workspace, status=ReferralStatus.RECEIVED)
        .filter(contacted_at__isnull=True, first_contact_due__lt=now)
        .order_by("first_contact_due", "id")
    )


# ------------------------------------------------------------------------------------------- de-duplication
# (appended for issue 4 item 2: match a new referral against accounts, contacts and open referrals)

MATCH_CANDIDATE_LIMIT = 50
MATCH_KIND_ORDER = {"contact": 0, "account": 1, "referral": 2}


def _customer_flag(account) -> tuple[str, str | None]:
    from referral_engine.referrals import dedupe

    return dedupe.customer_flag(account.status if account is not None else None)


def _starts_with(field: str, prefix: str):
    """`field` starts with `prefix`, as a range an ordinary index can answer (the LIKE keeps it exact)."""
    from django.db.models import Q

    following = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": following, f"{field}__startswith": prefix})


def referral_match_candidates(
    *,
    workspace: Workspace,
    company: str,
    email: str,
    person_name: str = "",
    exclude_referral: Referral | None = None,
    limit: int = MATCH_CANDIDATE_LIMIT,
) -> list:
    """Accounts, contacts and open referrals of `workspace` that may be the business referred, best first.

    SQL narrows the candidates (an exact e-mail, the e-mail domain, the first word of the normalised name), each
    query capped at `limit`; only that bounded set is scored in Python (referrals.dedupe), never the workspace.
    `exclude_referral` leaves out a referral and the account and contact it points at (the one being matched).
    """
    from django.db.models.functions import Length, Lower

    from referral_engine.referrals import dedupe
    from referral_engine.referrals.models import OPEN_STATUSES
    from referral_engine.relationships.models import Account, Contact

    email = (email or "").strip()
    domain = dedupe.email_domain(email)
    normalised = dedupe.normalise_company(company)
    first_word = normalised.split()[0] if normalised else ""
    skip_accounts = {exclude_referral.referred_account_id} if exclude_referral else set()
    skip_contacts = {exclude_referral.referred_contact_id} if exclude_referral else set()
    skip_contacts.discard(None)

    accounts = Account.objects.filter(workspace=workspace).exclude(pk__in=skip_accounts)
    contacts = (
        Contact.objects.filter(workspace=workspace).exclude(pk__in=skip_contacts).select_related("account")
    )
    found_accounts: dict[int, Account] = {}
    found_contacts: dict[int, Contact] = {}
    # Every lookup below is an equality or a range on lower(column), so an index on (workspace, lower(name)) /
    # (workspace, lower(domain)) answers it on SQLite and PostgreSQL alike (see docs/import.md, "At scale");
    # LIKE '%...%' or a suffix match would read every account of the workspace for every referral.
    if email:
        # Addresses are stored lower-cased (relationships.services), so the (workspace, email) index serves this.
        for contact in contacts.filter(email=email.lower())[:limit]:
            found_contacts[contact.pk] = contact
    if domain:
        forms = [
            f"{scheme}{www}{domain}{slash}"
            for scheme in ("", "http://", "https://")
            for www in ("", "www.")
            for slash in ("", "/")
        ]
        # Domains are stored lower-cased too (relationships.services): the (workspace, domain) index serves it.
        on_domain = accounts.filter(domain__in=forms)
        for account in on_domain[:limit]:
            found_accounts[account.pk] = account
    if first_word:
        # Names are stored as typed, so SQL can only narrow on the normalised name's start or its first word;
        # dedupe decides what really matches. Shortest names first: one that normalises to exactly this name is
        # this prefix plus at most a legal form, so the cap never hides it behind longer names.
        by_length = (Length("name"), "id")
        named = accounts.annotate(name_lower=Lower("name"))
        for account in named.filter(_starts_with("name_lower", normalised)).order_by(*by_length)[:limit]:
            found_accounts[account.pk] = account
        if first_word != normalised:
            # A common first word can start tens of thousands of names: take them in the index's order, so the
            # query stops at the cap instead of sorting them all (they are only fuzzy candidates).
            for account in named.filter(_starts_with("name_lower", first_word)).order_by("name_lower")[
                :limit
            ]:
                found_accounts[account.pk] = account
    for contact in found_contacts.values():
        if contact.account is not None and contact.account_id not in skip_accounts:
            found_accounts.setdefault(contact.account_id, contact.account)

    emails_by_account: dict[int, list[str]] = {}
    for contact in found_contacts.values():
        if contact.account_id and contact.email:
            emails_by_account.setdefault(contact.account_id, []).append(contact.email)

    results: list = []
    account_results: dict[int, dedupe.Match] = {}
    for account in found_accounts.values():
        verdict = dedupe.classify(
            company=company,
            email=email,
            candidate_name=account.name,
            candidate_domain=account.domain,
            candidate_emails=emails_by_account.get(account.pk, ()),
        )
        if verdict.level == dedupe.Level.NONE:
            continue
        flag, note = _customer_flag(account)
        match = dedupe.Match(
            "account",
            account,
            str(verdict.level),
            [*verdict.reasons, *([note] if note else [])],
            verdict.similarity,
            account,
            flag,
        )
        account_results[account.pk] = match
        results.append(match)

    wanted_person = dedupe.normalise_company(person_name) if person_name.strip() else ""
    for contact in found_contacts.values():
        same_address = bool(email) and contact.email.strip().casefold() == email.casefold()
        same_person = bool(wanted_person) and dedupe.normalise_company(contact.name) == wanted_person
        if not (same_address or same_person):
            continue
        reasons = [f"same e-mail address ({email.casefold()})"] if same_address else []
        if same_person:
            reasons.append(f"same person's name ({contact.name})")
        flag, note = _customer_flag(contact.account)
        if note:
            reasons.append(note)
        level = "sure" if same_address else "possible"
        results.append(dedupe.Match("contact", contact, level, reasons, 1.0, contact.account, flag))

    if found_accounts or found_contacts:
        # Looked up by the ids alone, each with its own index, and the stage, the one left out and the order
        # applied here: given a stage filter, an OR or an ORDER BY received_at, SQLite (without ANALYZE) walks the
        # stage's or the date's index through the whole workspace instead (measured in bench/referral_intake.py).
        related = Referral.objects.filter(workspace=workspace).select_related("referred_account").order_by()
        by_id: dict[int, Referral] = {}
        for lookup, ids in (
            ("referred_account_id__in", found_accounts),
            ("referred_contact_id__in", found_contacts),
        ):
            if ids:
                by_id.update((r.pk, r) for r in related.filter(**{lookup: list(ids)})[: limit * 20])
        skip = exclude_referral.pk if exclude_referral is not None else None
        others = sorted(
            (r for r in by_id.values() if r.status in OPEN_STATUSES and r.pk != skip),
            key=lambda r: (r.received_at, r.pk),
            reverse=True,
        )[:limit]
        for other in others:
            basis = account_results.get(other.referred_account_id)
            contact_basis = next(
                (m for m in results if m.kind == "contact" and m.obj.pk == other.referred_contact_id), None
            )
            basis = (
                contact_basis if contact_basis and contact_basis.level == "sure" else basis or contact_basis
            )
            if basis is None:
                continue
            reasons = [f"an open referral ({other.get_status_display().lower()}) for the same business"]
            results.append(
                dedupe.Match(
                    "referral",
                    other,
                    basis.level,
                    reasons + basis.reasons,
                    basis.similarity,
                    other.referred_account,
                    basis.customer_flag,
                )
            )

    results.sort(key=lambda m: (m.level != "sure", -m.similarity, MATCH_KIND_ORDER[m.kind], m.obj.pk))
    return results


def referral_match_get(*, workspace: Workspace, id: int):
    """One de-duplication match of the workspace; another workspace's id is a 404."""
    from referral_engine.referrals.models import ReferralMatch

    return get_in_workspace(
        ReferralMatch.objects.select_related(
            "referral", "matched_account", "matched_contact", "matched_referral"
        ),
        workspace=workspace,
        id=id,
    )


def referral_match_list_pending(*, workspace: Workspace) -> QuerySet:
    """Possible duplicates waiting for a person to confirm or reject them, oldest first."""
    from referral_engine.referrals.models import MatchDecision, ReferralMatch

    return (
        ReferralMatch.objects.filter(workspace=workspace, decision=MatchDecision.PENDING)
        .select_related(
            "referral__referred_account", "matched_account", "matched_contact", "matched_referral"
        )
        .order_by("created_at", "id")
    )


def workspaces_with_overdue_referrals(*, now: datetime) -> QuerySet[Workspace]:
    """The workspaces that have at least one referral past its first-contact deadline (one query)."""
    from referral_engine.referrals.models import Referral, ReferralStatus

    overdue = Referral.objects.filter(
        status=ReferralStatus.RECEIVED, contacted_at__isnull=True, first_contact_due__lt=now
    )
    return Workspace.objects.filter(pk__in=overdue.values("workspace_id")).order_by("pk")


# ------------------------------------------------------------------------------------------------------ chains
# (appended for issue 4 item 4: the whole tree of a chain, in a fixed number of queries on both databases)

CHAIN_MAX_DEPTH = 50
CHAIN_MAX_NODES = 500


def _recursive_ids(sql: str, params: list) -> list[tuple[int, int]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(row[0], row[1]) for row in cursor.fetchall()]


def referral_ancestor_ids(*, workspace_id: int, id: int, depth: int = CHAIN_MAX_DEPTH) -> list[int]:
    """`id` and the referrals it came through, nearest first, in one recursive query (SQLite and PostgreSQL).

    The depth bound keeps the query finite even if a cycle were ever stored by hand."""
    table = Referral._meta.db_table
    rows = _recursive_ids(
        f"""
        WITH RECURSIVE up(id, parent_id, depth) AS (
            SELECT id, parent_id, 0 FROM {table} WHERE id = %s AND workspace_id = %s
            UNION ALL
            SELECT r.id, r.parent_id, up.depth + 1 FROM {table} r JOIN up ON r.id = up.parent_id
            WHERE r.workspace_id = %s AND up.depth < %s
        )
        SELECT id, depth FROM up ORDER BY depth
        """,
        [id, workspace_id, workspace_id, depth],
    )
    seen: list[int] = []
    for pk, _ in rows:
        if pk in seen:
            break
        seen.append(pk)
    return seen


def _descendant_ids(*, workspace_id: int, id: int, depth: int, limit: int) -> list[tuple[int, int]]:
    table = Referral._meta.db_table
    return _recursive_ids(
        f"""
        WITH RECURSIVE down(id, depth) AS (
            SELECT id, 0 FROM {table} WHERE id = %s AND workspace_id = %s
            UNION ALL
            SELECT r.id, down.depth + 1 FROM {table} r JOIN down ON r.parent_id = down.id
            WHERE r.workspace_id = %s AND down.depth < %s
        )
        SELECT id, depth FROM down ORDER BY depth, id LIMIT %s
        """,
        [id, workspace_id, workspace_id, depth, limit],
    )


class ChainNode:
    """One referral of a chain with its place in the tree."""

    def __init__(self, referral: Referral, depth: int):
        self.referral = referral
        self.depth = depth
        self.children: list[ChainNode] = []

    @property
    def tier(self) -> int:
        return self.referral.tier

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


class Chain:
    def __init__(self, root: ChainNode, nodes: list[ChainNode], truncated: bool):
        self.root = root
        self.nodes = nodes
        self.truncated = truncated

    @property
    def won_value(self):
        from decimal import Decimal

        from referral_engine.referrals.models import ReferralStatus

        return sum(
            (
                n.referral.won_value or Decimal(0)
                for n in self.nodes
                if n.referral.status == ReferralStatus.WON
            ),
            Decimal(0),
        )

    @property
    def won_count(self) -> int:
        return sum(1 for n in self.nodes if n.referral.status == "won")

    def rows(self) -> list[ChainNode]:
        """Depth first, as a tree reads: each referral followed by the ones that came through it."""
        return list(self.root.walk())


def referral_chain_tree(
    *, referral: Referral, depth: int = CHAIN_MAX_DEPTH, limit: int = CHAIN_MAX_NODES
) -> Chain:
    """The whole chain `referral` belongs to: its root ancestor down to every descendant (at most `limit`).

    Three queries whatever the size: the ancestors (recursive), the descendants of the root (recursive), then
    the rows themselves with what a page shows of them."""
    ancestors = referral_ancestor_ids(workspace_id=referral.workspace_id, id=referral.pk, depth=depth)
    root_id = ancestors[-1] if ancestors else referral.pk
    found = _descendant_ids(workspace_id=referral.workspace_id, id=root_id, depth=depth, limit=limit + 1)
    truncated = len(found) > limit
    found = found[:limit]
    depth_of = dict(found)
    rows = {
        r.pk: r
        for r in Referral.objects.filter(
            workspace_id=referral.workspace_id, pk__in=list(depth_of)
        ).select_related(*REFERRAL_RELATED)
    }
    nodes = {pk: ChainNode(rows[pk], depth_of[pk]) for pk, _ in found if pk in rows}
    for node in sorted(nodes.values(), key=lambda n: (n.referral.received_at, n.referral.pk)):
        parent = nodes.get(node.referral.parent_id)
        if parent is not None and node.depth > 0:
            parent.children.append(node)
    root = nodes.get(root_id) or ChainNode(referral, 0)
    ordered = list(root.walk())
    return Chain(root=root, nodes=ordered, truncated=truncated)


# ------------------------------------------------------------------------------- possible duplicates (pages)


def referral_match_list(
    *, workspace: Workspace, referral_id: int | None = None, decision: str | None = None
) -> QuerySet:
    """De-duplication matches of the workspace (of one referral), pending first, then the latest decisions."""
    from django.db.models import Case, IntegerField, Value, When

    from referral_engine.referrals.models import MatchDecision, ReferralMatch

    matches = ReferralMatch.objects.filter(workspace=workspace).select_related(
        "referral__referred_account",
        "referral__referred_contact",
        "matched_account",
        "matched_contact__account",
        "matched_referral__referred_account",
        "decided_by__user",
    )
    if referral_id is not None:
        matches = matches.filter(referral_id=referral_id)
    if decision:
        matches = matches.filter(decision=decision)
    pending_first = Case(
        When(decision=MatchDecision.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return matches.order_by(pending_first, "-decided_at", "-created_at", "-id")


def referral_flags(*, workspace: Workspace, referral_ids) -> dict[int, dict]:
    """Per referral: pending possible duplicates and whether it is an existing customer referred again
    (one grouped query, for the board's badges)."""
    from django.db.models import Count, Q

    from referral_engine.referrals.models import CustomerFlag, MatchDecision, ReferralMatch

    rows = (
        ReferralMatch.objects.filter(workspace=workspace, referral_id__in=list(referral_ids))
        .exclude(decision=MatchDecision.REJECTED)
        .values("referral_id")
        .annotate(
            pending=Count("id", filter=Q(decision=MatchDecision.PENDING)),
            existing=Count("id", filter=Q(customer_flag=CustomerFlag.EXISTING)),
        )
    )
    return {row["referral_id"]: row for row in rows}
