"""Insights pages: the value page with its charts and their numbers as CSV, the refresh button, the settings form.

Views parse and answer; the figures come from selectors (stored by services.insights_refresh).
"""

import csv
import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from referral_engine.core.web import add_service_error
from referral_engine.insights import selectors
from referral_engine.insights.forms import ValueSettingsForm
from referral_engine.insights.models import EntityKind, Quadrant
from referral_engine.insights.services import SETTINGS_FIELDS, insights_refresh_request, value_settings_update
from referral_engine.workspaces.access import employee_required, manager_required

QUADRANT_COLOURS = {
    Quadrant.CHAMPION: "var(--color-primary-600)",
    Quadrant.AFFLUENT: "var(--color-primary-300)",
    Quadrant.ADVOCATE: "#f59e0b",
    Quadrant.MISER: "var(--color-base-400)",
}
CSV_CHARTS = ("lorenz", "grid", "referrers", "segments", "quadrants")


@employee_required
@require_GET
def insights_home(request: HttpRequest) -> HttpResponse:
    return redirect("insights_value")


def _lorenz_chart(points: list[dict]) -> dict:
    return {
        "labels": [f"{p['accounts_share']:.0%}" for p in points],
        "datasets": [
            {
                "label": "Share of value",
                "data": [round(p["value_share"] * 100, 2) for p in points],
                "borderColor": "var(--color-primary-600)",
                "backgroundColor": "var(--color-primary-600)",
                "fill": False,
            },
            {
                "label": "Equal shares",
                "data": [round(p["accounts_share"] * 100, 2) for p in points],
                "borderColor": "var(--color-base-300)",
                "backgroundColor": "var(--color-base-300)",
                "borderDash": [4, 4],
            },
        ],
    }


def _grid_chart(points: list[dict]) -> dict:
    return {
        "datasets": [
            {
                "label": quadrant.label,
                "data": [
                    {"x": round(p["clv"], 2), "y": round(p["crv"], 2)}
                    for p in points
                    if p["quadrant"] == quadrant
                ],
                "backgroundColor": QUADRANT_COLOURS[quadrant],
                "borderColor": QUADRANT_COLOURS[quadrant],
                "pointRadius": 3,
            }
            for quadrant in Quadrant
        ]
    }


def _axes(x: str, y: str, *, percent: bool = False) -> dict:
    suffix = " %" if percent else ""
    return {
        "animation": False,
        "responsive": True,
        "maintainAspectRatio": False,
        "plugins": {"legend": {"display": True, "position": "top", "align": "end"}},
        "scales": {
            "x": {"title": {"display": True, "text": x}, "ticks": {"maxTicksLimit": 11}},
            "y": {"title": {"display": True, "text": y + suffix}, "beginAtZero": True},
        },
    }


@employee_required
@require_GET
def value_page(request: HttpRequest) -> HttpResponse:
    workspace = request.workspace
    summary = selectors.value_summary(workspace=workspace)
    lorenz = selectors.lorenz_points(workspace=workspace)
    grid = selectors.value_grid(workspace=workspace)
    context = {
        **summary,
        "settings": selectors.value_settings_get(workspace=workspace),
        "lorenz_chart": json.dumps(_lorenz_chart(lorenz)),
        "lorenz_options": json.dumps(
            _axes("Share of accounts, most valuable first", "Share of value", percent=True)
        ),
        "grid_chart": json.dumps(_grid_chart(grid)),
        "grid_options": json.dumps(_axes("Lifetime value (CLV)", "Referral value (CRV)")),
        "grid_sampled": len(grid) < sum(q["accounts"] for q in summary["quadrants"]),
        "grid_points": len(grid),
        "accounts_valued": sum(s["accounts"] for s in summary["segments"]),
        "can_manage": request.membership.can_manage,
        "entity_kinds": dict(EntityKind.choices),
    }
    return render(request, "insights/value.html", context)


@employee_required
@require_GET
def value_csv(request: HttpRequest, chart: str) -> HttpResponse:
    """Each chart's numbers, as the chart shows them (the grid as sampled)."""
    if chart not in CSV_CHARTS:
        raise Http404("Not found")
    workspace = request.workspace
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="value-{chart}.csv"'
    out = csv.writer(response)
    if chart == "lorenz":
        out.writerow(["accounts_share", "value_share"])
        for p in selectors.lorenz_points(workspace=workspace):
            out.writerow([f"{p['accounts_share']:.6f}", f"{p['value_share']:.6f}"])
    elif chart == "grid":
        out.writerow(["account_id", "account", "rank", "clv", "crv", "quadrant"])
        for p in selectors.value_grid(workspace=workspace):
            out.writerow(
                [
                    p["account_id"],
                    p["account__name"],
                    p["rank"],
                    f"{p['clv']:.2f}",
                    f"{p['crv']:.2f}",
                    p["quadrant"],
                ]
            )
    elif chart == "referrers":
        out.writerow(["kind", "id", "name", "crv", "tier1", "tier2", "referred"])
        for r in selectors.top_referrers(workspace=workspace, limit=100):
            out.writerow(
                [
                    r["kind"],
                    r["id"],
                    r["name"],
                    f"{r['crv']:.2f}",
                    f"{r['tier1']:.2f}",
                    f"{r['tier2']:.2f}",
                    r["referred"],
                ]
            )
    elif chart == "segments":
        out.writerow(["segment", "accounts", "true_value", "share", "clv", "crv"])
        for s in selectors.segment_summary(workspace=workspace):
            out.writerow(
                [
                    s["segment"],
                    s["accounts"],
                    f"{s['value']:.2f}",
                    f"{s['share']:.6f}",
                    f"{s['clv']:.2f}",
                    f"{s['crv']:.2f}",
                ]
            )
    else:
        out.writerow(["quadrant", "accounts", "true_value"])
        for q in selectors.quadrant_summary(workspace=workspace):
            out.writerow([q["quadrant"], q["accounts"], f"{q['value']:.2f}"])
    return response


@manager_required
@require_POST
def value_refresh(request: HttpRequest) -> HttpResponse:
    try:
        insights_refresh_request(workspace=request.workspace, actor=request.membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "The figures are being refreshed; reload this page in a moment.")
    return redirect("insights_value")


@manager_required
def value_settings_page(request: HttpRequest) -> HttpResponse:
    current = selectors.value_settings_get(workspace=request.workspace)
    if request.method == "POST":
        form = ValueSettingsForm(
            request.POST, instance=ValueSettingsForm._meta.model(workspace=request.workspace)
        )
        if form.is_valid():
            try:
                value_settings_update(
                    workspace=request.workspace,
                    actor=request.membership,
                    **{name: form.cleaned_data[name] for name in SETTINGS_FIELDS},
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, "Value settings saved. They apply from the next refresh.")
                return redirect("value_settings")
        status = 422
    else:
        form = ValueSettingsForm(instance=current)
        status = 200
    return render(request, "insights/value_settings.html", {"form": form}, status=status)
