"""NPS pages: Insights → NPS with its CSV downloads, the survey rounds, and the public survey page.

The NPS and survey pages are for employees of the current workspace (a new round for its owners and admins);
another workspace's round is a 404. The survey page at /s/<token>/ needs no sign-in: the unguessable token is the
only key, an unknown one is a 404.
"""

import csv
import json
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from referral_engine.core import search
from referral_engine.core.errors import Conflict
from referral_engine.core.web import add_service_error, paginate
from referral_engine.feedback import selectors, services
from referral_engine.feedback.forms import NpsPeriodForm, SurveyAnswerForm, SurveyRoundForm
from referral_engine.feedback.models import Audience
from referral_engine.referrals.deadlines import workspace_tz
from referral_engine.relationships.selectors import account_get
from referral_engine.workspaces.access import employee_required, manager_required
from referral_engine.workspaces.models import Role

CSV_TABLES = ("trend", "segments", "owners")
MANAGER_ROLES = (Role.OWNER, Role.ADMIN)


def _today(workspace):
    return timezone.now().astimezone(workspace_tz(workspace)).date()


def _period(request: HttpRequest) -> tuple[NpsPeriodForm, tuple]:
    """The period the page asks for; a bad one is shown on the form and the default period is used."""
    form = NpsPeriodForm(request.GET or None)
    start = end = None
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    today = _today(request.workspace)
    try:
        period = selectors.nps_period(workspace=request.workspace, start=start, end=end, today=today)
    except ValidationError as exc:
        add_service_error(form, exc)
        period = selectors.nps_period(workspace=request.workspace, start=None, end=None, today=today)
    return form, period


def _trend_chart(figures) -> str:
    data = {
        "labels": [f.label for f in figures.monthly],
        "datasets": [
            {
                "label": "NPS",
                "data": [None if f.value is None else round(f.value, 1) for f in figures.monthly],
                "borderColor": "var(--color-primary-600)",
                "backgroundColor": "var(--color-primary-600)",
                "spanGaps": True,
                "pointStyle": "circle",
                "pointRadius": 3,
            }
        ],
    }
    return json.dumps(data)


TREND_OPTIONS = json.dumps(
    {
        "animation": False,
        "responsive": True,
        "maintainAspectRatio": False,
        "plugins": {"legend": {"display": False}},
        "scales": {"y": {"min": -100, "max": 100, "ticks": {"stepSize": 50}}},
    }
)


@employee_required
@require_GET
def nps_page(request: HttpRequest) -> HttpResponse:
    workspace = request.workspace
    form, (start, end) = _period(request)
    figures = selectors.nps_figures(workspace=workspace, start=start, end=end)
    context = {
        "form": form,
        "figures": figures,
        "start_day": timezone.localtime(start, workspace_tz(workspace)).date(),
        "end_day": (timezone.localtime(end, workspace_tz(workspace)) - timedelta(days=1)).date(),
        "trend_data": _trend_chart(figures),
        "trend_options": TREND_OPTIONS,
        "comments": list(selectors.nps_comment_list(workspace=workspace, start=start, end=end)[:10]),
        "follow_up": selectors.detractor_follow_up_status(
            workspace=workspace, start=start, end=end, today=_today(workspace)
        ),
        "query": request.GET.urlencode(),
        "is_manager": request.membership.role in MANAGER_ROLES,
    }
    return render(request, "feedback/nps.html", context)


@employee_required
@require_GET
def nps_csv(request: HttpRequest, table: str) -> HttpResponse:
    """The numbers behind a chart or table of the NPS page, unrounded, with the answers behind each figure."""
    if table not in CSV_TABLES:
        raise Http404("Unknown table")
    _, (start, end) = _period(request)
    figures = selectors.nps_figures(workspace=request.workspace, start=start, end=end)
    rows = {"trend": figures.monthly, "segments": figures.by_segment, "owners": figures.by_owner}[table]
    first = {"trend": "month", "segments": "segment", "owners": "account_owner"}[table]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="nps-{table}-{start:%Y-%m-%d}.csv"'
    writer = csv.writer(response)
    writer.writerow([first, "nps", "answers", "promoters", "passives", "detractors"])
    for row in [*rows, figures.overall]:
        writer.writerow(
            [
                _csv_safe(row.label),
                "" if row.value is None else repr(row.value),
                row.n,
                row.promoters,
                row.passives,
                row.detractors,
            ]
        )
    return response


def _csv_safe(text: str) -> str:
    # A cell starting with = + - @ is a formula to a spreadsheet; a quote in front keeps a name a name.
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


# ------------------------------------------------------------------------------------------------------ rounds


