"""Writes for who to ask and when: the profile and cadence, success moments, scripts, the weekly lists and the
outcome of an ask made from a list."""

from datetime import date, datetime, timedelta

import numpy as np
from django.db import transaction
from django.utils import timezone

from referral_engine.asking import selectors
from referral_engine.asking.models import (
    SEGMENT_KEYS,
    AskListRun,
    AskScript,
    AskSuggestion,
    ReferralProfile,
    Situation,
    SuccessKind,
    SuccessMoment,
    SuggestionStatus,
)
from referral_engine.asking.scripts import PLACEHOLDERS, placeholders_in
from referral_engine.core.errors import Conflict, field_error
from referral_engine.core.validation import (
    apply_changes,
    check_fields,
    check_related,
    clean_and_save,
    raise_if,
)
from referral_engine.engagement.models import Ask, AskOutcome, Task, TaskKind
from referral_engine.engagement.selectors import tasks_with_dedupe_key
from referral_engine.engagement.services import ask_create, task_create
from referral_engine.relationships.models import Channel, Contact
from referral_engine.workspaces.models import Membership, Workspace

# ------------------------------------------------------------------------------------------------- profile

PROFILE_FIELDS = (
    "segments",
    "promoter_required",
    "min_rq",
    "success_required",
    "success_within_days",
    "not_asked_days",
    "min_days_between_asks",
    "max_asks_per_employee_week",
    "list_size",
    "support_window_hours",
    "two_way_days",
)


def _manager_only(actor: Membership | None, workspace: Workspace, what: str) -> None:
    if actor is None or not actor.can_manage or actor.workspace_id != workspace.pk:
        raise_if({"__all__": [f"Only an owner or an admin may change {what}."]})


def _profile_locked(workspace: Workspace) -> ReferralProfile:
    # Created on first need; the row lock serialises generation and edits per workspace on PostgreSQL
    # (SQLite serialises every write anyway).
    profile, _ = ReferralProfile.objects.get_or_create(workspace=workspace)
    return ReferralProfile.objects.select_for_update().get(pk=profile.pk)


@transaction.atomic
def referral_profile_update(*, workspace: Workspace, actor: Membership | None, **changes) -> ReferralProfile:
    """Change the profile and the cadence (managers only). Bad values are field errors and save nothing."""
    check_fields(allowed=PROFILE_FIELDS, given=changes, entity="referral_profile_update")
    _manager_only(actor, workspace, "the referral profile")
    if "segments" in changes:
        segments = changes["segments"]
        if not isinstance(segments, list | tuple) or any(s not in SEGMENT_KEYS for s in segments):
            raise field_error("segments", f"Choose among: {', '.join(SEGMENT_KEYS)}.")
        changes["segments"] = [s for s in SEGMENT_KEYS if s in segments]
    profile = _profile_locked(workspace)
    changed = apply_changes(profile, changes)
    if changed:
        clean_and_save(profile, update_fields=changed)
    return profile


# ------------------------------------------------------------------------------------------ success moments


@transaction.atomic
def success_moment_record(
    *,
    workspace: Workspace,
    actor: Membership | None,
    contact: Contact,
    kind: str = SuccessKind.GO_LIVE,
    at: datetime | None = None,
    note: str = "",
) -> SuccessMoment:
    """Record a go-live, a milestone or praise: the best moment to ask (one click from the contact page)."""
    check_related(workspace=workspace, values={"contact": contact}, relations={"contact": "contact"})
    if kind not in SuccessKind.values:
        raise field_error("kind", f"Choose one of: {', '.join(SuccessKind.values)}.")
    moment = SuccessMoment(
        workspace=workspace,
        contact=contact,
        kind=kind,
        at=at or timezone.now(),
        note=(note or "").strip(),
        recorded_by=actor if actor is not None and actor.workspace_id == workspace.pk else None,
    )
    return clean_and_save(moment)


# -------------------------------------------------------------------------------------------------- scripts


