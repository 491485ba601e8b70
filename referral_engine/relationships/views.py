"""Account and contact pages: fast lists, the pages themselves, and quick actions in place.

A quick action (log a touchpoint, log an ask) posts with htmx and gets back its form, fresh or with the errors
beside the fields, plus the refreshed timeline swapped out of band; without script it posts, and the page
redirects back (or re-renders with the errors). Everything is scoped to the current workspace.
"""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from referral_engine.core.errors import Conflict
from referral_engine.core.web import add_service_error, paginate, sort_from_request, sorted_queryset
from referral_engine.engagement.selectors import ask_list
from referral_engine.engagement.services import ask_create
from referral_engine.feedback.selectors import nps_response_list
from referral_engine.insights.models import Quadrant, Segment
from referral_engine.partners.selectors import networking_group_list
from referral_engine.referrals.selectors import (
    referral_list,
    referral_list_about_contact,
    referral_list_given,
)
from referral_engine.relationships import selectors
from referral_engine.relationships.forms import AskForm, TouchpointForm
from referral_engine.relationships.models import AccountStatus, BuyingRole
from referral_engine.relationships.services import touchpoint_create
from referral_engine.workspaces.access import employee_required
from referral_engine.workspaces.selectors import employee_list

TIMELINE_SIZE = 30
# The buying circle, most influential first (seed 001: know the decision makers and influencers).
ROLE_ORDER = {
    BuyingRole.DECISION_MAKER: 0,
    BuyingRole.INFLUENCER: 1,
    BuyingRole.CHAMPION: 2,
    BuyingRole.USER: 3,
}


def owner_filter(request: HttpRequest) -> tuple[str, int | None]:
    """`?owner=me` or `?owner=<membership id>`; anything else means everyone."""
    raw = request.GET.get("owner", "")
    if raw == "me":
        return raw, request.membership.pk
    return (raw, int(raw)) if raw.isdigit() and len(raw) < 19 else ("", None)


def quick_action(
    request: HttpRequest,
    *,
    form,
    fresh_form: Callable[[], object],
    save: Callable[[dict], object],
    url: str,
    partial: str,
    page: Callable[..., HttpResponse],
    page_form_name: str,
    back: str,
    refresh: Callable[[], dict],
    done: str,
) -> HttpResponse:
    """Validate `form`, call the service through `save`, and answer the way the request came.

    htmx: the form partial (a fresh form and `done`, or the bound form with its errors) and, after a save, the
    sections `refresh()` returns, swapped out of band. Plain POST: a redirect to `back` after a save, or the whole
    page again with the errors beside the fields. Nothing is written when the form or the service refuses.
    """
    saved = False
    if form.is_valid():
        try:
            save(dict(form.cleaned_data))
        except (ValidationError, Conflict) as exc:
            add_service_error(form, exc)
        else:
            saved = True
    if request.htmx:
        context = {"form": fresh_form() if saved else form, "url": url, "done": done if saved else ""}
        if saved:
            context.update(refresh())
        return render(request, partial, context)
    if saved:
        messages.success(request, done)
        return redirect(back)
    return page(request, **{page_form_name: form})


# ---------------------------------------------------------------------------------------------------- accounts

ACCOUNT_COLUMNS = {
    "name": ("name",),
    "status": ("status", "name"),
    "industry": ("industry", "name"),
    "won": ("won_at",),
    "added": ("created_at",),
}


@employee_required
@require_GET
def account_list(request: HttpRequest) -> HttpResponse:
    owner_raw, owner_id = owner_filter(request)
    status = request.GET.get("status", "")
    q = request.GET.get("q", "")[:200]
    segment = request.GET.get("segment", "")
    quadrant = request.GET.get("quadrant", "")
    accounts = selectors.account_list(
        workspace=request.workspace,
        status=status if status in AccountStatus.values else None,
        owner_id=owner_id,
        q=q,
        segment=segment if segment in Segment.values else None,
        quadrant=quadrant if quadrant in Quadrant.values else None,
    )
    sort = sort_from_request(request, columns=ACCOUNT_COLUMNS, default="name")
    page = paginate(request, sorted_queryset(accounts, sort, ACCOUNT_COLUMNS))
    context = {
        "page": page,
        "sort": sort,
        "statuses": AccountStatus.choices,
        "employees": employee_list(workspace=request.workspace),
        "segments": Segment.choices,
        "quadrants": Quadrant.choices,
        "filters": {"status": status, "owner": owner_raw, "q": q, "segment": segment, "quadrant": quadrant},
    }
    return render(request, "relationships/account_list.html", context)


