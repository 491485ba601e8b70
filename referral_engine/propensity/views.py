"""Insights pages: the propensity model (how good it is, how well calibrated, who is most likely to refer and
why) and the asking leaderboard. Views parse and answer; the figures come from selectors."""

import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from referral_engine.propensity import selectors
from referral_engine.propensity.leaderboard import PERIODS, leaderboard_for
from referral_engine.workspaces.access import employee_required


def _calibration_chart(bins: list[dict]) -> dict:
    return {
        "labels": [b["bin"] for b in bins],
        "datasets": [
            {
                "label": "Observed share who referred",
                "data": [round(b["observed"] * 100, 2) for b in bins],
                "backgroundColor": "var(--color-primary-600)",
                "borderColor": "var(--color-primary-600)",
            },
            {
                "label": "Predicted probability (mean)",
                "data": [round(b["predicted"] * 100, 2) for b in bins],
                "backgroundColor": "var(--color-base-300)",
                "borderColor": "var(--color-base-300)",
            },
        ],
    }


CALIBRATION_OPTIONS = {
    "animation": False,
    "responsive": True,
    "maintainAspectRatio": False,
    "plugins": {"legend": {"display": True, "position": "top", "align": "end"}},
    "scales": {
        "x": {"title": {"display": True, "text": "Predicted probability bin"}},
        "y": {"title": {"display": True, "text": "%"}, "beginAtZero": True},
    },
}


@employee_required
@require_GET
def propensity_page(request: HttpRequest) -> HttpResponse:
    workspace = request.workspace
    run = selectors.propensity_run_latest(workspace=workspace)
    context = {
        "run": run,
        "top": selectors.propensity_top(workspace=workspace, limit=25),
        "calibration_chart": json.dumps(_calibration_chart(run.calibration if run else [])),
        "calibration_options": json.dumps(CALIBRATION_OPTIONS),
    }
    return render(request, "propensity/propensity.html", context)


@employee_required
@require_GET
def leaderboard_page(request: HttpRequest) -> HttpResponse:
    period = request.GET.get("period", "week")
    if period not in PERIODS:
        period = "week"
    board = leaderboard_for(request.workspace, period, timezone.now())
    return render(
        request, "propensity/leaderboard.html", {"board": board, "periods": PERIODS, "period": period}
    )
