"""Referral pages: the pipeline board, moving a card, the referral page, the list and "record a referral".

Every page is for employees of the current workspace only; another workspace's id is a 404.
"""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from referral_engine.core import search
from referral_engine.core.errors import Conflict
from referral_engine.core.web import (
    add_service_error,
    paginate,
    safe_next,
    sort_from_request,
    sorted_queryset,
)
from referral_engine.engagement.selectors import ask_list
from referral_engine.partners.selectors import event_get, networking_group_list, partner_get
from referral_engine.referrals import selectors
from referral_engine.referrals.forms import (
    IMPORT_MAX_BYTES,
    IMPORT_MAX_ROWS,
    SOURCE_PICKERS,
    MatchDecideForm,
    ReferralCreateForm,
    ReferralGroupForm,
    ReferralImportForm,
    ReferralMoveForm,
    ReferralParentForm,
)
from referral_engine.referrals.imports import COLUMNS, ImportRefused, template_csv
from referral_engine.referrals.imports import referral_import as referral_import_service
from referral_engine.referrals.models import CustomerFlag, MatchDecision, Referral, ReferralStatus, SourceKind
from referral_engine.referrals.services import referral_create as referral_create_service
from referral_engine.referrals.services import referral_match_decide as referral_match_decide_service
from referral_engine.referrals.services import referral_move as referral_move_service
from referral_engine.referrals.services import referral_update as referral_update_service
from referral_engine.relationships.models import Account, Contact
from referral_engine.relationships.selectors import account_get, contact_get, touchpoint_list
from referral_engine.relationships.services import account_create, contact_create
from referral_engine.workspaces.access import employee_required, manager_required
from referral_engine.workspaces.selectors import employee_list

CLOSED = (ReferralStatus.WON, ReferralStatus.LOST)
STAGE_ICONS = {
    ReferralStatus.RECEIVED: "inbox",
    ReferralStatus.CONTACTED: "call",
    ReferralStatus.MEETING: "groups",
    ReferralStatus.PROPOSAL: "description",
    ReferralStatus.WON: "emoji_events",
    ReferralStatus.LOST: "block",
}


def _owner_filter(request: HttpRequest) -> tuple[str, int | None]:
    """`?owner=me` or `?owner=<membership id>`; anything else means everyone."""
    raw = request.GET.get("owner", "")
    if raw == "me":
        return raw, request.membership.pk
    return (raw, int(raw)) if raw.isdigit() else ("", None)


def _mark_overdue(referrals, now) -> None:
    # Respond promptly (seed 000): a received referral past its first-contact deadline is overdue.
    for referral in referrals:
        referral.is_overdue = bool(
            referral.status == ReferralStatus.RECEIVED
            and referral.first_contact_due
            and referral.first_contact_due < now
        )


def _mark_flags(workspace, referrals) -> None:
    """Badges: possible duplicates waiting for a person, an existing customer referred again (one query)."""
    flags = selectors.referral_flags(workspace=workspace, referral_ids=[r.pk for r in referrals])
    for referral in referrals:
        row = flags.get(referral.pk) or {}
        referral.pending_matches = row.get("pending", 0)
        referral.existing_customer = bool(row.get("existing"))


# ------------------------------------------------------------------------------------------------------- board


@employee_required
@require_GET
def referral_board(request: HttpRequest) -> HttpResponse:
    owner_raw, owner_id = _owner_filter(request)
    source_kind = request.GET.get("source_kind", "")
    if source_kind not in SourceKind.values:
        source_kind = ""
    board = selectors.referral_board(workspace=request.workspace, owner_id=owner_id, source_kind=source_kind)
    now = timezone.now()
    _mark_flags(request.workspace, [card for _, cards, _ in board for card in cards])
    columns = []
    for status, cards, total in board:
        _mark_overdue(cards, now)
        more = f"{reverse('referral_list')}?status={status}"
        if owner_raw:
            more += f"&owner={owner_raw}"
        if source_kind:
            more += f"&source_kind={source_kind}"
        columns.append(
            {
                "status": status,
                "label": ReferralStatus(status).label,
                "icon": STAGE_ICONS[status],
                "cards": cards,
                "total": total,
                "more_url": more,
            }
        )
    context = {
        "columns": columns,
        "statuses": ReferralStatus.choices,
        "source_kinds": SourceKind.choices,
        "employees": employee_list(workspace=request.workspace),
        "owner": owner_raw,
        "source_kind": source_kind,
        "overdue": sum(card.is_overdue for _, cards, _ in board for card in cards),
        "next": request.get_full_path(),
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "referrals/_board.html", context)
    return render(request, "referrals/board.html", context)


