"""Tier 2: which earlier referral a new one came through (issue 4 item 4; PRODUCT "Tier").

Tier 1 when the source referred the business directly. Tier 2 when it came one step further down a chain the
source started:
- the referrer is a contact of an account we won through an earlier referral (the chain starts at the
  referral that won us their company: the earliest won one), or
- the referrer is a partner's own contact introduced on the partner's behalf: a contact that a partner
  referred to us (the referral in which that partner named this person, or their company), whatever its stage.

A won account comes first: the business the referrer's company brought us is the nearer link. Only referrals
received no later than the new one count. A person can always correct the parent (referral_update).
"""

from datetime import datetime

from referral_engine.referrals.models import Referral, ReferralStatus, SourceKind
from referral_engine.workspaces.models import Workspace

# An account has a handful of referrals; the cap only bounds a pathological one.
LOOKUP_CAP = 500


def referral_parent_detect(
    *, workspace: Workspace, source_kind: str, source_contact=None, received_at: datetime | None = None
) -> Referral | None:
    """The referral a new referral from `source_contact` came through, or None (tier 1). Two queries at most."""
    if source_kind != SourceKind.CUSTOMER or source_contact is None:
        return None
    # Looked up by the account's and the contact's ids alone (each has its index) and the rest decided here: with
    # a date or a stage in the query, SQLite (without ANALYZE) walks that index through the whole workspace.
    related = Referral.objects.filter(workspace=workspace).order_by()
    candidates: dict[int, Referral] = {}
    if source_contact.account_id is not None:
        candidates.update(
            (r.pk, r) for r in related.filter(referred_account_id=source_contact.account_id)[:LOOKUP_CAP]
        )
    candidates.update((r.pk, r) for r in related.filter(referred_contact_id=source_contact.pk)[:LOOKUP_CAP])
    earlier = [r for r in candidates.values() if received_at is None or r.received_at <= received_at]
    won = [
        r
        for r in earlier
        if r.status == ReferralStatus.WON
        and source_contact.account_id is not None
        and r.referred_account_id == source_contact.account_id
    ]
    if won:
        return min(won, key=lambda r: (r.closed_at, r.pk))
    by_partners = [r for r in earlier if r.source_kind == SourceKind.PARTNER]
    return min(by_partners, key=lambda r: (r.received_at, r.pk)) if by_partners else None
