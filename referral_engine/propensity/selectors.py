"""Reads of the propensity model's runs and scores, always scoped to a workspace."""

from __future__ import annotations

from django.db.models import QuerySet

from referral_engine.core.selectors import get_in_workspace
from referral_engine.propensity.models import PropensityRun, PropensityScore
from referral_engine.relationships.models import Contact
from referral_engine.workspaces.models import Workspace


def propensity_run_latest(*, workspace: Workspace) -> PropensityRun | None:
    return PropensityRun.objects.filter(workspace=workspace).order_by("-id").first()


def propensity_top(*, workspace: Workspace, limit: int = 25) -> QuerySet[PropensityScore]:
    """The contacts most likely to refer in the next 90 days, do-not-contact people left out."""
    return (
        PropensityScore.objects.filter(workspace=workspace, contact__do_not_contact=False)
        .select_related("contact", "contact__account")
        .order_by("-probability", "contact_id")[:limit]
    )


def contact_propensity_get(*, workspace: Workspace, contact_id) -> tuple[Contact, PropensityScore | None]:
    """A contact of the workspace (404 otherwise) and their score, if the last scoring gave them one."""
    contact = get_in_workspace(Contact.objects.all(), workspace=workspace, id=contact_id)
    score = PropensityScore.objects.filter(workspace=workspace, contact=contact).select_related("run").first()
    return contact, score