@employee_required
@require_POST
def referral_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a referral to another stage; the service stamps the stage's time. Won needs a value, lost a reason."""
    referral = selectors.referral_get(workspace=request.workspace, id=pk)
    form = ReferralMoveForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            referral_move_service(
                referral=referral,
                actor=request.membership,
                status=data["status"],
                won_value=data["won_value"] if data["status"] == ReferralStatus.WON else None,
                lost_reason=data["lost_reason"] if data["status"] == ReferralStatus.LOST else "",
            )
        except (ValidationError, Conflict) as exc:
            add_service_error(form, exc)
        else:
            if request.htmx:
                # The board listens for this event and redraws itself with its own filters.
                return HttpResponse(status=204, headers={"HX-Trigger": "referral-moved"})
            return redirect(safe_next(request, reverse("referral_detail", args=[referral.pk])))
        referral.refresh_from_db()
    context = {
        "referral": referral,
        "form": form,
        "statuses": ReferralStatus.choices,
        "next": safe_next(request, reverse("referral_detail", args=[referral.pk])),
    }
    if request.htmx:
        _mark_overdue([referral], timezone.now())
        return render(request, "referrals/_move_form.html", context)
    return render(request, "referrals/move.html", context)


# ---------------------------------------------------------------------------------------------- referral page


def _timeline(referral: Referral) -> list[dict]:
    """The referral's stages, and the touchpoints and asks around it, newest first."""
    entries = []
    for status, field in (
        (ReferralStatus.RECEIVED, "received_at"),
        (ReferralStatus.CONTACTED, "contacted_at"),
        (ReferralStatus.MEETING, "meeting_at"),
        (ReferralStatus.PROPOSAL, "proposal_at"),
    ):
        at = getattr(referral, field)
        if at:
            entries.append({"at": at, "icon": STAGE_ICONS[status], "kind": "stage", "title": status.label})
    if referral.closed_at and referral.status in CLOSED:
        status = ReferralStatus(referral.status)
        entries.append(
            {"at": referral.closed_at, "icon": STAGE_ICONS[status], "kind": "stage", "title": status.label}
        )

    workspace = referral.workspace
    since = referral.received_at - timedelta(days=30)
    for touchpoint in touchpoint_list(
        workspace=workspace, account_id=referral.referred_account_id, at_from=since
    )[:30]:
        entries.append({"at": touchpoint.at, "icon": "forum", "kind": "touchpoint", "touchpoint": touchpoint})
    # The asks that led to it: the ones linked to it, and the referrer's asks in the three months before.
    asks = {ask.pk: ask for ask in referral.asks.select_related("asker__user", "contact", "partner")[:20]}
    window = {
        "at_from": referral.received_at - timedelta(days=90),
        "at_to": referral.received_at + timedelta(days=1),
    }
    if referral.source_contact_id:
        asks.update(
            (a.pk, a)
            for a in ask_list(workspace=workspace, contact_id=referral.source_contact_id, **window)[:10]
        )
    if referral.source_partner_id:
        asks.update(
            (a.pk, a)
            for a in ask_list(workspace=workspace, partner_id=referral.source_partner_id, **window)[:10]
        )
    for ask in asks.values():
        entries.append({"at": ask.at, "icon": "volunteer_activism", "kind": "ask", "ask": ask})
    entries.sort(key=lambda entry: entry["at"], reverse=True)
    return entries