@transaction.atomic
def ask_script_save(
    *, workspace: Workspace, actor: Membership | None, situation: str, title: str, body: str
) -> AskScript:
    """Reword the script of one situation (managers only)."""
    _manager_only(actor, workspace, "the ask scripts")
    if situation not in Situation.values:
        raise field_error("situation", f"Choose one of: {', '.join(Situation.values)}.")
    title, body = (title or "").strip(), (body or "").strip().replace("\r\n", "\n")
    errors: dict = {}
    if not title:
        errors["title"] = ["Give the script a title."]
    if not body:
        errors["body"] = ["Write the script."]
    else:
        try:
            unknown = placeholders_in(body) - set(PLACEHOLDERS)
        except ValueError as exc:
            errors["body"] = [str(exc)]
        else:
            if unknown:
                allowed = ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
                errors["body"] = [f"Unknown placeholder {{{sorted(unknown)[0]}}}; use {allowed}."]
    raise_if(errors)
    row = AskScript.objects.select_for_update().filter(workspace=workspace, situation=situation).first()
    if row is None:
        row = AskScript(workspace=workspace, situation=situation)
    row.title, row.body, row.edited_by = title, body, actor
    return clean_and_save(row, conflict_message="Someone else saved this script at the same time; try again.")


@transaction.atomic
def ask_script_reset(*, workspace: Workspace, actor: Membership | None, situation: str) -> None:
    """Go back to the built-in script of one situation."""
    _manager_only(actor, workspace, "the ask scripts")
    AskScript.objects.filter(workspace=workspace, situation=situation).delete()


# -------------------------------------------------------------------------------------------------- cadence


def ask_refuse_inside_support(ask: Ask) -> None:
    """Never an ask inside a support conversation (seed 003): an ask of a person logged within the profile's
    window of a support touchpoint with them is refused, unless it was made in a dedicated meeting."""
    if ask.dedicated_meeting or ask.at is None:
        return
    from referral_engine.relationships.models import Touchpoint, TouchpointKind

    profile = selectors.referral_profile_get(workspace=ask.workspace)
    window = timedelta(hours=profile.support_window_hours)
    person = {"contact_id": ask.contact_id} if ask.contact_id else {"partner_id": ask.partner_id}
    support = (
        Touchpoint.objects.filter(
            workspace_id=ask.workspace_id,
            kind=TouchpointKind.SUPPORT,
            at__gte=ask.at - window,
            at__lte=ask.at + window,
            **person,
        )
        .order_by("-at")
        .first()
    )
    if support is not None:
        when = timezone.localtime(support.at)
        raise field_error(
            "dedicated_meeting",
            f"This ask falls inside a support conversation ({when:%-d %b, %H:%M}). Do not ask while helping "
            'with a problem: book a dedicated "how can we help each other" meeting and ask there.',
        )


