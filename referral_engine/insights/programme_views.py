"""The programme insight pages under /insights/programme/: one page per insight, each chart's numbers as CSV, and
the one-click "build the relationship" task. Views parse the period and answer; the figures come from
insights/programme.py, the same selectors the API answers with."""

import csv
import json

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from referral_engine.insights import programme
from referral_engine.insights.programme_services import (
    DEFAULT_OPTIONS,
    influencer_task_create,
    programme_figures,
)
from referral_engine.relationships.selectors import contact_get
from referral_engine.workspaces.access import employee_required

COLOURS = {
    "customer": "var(--color-primary-600)",
    "partner": "#f59e0b",
    "employee": "#10b981",
    "event": "#8b5cf6",
    "other": "var(--color-base-400)",
    "non_referred": "var(--color-base-300)",
    "referred": "var(--color-primary-600)",
}

# The pages, in the order of the tabs: slug -> (URL name, title, insight). The figures come from programme_figures.
PAGES = {
    "source-mix": ("programme_source_mix", "Source mix", "source-mix"),
    "referred": ("programme_referred", "Referred vs not", "referred-vs-non-referred"),
    "value-per-hour": ("programme_value_per_hour", "Value per hour", "value-per-hour"),
    "chains": ("programme_chains", "Chains", "chains"),
    "influencers": ("programme_influencers", "Neglected influencers", "influencers"),
    "health": ("programme_health", "Is it alive?", "programme-health"),
}
CSV_CHARTS = {
    "source-mix": ("sources", "trend"),
    "referred": ("comparison", "survival"),
    "value-per-hour": ("sources", "partners"),
    "chains": ("tiers", "depths", "trees"),
    "influencers": ("influencers",),
    "health": ("weeks",),
}


class ProgrammePeriodForm(forms.Form):
    start = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    period = forms.ChoiceField(
        label="By",
        required=False,
        choices=[("", "Month"), ("month", "Month"), ("quarter", "Quarter"), ("year", "Year")],
    )


def _period(request: HttpRequest) -> tuple[ProgrammePeriodForm, programme.Period | None]:
    """The period the page asks for, or None with the errors on the form."""
    form = ProgrammePeriodForm(request.GET)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    try:
        period = programme.programme_period(
            workspace=request.workspace, start=data["start"], end=data["end"], period=data["period"] or None
        )
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
        return form, None
    return form, period


def _figures(request: HttpRequest, slug: str, period: programme.Period) -> dict:
    insight = PAGES[slug][2]
    options = DEFAULT_OPTIONS.get(insight, {})
    return programme_figures(workspace=request.workspace, insight=insight, period=period, **options)


def _options(x: str, y: str, *, stacked: bool = False, percent: bool = False, legend: bool = True) -> str:
    return json.dumps(
        {
            "animation": False,
            "responsive": True,
            "maintainAspectRatio": False,
            "plugins": {"legend": {"display": legend, "position": "top", "align": "end"}},
            "scales": {
                "x": {
                    "stacked": stacked,
                    "title": {"display": True, "text": x},
                    "ticks": {"maxTicksLimit": 14},
                },
                "y": {
                    "stacked": stacked,
                    "beginAtZero": True,
                    "title": {"display": True, "text": y + (" %" if percent else "")},
                },
            },
        }
    )


def _dataset(label: str, data: list, colour: str, **extra) -> dict:
    return {"label": label, "data": data, "backgroundColor": colour, "borderColor": colour, **extra}


