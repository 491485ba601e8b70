"""Pages of the reciprocity ledger, who-to-refer-to-whom suggestions, networking groups and events.

Thin: parse, call a selector in ledger.py / suggestions.py or a service, render. See docs/partners.md.
"""

import csv
import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, DecimalField, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from referral_engine.core.errors import Conflict
from referral_engine.core.selectors import get_in_workspace
from referral_engine.core.web import add_service_error, paginate, safe_next
from referral_engine.partners import ledger, services
from referral_engine.partners.ledger_forms import (
    GivenForm,
    GivenOutcomeForm,
    MemberForm,
    PeriodForm,
    ProgrammeForm,
)
from referral_engine.partners.models import (
    Attendance,
    Event,
    GivenStatus,
    GroupMembership,
    NetworkingGroup,
    Partner,
    ReferralGiven,
)
from referral_engine.partners.selectors import partner_for_membership, partner_get
from referral_engine.partners.suggestions import suggestions
from referral_engine.referrals.models import Referral, ReferralStatus
from referral_engine.relationships.models import Touchpoint
from referral_engine.workspaces.access import employee_required, manager_required, partner_required

MONEY = DecimalField(max_digits=16, decimal_places=2)
RANK_LABELS = {
    "received_value": "Value received",
    "balance": "Balance (we owe most first)",
    "value_per_hour": "Value per hour",
    "given_value": "Value given",
    "hours": "Hours invested",
    "name": "Name",
}


def _period(request: HttpRequest) -> tuple[PeriodForm, ledger.Period]:
    form = PeriodForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, ledger.Period()
    data = form.cleaned_data if form.is_bound else {}
    return form, ledger.Period(start=data.get("start"), end=data.get("end"))


def _csv(filename: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    out = csv.writer(response)
    out.writerow(header)
    out.writerows(rows)
    return response


def _bad_period(form: PeriodForm) -> HttpResponse | None:
    if form.is_bound and form.errors:
        return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain; charset=utf-8")
    return None


# --- The ledger --------------------------------------------------------------------------------------------------


@employee_required
@require_GET
def ledger_list(request: HttpRequest) -> HttpResponse:
    """Every partner with the ledger measures, ranked by value received, balance or value per hour."""
    form, period = _period(request)
    order = request.GET.get("order", "received_value")
    if order not in ledger.RANKINGS:
        order = "received_value"
    partners = ledger.partners_ranked(workspace=request.workspace, period=period, order=order)
    if request.GET.get("format") == "csv":
        if (bad := _bad_period(form)) is not None:
            return bad
        rows = partners
        header = list(rows[0]) if rows else ["id", "name"]
        return _csv("partner-ledger.csv", header, ([r[h] for h in header] for r in rows))
    page = Paginator(partners, 25).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "rows": page.object_list,
        "order": order,
        "orders": RANK_LABELS,
        "form": form,
        "query": request.GET.urlencode(),
    }
    return render(request, "partners/ledger_list.html", context, status=400 if form.errors else 200)


def balance_chart(months: list[dict]) -> dict:
    return {
        "labels": [m["month"].strftime("%b %Y") for m in months],
        "datasets": [
            {
                "type": "line",
                "label": "Balance (value given - received, cumulative)",
                "data": [float(m["balance"]) for m in months],
                "borderColor": "var(--color-primary-600)",
                "backgroundColor": "var(--color-primary-600)",
            },
            {
                "type": "bar",
                "label": "Won value given",
                "data": [float(m["given_won_value"]) for m in months],
                "backgroundColor": "var(--color-primary-300)",
            },
            {
                "type": "bar",
                "label": "Won value received",
                "data": [-float(m["received_won_value"]) for m in months],
                "backgroundColor": "var(--color-base-300)",
            },
        ],
    }


def ledger_context(partner: Partner, period: ledger.Period) -> dict:
    """What the ledger panel shows, on the partner's page and in the portal."""
    result = ledger.partner_ledger(partner=partner, period=period)
    return {
        "ledger": result,
        "ledger_chart": json.dumps(balance_chart(result.months)),
        "ledger_given": list(ledger.given_list(partner=partner)[:30]),
    }


MONTH_HEADER = [
    "month",
    "given",
    "given_won_value",
    "received",
    "received_won_value",
    "balance",
    "count_balance",
]


def _months_csv(partner: Partner, period: ledger.Period) -> HttpResponse:
    result = ledger.partner_ledger(partner=partner, period=period)
    rows = ([m["month"].isoformat()] + [m[h] for h in MONTH_HEADER[1:]] for m in result.months)
    return _csv(f"ledger-partner-{partner.pk}.csv", MONTH_HEADER, rows)


@employee_required
@require_GET
def partner_ledger_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The numbers of a partner's balance chart, month by month."""
    partner = partner_get(workspace=request.workspace, id=pk)
    form, period = _period(request)
    if (bad := _bad_period(form)) is not None:
        return bad
    return _months_csv(partner, period)