@employee_required
@require_GET
def survey_list(request: HttpRequest) -> HttpResponse:
    rounds = paginate(request, selectors.survey_round_list(workspace=request.workspace))
    return render(
        request,
        "feedback/survey_list.html",
        {"page": rounds, "is_manager": request.membership.role in MANAGER_ROLES, "now": timezone.now()},
    )


@employee_required
@require_GET
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    survey_round = selectors.survey_round_get(workspace=request.workspace, id=pk)
    invitations = paginate(
        request, selectors.survey_invitation_list(workspace=request.workspace, round_id=survey_round.pk)
    )
    return render(
        request,
        "feedback/survey_detail.html",
        {"round": survey_round, "page": invitations, "now": timezone.now()},
    )


class _Unresolved(Exception):
    pass


def _round_account(request: HttpRequest, data: dict):
    if data.get("audience") != Audience.ACCOUNT:
        return None
    if data.get("account") is not None:
        try:
            return account_get(workspace=request.workspace, id=data["account"])
        except Http404:
            raise _Unresolved("That account is not in this workspace.") from None
    typed = (data.get("account_q") or "").strip()
    named = search.account_named(workspace=request.workspace, name=typed)
    rows = named or search.account_search(workspace=request.workspace, q=typed, limit=2)
    if len(rows) == 1:
        return rows[0]
    if not rows:
        raise _Unresolved(f"No account matches “{typed}”.")
    raise _Unresolved(f"Several accounts match “{typed}”: type more of the name.")


@manager_required
@require_http_methods(["GET", "POST"])
def survey_create(request: HttpRequest) -> HttpResponse:
    """A new round: choose the audience, see how many will be asked (and who is left out), then send."""
    if request.method == "GET":
        initial = {}
        raw = request.GET.get("account", "")
        if raw.isdigit():
            try:
                account = account_get(workspace=request.workspace, id=raw)
            except Http404:
                pass
            else:
                initial = {"audience": Audience.ACCOUNT, "account": account.pk, "account_q": account.name}
        return render(request, "feedback/survey_create.html", {"form": SurveyRoundForm(initial=initial)})

    form = SurveyRoundForm(request.POST)
    context = {"form": form}
    if form.is_valid():
        data = form.cleaned_data
        try:
            account = _round_account(request, data)
        except _Unresolved as exc:
            form.add_error("account_q", str(exc))
        else:
            options = {
                "audience": data["audience"],
                "segment": data.get("segment") or "",
                "account": account,
                "not_asked_months": data["not_asked_months"],
            }
            if "send" in request.POST:
                try:
                    survey_round = services.survey_round_send(
                        workspace=request.workspace,
                        actor=request.membership,
                        name=data["name"],
                        expires_after_days=data["expires_after_days"],
                        **options,
                    )
                except (ValidationError, Conflict) as exc:
                    add_service_error(form, exc)
                else:
                    return redirect("insights_survey_detail", pk=survey_round.pk)
            _, count = selectors.survey_audience(workspace=request.workspace, now=timezone.now(), **options)
            context["count"] = count
            context["account"] = account
    return render(request, "feedback/survey_create.html", context, status=200 if form.is_valid() else 400)


# ------------------------------------------------------------------------------------------------ public page


@require_http_methods(["GET", "POST"])
def survey_answer_page(request: HttpRequest, token: str) -> HttpResponse:
    """The one question, 0-10, and an optional comment; once per invitation, until the link expires."""
    invitation = selectors.survey_invitation_by_token(token=token)
    if invitation is None:
        raise Http404("Unknown survey link.")
    context = {"firm": invitation.workspace.name, "invitation": invitation}
    now = timezone.now()
    if request.method == "GET":
        if invitation.is_used:
            return render(request, "feedback/survey_done.html", {**context, "already": True})
        if invitation.is_expired(now):
            return render(request, "feedback/survey_expired.html", context, status=410)
        return render(request, "feedback/survey_answer.html", {**context, "form": SurveyAnswerForm()})

    form = SurveyAnswerForm(request.POST)
    if form.is_valid():
        try:
            answer = services.survey_answer(
                token=token, score=form.cleaned_data["score"], comment=form.cleaned_data["comment"], now=now
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            if answer.outcome == services.AnswerOutcome.EXPIRED:
                return render(request, "feedback/survey_expired.html", context, status=410)
            already = answer.outcome == services.AnswerOutcome.ALREADY_ANSWERED
            return render(
                request,
                "feedback/survey_done.html",
                {**context, "already": already, "score": form.cleaned_data["score"]},
                status=409 if already else 200,
            )
    elif invitation.is_used:
        return render(request, "feedback/survey_done.html", {**context, "already": True}, status=409)
    elif invitation.is_expired(now):
        return render(request, "feedback/survey_expired.html", context, status=410)
    return render(request, "feedback/survey_answer.html", {**context, "form": form}, status=400)
