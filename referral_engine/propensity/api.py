"""/insights/propensity, /contacts/{id}/propensity and /insights/leaderboard: parse, select, answer.

Employees' tokens only (a partner's token is a 403); another workspace's contact is a 404.
"""

from typing import Literal

from django.utils import timezone
from ninja import Router

from referral_engine.core.api import employee_auth, workspace_of
from referral_engine.propensity import selectors
from referral_engine.propensity.leaderboard import leaderboard_for
from referral_engine.propensity.schemas import ContactPropensityOut, LeaderboardOut, PropensitySummaryOut

propensity_router = Router(tags=["insights"], auth=employee_auth)
contact_propensity_router = Router(tags=["insights"], auth=employee_auth)
leaderboard_router = Router(tags=["insights"], auth=employee_auth)

ECE = "expected calibration error, 10 equal-width bins (held-out snapshots)"


def scored_contact(score) -> dict:
    contact = score.contact
    return {
        "contact_id": contact.pk,
        "name": contact.name,
        "account_id": contact.account_id,
        "account": contact.account.name if contact.account else None,
        "probability": score.probability,
        "reasons": score.reasons,
    }


@propensity_router.get("", response=PropensitySummaryOut)
def propensity_summary(request, top: int = 25):
    """The latest training run (AUC and calibration error on the later, held-out snapshots; examples and
    positives; why the model was not trained, if it was not) and the `top` contacts (at most 100) most likely to
    refer within 90 days, with their reasons."""
    workspace = workspace_of(request)
    run = selectors.propensity_run_latest(workspace=workspace)
    scores = selectors.propensity_top(workspace=workspace, limit=max(0, min(top, 100)))
    return {
        "trained_at": run.trained_at if run else None,
        "method": run.method if run else "rules",
        "auc": run.auc if run else None,
        "calibration_error": run.calibration_error if run else None,
        "calibration_error_kind": ECE,
        "brier": run.brier if run else None,
        "examples": run.examples if run else 0,
        "positives": run.positives if run else 0,
        "test_examples": run.test_examples if run else 0,
        "test_positives": run.test_positives if run else 0,
        "test_from": run.test_from if run else None,
        "fallback_reason": (run.fallback_reason or None) if run else "Not trained yet.",
        "scored": run.scored if run else 0,
        "scored_at": run.scored_at if run else None,
        "calibration": run.calibration if run else [],
        "top": [scored_contact(s) for s in scores],
    }


@contact_propensity_router.get("/{int:id}/propensity", response=ContactPropensityOut)
def contact_propensity(request, id: int):
    """A contact's probability of making a referral within 90 days and its largest reasons; `scored` is false
    when the last scoring did not score them (not a current customer's contact, or no trained model)."""
    contact, score = selectors.contact_propensity_get(workspace=workspace_of(request), contact_id=id)
    return {
        "contact_id": contact.pk,
        "scored": score is not None,
        "probability": score.probability if score else None,
        "reasons": score.reasons if score else [],
        "scored_at": score.scored_at if score else None,
        "trained_at": score.run.trained_at if score else None,
    }


@leaderboard_router.get("", response=LeaderboardOut)
def leaderboard(request, period: Literal["week", "month", "quarter"] = "week", previous: bool = False):
    """Asks made, referrals earned and thank-yous done per employee and per team (a lead and their people) in
    the current week, month or quarter (`previous=true`: the one before), best first."""
    return leaderboard_for(workspace_of(request), period, timezone.now(), previous=previous)