@partner_required
@require_GET
def portal_ledger(request: HttpRequest) -> HttpResponse:
    """A partner's own ledger in the portal: what they gave us and what we gave them. Nobody else's."""
    partner = partner_for_membership(membership=request.membership)
    if partner is None:
        return render(request, "partners/portal_unlinked.html")
    form, period = _period(request)
    if request.GET.get("format") == "csv":
        if (bad := _bad_period(form)) is not None:
            return bad
        return _months_csv(partner, period)
    context = {"partner": partner, "form": form, **ledger_context(partner, period)}
    return render(request, "partners/ledger_portal.html", context, status=400 if form.errors else 200)


# --- Referrals we give --------------------------------------------------------------------------------------------


def _form_errors_response(request: HttpRequest, form, back: str) -> HttpResponse:
    return render(request, "partners/ledger_form_errors.html", {"form": form, "back": back}, status=400)


@employee_required
@require_POST
def given_create(request: HttpRequest) -> HttpResponse:
    """One click: the partner, and the contact or account we referred (a contact's page, a partner's, a suggestion)."""
    back = safe_next(request, reverse("partner_suggestions"))
    form = GivenForm(request.POST, workspace=request.workspace)
    if form.is_valid():
        try:
            given = services.referral_given_create(
                workspace=request.workspace, actor=request.membership, **form.cleaned_data
            )
        except (ValidationError, Conflict) as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request, f"Recorded: you referred {given.account or given.contact} to {given.partner.name}."
            )
            return redirect(back)
    return _form_errors_response(request, form, back)


@employee_required
@require_POST
def given_update(request: HttpRequest, pk: int) -> HttpResponse:
    given = get_in_workspace(
        ReferralGiven.objects.select_related("partner"), workspace=request.workspace, id=pk
    )
    back = safe_next(request, reverse("partner_detail", args=[given.partner_id]) + "#ledger")
    form = GivenOutcomeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        changes = {"status": data["status"]}
        if data["status"] == GivenStatus.WON:
            changes["won_value"] = data["won_value"]
        if data["thanked"] and given.thanked_at is None:
            from django.utils import timezone

            changes["thanked_at"] = timezone.now()
        elif not data["thanked"]:
            changes["thanked_at"] = None
        try:
            services.referral_given_update(instance=given, actor=request.membership, **changes)
        except (ValidationError, Conflict) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "Referral updated.")
            return redirect(back)
    return _form_errors_response(request, form, back)


# --- Suggestions --------------------------------------------------------------------------------------------------


@employee_required
@require_GET
def suggestion_list(request: HttpRequest) -> HttpResponse:
    """Which customers could use which partner, best fit and warmest relationship first."""
    items = suggestions(workspace=request.workspace, limit=100)
    return render(request, "partners/ledger_suggestions.html", {"suggestions": items})


# --- Settings -----------------------------------------------------------------------------------------------------


@manager_required
@require_http_methods(["GET", "POST"])
def programme_settings(request: HttpRequest) -> HttpResponse:
    programme = ledger.programme_of(request.workspace)
    initial = {
        "nudge_after_days": programme.nudge_after_days,
        "valuable_partners": programme.valuable_partners,
    }
    form = ProgrammeForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.partner_programme_update(
                    workspace=request.workspace, actor=request.membership, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, "Partner programme settings saved.")
                return redirect("partner_ledger")
        return render(request, "partners/ledger_settings.html", {"form": form}, status=400)
    return render(request, "partners/ledger_settings.html", {"form": form})


# --- Networking groups and events ---------------------------------------------------------------------------------


def _won_value(queryset, ref: str):
    inner = (
        queryset.filter(**{ref: OuterRef("pk")}, status=ReferralStatus.WON)
        .order_by()
        .values(ref)
        .annotate(v=Sum("won_value"))
        .values("v")[:1]
    )
    return Coalesce(Subquery(inner, output_field=MONEY), Value(0), output_field=MONEY)