@employee_required
@require_http_methods(["GET", "POST"])
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The referral page. A POST corrects the networking group it is attributed to (or clears it)."""
    referral = selectors.referral_get(workspace=request.workspace, id=pk)
    group_form = None
    if request.method == "POST":
        group_form = ReferralGroupForm(
            request.POST, groups=networking_group_list(workspace=request.workspace)
        )
        if group_form.is_valid():
            try:
                referral_update_service(
                    instance=referral, actor=request.membership, group=group_form.cleaned_data["group"]
                )
            except (ValidationError, Conflict) as exc:
                add_service_error(group_form, exc)
            else:
                messages.success(request, "Networking group saved.")
                return redirect("referral_detail", pk=referral.pk)
        referral.refresh_from_db()
    return _detail_page(request, referral, group_form=group_form)


def _detail_page(
    request: HttpRequest, referral: Referral, *, group_form: ReferralGroupForm | None
) -> HttpResponse:
    _mark_overdue([referral], timezone.now())
    stages = [
        {"label": "Received", "at": referral.received_at},
        {"label": "Contacted", "at": referral.contacted_at},
        {"label": "Meeting", "at": referral.meeting_at},
        {"label": "Proposal", "at": referral.proposal_at},
        {
            "label": referral.get_status_display() if referral.status in CLOSED else "Closed",
            "at": referral.closed_at,
        },
    ]
    context = {
        "referral": referral,
        "stages": stages,
        "timeline": _timeline(referral),
        "tasks": list(referral.tasks.select_related("assignee__user").order_by("status", "due", "id")[:50]),
        "move_form": ReferralMoveForm(initial={"status": referral.status}),
        "group_form": group_form
        or ReferralGroupForm(
            initial={"group": referral.group_id}, groups=networking_group_list(workspace=request.workspace)
        ),
        "statuses": ReferralStatus.choices,
        **_matches_context(referral),
        **_chain_context(referral),
    }
    return render(request, "referrals/detail.html", context, status=422 if group_form is not None else 200)


def _matches_context(referral: Referral) -> dict:
    matches = list(selectors.referral_match_list(workspace=referral.workspace, referral_id=referral.pk)[:50])
    return {
        "matches": matches,
        "pending_matches": [m for m in matches if m.decision == MatchDecision.PENDING],
        "existing_customer": any(
            m.customer_flag == CustomerFlag.EXISTING and m.decision != MatchDecision.REJECTED for m in matches
        ),
    }


def _chain_context(referral: Referral, parent_form: ReferralParentForm | None = None) -> dict:
    return {
        "chain": selectors.referral_chain_tree(referral=referral),
        "parent_form": parent_form or ReferralParentForm(),
    }


# ------------------------------------------------------------------------------------------ possible duplicates


@employee_required
@require_GET
def referral_match_list(request: HttpRequest) -> HttpResponse:
    """Possible duplicates of the workspace: the ones waiting for a person first, then who decided what."""
    decision = request.GET.get("decision", "")
    if decision not in MatchDecision.values:
        decision = ""
    matches = selectors.referral_match_list(workspace=request.workspace, decision=decision or None)
    page = paginate(request, matches)
    pending = selectors.referral_match_list_pending(workspace=request.workspace).count()
    context = {
        "page": page,
        "decision": decision,
        "decisions": MatchDecision.choices,
        "pending_count": pending,
        "next": request.get_full_path(),
    }
    return render(request, "referrals/matches.html", context)


@employee_required
@require_POST
def referral_match_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm a possible duplicate (the referral is linked to the record it duplicates) or reject it."""
    match = selectors.referral_match_get(workspace=request.workspace, id=pk)
    form = MatchDecideForm(request.POST)
    fallback = reverse("referral_detail", args=[match.referral_id])
    error = ""
    if not form.is_valid():
        error = "Choose confirm or reject."
    else:
        try:
            referral_match_decide_service(
                match=match, actor=request.membership, confirm=form.cleaned_data["decision"] == "confirm"
            )
        except Conflict as exc:
            error = exc.message
        except ValidationError as exc:
            error = " ".join(exc.messages)
    if request.htmx:
        match = selectors.referral_match_get(workspace=request.workspace, id=pk)
        return render(
            request,
            "referrals/_match.html",
            {"match": match, "error": error, "next": safe_next(request, fallback)},
            status=409 if error else 200,
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(
            request,
            "Confirmed: the referral now points at the existing record."
            if form.cleaned_data["decision"] == "confirm"
            else "Rejected: the referral stays a separate business.",
        )
    return redirect(safe_next(request, fallback))


# ------------------------------------------------------------------------------------------------------ chain


@employee_required
@require_GET
def referral_chain(request: HttpRequest, pk: int) -> HttpResponse:
    """The whole chain a referral belongs to, from its root down to every referral that came through it."""
    referral = selectors.referral_get(workspace=request.workspace, id=pk)
    return render(request, "referrals/chain.html", {"referral": referral, **_chain_context(referral)})


@employee_required
@require_POST
def referral_parent(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct the referral this one came through (tier 2), or clear it (tier 1)."""
    referral = selectors.referral_get(workspace=request.workspace, id=pk)
    form = ReferralParentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                parent = None
                if not data.get("clear"):
                    parent = _resolve_pick(
                        request, data, "parent", selectors.referral_get, search.referral_search, "referral"
                    )
                referral_update_service(instance=referral, actor=request.membership, parent=parent)
        except _Unresolved as exc:
            form.add_error(exc.field, exc.message)
        except (ValidationError, Conflict) as exc:
            add_service_error(form, _renamed(exc, {"parent": "parent_q"}))
        else:
            return redirect(safe_next(request, reverse("referral_detail", args=[referral.pk])))
    referral.refresh_from_db()
    return render(
        request,
        "referrals/chain.html",
        {"referral": referral, **_chain_context(referral, parent_form=form)},
        status=422,
    )


# ------------------------------------------------------------------------------------------------- CSV import


@manager_required
@require_http_methods(["GET", "POST"])
def referral_import(request: HttpRequest) -> HttpResponse:
    """Upload a CSV of referrals: all of them are imported, or none, with every error by row and column."""
    context = {"columns": COLUMNS, "max_rows": IMPORT_MAX_ROWS, "max_mb": IMPORT_MAX_BYTES // 1024 // 1024}
    if request.method == "GET":
        return render(request, "referrals/import.html", {**context, "form": ReferralImportForm()})
    # Refuse an oversized upload before Django reads it (the form checks the file's own size as well).
    if int(request.META.get("CONTENT_LENGTH") or 0) > IMPORT_MAX_BYTES + 64 * 1024:
        return render(
            request,
            "referrals/import.html",
            {**context, "form": ReferralImportForm(), "too_large": True},
            status=413,
        )
    form = ReferralImportForm(request.POST, request.FILES)
    report = errors = None
    status = 200
    if form.is_valid():
        try:
            report = referral_import_service(
                workspace=request.workspace,
                actor=request.membership,
                data=form.cleaned_data["file"].read(),
                dry_run=form.cleaned_data["dry_run"],
                max_rows=IMPORT_MAX_ROWS,
            )
        except ImportRefused as refused:
            errors = refused.report.errors
            report = refused.report
            status = 422
    else:
        status = 422
    return render(
        request,
        "referrals/import.html",
        {**context, "form": form, "report": report, "errors": errors},
        status=status,
    )


@manager_required
@require_GET
def referral_import_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="referrals.csv"'
    return response


# ------------------------------------------------------------------------------------------------------- list

LIST_COLUMNS = {
    "received": ("received_at",),
    "company": ("referred_account__name",),
    "status": ("status",),
    "source": ("source_kind",),
    "value": ("won_value",),
}


@employee_required
@require_GET
def referral_list(request: HttpRequest) -> HttpResponse:
    owner_raw, owner_id = _owner_filter(request)
    status = request.GET.get("status", "")
    source_kind = request.GET.get("source_kind", "")
    filters = {
        "status": status if status in ReferralStatus.values else None,
        "source_kind": source_kind if source_kind in SourceKind.values else None,
        "owner_id": owner_id,
    }
    referrals = selectors.referral_list(workspace=request.workspace, **filters)
    sort = sort_from_request(request, columns=LIST_COLUMNS, default="-received")
    page = paginate(request, sorted_queryset(referrals, sort, LIST_COLUMNS))
    _mark_overdue(page.object_list, timezone.now())
    context = {
        "page": page,
        "sort": sort,
        "statuses": ReferralStatus.choices,
        "source_kinds": SourceKind.choices,
        "employees": employee_list(workspace=request.workspace),
        "filters": {"status": status, "source_kind": source_kind, "owner": owner_raw},
    }
    return render(request, "referrals/list.html", context)


# ------------------------------------------------------------------------------------------ record a referral

LOOKUPS = {
    "contact": search.contact_search,
    "partner": search.partner_search,
    "event": search.event_search,
    "account": search.account_search,
    "referral": search.referral_search,
}


@employee_required
@require_GET
def referral_lookup(request: HttpRequest) -> HttpResponse:
    """The picker's suggestions: `?kind=contact&field=source_contact&source_contact_q=ada` (at most 8 rows)."""
    kind = request.GET.get("kind", "")
    field = request.GET.get("field", "")
    if kind not in LOOKUPS or (
        field not in ReferralCreateForm.base_fields and field not in ReferralParentForm.base_fields
    ):
        raise Http404("Unknown lookup")
    q = request.GET.get(f"{field}_q", request.GET.get("q", ""))[:200].strip()
    rows = LOOKUPS[kind](workspace=request.workspace, q=q)
    return render(request, "referrals/_lookup.html", {"rows": rows, "q": q, "kind": kind})


class _Unresolved(Exception):
    def __init__(self, field: str, message: str):
        self.field, self.message = field, message


def _resolve_pick(request: HttpRequest, data: dict, field: str, get, find, noun: str):
    """The record picked in the page's lookup (an id), or the one record that the typed text names."""
    if data.get(field) is not None:
        try:
            return get(workspace=request.workspace, id=data[field])
        except Http404:
            raise _Unresolved(f"{field}_q", f"That {noun} is not in this workspace any more.") from None
    typed = (data.get(f"{field}_q") or "").strip()
    rows = find(workspace=request.workspace, q=typed, limit=2)
    if len(rows) == 1:
        return rows[0]
    if not rows:
        raise _Unresolved(f"{field}_q", f"No {noun} matches “{typed}”.")
    raise _Unresolved(f"{field}_q", f"Several {noun}s match “{typed}”: pick one from the list.")


def _renamed(exc: ValidationError | Conflict, names: dict[str, str]) -> ValidationError | Conflict:
    """A service's error with its field names translated to the form's (account `name` -> `referred_account_q`)."""
    if isinstance(exc, Conflict):
        return Conflict(exc.message, field=names.get(exc.field or "", exc.field))
    if hasattr(exc, "error_dict"):
        return ValidationError({names.get(field, field): errors for field, errors in exc.error_dict.items()})
    return exc


def _referred_account(request: HttpRequest, data: dict) -> Account:
    """The picked account, the one account with exactly the typed name, or a new account of that name."""
    if data.get("referred_account") is not None:
        try:
            return account_get(workspace=request.workspace, id=data["referred_account"])
        except Http404:
            raise _Unresolved(
                "referred_account_q", "That account is not in this workspace any more."
            ) from None
    name = data["referred_account_q"].strip()
    same_name = search.account_named(workspace=request.workspace, name=name)
    if len(same_name) == 1:
        return same_name[0]
    if len(same_name) > 1:
        raise _Unresolved(
            "referred_account_q", f"Several accounts are called “{name}”: pick one from the list."
        )
    try:
        return account_create(workspace=request.workspace, actor=request.membership, name=name)
    except (ValidationError, Conflict) as exc:
        raise _renamed(exc, {"name": "referred_account_q"}) from exc


def _referred_contact(request: HttpRequest, form: ReferralCreateForm, account: Account) -> Contact | None:
    """The picked contact, the contact with the typed e-mail, or a new contact at the referred account."""
    data = form.cleaned_data
    if data.get("referred_contact") is not None:
        try:
            return contact_get(workspace=request.workspace, id=data["referred_contact"])
        except Http404:
            raise _Unresolved(
                "referred_contact_q", "That contact is not in this workspace any more."
            ) from None
    person = form.new_person
    if not person:
        if (data.get("referred_contact_q") or "").strip():
            return _resolve_pick(
                request, data, "referred_contact", contact_get, search.contact_search, "contact"
            )
        return None
    if person["email"]:
        known = search.contact_with_email(workspace=request.workspace, email=person["email"])
        if known is not None:
            return known
    # Its errors name the form's own fields (first_name, email, ...), so they land beside them.
    return contact_create(workspace=request.workspace, actor=request.membership, account=account, **person)


def _prefill(request: HttpRequest) -> dict:
    """Initial values from the query string (`?source_kind=partner&source_partner=7` on a partner's page)."""
    initial: dict = {"owner": request.membership.pk}
    kind = request.GET.get("source_kind")
    if kind in SourceKind.values:
        initial["source_kind"] = kind
    getters = {
        "source_contact": contact_get,
        "source_partner": partner_get,
        "referred_account": account_get,
    }
    for field, get in getters.items():
        raw = request.GET.get(field)
        if raw:
            try:
                row = get(workspace=request.workspace, id=raw)
            except Http404:
                continue
            initial[field] = row.pk
            initial[f"{field}_q"] = str(row)
    return initial


@employee_required
@require_http_methods(["GET", "POST"])
def referral_create(request: HttpRequest) -> HttpResponse:
    """Record a referral: who referred, the company and person referred (new ones are created), the story."""
    employees = list(employee_list(workspace=request.workspace))
    groups = networking_group_list(workspace=request.workspace)
    if request.method == "GET":
        form = ReferralCreateForm(initial=_prefill(request), employees=employees, groups=groups)
        return render(request, "referrals/create.html", {"form": form})

    form = ReferralCreateForm(request.POST, employees=employees, groups=groups)
    if form.is_valid():
        try:
            # One transaction: a referral that cannot be recorded leaves no new account or contact behind.
            with transaction.atomic():
                referral = _record(request, form, employees)
        except _Unresolved as exc:
            form.add_error(exc.field, exc.message)
        except (ValidationError, Conflict) as exc:
            add_service_error(
                form,
                _renamed(
                    exc,
                    {
                        "source_contact": "source_contact_q",
                        "source_partner": "source_partner_q",
                        "source_event": "source_event_q",
                        "referred_account": "referred_account_q",
                        "referred_contact": "referred_contact_q",
                    },
                ),
            )
        else:
            return redirect("referral_detail", pk=referral.pk)
    return render(request, "referrals/create.html", {"form": form})


def _record(request: HttpRequest, form: ReferralCreateForm, employees: list) -> Referral:
    data = form.cleaned_data
    kind = data["source_kind"]
    source = {}
    picker = SOURCE_PICKERS.get(kind)
    if picker == "source_contact":
        source["source_contact"] = _resolve_pick(
            request, data, "source_contact", contact_get, search.contact_search, "contact"
        )
    elif picker == "source_partner":
        source["source_partner"] = _resolve_pick(
            request, data, "source_partner", partner_get, search.partner_search, "partner"
        )
    elif picker == "source_event":
        source["source_event"] = _resolve_pick(
            request, data, "source_event", event_get, search.event_search, "event"
        )
    elif picker == "source_employee":
        source["source_employee"] = next((m for m in employees if m.pk == data["source_employee"]), None)
        if source["source_employee"] is None:
            raise _Unresolved("source_employee", "Choose a colleague from the list.")
    else:
        source["source_name"] = data["source_name"].strip()
    account = _referred_account(request, data)
    contact = _referred_contact(request, form, account)
    owner = next((m for m in employees if m.pk == data.get("owner")), None)
    return referral_create_service(
        workspace=request.workspace,
        actor=request.membership,
        source_kind=kind,
        referred_account=account,
        referred_contact=contact,
        story=data["story"].strip(),
        owner=owner,
        group=data.get("group"),
        **source,
    )
