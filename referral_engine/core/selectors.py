"""Read helpers every area's selectors share."""

from django.db.models import Model, QuerySet
from django.http import Http404

from referral_engine.workspaces.models import Workspace

# Ids are 64-bit integers; anything else cannot name a row, and some databases refuse it in a query.
MAX_ID = 2**63 - 1


def get_in_workspace(queryset: QuerySet, *, workspace: Workspace, id) -> Model:
    """One row of `queryset` in `workspace`; Http404 for an unknown id, another workspace's id, or a non-id."""
    try:
        pk = int(id)
    except (TypeError, ValueError):
        raise Http404("Not found.") from None
    if not 0 < pk <= MAX_ID:
        raise Http404("Not found.")
    row = queryset.filter(workspace=workspace, pk=pk).first()
    if row is None:
        raise Http404("Not found.")
    return row


def search_terms(q: str | None) -> list[str]:
    """The words of a free-text search, each of which must match (capped, so a pasted essay stays cheap)."""
    return [term for term in (q or "").split() if term][:10]
