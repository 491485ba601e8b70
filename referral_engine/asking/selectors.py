"""Reads for who to ask and when, always scoped to one workspace.

The candidate query turns the referral profile into SQL filters and annotations (one query, whatever the size
of the workspace); the ranking and the assignment to employees happen on its columns in numpy (services.py).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from referral_engine.asking.models import (
    AskScript,
    AskSuggestion,
    ReferralProfile,
    Situation,
    SuccessMoment,
    SuggestionStatus,
)
from referral_engine.asking.scripts import BUILT_IN, Script
from referral_engine.core.selectors import get_in_workspace
from referral_engine.engagement.models import Ask
from referral_engine.feedback.models import NpsResponse
from referral_engine.relationships.models import Contact, Direction, Purchase, Touchpoint
from referral_engine.workspaces.models import Membership, Role, Workspace

PROMOTER_SCORE = 9  # Reichheld (2003): 9-10 is a promoter.
# A propensity score older than this is stale; the profile rules rank instead (the model retrains weekly).
PROPENSITY_FRESH_DAYS = 8
SUGGESTION_RELATED = ("contact", "contact__account", "employee__user", "script")


# -------------------------------------------------------------------------------------------------- weeks


def week_of(day: date) -> date:
    """The Monday of the ISO week `day` is in."""
    return day - timedelta(days=day.weekday())


def week_bounds(week: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(week, time.min))
    return start, start + timedelta(days=7)


# ------------------------------------------------------------------------------------------ profile, scripts


def referral_profile_get(*, workspace: Workspace) -> ReferralProfile:
    """The workspace's profile, or the defaults (unsaved) when it never changed them."""
    profile = ReferralProfile.objects.filter(workspace=workspace).first()
    return profile or ReferralProfile(workspace=workspace)


def ask_script_library(*, workspace: Workspace) -> dict[str, Script]:
    """One script per situation: the workspace's own wording where it has one, else the built-in one."""
    library = dict(BUILT_IN)
    for row in AskScript.objects.filter(workspace=workspace):
        library[row.situation] = Script(row.situation, row.title, row.body, custom=True, id=row.pk)
    return library


def ask_script_get(*, workspace: Workspace, situation: str) -> Script:
    if situation not in Situation.values:
        from django.http import Http404

        raise Http404("Not found.")
    return ask_script_library(workspace=workspace)[situation]


# ---------------------------------------------------------------------------------------- propensity (H)


