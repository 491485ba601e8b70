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
