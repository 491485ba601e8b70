"""Partner pages for employees: the list, a partner's page (referrals both ways, one-to-ones) and its quick actions.

The partner portal, where a partner signs in to see their own referrals, is a separate module.
"""

from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from referral_engine.core.web import paginate, sort_from_request, sorted_queryset
from referral_engine.engagement.selectors import ask_list
from referral_engine.engagement.services import ask_create
from referral_engine.partners import selectors
from referral_engine.partners.ledger import Period
from referral_engine.partners.ledger_views import ledger_context, partner_suggestions_panel
from referral_engine.partners.models import GivenStatus
from referral_engine.referrals.models import ReferralStatus
from referral_engine.referrals.selectors import referral_list
from referral_engine.relationships.forms import AskForm, TouchpointForm
from referral_engine.relationships.models import Direction, TouchpointKind
from referral_engine.relationships.selectors import touchpoint_list
from referral_engine.relationships.services import touchpoint_create
from referral_engine.relationships.views import owner_filter, quick_action
from referral_engine.workspaces.access import employee_required
from referral_engine.workspaces.selectors import employee_list

TIMELINE_SIZE = 30

PARTNER_COLUMNS = {
    "name": ("name",),
    "company": ("company", "name"),
    "profession": ("profession", "name"),
    "added": ("created_at",),
}


@employee_required
@require_GET
def partner_list(request: HttpRequest) -> HttpResponse:
    owner_raw, owner_id = owner_filter(request)
    profession = request.GET.get("profession", "")[:120]
    q = request.GET.get("q", "")[:200]
    partners = selectors.partner_list(workspace=request.workspace, profession=profession or None, q=q)
    if owner_id is not None:
        partners = partners.filter(owner_id=owner_id)
    sort = sort_from_request(request, columns=PARTNER_COLUMNS, default="name")
    page = paginate(request, sorted_queryset(partners, sort, PARTNER_COLUMNS))
    professions = selectors.partner_professions(workspace=request.workspace)
    context = {
        "page": page,
        "sort": sort,
        "professions": [(p, p) for p in professions],
        "employees": employee_list(workspace=request.workspace),
        "filters": {"profession": profession, "owner": owner_raw, "q": q},
    }
    return render(request, "partners/partner_list.html", context)


def _touchpoints(partner) -> list:
    return list(touchpoint_list(workspace=partner.workspace, partner_id=partner.pk)[:TIMELINE_SIZE])


def _asks(partner) -> list:
    return list(ask_list(workspace=partner.workspace, partner_id=partner.pk)[:20])


def _partner_page(
    request: HttpRequest,
    partner,
    touchpoint_form: TouchpointForm | None = None,
    ask_form: AskForm | None = None,
) -> HttpResponse:
    workspace = request.workspace
    received = referral_list(workspace=workspace, source_partner_id=partner.pk)
    received_totals = received.aggregate(
        count=Count("id"),
        won=Count("id", filter=Q(status=ReferralStatus.WON)),
        won_value=Sum("won_value", filter=Q(status=ReferralStatus.WON)),
    )
    touchpoints = touchpoint_list(workspace=workspace, partner_id=partner.pk)
    # Until the referral ledger arrives, what we gave a partner shows as the time we put in: the contacts we
    # initiated and the one-to-ones (seed 003: the best sources are the people you refer business to).
    given_totals = touchpoints.aggregate(
        outbound=Count("id", filter=Q(direction=Direction.OUTBOUND)),
        one_to_ones=Count("id", filter=Q(kind=TouchpointKind.ONE_TO_ONE)),
        minutes=Sum("minutes"),
    )
    context = {
        **ledger_context(partner, Period()),
        "csv_url": reverse("partner_ledger_csv", args=[partner.pk]),
        "given_statuses": GivenStatus.choices,
        "suggestions": partner_suggestions_panel(partner),
        "partner": partner,
        "referrals_received": list(received.order_by("-received_at", "-id")[:30]),
        "received_totals": received_totals,
        "given_totals": given_totals,
        "one_to_ones": list(touchpoints.filter(kind=TouchpointKind.ONE_TO_ONE)[:10]),
        "touchpoints": _touchpoints(partner),
        "asks": _asks(partner),
        "touchpoint_form": touchpoint_form
        or TouchpointForm(
            initial={"kind": TouchpointKind.ONE_TO_ONE},
            groups=selectors.networking_group_list(workspace=request.workspace),
        ),
        "ask_form": ask_form or AskForm(),
        "touchpoint_url": reverse("partner_touchpoint_create", args=[partner.pk]),
        "ask_url": reverse("partner_ask_create", args=[partner.pk]),
        "referral_url": f"{reverse('referral_create')}?source_kind=partner&source_partner={partner.pk}",
    }
    return render(request, "partners/partner_detail.html", context)


@employee_required
@require_GET
def partner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partner = selectors.partner_get(workspace=request.workspace, id=pk)
    return _partner_page(request, partner)


@employee_required
@require_POST
def partner_touchpoint_create(request: HttpRequest, pk: int) -> HttpResponse:
    partner = selectors.partner_get(workspace=request.workspace, id=pk)
    groups = selectors.networking_group_list(workspace=request.workspace)
    return quick_action(
        request,
        form=TouchpointForm(request.POST, groups=groups),
        fresh_form=lambda: TouchpointForm(initial={"kind": TouchpointKind.ONE_TO_ONE}, groups=groups),
        save=lambda data: touchpoint_create(
            workspace=request.workspace, actor=request.membership, partner=partner, **data
        ),
        url=reverse("partner_touchpoint_create", args=[partner.pk]),
        partial="relationships/_touchpoint_logged.html",
        page=lambda request, **kw: _partner_page(request, partner, **kw),
        page_form_name="touchpoint_form",
        back=reverse("partner_detail", args=[partner.pk]) + "#touchpoints",
        refresh=lambda: {"touchpoints": _touchpoints(partner)},
        done="Touchpoint logged.",
    )


@employee_required
@require_POST
def partner_ask_create(request: HttpRequest, pk: int) -> HttpResponse:
    partner = selectors.partner_get(workspace=request.workspace, id=pk)
    return quick_action(
        request,
        form=AskForm(request.POST),
        fresh_form=AskForm,
        save=lambda data: ask_create(
            workspace=request.workspace, actor=request.membership, partner=partner, **data
        ),
        url=reverse("partner_ask_create", args=[partner.pk]),
        partial="relationships/_ask_logged.html",
        page=lambda request, **kw: _partner_page(request, partner, **kw),
        page_form_name="ask_form",
        back=reverse("partner_detail", args=[partner.pk]) + "#asks",
        refresh=lambda: {"asks": _asks(partner)},
        done="Ask logged. Thank them whatever the answer.",
    )