def _has_field(model, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def _propensity():
    """(model, time field) of the propensity app's per-contact score, or (None, None) when it is absent."""
    try:
        model = apps.get_model("propensity", "PropensityScore")
    except LookupError:
        return None, None
    if model._meta.db_table not in connection.introspection.table_names():
        return None, None  # installed but not migrated yet
    for name in ("computed_at", "scored_at", "at", "updated_at"):
        try:
            model._meta.get_field(name)
            return model, name
        except FieldDoesNotExist:
            continue
    return model, None


def _propensity_subquery(workspace: Workspace, now: datetime, column: str):
    model, at_field = _propensity()
    if model is None:
        return None
    rows = model.objects.filter(workspace=workspace, contact_id=OuterRef("pk"))
    # A run that fell back to rules for want of history does not rank; the profile does.
    if _has_field(model, "run") and _has_field(model._meta.get_field("run").related_model, "fallback_reason"):
        rows = rows.filter(run__fallback_reason="")
    if at_field is not None:
        rows = rows.filter(**{f"{at_field}__gte": now - timedelta(days=PROPENSITY_FRESH_DAYS)})
        rows = rows.order_by(f"-{at_field}")
    return Subquery(rows.values(column)[:1])


def propensity_reasons(*, workspace: Workspace, contact_ids: list[int], now: datetime) -> dict[int, list]:
    model, at_field = _propensity()
    if model is None or not contact_ids:
        return {}
    try:
        model._meta.get_field("reasons")
    except FieldDoesNotExist:
        return {}
    rows = model.objects.filter(workspace=workspace, contact_id__in=contact_ids)
    if at_field is not None:
        rows = rows.filter(**{f"{at_field}__gte": now - timedelta(days=PROPENSITY_FRESH_DAYS)})
    return dict(rows.values_list("contact_id", "reasons"))


# ----------------------------------------------------------------------------------------------- candidates


def _segment_path() -> str | None:
    try:
        Contact._meta.get_field("account").related_model._meta.get_field("value")
    except FieldDoesNotExist:
        return None
    return "account__value__segment"


def _rq_path() -> str | None:
    try:
        Contact._meta.get_field("rq")
    except FieldDoesNotExist:
        return None
    return "rq__score"


def _rule_annotations(workspace: Workspace, profile: ReferralProfile, now: datetime) -> dict:
    since = now - timedelta(days=profile.success_within_days)
    latest_nps = NpsResponse.objects.filter(workspace=workspace, contact_id=OuterRef("pk")).order_by(
        "-at", "-id"
    )
    moments = SuccessMoment.objects.filter(workspace=workspace, contact_id=OuterRef("pk"), at__gte=since)
    moments = moments.filter(at__lte=now).order_by("-at", "-id")
    promoter_answers = NpsResponse.objects.filter(
        workspace=workspace, contact_id=OuterRef("pk"), score__gte=PROMOTER_SCORE, at__gte=since, at__lte=now
    ).order_by("-at")
    purchases = Purchase.objects.filter(
        workspace=workspace, account_id=OuterRef("account_id"), date__gte=since.date(), date__lte=now.date()
    ).order_by("-date")
    asks = Ask.objects.filter(workspace=workspace, contact_id=OuterRef("pk")).order_by("-at")
    return {
        "latest_nps": Subquery(latest_nps.values("score")[:1]),
        "success_at": Subquery(moments.values("at")[:1]),
        "success_kind": Subquery(moments.values("kind")[:1]),
        "promoter_at": Subquery(promoter_answers.values("at")[:1]),
        "purchase_on": Subquery(purchases.values("date")[:1]),
        "last_ask_at": Subquery(asks.values("at")[:1]),
    }


def ask_candidates(*, workspace: Workspace, profile: ReferralProfile, now: datetime, week: date) -> QuerySet:
    """Contacts who meet the profile and the cadence now and are on no list this week, as a values queryset
    (one query): id, account, owner (the contact's, else the account's), latest NPS, RQ, value, segment and,
    when the propensity app has a fresh score, its probability. The success moments come from
    `latest_success_moments`, merged in numpy, so no per-contact subquery runs for them."""
    # The filters are uncorrelated IN (subquery) sets, which both databases build once (a hashed subplan, an
    # ephemeral index) and probe per contact; the per-person columns are computed for the survivors only.
    interval_start = now - timedelta(days=profile.interval_days)
    recently_asked = Ask.objects.filter(
        workspace=workspace, at__gte=interval_start, contact_id__isnull=False
    ).values("contact_id")
    listed = AskSuggestion.objects.filter(workspace=workspace, week=week).values("contact_id")
    contacts = Contact.objects.filter(workspace=workspace, do_not_contact=False).exclude(
        Q(pk__in=recently_asked) | Q(pk__in=listed)
    )
    if profile.success_required:
        since = now - timedelta(days=profile.success_within_days)
        moments = SuccessMoment.objects.filter(workspace=workspace, at__gte=since, at__lte=now)
        praise = NpsResponse.objects.filter(
            workspace=workspace, score__gte=PROMOTER_SCORE, at__gte=since, at__lte=now
        )
        bought = Purchase.objects.filter(workspace=workspace, date__gte=since.date(), date__lte=now.date())
        contacts = contacts.filter(
            Q(pk__in=moments.values("contact_id"))
            | Q(pk__in=praise.values("contact_id"))
            | Q(account_id__in=bought.values("account_id"))
        )
    if profile.promoter_required:
        ever_promoter = NpsResponse.objects.filter(workspace=workspace, score__gte=PROMOTER_SCORE)
        contacts = contacts.filter(pk__in=ever_promoter.values("contact_id"))
    latest_nps = NpsResponse.objects.filter(workspace=workspace, contact_id=OuterRef("pk")).order_by(
        "-at", "-id"
    )
    contacts = contacts.annotate(latest_nps=Subquery(latest_nps.values("score")[:1]))
    segment, rq = _segment_path(), _rq_path()
    if profile.segments:
        if segment is None:
            return contacts.none().values("pk")
        contacts = contacts.filter(**{f"{segment}__in": profile.segments})
    if profile.min_rq:
        if rq is None:
            return contacts.none().values("pk")
        contacts = contacts.filter(**{f"{rq}__gte": profile.min_rq})
    if profile.promoter_required:
        contacts = contacts.filter(latest_nps__gte=PROMOTER_SCORE)
    columns = {
        "keeper": Coalesce(F("owner_id"), F("account__owner_id")),
        "rq_score": F(rq) if rq else None,
        "true_value": F("account__value__true_value") if segment else None,
        "segment": F(segment) if segment else None,
    }
    probability = _propensity_subquery(workspace, now, "probability")
    if probability is not None:
        columns["probability"] = probability
    contacts = contacts.annotate(**{k: v for k, v in columns.items() if v is not None})
    names = [
        "pk",
        "account_id",
        "keeper",
        "latest_nps",
        *(k for k, v in columns.items() if v is not None and k != "keeper"),
    ]
    return contacts.order_by().values(*names)


@dataclass
class Moments:
    """The latest success moment of each kind within the profile's window, as sorted id arrays and epoch
    seconds: recorded moments and promoter answers per contact, purchases per account."""

    moment_contacts: np.ndarray
    moment_at: np.ndarray
    praise_contacts: np.ndarray
    praise_at: np.ndarray
    purchase_accounts: np.ndarray
    purchase_at: np.ndarray


def _grouped_latest(rows, to_seconds) -> tuple[np.ndarray, np.ndarray]:
    pairs = list(rows)
    ids = np.array([p[0] for p in pairs], dtype=np.int64)
    at = np.array([to_seconds(p[1]) for p in pairs], dtype=np.float64)
    order = np.argsort(ids)
    return ids[order], at[order]


def latest_success_moments(*, workspace: Workspace, profile: ReferralProfile, now: datetime) -> Moments:
    """Three grouped queries over the window only (not the whole workspace)."""
    since = now - timedelta(days=profile.success_within_days)
    moments = (
        SuccessMoment.objects.filter(workspace=workspace, at__gte=since, at__lte=now)
        .values("contact_id")
        .annotate(last=Max("at"))
        .values_list("contact_id", "last")
    )
    praise = (
        NpsResponse.objects.filter(workspace=workspace, score__gte=PROMOTER_SCORE, at__gte=since, at__lte=now)
        .values("contact_id")
        .annotate(last=Max("at"))
        .values_list("contact_id", "last")
    )
    bought = (
        Purchase.objects.filter(workspace=workspace, date__gte=since.date(), date__lte=now.date())
        .values("account_id")
        .annotate(last=Max("date"))
        .values_list("account_id", "last")
    )

    epoch_day = date(1970, 1, 1).toordinal()

    def day_seconds(day: date) -> float:
        # A purchase day counts from its midnight (UTC: a ranking input, not a deadline).
        return float((day.toordinal() - epoch_day) * 86400)

    moment_contacts, moment_at = _grouped_latest(moments, lambda at: at.timestamp())
    praise_contacts, praise_at = _grouped_latest(praise, lambda at: at.timestamp())
    purchase_accounts, purchase_at = _grouped_latest(bought, day_seconds)
    return Moments(moment_contacts, moment_at, praise_contacts, praise_at, purchase_accounts, purchase_at)


def people_details(
    *, workspace: Workspace, profile: ReferralProfile, now: datetime, contact_ids: list[int]
) -> dict[int, dict]:
    """The rule columns (success moment and its kind, promoter answer, purchase, last ask) of the few people
    picked for the lists, for their reasons and scripts; in chunks that fit every database's parameter limit."""
    out: dict[int, dict] = {}
    names = ("success_at", "success_kind", "promoter_at", "purchase_on", "last_ask_at")
    for start in range(0, len(contact_ids), 900):
        chunk = contact_ids[start : start + 900]
        rows = (
            Contact.objects.filter(workspace=workspace, pk__in=chunk)
            .annotate(**_rule_annotations(workspace, profile, now))
            .order_by()
            .values("pk", *names)
        )
        out.update({row.pop("pk"): row for row in rows})
    return out


@dataclass
class Team:
    ids: np.ndarray  # active employees (membership ids)
    asks_this_week: np.ndarray
    listed_this_week: np.ndarray  # suggestions of the week, any status
    open_this_week: np.ndarray


def team_load(*, workspace: Workspace, week: date) -> Team:
    """Every active employee with the asks they logged and the suggestions they hold this week (3 queries)."""
    start, end = week_bounds(week)
    ids = np.array(
        list(
            Membership.objects.filter(workspace=workspace, is_active=True)
            .exclude(role=Role.PARTNER)
            .order_by("pk")
            .values_list("pk", flat=True)
        ),
        dtype=np.int64,
    )

    def per_employee(rows) -> np.ndarray:
        out = np.zeros(len(ids), dtype=np.int64)
        if len(ids) == 0:
            return out
        for employee_id, n in rows:
            i = np.searchsorted(ids, employee_id)
            if i < len(ids) and ids[i] == employee_id:
                out[i] = n
        return out

    asks = (
        Ask.objects.filter(workspace=workspace, at__gte=start, at__lt=end)
        .values("asker_id")
        .annotate(n=Count("id"))
        .values_list("asker_id", "n")
    )
    listed = (
        AskSuggestion.objects.filter(workspace=workspace, week=week)
        .values("employee_id")
        .annotate(n=Count("id"), n_open=Count("id", filter=Q(status=SuggestionStatus.OPEN)))
        .values_list("employee_id", "n", "n_open")
    )
    listed = list(listed)
    return Team(
        ids=ids,
        asks_this_week=per_employee(asks),
        listed_this_week=per_employee((e, n) for e, n, _ in listed),
        open_this_week=per_employee((e, n) for e, _, n in listed),
    )


def two_way_pairs(
    *, workspace: Workspace, since: datetime, now: datetime, employee_ids: list[int] | None = None
) -> np.ndarray:
    """(contact, employee, latest touch as epoch seconds) for every employee (of `employee_ids`, when given)
    who both reached a person and heard from them since `since`: one grouped query, as an (n, 3) array."""
    touchpoints = Touchpoint.objects.filter(
        workspace=workspace, at__gte=since, at__lte=now, contact__isnull=False, employee__isnull=False
    )
    if employee_ids is not None:
        touchpoints = touchpoints.filter(employee_id__in=employee_ids)
    rows = (
        touchpoints.values("contact_id", "employee_id")
        .annotate(
            last_in=Max("at", filter=Q(direction=Direction.INBOUND)),
            last_out=Max("at", filter=Q(direction=Direction.OUTBOUND)),
        )
        .filter(last_in__isnull=False, last_out__isnull=False)
        .annotate(last=Greatest("last_in", "last_out"))
        .values_list("contact_id", "employee_id", "last")
    )
    out = [(c, e, last.timestamp()) for c, e, last in rows.iterator(chunk_size=20_000)]
    return np.array(out, dtype=np.float64).reshape(-1, 3)


# --------------------------------------------------------------------------------------------------- lists


def _not_asked_since_listed() -> Exists:
    # Any ask logged anywhere (the contact page, the API, another list) after the list was made takes the
    # person off every list: the lists read the asks, not a flag someone has to remember to set.
    return Exists(
        Ask.objects.filter(contact_id=OuterRef("contact_id"), workspace_id=OuterRef("workspace_id")).filter(
            Q(created_at__gte=OuterRef("created_at")) | Q(at__gte=OuterRef("created_at"))
        )
    )


def ask_list(*, workspace: Workspace, week: date, employee_id: int | None = None) -> QuerySet[AskSuggestion]:
    """The open suggestions of a week (of one employee, or everyone's), best first."""
    rows = (
        AskSuggestion.objects.filter(workspace=workspace, week=week, status=SuggestionStatus.OPEN)
        .exclude(contact__do_not_contact=True)
        .filter(~_not_asked_since_listed())
        .select_related(*SUGGESTION_RELATED)
        .order_by("employee_id", "rank", "id")
    )
    if employee_id is not None:
        rows = rows.filter(employee_id=employee_id)
    return rows


def ask_suggestion_get(*, workspace: Workspace, id) -> AskSuggestion:
    return get_in_workspace(
        AskSuggestion.objects.select_related(*SUGGESTION_RELATED), workspace=workspace, id=id
    )


def success_moment_list(*, workspace: Workspace, contact_id: int) -> QuerySet[SuccessMoment]:
    return SuccessMoment.objects.filter(workspace=workspace, contact_id=contact_id).select_related(
        "recorded_by__user"
    )


# -------------------------------------------------------------------------------- why (not) on the list


@dataclass(frozen=True)
class RuleCheck:
    key: str
    passed: bool
    text: str


def contact_profile_checks(*, workspace: Workspace, contact: Contact, now: datetime) -> list[RuleCheck]:
    """Each rule of the profile and the cadence for one contact, passed or not, in plain words."""
    profile = referral_profile_get(workspace=workspace)
    row = (
        Contact.objects.filter(workspace=workspace, pk=contact.pk)
        .annotate(**_rule_annotations(workspace, profile, now))
        .values("latest_nps", "success_at", "success_kind", "promoter_at", "purchase_on", "last_ask_at")
        .first()
    )
    checks = [
        RuleCheck(
            "do_not_contact",
            not contact.do_not_contact,
            "Marked do not contact: never on a list."
            if contact.do_not_contact
            else "Not marked do not contact.",
        )
    ]
    segment_value = None
    if _segment_path():
        segment_value = (
            Contact.objects.filter(pk=contact.pk).values_list(_segment_path(), flat=True).first()
            if contact.account_id
            else None
        )
    if profile.segments:
        names = ", ".join(s.replace("_", " ") for s in profile.segments)
        if segment_value:
            text = f"Their account is in the {segment_value.replace('_', ' ')} segment (the profile wants {names})."
        else:
            text = f"Their account has no value segment yet (the profile wants {names})."
        checks.append(RuleCheck("segment", segment_value in profile.segments, text))
    if profile.min_rq:
        score = None
        if _rq_path():
            score = Contact.objects.filter(pk=contact.pk).values_list(_rq_path(), flat=True).first()
        if score is None:
            checks.append(
                RuleCheck("rq", False, f"No relationship quotient yet (at least {profile.min_rq} needed).")
            )
        else:
            checks.append(
                RuleCheck(
                    "rq",
                    score >= profile.min_rq,
                    f"Relationship quotient {score:.0f} (at least {profile.min_rq} needed).",
                )
            )
    if profile.promoter_required:
        nps = row["latest_nps"]
        if nps is None:
            checks.append(
                RuleCheck("promoter", False, "Has not answered the NPS question; a promoter is needed.")
            )
        else:
            checks.append(
                RuleCheck(
                    "promoter",
                    nps >= PROMOTER_SCORE,
                    f"Latest NPS answer {nps} ({'a promoter' if nps >= PROMOTER_SCORE else 'not a promoter'}).",
                )
            )
    if profile.success_required:
        days = profile.success_within_days
        if row["success_at"]:
            kind = dict(SuccessMoment._meta.get_field("kind").choices).get(row["success_kind"], "Success")
            text = f"{kind} on {timezone.localtime(row['success_at']):%-d %b %Y}, within {days} days."
        elif row["promoter_at"]:
            text = (
                f"Promoter answer on {timezone.localtime(row['promoter_at']):%-d %b %Y}, within {days} days."
            )
        elif row["purchase_on"]:
            text = f"Their account bought on {row['purchase_on']:%-d %b %Y}, within {days} days."
        else:
            text = (
                f"No success moment (go-live, milestone, promoter answer, purchase) in the last {days} days."
            )
        passed = bool(row["success_at"] or row["promoter_at"] or row["purchase_on"])
        checks.append(RuleCheck("success", passed, text))
    interval = profile.interval_days
    if row["last_ask_at"] is None:
        checks.append(RuleCheck("cadence", True, "Never asked."))
    else:
        days_ago = (now - row["last_ask_at"]).days
        checks.append(
            RuleCheck(
                "cadence",
                days_ago >= interval,
                f"Last asked {days_ago} days ago (no one asks again within {interval} days).",
            )
        )
    return checks


def contact_listed_this_week(*, workspace: Workspace, contact_id: int, week: date) -> AskSuggestion | None:
    return (
        ask_list(workspace=workspace, week=week)
        .filter(contact_id=contact_id)
        .select_related("employee__user")
        .first()
    )