def _account_touchpoints(account) -> list:
    touchpoints = selectors.touchpoint_list(workspace=account.workspace, account_id=account.pk)
    return list(touchpoints[:TIMELINE_SIZE])


def _account_page(
    request: HttpRequest, account, touchpoint_form: TouchpointForm | None = None
) -> HttpResponse:
    workspace = request.workspace
    contacts = sorted(
        selectors.contact_list(workspace=workspace, account_id=account.pk)[:100],
        key=lambda c: (ROLE_ORDER.get(c.role, 9), c.last_name, c.first_name),
    )
    purchases = selectors.purchase_list(workspace=workspace, account_id=account.pk)
    purchase_totals = purchases.aggregate(total=Sum("amount"), count=Count("id"), last=Max("date"))
    received = referral_list(workspace=workspace, referred_account_id=account.pk).order_by(
        "-received_at", "-id"
    )
    given = referral_list_given(workspace=workspace, source_account_id=account.pk).order_by(
        "-received_at", "-id"
    )
    nps = list(nps_response_list(workspace=workspace, account_id=account.pk)[:20])
    context = {
        "account": account,
        "contacts": contacts,
        "purchases": list(purchases[:10]),
        "purchase_totals": purchase_totals,
        "referrals_received": list(received[:20]),
        "referrals_given": list(given[:20]),
        "touchpoints": _account_touchpoints(account),
        "nps": nps,
        "touchpoint_form": touchpoint_form
        or TouchpointForm(contacts=contacts, groups=networking_group_list(workspace=workspace)),
        "touchpoint_url": reverse("account_touchpoint_create", args=[account.pk]),
        "referral_url": f"{reverse('referral_create')}?referred_account={account.pk}",
    }
    return render(request, "relationships/account_detail.html", context)


@employee_required
@require_GET
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = selectors.account_get(workspace=request.workspace, id=pk)
    return _account_page(request, account)


@employee_required
@require_POST
def account_touchpoint_create(request: HttpRequest, pk: int) -> HttpResponse:
    account = selectors.account_get(workspace=request.workspace, id=pk)
    contacts = list(selectors.contact_list(workspace=request.workspace, account_id=account.pk)[:100])
    groups = networking_group_list(workspace=request.workspace)
    form = TouchpointForm(request.POST, contacts=contacts, groups=groups)

    def save(data: dict):
        contact_id = data.pop("contact", None)
        contact = next((c for c in contacts if c.pk == contact_id), None)
        return touchpoint_create(
            workspace=request.workspace, actor=request.membership, account=account, contact=contact, **data
        )

    return quick_action(
        request,
        form=form,
        fresh_form=lambda: TouchpointForm(contacts=contacts, groups=groups),
        save=save,
        url=reverse("account_touchpoint_create", args=[account.pk]),
        partial="relationships/_touchpoint_logged.html",
        page=lambda request, **kw: _account_page(request, account, **kw),
        page_form_name="touchpoint_form",
        back=reverse("account_detail", args=[account.pk]) + "#touchpoints",
        refresh=lambda: {"touchpoints": _account_touchpoints(account), "show_contact": True},
        done="Touchpoint logged.",
    )


# ---------------------------------------------------------------------------------------------------- contacts

CONTACT_COLUMNS = {
    "name": ("last_name", "first_name"),
    "account": ("account__name", "last_name"),
    "role": ("role", "last_name"),
    "added": ("created_at",),
}


@employee_required
@require_GET
def contact_list(request: HttpRequest) -> HttpResponse:
    owner_raw, owner_id = owner_filter(request)
    role = request.GET.get("role", "")
    q = request.GET.get("q", "")[:200]
    contacts = selectors.contact_list(
        workspace=request.workspace, role=role if role in BuyingRole.values else None, q=q
    )
    if owner_id is not None:
        contacts = contacts.filter(owner_id=owner_id)
    sort = sort_from_request(request, columns=CONTACT_COLUMNS, default="name")
    page = paginate(request, sorted_queryset(contacts, sort, CONTACT_COLUMNS))
    context = {
        "page": page,
        "sort": sort,
        "roles": BuyingRole.choices,
        "employees": employee_list(workspace=request.workspace),
        "filters": {"role": role, "owner": owner_raw, "q": q},
    }
    return render(request, "relationships/contact_list.html", context)