def _charts(slug: str, data: dict) -> list[dict]:
    """Each chart of a page: a name (its CSV), a title, a Chart.js type, data and options as JSON."""
    if slug == "source-mix":
        sources = data["sources"]
        return [
            {
                "name": "sources",
                "title": "Won value by source",
                "type": "bar",
                "data": json.dumps(
                    {
                        "labels": [s["label"] for s in sources],
                        "datasets": [
                            _dataset(
                                "Won value",
                                [round(s["value"], 2) for s in sources],
                                [COLOURS[s["key"]] for s in sources],
                            )
                        ],
                    }
                ),
                "options": _options("Source", "Won value", legend=False),
            },
            {
                "name": "trend",
                "title": "Won value by source, per " + data["period"]["period"],
                "type": "bar",
                "data": json.dumps(
                    {
                        "labels": [b["label"] for b in data["trend"]],
                        "datasets": [
                            _dataset(
                                programme.SOURCE_LABELS[key],
                                [round(b["values"][key], 2) for b in data["trend"]],
                                COLOURS[key],
                            )
                            for key in programme.SOURCE_KEYS
                        ],
                    }
                ),
                "options": _options(data["period"]["period"].capitalize(), "Won value", stacked=True),
            },
        ]
    if slug == "referred":
        curve = data["curve"]
        return [
            {
                "name": "survival",
                "title": "Still customers (Kaplan-Meier)",
                "type": "line",
                "data": json.dumps(
                    {
                        "labels": [p["days"] for p in curve],
                        "datasets": [
                            _dataset(
                                "Referred",
                                [
                                    None if p["referred"] is None else round(p["referred"] * 100, 2)
                                    for p in curve
                                ],
                                COLOURS["referred"],
                                stepped=True,
                                pointRadius=0,
                            ),
                            _dataset(
                                "Not referred",
                                [
                                    None if p["non_referred"] is None else round(p["non_referred"] * 100, 2)
                                    for p in curve
                                ],
                                "#f59e0b",
                                stepped=True,
                                pointRadius=0,
                            ),
                        ],
                    }
                ),
                "options": _options("Days since won", "Still customers", percent=True),
            }
        ]
    if slug == "value-per-hour":
        sources = [s for s in data["sources"] if s["value_per_hour"] is not None]
        partners = [p for p in data["partners"] if p["value_per_hour"] is not None]
        return [
            {
                "name": "sources",
                "title": "Won value per hour, by source",
                "type": "bar",
                "data": json.dumps(
                    {
                        "labels": [s["label"] for s in sources],
                        "datasets": [
                            _dataset(
                                "Value per hour",
                                [round(s["value_per_hour"], 2) for s in sources],
                                [COLOURS[s["key"]] for s in sources],
                            )
                        ],
                    }
                ),
                "options": _options("Source", "Won value per hour", legend=False),
            },
            {
                "name": "partners",
                "title": "Won value per hour, by partner",
                "type": "bar",
                "data": json.dumps(
                    {
                        "labels": [p["name"] for p in partners],
                        "datasets": [
                            _dataset(
                                "Value per hour", [round(p["value_per_hour"], 2) for p in partners], "#f59e0b"
                            )
                        ],
                    }
                ),
                "options": _options("Partner", "Won value per hour", legend=False),
            },
        ]
    if slug == "chains":
        return [
            {
                "name": "tiers",
                "title": "Won value: tier 1 vs tier 2",
                "type": "bar",
                "data": json.dumps(
                    {
                        "labels": [f"Tier {t['tier']}" for t in data["tiers"]],
                        "datasets": [
                            _dataset(
                                "Won value",
                                [round(t["value"], 2) for t in data["tiers"]],
                                ["var(--color-primary-600)", "var(--color-primary-300)"],
                            )
                        ],
                    }
                ),
                "options": _options("Tier", "Won value", legend=False),
            },
            {
                "name": "depths",
                "title": "Chains by length",
                "type": "bar",
                "data": json.dumps(
                    {
                        "labels": [f"{d['depth']} referrals deep" for d in data["depths"]],
                        "datasets": [
                            _dataset(
                                "Chains", [d["trees"] for d in data["depths"]], "var(--color-primary-600)"
                            )
                        ],
                    }
                ),
                "options": _options("Depth", "Chains", legend=False),
            },
        ]
    if slug == "health":
        weeks = data["weeks"]
        labels = [f"{w['week']:%Y-%m-%d}" for w in weeks]

        def lag(values):
            return [None if v is None else round(v, 2) for v in values]

        return [
            {
                "name": "weeks",
                "title": "Asks and referrals per week",
                "type": "line",
                "data": json.dumps(
                    {
                        "labels": labels,
                        "datasets": [
                            _dataset("Asks", [w["asks"] for w in weeks], "#f59e0b", pointRadius=0),
                            _dataset(
                                "Referrals",
                                [w["referrals"] for w in weeks],
                                COLOURS["referred"],
                                pointRadius=0,
                            ),
                        ],
                    }
                ),
                "options": _options("Week", "Per week"),
            },
            {
                "name": "weeks",
                "title": "Thank-you and first-contact lag",
                "type": "line",
                "data": json.dumps(
                    {
                        "labels": labels,
                        "datasets": [
                            _dataset(
                                "Thank-you lag",
                                lag([w["thank_you_lag_days"] for w in weeks]),
                                "#10b981",
                                spanGaps=True,
                                pointRadius=0,
                            ),
                            _dataset(
                                "First-contact lag",
                                lag([w["first_contact_lag_days"] for w in weeks]),
                                "#8b5cf6",
                                spanGaps=True,
                                pointRadius=0,
                            ),
                        ],
                    }
                ),
                "options": _options("Week (referrals received)", "Mean days"),
            },
        ]
    return []


def _comparison(data: dict) -> list[tuple[str, object, object]]:
    ref, plain = data["referred"], data["non_referred"]
    rows = [
        ("Win rate", ref["win_rate"], plain["win_rate"]),
        ("Won", ref["won"], plain["won"]),
        ("Entered", ref["entered"], plain["entered"]),
        ("Days to close (mean)", ref["days_to_close"], plain["days_to_close"]),
        ("Customers won", ref["customers"], plain["customers"]),
        ("First-year value (mean)", ref["first_year_value_mean"], plain["first_year_value_mean"]),
        ("Churned", ref["churned"], plain["churned"]),
    ]
    for a, b in zip(ref["survival"], plain["survival"], strict=True):
        rows.append((f"Still customers after {a['days']} days", a["survival"], b["survival"]))
    return rows


