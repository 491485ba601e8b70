"""/insights/value, /insights/refresh, /accounts/{id}/value and /contacts/{id}/rq: parse, select, answer.

Employees' tokens only (a partner's token is a 403); another workspace's account or contact is a 404.
"""

from ninja import Router, Status
from ninja.errors import AuthorizationError

from referral_engine.core.api import employee_auth, workspace_of
from referral_engine.insights import selectors
from referral_engine.insights.schemas import AccountValueOut, ContactRqOut, RefreshOut, ValueSummaryOut
from referral_engine.insights.services import insights_refresh_request

insights_router = Router(tags=["insights"], auth=employee_auth)
account_value_router = Router(tags=["insights"], auth=employee_auth)
contact_rq_router = Router(tags=["insights"], auth=employee_auth)

RQ_FIELDS = ("score", "engagement", "breadth", "sentiment", "responsiveness", "reciprocity")


def _rq(row) -> dict | None:
    return None if row is None else {name: getattr(row, name) for name in RQ_FIELDS}


@insights_router.get("/value", response=ValueSummaryOut)
def value_summary(request, referrers: int = 20):
    """The 80/20 view and the CLV × CRV grid in numbers: value per segment, accounts per quadrant, the top
    referrers by CRV (`referrers`, at most 100) and the fitted model parameters."""
    workspace = workspace_of(request)
    summary = selectors.value_summary(workspace=workspace, referrers=max(0, min(referrers, 100)))
    run = summary["run"]
    settings = selectors.value_settings_get(workspace=workspace)
    return {
        "computed_at": run.computed_at if run else None,
        "fitted": run.fitted if run else False,
        "reason": run.reason if run else "Not refreshed yet.",
        "accounts_valued": run.accounts_valued if run else 0,
        "customers": run.customers if run else 0,
        "top_share_of_accounts": float(settings.top_share),
        "top_share_of_value": summary["top_share"],
        "segments": summary["segments"],
        "quadrants": summary["quadrants"],
        "top_referrers": summary["top_referrers"],
        "parameters": run.parameters if run else {},
    }


@insights_router.post("/refresh", response={202: RefreshOut})
def value_refresh(request):
    """Refresh every value, CRV and RQ figure of the workspace now (owners and admins). The worker does it
    after this answers; GET /insights/value shows `computed_at` change when it is done."""
    if not request.auth.can_manage:
        raise AuthorizationError(message="Only an owner or an admin may refresh the figures.")
    insights_refresh_request(workspace=workspace_of(request), actor=request.auth)
    return Status(202, {"detail": "The refresh is queued."})


@account_value_router.get("/{int:id}/value", response=AccountValueOut)
def account_value(request, id: int):
    """An account's value: historic, predicted over the workspace's horizon, CRV, true value, rank, segment,
    quadrant, latest NPS and RQ with its parts. `valued` is false when the last refresh found nothing to value."""
    workspace = workspace_of(request)
    account, value = selectors.account_value_get(workspace=workspace, account_id=id)
    rq = selectors.relationship_score_of(workspace=workspace, account=account)
    run = selectors.insights_run_get(workspace=workspace)
    settings = selectors.value_settings_get(workspace=workspace)
    common = {
        "account_id": account.pk,
        "rq": _rq(rq),
        "horizon": settings.horizon,
        "horizon_unit": settings.horizon_unit,
        "fitted": run.fitted if run else False,
        "reason": run.reason if run else "Not refreshed yet.",
    }
    if value is None:
        return {
            **common,
            "computed_at": run.computed_at if run else None,
            "valued": False,
            "purchase_days": 0,
            **dict.fromkeys(("historic_value", "historic_margin", "clv", "crv", "true_value"), 0.0),
            **dict.fromkeys(
                (
                    "frequency",
                    "recency_weeks",
                    "age_weeks",
                    "expected_purchases",
                    "probability_alive",
                    "expected_spend",
                    "predicted_clv",
                    "rank",
                    "cumulative_share",
                    "segment",
                    "quadrant",
                    "latest_nps",
                )
            ),  # fmt: skip
        }
    fields = (
        "computed_at", "purchase_days", "historic_value", "historic_margin", "frequency", "recency_weeks",
        "age_weeks", "expected_purchases", "probability_alive", "expected_spend", "predicted_clv", "clv", "crv",
        "true_value", "rank", "cumulative_share", "segment", "quadrant", "latest_nps",
    )  # fmt: skip
    return {**common, "valued": True, **{name: getattr(value, name) for name in fields}}


@contact_rq_router.get("/{int:id}/rq", response=ContactRqOut)
def contact_rq(request, id: int, weeks: int = 52):
    """A contact's relationship quotient with its parts, and its weekly history (oldest first, at most
    `weeks` weeks, up to 520)."""
    contact, rq, history = selectors.contact_rq_get(
        workspace=workspace_of(request), contact_id=id, weeks=max(1, min(weeks, 520))
    )
    return {
        "contact_id": contact.pk,
        "computed_at": rq.computed_at if rq else None,
        "rq": _rq(rq),
        "history": [{"week": h.week, **_rq(h)} for h in history],
    }