def _next_working_day(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


@transaction.atomic
def support_meeting_task_create(
    *,
    workspace: Workspace,
    actor: Membership,
    contact: Contact | None = None,
    partner=None,
    now: datetime | None = None,
) -> Task:
    """A task to book a dedicated "how can we help each other" meeting (seed 003) with a contact or a partner;
    clicking twice on the same day gives the same task."""
    if (contact is None) == (partner is None):
        raise field_error("contact", "Book the meeting with one person: a contact or a partner.")
    check_related(
        workspace=workspace,
        values={"contact": contact, "partner": partner},
        relations={"contact": "contact", "partner": "partner"},
    )
    person = contact or partner
    today = timezone.localdate(now or timezone.now())
    key = f"asking:meeting:{'contact' if contact else 'partner'}:{person.pk}:{today.isoformat()}"
    existing = tasks_with_dedupe_key(workspace_id=workspace.pk, key=key).first()
    if existing is not None:
        return existing
    return task_create(
        workspace=workspace,
        actor=actor,
        kind=TaskKind.FOLLOW_UP,
        title=f'Book a "how can we help each other" meeting with {person}',
        details=(
            "Not during a support call: ask for a separate half hour to talk about how you can help each "
            "other, and make the ask there."
        ),
        due=_next_working_day(today),
        assignee=actor if actor.is_employee else None,
        contact=contact,
        partner=partner,
        dedupe_key=key,
    )


# ----------------------------------------------------------------------------------------------- the lists


def _column(rows: list[dict], key: str, dtype=np.float64, missing=np.nan) -> np.ndarray:
    return np.array([missing if r.get(key) is None else r[key] for r in rows], dtype=dtype)


def _position_in_group(groups: np.ndarray) -> np.ndarray:
    """For items already in priority order, each one's 0-based place among the items of its group."""
    order = np.argsort(groups, kind="stable")
    sorted_groups = groups[order]
    starts = np.r_[0, np.flatnonzero(sorted_groups[1:] != sorted_groups[:-1]) + 1]
    counts = np.diff(np.r_[starts, len(groups)])
    places = np.arange(len(groups)) - np.repeat(starts, counts)
    out = np.empty(len(groups), dtype=np.int64)
    out[order] = places
    return out


def _fill(
    candidates: np.ndarray, employee: np.ndarray, capacity: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Give each employee their best candidates (lower index = better), up to their capacity.
    `candidates` are indices in rank order, `employee` the employee index wanted for each."""
    keep = capacity[employee] > 0
    candidates, employee = candidates[keep], employee[keep]
    if len(candidates) == 0:
        return candidates, employee
    order = np.argsort(candidates, kind="stable")
    candidates, employee = candidates[order], employee[order]
    take = _position_in_group(employee) < capacity[employee]
    return candidates[take], employee[take]


def _lookup(ids: np.ndarray, keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """values[keys == id] for each id (keys sorted), NaN where absent."""
    out = np.full(len(ids), np.nan)
    if len(keys) == 0:
        return out
    at = np.clip(np.searchsorted(keys, ids), 0, len(keys) - 1)
    found = keys[at] == ids
    out[found] = values[at[found]]
    return out


def _rule_score(rows: list[dict], moments: selectors.Moments, now: datetime, window_days: int) -> np.ndarray:
    """The profile's transparent ranking: RQ, being a promoter, how fresh the success moment is and the
    account's value, weighted 0.4 / 0.2 / 0.2 / 0.2 (each part in [0, 1])."""
    n = len(rows)
    rq = np.nan_to_num(_column(rows, "rq_score"), nan=0.0) / 100.0
    promoter = (np.nan_to_num(_column(rows, "latest_nps"), nan=-1) >= selectors.PROMOTER_SCORE).astype(float)
    ids = np.array([r["pk"] for r in rows], dtype=np.int64)
    accounts = np.nan_to_num(_column(rows, "account_id"), nan=-1).astype(np.int64)
    latest = np.fmax(
        np.fmax(
            _lookup(ids, moments.moment_contacts, moments.moment_at),
            _lookup(ids, moments.praise_contacts, moments.praise_at),
        ),
        _lookup(accounts, moments.purchase_accounts, moments.purchase_at),
    )
    age_days = (now.timestamp() - latest) / 86400.0
    fresh = np.where(np.isnan(latest), 0.0, np.clip(1.0 - age_days / window_days, 0.0, 1.0))
    value = _column(rows, "true_value")
    value_share = np.zeros(n)
    has_value = ~np.isnan(value)
    if has_value.any():
        # The share of candidates worth no more than this one; equal values get equal shares.
        known = np.sort(value[has_value])
        value_share[has_value] = np.searchsorted(known, value[has_value], side="right") / len(known)
    return 0.4 * rq + 0.2 * promoter + 0.2 * fresh + 0.2 * value_share


def _situation(row: dict) -> str:
    if row.get("success_at") and row.get("success_kind") in (SuccessKind.GO_LIVE, SuccessKind.MILESTONE):
        return Situation.AFTER_GO_LIVE
    if row.get("promoter_at") or row.get("success_kind") == SuccessKind.PRAISE:
        return Situation.AFTER_PROMOTER
    return Situation.QUARTERLY_REVIEW


def _reasons(row: dict, how: str, extra: dict, model_reasons: list | None) -> list[dict]:
    reasons = []
    if how == "owner":
        reasons.append({"key": "owner", "text": "You look after this relationship."})
    elif how == "two_way":
        when = timezone.localtime(
            datetime.fromtimestamp(extra["two_way_at"], tz=timezone.get_current_timezone())
        )
        reasons.append({"key": "two_way", "text": f"You talked both ways recently (last on {when:%-d %b})."})
    else:
        reasons.append({"key": "team", "text": "Nobody looks after them yet and your list had room."})
    if row.get("probability") is not None:
        reasons.append(
            {"key": "propensity", "text": f"Likely to refer: {row['probability']:.0%} in 90 days."}
        )
        for reason in (model_reasons or [])[:2]:
            text = reason if isinstance(reason, str) else (reason.get("text") or reason.get("label") or "")
            if text:
                reasons.append({"key": "propensity_reason", "text": str(text)})
    if row.get("success_at"):
        label = dict(SuccessKind.choices).get(row.get("success_kind"), "Success")
        reasons.append(
            {"key": "success", "text": f"{label} on {timezone.localtime(row['success_at']):%-d %b}."}
        )
    elif row.get("promoter_at"):
        reasons.append(
            {
                "key": "success",
                "text": f"Answered as a promoter on {timezone.localtime(row['promoter_at']):%-d %b}.",
            }
        )
    elif row.get("purchase_on"):
        reasons.append({"key": "success", "text": f"Their company bought on {row['purchase_on']:%-d %b}."})
    if row.get("latest_nps") is not None and row["latest_nps"] >= selectors.PROMOTER_SCORE:
        reasons.append({"key": "promoter", "text": f"Latest NPS answer: {row['latest_nps']}."})
    if row.get("rq_score") is not None:
        reasons.append({"key": "rq", "text": f"Relationship quotient {row['rq_score']:.0f}."})
    if row.get("segment"):
        reasons.append(
            {"key": "segment", "text": f"{row['segment'].replace('_', ' ').capitalize()} segment account."}
        )
    if row.get("last_ask_at") is None:
        reasons.append({"key": "cadence", "text": "Never asked before."})
    else:
        reasons.append(
            {"key": "cadence", "text": f"Last asked on {timezone.localtime(row['last_ask_at']):%-d %b %Y}."}
        )
    return reasons


@transaction.atomic
def ask_lists_generate(*, workspace: Workspace, week: date | None = None, now: datetime | None = None) -> int:
    """Make the week's ask lists: who meets the profile and the cadence, ranked (by the propensity model where
    it has a fresh score, else by the profile rules) and spread across the team — the relationship owner
    first, else a colleague with recent two-way touchpoints, else (for people nobody looks after) whoever has
    room. Nobody is on two lists, nobody gets more than the list size or the weekly maximum of asks.
    Idempotent: the places already given this week count, so running it again adds nothing new.
    Returns the number of suggestions created."""
    now = now or timezone.now()
    week = selectors.week_of(week or timezone.localdate(now))
    profile = _profile_locked(workspace)
    created = _generate(workspace, week, now, profile)
    AskListRun.objects.update_or_create(
        workspace=workspace, week=week, defaults={"generated_at": now, "suggestions": created}
    )
    return created


@transaction.atomic
def ask_lists_generate_if_missing(*, workspace: Workspace, week: date, now: datetime | None = None) -> int:
    """The hourly job's call: make the week's lists unless they were made already (a run recorded)."""
    if AskListRun.objects.filter(workspace=workspace, week=week).exists():
        return 0
    return ask_lists_generate(workspace=workspace, week=week, now=now)


def _generate(workspace: Workspace, week: date, now: datetime, profile: ReferralProfile) -> int:
    team = selectors.team_load(workspace=workspace, week=week)
    n_team = len(team.ids)
    if n_team == 0:
        return 0
    capacity = np.minimum(
        profile.list_size - team.listed_this_week,
        profile.max_asks_per_employee_week - team.asks_this_week - team.open_this_week,
    ).clip(min=0)
    if capacity.sum() == 0:
        return 0
    rows = list(selectors.ask_candidates(workspace=workspace, profile=profile, now=now, week=week))
    if not rows:
        return 0

    moments = selectors.latest_success_moments(workspace=workspace, profile=profile, now=now)
    score = _rule_score(rows, moments, now, profile.success_within_days)
    probability = _column(rows, "probability")
    has_probability = ~np.isnan(probability)
    ids = np.array([r["pk"] for r in rows], dtype=np.int64)
    # Rank: a fresh model score first, by probability; then the profile's score; the id breaks ties.
    order = np.lexsort((ids, -score, -np.nan_to_num(probability, nan=-1.0), ~has_probability))
    rows = [rows[i] for i in order]
    ids = ids[order]
    n = len(rows)

    owner = _column(rows, "keeper", dtype=np.float64)
    owner_idx = np.full(n, -1, dtype=np.int64)
    has_owner = ~np.isnan(owner)
    where = np.searchsorted(team.ids, owner[has_owner].astype(np.int64))
    where = np.clip(where, 0, n_team - 1)
    found = team.ids[where] == owner[has_owner].astype(np.int64)
    owner_idx[np.flatnonzero(has_owner)[found]] = where[found]

    assigned = np.full(n, -1, dtype=np.int64)
    how = np.full(n, "", dtype=object)
    two_way_at = np.full(n, np.nan)

    # 1. The relationship owner.
    mine = np.flatnonzero(owner_idx >= 0)
    chosen, employee = _fill(mine, owner_idx[mine], capacity)
    assigned[chosen], how[chosen] = employee, "owner"
    capacity -= np.bincount(employee, minlength=n_team)

    # 2. A colleague who both reached them and heard from them lately; a few rounds, so a person whose
    #    closest colleague is full goes to the next one.
    # Only colleagues with room left can take anyone; with nobody's list open the query is skipped.
    open_employees = team.ids[capacity > 0].tolist()
    pairs = np.empty((0, 3))
    if open_employees and (assigned < 0).any():
        pairs = selectors.two_way_pairs(
            workspace=workspace,
            since=now - timedelta(days=profile.two_way_days),
            now=now,
            employee_ids=open_employees if len(open_employees) <= 900 else None,
        )
    if len(pairs):
        id_order = np.argsort(ids)
        at = np.clip(np.searchsorted(ids, pairs[:, 0].astype(np.int64), sorter=id_order), 0, n - 1)
        cand = id_order[at]
        emp = np.clip(np.searchsorted(team.ids, pairs[:, 1].astype(np.int64)), 0, n_team - 1)
        ok = (ids[cand] == pairs[:, 0].astype(np.int64)) & (team.ids[emp] == pairs[:, 1].astype(np.int64))
        cand, emp, last = cand[ok], emp[ok], pairs[ok, 2]
        for _ in range(3):
            live = (assigned[cand] < 0) & (capacity[emp] > 0)
            if not live.any():
                break
            c, e, t = cand[live], emp[live], last[live]
            best = np.lexsort((-t, c))
            c, e, t = c[best], e[best], t[best]
            first = np.r_[True, c[1:] != c[:-1]]
            c, e, t = c[first], e[first], t[first]
            chosen, employee = _fill(c, e, capacity)
            if len(chosen) == 0:
                break
            when = dict(zip(c.tolist(), t.tolist(), strict=True))
            assigned[chosen], how[chosen] = employee, "two_way"
            two_way_at[chosen] = [when[i] for i in chosen.tolist()]
            capacity -= np.bincount(employee, minlength=n_team)

    # 3. People nobody on the team looks after: spread over whoever still has room, the least loaded first.
    orphans = np.flatnonzero((assigned < 0) & (owner_idx < 0))
    if len(orphans) and capacity.sum() > 0:
        slot_employee = np.repeat(np.arange(n_team), capacity)
        slot_round = _position_in_group(slot_employee)
        load = team.listed_this_week + np.bincount(assigned[assigned >= 0], minlength=n_team)
        slots = np.lexsort((slot_employee, load[slot_employee], slot_round))
        k = min(len(orphans), len(slots))
        chosen, employee = orphans[:k], slot_employee[slots[:k]]
        assigned[chosen], how[chosen] = employee, "team"
        capacity -= np.bincount(employee, minlength=n_team)

    picked = np.flatnonzero(assigned >= 0)
    if len(picked) == 0:
        return 0
    place = _position_in_group(assigned[picked])
    rank = team.listed_this_week[assigned[picked]] + place + 1
    library = selectors.ask_script_library(workspace=workspace)
    details = selectors.people_details(
        workspace=workspace, profile=profile, now=now, contact_ids=ids[picked].tolist()
    )
    model_reasons = selectors.propensity_reasons(
        workspace=workspace, contact_ids=ids[picked].tolist(), now=now
    )
    suggestions = []
    for i, r in zip(picked.tolist(), rank.tolist(), strict=True):
        row = {**rows[i], **details.get(int(ids[i]), {})}
        situation = _situation(row)
        suggestions.append(
            AskSuggestion(
                workspace=workspace,
                week=week,
                employee_id=int(team.ids[assigned[i]]),
                contact_id=int(ids[i]),
                rank=r,
                reasons=_reasons(row, how[i], {"two_way_at": two_way_at[i]}, model_reasons.get(int(ids[i]))),
                situation=situation,
                script_id=library[situation].id,
            )
        )
    # A list made at the same moment by another run loses its clashing rows instead of failing.
    AskSuggestion.objects.bulk_create(suggestions, batch_size=2000, ignore_conflicts=True)
    return len(suggestions)


# ------------------------------------------------------------------------------------------------- outcomes

LIST_OUTCOMES = (
    AskOutcome.REFERRAL_GIVEN,
    AskOutcome.MAYBE_LATER,
    AskOutcome.DECLINED,
    AskOutcome.NOT_RIGHT_TIME,
)


@transaction.atomic
def ask_suggestion_outcome(
    *,
    workspace: Workspace,
    actor: Membership,
    suggestion: AskSuggestion,
    outcome: str,
    channel: str = Channel.OTHER,
    note: str = "",
    at: datetime | None = None,
) -> Ask:
    """Log the ask of a person on a list, with its answer, through ask_create: the person leaves every list
    and the cadence clock restarts for the whole team."""
    if outcome not in LIST_OUTCOMES:
        raise field_error("outcome", f"Choose one of: {', '.join(LIST_OUTCOMES)}.")
    if suggestion.workspace_id != workspace.pk:
        raise field_error("suggestion", "No suggestion with this id in this workspace.")
    suggestion = AskSuggestion.objects.select_for_update().get(pk=suggestion.pk)
    if suggestion.status != SuggestionStatus.OPEN:
        raise Conflict("This person is no longer on the list: their ask is already logged.", field="outcome")
    ask = ask_create(
        workspace=workspace,
        actor=actor,
        asker=actor if actor.is_employee else suggestion.employee,
        contact=suggestion.contact,
        channel=channel,
        outcome=outcome,
        note=(note or "").strip(),
        at=at or timezone.now(),
    )
    suggestion.status, suggestion.ask = SuggestionStatus.ASKED, ask
    clean_and_save(suggestion, update_fields=["status", "ask"])
    return ask


@transaction.atomic
def ask_suggestion_dismiss(
    *, workspace: Workspace, actor: Membership, suggestion: AskSuggestion
) -> AskSuggestion:
    """Take a person off one's list this week without asking (they stay askable next week)."""
    suggestion = AskSuggestion.objects.select_for_update().get(pk=suggestion.pk, workspace=workspace)
    if suggestion.status == SuggestionStatus.OPEN:
        suggestion.status = SuggestionStatus.DISMISSED
        clean_and_save(suggestion, update_fields=["status"])
    return suggestion