def _render(request: HttpRequest, slug: str, template: str, **extra) -> HttpResponse:
    form, period = _period(request)
    context = {
        "form": form,
        "tabs": [
            {"slug": s, "url": reverse(name), "title": title, "active": s == slug}
            for s, (name, title, _) in PAGES.items()
        ],
        "title": PAGES[slug][1],
        "slug": slug,
        "query": request.GET.urlencode(),
        "currency": request.workspace.currency,
    }
    if period is None:
        return render(request, template, context, status=400)
    data = _figures(request, slug, period)
    context.update(data=data, period=period, charts=_charts(slug, data), **extra)
    if slug == "referred":
        context["comparison"] = _comparison(data)
        ratio = data["log_rank"]["hazard_ratio"]
        context["slower"] = None if ratio is None else (1 - ratio) * 100
        context["faster"] = None if ratio is None else (ratio - 1) * 100
    return render(request, template, context)


@employee_required
@require_GET
def programme_home(request: HttpRequest) -> HttpResponse:
    return redirect("programme_source_mix")


@employee_required
@require_GET
def programme_page(request: HttpRequest, slug: str) -> HttpResponse:
    """One programme insight's page; its template is named after the slug (source-mix: source_mix.html)."""
    return _render(request, slug, f"insights/programme/{slug.replace('-', '_')}.html")


@employee_required
@require_POST
def influencer_task(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = contact_get(workspace=request.workspace, id=contact_id)
    try:
        task, created = influencer_task_create(
            workspace=request.workspace, actor=request.membership, contact=contact
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if created:
            messages.success(request, f"Task created: {task.title}, due {task.due:%d %b}.")
        else:
            messages.info(request, f"There is already a task this month: {task.title}.")
    back = reverse("programme_influencers")
    query = request.POST.get("query", "")
    return redirect(f"{back}?{query}" if query else back)


def _fmt(value) -> object:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6f}"
    return value


def _csv_rows(slug: str, chart: str, data: dict) -> tuple[list[str], list[list]]:
    if slug == "source-mix" and chart == "sources":
        header = ["key", "label", "count", "value", "count_share", "value_share"]
        return header, [[s[h] for h in header] for s in data["sources"]]
    if slug == "source-mix":
        keys = programme.SOURCE_KEYS
        header = ["bucket", "label", *[f"count_{k}" for k in keys], *[f"value_{k}" for k in keys]]
        return header, [
            [b["bucket"], b["label"], *[b["counts"][k] for k in keys], *[b["values"][k] for k in keys]]
            for b in data["trend"]
        ]
    if slug == "referred" and chart == "comparison":
        return ["measure", "referred", "non_referred"], [list(row) for row in _comparison(data)]
    if slug == "referred":
        header = ["days", "referred", "non_referred"]
        return header, [[p[h] for h in header] for p in data["curve"]]
    if slug == "value-per-hour" and chart == "sources":
        header = ["key", "label", "won", "value", "hours", "value_per_hour"]
        return header, [[s[h] for h in header] for s in data["sources"]]
    if slug == "value-per-hour":
        header = ["partner_id", "name", "won", "value", "hours", "value_per_hour"]
        return header, [[p[h] for h in header] for p in data["partners"]]
    if slug == "chains" and chart == "tiers":
        header = ["tier", "won", "value", "value_share"]
        return header, [[t[h] for h in header] for t in data["tiers"]]
    if slug == "chains" and chart == "depths":
        return ["depth", "trees"], [[d["depth"], d["trees"]] for d in data["depths"]]
    if slug == "chains":
        header = [
            "root_id",
            "account_id",
            "account",
            "source",
            "source_kind",
            "depth",
            "referrals",
            "won_value",
        ]
        rows = [["longest", *[t[h] for h in header]] for t in data["longest"]]
        rows += [["most_valuable", *[t[h] for h in header]] for t in data["most_valuable"]]
        return ["list", *header], rows
    if slug == "influencers":
        header = [
            "contact_id",
            "name",
            "account_id",
            "account",
            "links",
            "circle",
            "centrality",
            "betweenness",
            "rq",
            "days_since_touchpoint",
            "task_status",
        ]
        return header, [[r[h] for h in header] for r in data["influencers"]]
    header = ["week", "asks", "referrals", "thank_you_lag_days", "first_contact_lag_days"]
    return header, [[w[h] for h in header] for w in data["weeks"]]


@employee_required
@require_GET
def programme_csv(request: HttpRequest, slug: str, chart: str) -> HttpResponse:
    """A chart's numbers for the period the page shows, unrounded."""
    if chart not in CSV_CHARTS.get(slug, ()):
        raise Http404("Not found")
    form, period = _period(request)
    if period is None:
        errors = "; ".join(f"{field}: {' '.join(e)}" for field, e in form.errors.items())
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    data = _figures(request, slug, period)
    header, rows = _csv_rows(slug, chart, data)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="programme-{slug}-{chart}.csv"'
    out = csv.writer(response)
    out.writerow(header)
    for row in rows:
        out.writerow([_fmt(v) for v in row])
    return response