def _contact_touchpoints(contact) -> list:
    touchpoints = selectors.touchpoint_list(workspace=contact.workspace, contact_id=contact.pk)
    return list(touchpoints[:TIMELINE_SIZE])


def _contact_asks(contact) -> list:
    return list(ask_list(workspace=contact.workspace, contact_id=contact.pk)[:20])


def _contact_page(
    request: HttpRequest,
    contact,
    touchpoint_form: TouchpointForm | None = None,
    ask_form: AskForm | None = None,
) -> HttpResponse:
    workspace = request.workspace
    links_out, links_in = selectors.contact_links(contact=contact)
    purchase_totals = None
    if contact.account_id:
        purchase_totals = selectors.purchase_list(
            workspace=workspace, account_id=contact.account_id
        ).aggregate(total=Sum("amount"), count=Count("id"), last=Max("date"))
    context = {
        "contact": contact,
        "links_out": links_out,
        "links_in": links_in,
        "purchase_totals": purchase_totals,
        "referrals_given": list(
            referral_list_given(workspace=workspace, source_contact_id=contact.pk).order_by("-received_at")[
                :20
            ]
        ),
        "referrals_about": list(
            referral_list_about_contact(workspace=workspace, contact_id=contact.pk).order_by("-received_at")[
                :20
            ]
        ),
        "touchpoints": _contact_touchpoints(contact),
        "asks": _contact_asks(contact),
        "nps": list(nps_response_list(workspace=workspace, contact_id=contact.pk)[:20]),
        "touchpoint_form": touchpoint_form
        or TouchpointForm(groups=networking_group_list(workspace=workspace)),
        "ask_form": ask_form or AskForm(),
        "touchpoint_url": reverse("contact_touchpoint_create", args=[contact.pk]),
        "ask_url": reverse("contact_ask_create", args=[contact.pk]),
        "referral_url": f"{reverse('referral_create')}?source_kind=customer&source_contact={contact.pk}",
    }
    return render(request, "relationships/contact_detail.html", context)


@employee_required
@require_GET
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contact = selectors.contact_get(workspace=request.workspace, id=pk)
    return _contact_page(request, contact)


@employee_required
@require_POST
def contact_touchpoint_create(request: HttpRequest, pk: int) -> HttpResponse:
    contact = selectors.contact_get(workspace=request.workspace, id=pk)
    groups = networking_group_list(workspace=request.workspace)
    return quick_action(
        request,
        form=TouchpointForm(request.POST, groups=groups),
        fresh_form=lambda: TouchpointForm(groups=groups),
        save=lambda data: touchpoint_create(
            workspace=request.workspace, actor=request.membership, contact=contact, **data
        ),
        url=reverse("contact_touchpoint_create", args=[contact.pk]),
        partial="relationships/_touchpoint_logged.html",
        page=lambda request, **kw: _contact_page(request, contact, **kw),
        page_form_name="touchpoint_form",
        back=reverse("contact_detail", args=[contact.pk]) + "#touchpoints",
        refresh=lambda: {"touchpoints": _contact_touchpoints(contact)},
        done="Touchpoint logged.",
    )


@employee_required
@require_POST
def contact_ask_create(request: HttpRequest, pk: int) -> HttpResponse:
    contact = selectors.contact_get(workspace=request.workspace, id=pk)
    return quick_action(
        request,
        form=AskForm(request.POST),
        fresh_form=AskForm,
        save=lambda data: ask_create(
            workspace=request.workspace, actor=request.membership, contact=contact, **data
        ),
        url=reverse("contact_ask_create", args=[contact.pk]),
        partial="relationships/_ask_logged.html",
        page=lambda request, **kw: _contact_page(request, contact, **kw),
        page_form_name="ask_form",
        back=reverse("contact_detail", args=[contact.pk]) + "#asks",
        refresh=lambda: {"asks": _contact_asks(contact)},
        done="Ask logged. Thank them whatever the answer.",
    )