def _count(queryset, ref: str):
    inner = (
        queryset.filter(**{ref: OuterRef("pk")})
        .order_by()
        .values(ref)
        .annotate(n=Count("id"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(inner), Value(0))


def _group_referrals(workspace, group: NetworkingGroup):
    """Referrals attributed to a group: marked with it, or from one of its meetings."""
    return Referral.objects.filter(workspace=workspace).filter(
        Q(group=group) | Q(source_event__networking_group=group)
    )


@employee_required
@require_GET
def group_list(request: HttpRequest) -> HttpResponse:
    workspace = request.workspace
    referrals = Referral.objects.filter(workspace=workspace)
    # Attributed to the group directly, or (when not marked with a group) from one of its meetings.
    groups = (
        NetworkingGroup.objects.filter(workspace=workspace)
        .annotate(
            members=_count(GroupMembership.objects.filter(workspace=workspace), "group"),
            meetings=_count(Event.objects.filter(workspace=workspace), "networking_group"),
            direct=_count(referrals, "group"),
            direct_value=_won_value(referrals, "group"),
            via_events=_count(referrals.filter(group__isnull=True), "source_event__networking_group"),
            via_events_value=_won_value(
                referrals.filter(group__isnull=True), "source_event__networking_group"
            ),
            touchpoints_n=_count(Touchpoint.objects.filter(workspace=workspace), "group"),
        )
        .annotate(
            referrals_n=F("direct") + F("via_events"),
            won_value=ExpressionWrapper(F("direct_value") + F("via_events_value"), output_field=MONEY),
        )
        .order_by("name", "id")
    )
    return render(request, "partners/groups.html", {"groups": groups})


def _group_page(request: HttpRequest, group: NetworkingGroup, form: MemberForm | None = None, status=200):
    workspace = request.workspace
    referrals = _group_referrals(workspace, group)
    totals = referrals.aggregate(
        n=Count("id"),
        won=Count("id", filter=Q(status=ReferralStatus.WON)),
        value=Sum("won_value", filter=Q(status=ReferralStatus.WON)),
    )
    events = (
        Event.objects.filter(workspace=workspace, networking_group=group)
        .annotate(attendees=Count("attendances", distinct=True))
        .order_by("-starts_at", "-id")[:50]
    )
    context = {
        "group": group,
        "members": GroupMembership.objects.filter(workspace=workspace, group=group).select_related(
            "partner", "employee__user"
        ),
        "events": events,
        "referrals": referrals.select_related("referred_account", "source_partner", "source_event").order_by(
            "-received_at", "-id"
        )[:50],
        "totals": totals,
        "touchpoints": Touchpoint.objects.filter(workspace=workspace, group=group).count(),
        "form": form or MemberForm(workspace=workspace),
    }
    return render(request, "partners/group_detail.html", context, status=status)


@employee_required
@require_http_methods(["GET", "POST"])
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_in_workspace(NetworkingGroup.objects.all(), workspace=request.workspace, id=pk)
    if request.method == "GET":
        return _group_page(request, group)
    form = MemberForm(request.POST, workspace=request.workspace)
    if form.is_valid():
        try:
            services.group_member_add(
                workspace=request.workspace, actor=request.membership, group=group, **form.cleaned_data
            )
        except (ValidationError, Conflict) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "Member added.")
            return redirect("partner_group_detail", pk=group.pk)
    return _group_page(request, group, form, status=400)


@employee_required
@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    workspace = request.workspace
    referrals = Referral.objects.filter(workspace=workspace)
    events = (
        Event.objects.filter(workspace=workspace)
        .select_related("networking_group")
        .annotate(
            attendees=_count(Attendance.objects.filter(workspace=workspace), "event"),
            referrals_n=_count(referrals, "source_event"),
            won_value=_won_value(referrals, "source_event"),
            touchpoints_n=_count(Touchpoint.objects.filter(workspace=workspace), "event"),
        )
        .order_by("-starts_at", "-id")
    )
    page = paginate(request, events)
    return render(request, "partners/events.html", {"page": page})


def _event_page(request: HttpRequest, event: Event, form: MemberForm | None = None, status=200):
    workspace = request.workspace
    referrals = Referral.objects.filter(workspace=workspace, source_event=event)
    context = {
        "event": event,
        "attendances": Attendance.objects.filter(workspace=workspace, event=event).select_related(
            "partner", "employee__user", "contact"
        ),
        "referrals": referrals.select_related("referred_account").order_by("-received_at", "-id")[:50],
        "totals": referrals.aggregate(
            n=Count("id"), value=Sum("won_value", filter=Q(status=ReferralStatus.WON))
        ),
        "touchpoints": Touchpoint.objects.filter(workspace=workspace, event=event).count(),
        "form": form or MemberForm(workspace=workspace),
    }
    return render(request, "partners/event_detail.html", context, status=status)


@employee_required
@require_http_methods(["GET", "POST"])
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_in_workspace(
        Event.objects.select_related("networking_group"), workspace=request.workspace, id=pk
    )
    if request.method == "GET":
        return _event_page(request, event)
    form = MemberForm(request.POST, workspace=request.workspace)
    if form.is_valid():
        try:
            services.attendance_add(
                workspace=request.workspace, actor=request.membership, event=event, **form.cleaned_data
            )
        except (ValidationError, Conflict) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "Attendance recorded.")
            return redirect("partner_event_detail", pk=event.pk)
    return _event_page(request, event, form, status=400)


def partner_suggestions_panel(partner: Partner) -> list[dict]:
    """The partner page's "who could use them" panel."""
    return suggestions(workspace=partner.workspace, partner_id=partner.pk, limit=5)
