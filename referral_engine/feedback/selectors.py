"""Reads for NPS answers, survey rounds and NPS figures, always scoped to one workspace.

The figures read the answers of a period with one set-based query into numpy arrays and hand them to the pure
NPS maths in `referral_engine/insights/nps.py` (Reichheld 2003); nothing here loops over a workspace's rows.
"""

import hashlib
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import connections
from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat, ExtractMonth, ExtractYear

from referral_engine.core.selectors import get_in_workspace
from referral_engine.engagement.models import Task, TaskKind, TaskStatus
from referral_engine.feedback.models import Audience, NpsResponse, SurveyInvitation, SurveyRound
from referral_engine.insights.nps import PASSIVE_FROM, nps, nps_by_segment
from referral_engine.referrals.deadlines import workspace_tz
from referral_engine.relationships.models import Account, AccountStatus, Contact
from referral_engine.workspaces.models import Membership, Workspace

NPS_RESPONSE_RELATED = ("contact", "account")
# The value segments helper E's insights app stores (insights.AccountValue.segment), in display order.
DEFAULT_SEGMENTS = (("top", "Top"), ("core", "Core"), ("long_tail", "Long tail"))
UNSEGMENTED = "unsegmented"
NO_OWNER = "No account owner"
# A month's respondent key is month * 2**47 + contact id (see nps_figures); ids past 2**47 fall back to text keys.
_MONTH_SHIFT = 2**47


def token_digest(token: str) -> str:
    """What is stored of a survey link's token: its SHA-256, so a copy of the database opens no survey."""
    return hashlib.sha256(token.encode()).hexdigest()


# ---------------------------------------------------------------------------------------------- nps answers


def nps_response_list(
    *,
    workspace: Workspace,
    contact_id: int | None = None,
    account_id: int | None = None,
    score_min: int | None = None,
    score_max: int | None = None,
    at_from: datetime | None = None,
    at_to: datetime | None = None,
) -> QuerySet[NpsResponse]:
    responses = NpsResponse.objects.filter(workspace=workspace).select_related(*NPS_RESPONSE_RELATED)
    if contact_id is not None:
        responses = responses.filter(contact_id=contact_id)
    if account_id is not None:
        responses = responses.filter(account_id=account_id)
    if score_min is not None:
        responses = responses.filter(score__gte=score_min)
    if score_max is not None:
        responses = responses.filter(score__lte=score_max)
    if at_from is not None:
        responses = responses.filter(at__gte=at_from)
    if at_to is not None:
        responses = responses.filter(at__lte=at_to)
    return responses


def nps_response_get(*, workspace: Workspace, id: int) -> NpsResponse:
    return get_in_workspace(
        NpsResponse.objects.select_related(*NPS_RESPONSE_RELATED), workspace=workspace, id=id
    )


def _latest_answer(workspace: Workspace) -> QuerySet[NpsResponse]:
    return NpsResponse.objects.filter(workspace=workspace, contact_id=OuterRef("pk")).order_by("-at", "-id")


def contact_is_promoter(*, workspace: Workspace, contact_id: int) -> bool:
    """Whether the contact's latest answer flagged them as a referral candidate (a promoter, 9-10)."""
    latest = (
        NpsResponse.objects.filter(workspace=workspace, contact_id=contact_id)
        .order_by("-at", "-id")
        .values_list("referral_candidate", flat=True)
        .first()
    )
    return bool(latest)


def promoter_contact_list(*, workspace: Workspace) -> QuerySet[Contact]:
    """Contacts whose latest answer flagged them as referral candidates (one query, for ask lists)."""
    latest_flag = Subquery(_latest_answer(workspace).values("referral_candidate")[:1])
    return (
        Contact.objects.filter(workspace=workspace).annotate(latest_flag=latest_flag).filter(latest_flag=True)
    )


# --------------------------------------------------------------------------------------------------- segments


def segment_path() -> str | None:
    """The ORM path from an account to its stored value segment, when the insights app stores one
    (`insights.AccountValue.segment`, reached through the account's reverse one-to-one `value`); else None."""
    try:
        related = Account._meta.get_field("value")
        related.related_model._meta.get_field("segment")
    except (FieldDoesNotExist, AttributeError):
        return None
    return "value__segment"


def segment_choices() -> tuple[tuple[str, str], ...]:
    """The segment labels accounts can carry; empty when segments are not stored."""
    if segment_path() is None:
        return ()
    field = Account._meta.get_field("value").related_model._meta.get_field("segment")
    return tuple(field.choices) if field.choices else DEFAULT_SEGMENTS


def segment_label(key: str) -> str:
    if key == UNSEGMENTED:
        return "Unsegmented"
    return dict(segment_choices() or DEFAULT_SEGMENTS).get(key, key)


# --------------------------------------------------------------------------------------------------- audience


def months_before(moment: datetime, months: int) -> datetime:
    """The same wall-clock moment `months` calendar months earlier (the 31st becomes the month's last day)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    next_first = date(year + (month == 12), month % 12 + 1, 1)
    day = min(moment.day, (next_first - timedelta(days=1)).day)
    return moment.replace(year=year, month=month, day=day)


@dataclass(frozen=True)
class AudienceCount:
    """Who a round would ask: `invited` contacts, and the ones left out and why."""

    invited: int
    no_email: int
    do_not_contact: int
    recently_asked: int
    skipped: list[dict]

    @property
    def skipped_count(self) -> int:
        return self.no_email + self.do_not_contact


def _audience_base(
    *, workspace: Workspace, audience: str, segment: str, account: Account | None
) -> QuerySet[Contact]:
    contacts = Contact.objects.filter(workspace=workspace)
    if audience == Audience.ACCOUNT:
        return contacts.filter(account=account)
    # NPS asks customers how likely they are to recommend us: prospects and referred people are not asked.
    contacts = contacts.filter(account__status=AccountStatus.CUSTOMER)
    if audience == Audience.SEGMENT:
        path = segment_path()
        contacts = contacts.filter(**{f"account__{path}": segment}) if path else contacts.none()
    return contacts


def _recently_asked(workspace: Workspace, not_asked_months: int, now: datetime):
    since = months_before(now, not_asked_months)
    return Exists(
        SurveyInvitation.objects.filter(workspace=workspace, contact_id=OuterRef("pk"), sent_at__gte=since)
    )


def survey_audience(
    *,
    workspace: Workspace,
    audience: str,
    segment: str = "",
    account: Account | None = None,
    not_asked_months: int = 0,
    now: datetime,
    exclude_round_id: int | None = None,
) -> tuple[QuerySet[Contact], AudienceCount]:
    """The contacts a round would invite (e-mail known, not do-not-contact, not asked in `not_asked_months`),
    and the counts a manager sees before sending. Three queries, whatever the size of the audience.
    `exclude_round_id` leaves out the contacts that round has invited already (for sending it in batches)."""
    contacts = _audience_base(workspace=workspace, audience=audience, segment=segment, account=account)
    if exclude_round_id is not None:
        contacts = contacts.exclude(
            Exists(SurveyInvitation.objects.filter(round_id=exclude_round_id, contact_id=OuterRef("pk")))
        )
    recently_asked = 0
    if not_asked_months:
        asked = _recently_asked(workspace, not_asked_months, now)
        recently_asked = contacts.filter(asked).count()
        contacts = contacts.filter(~asked)
    reachable = Q(do_not_contact=False) & ~Q(email="")
    counts = contacts.aggregate(
        n_invited=Count("pk", filter=reachable),
        n_do_not_contact=Count("pk", filter=Q(do_not_contact=True)),
        n_no_email=Count("pk", filter=Q(do_not_contact=False, email="")),
    )
    skipped = [
        {
            "contact_id": pk,
            "name": f"{first} {last}".strip(),
            "reason": "do-not-contact" if dnc else "no e-mail address",
        }
        for pk, first, last, dnc in contacts.exclude(reachable)
        .order_by("last_name", "first_name", "id")
        .values_list("pk", "first_name", "last_name", "do_not_contact")[: SurveyRound.SKIPPED_KEPT]
    ]
    count = AudienceCount(
        invited=counts["n_invited"],
        no_email=counts["n_no_email"],
        do_not_contact=counts["n_do_not_contact"],
        recently_asked=recently_asked,
        skipped=skipped,
    )
    return contacts.filter(reachable), count


# ------------------------------------------------------------------------------------------------------ rounds


def survey_round_list(*, workspace: Workspace) -> QuerySet[SurveyRound]:
    """Rounds, newest first, each with `answered` (invitations answered) for its response rate."""
    return (
        SurveyRound.objects.filter(workspace=workspace)
        .select_related("created_by__user", "account")
        .annotate(answered=Count("invitations", filter=Q(invitations__answered_at__isnull=False)))
        .order_by("-sent_at", "-id")
    )


def survey_round_get(*, workspace: Workspace, id: int) -> SurveyRound:
    return get_in_workspace(survey_round_list(workspace=workspace), workspace=workspace, id=id)


def survey_invitation_list(*, workspace: Workspace, round_id: int) -> QuerySet[SurveyInvitation]:
    return (
        SurveyInvitation.objects.filter(workspace=workspace, round_id=round_id)
        .select_related("contact", "response")
        .order_by("contact__last_name", "contact__first_name", "id")
    )


def survey_invitation_by_token(*, token: str) -> SurveyInvitation | None:
    """The invitation a survey link opens; the token is the only key (the public page has no workspace)."""
    if not token or len(token) > 100:
        return None
    return (
        SurveyInvitation.objects.select_related("workspace", "contact")
        .filter(token_digest=token_digest(token))
        .first()
    )


# ------------------------------------------------------------------------------------------------------ figures


@dataclass(frozen=True)
class NpsFigure:
    """One NPS with the answers behind it; `nps` unrounded (NaN with no answers), `rounded` for display."""

    key: str
    label: str
    nps: float
    n: int
    promoters: int
    passives: int
    detractors: int

    @property
    def value(self) -> float | None:
        return None if math.isnan(self.nps) else self.nps

    @property
    def rounded(self) -> int | None:
        return None if math.isnan(self.nps) else int(math.floor(self.nps + 0.5))


@dataclass(frozen=True)
class NpsFigures:
    start: datetime
    end: datetime
    overall: NpsFigure
    by_segment: list[NpsFigure]
    by_owner: list[NpsFigure]
    monthly: list[NpsFigure]
    segmented: bool


def _read_columns(queryset: QuerySet, n_columns: int, chunk: int = 100_000) -> list[np.ndarray]:
    """Columns of a values_list query as arrays, fetched in chunks so the rows never all exist as tuples.

    A plain cursor, not QuerySet.iterator(): on PostgreSQL that opens a server-side cursor, planned for the first
    rows and without parallel workers, several times slower for a whole period of answers. The columns are
    plain integers and text, so Django's value converters are not needed.
    """
    sql, params = queryset.query.sql_with_params()
    parts: list[list[np.ndarray]] = [[] for _ in range(n_columns)]
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        while block := cursor.fetchmany(chunk):
            for i, column in enumerate(zip(*block, strict=True)):
                parts[i].append(np.asarray(column))
    return [np.concatenate(p) if p else np.zeros(0, dtype=np.int64) for p in parts]


def _figures(result, labels: dict | None = None) -> list[NpsFigure]:
    out = []
    for key, r in result.as_dict().items():
        key = str(key)
        out.append(
            NpsFigure(key, (labels or {}).get(key, key), r.nps, r.n, r.promoters, r.passives, r.detractors)
        )
    return out


def _months(start: datetime, end: datetime, tz) -> list[tuple[int, int]]:
    first = start.astimezone(tz)
    last = (end - timedelta(microseconds=1)).astimezone(tz)
    index, stop = first.year * 12 + first.month - 1, last.year * 12 + last.month - 1
    return [divmod(i, 12) for i in range(index, stop + 1)]


def nps_figures(*, workspace: Workspace, start: datetime, end: datetime) -> NpsFigures:
    """NPS over [start, end): overall, by value segment, by account owner and per month (in the workspace's time
    zone), each over the latest answer of each respondent (per month: their latest answer of that month).

    A respondent's segment and owner are their answer's account's, as they are now. One query for the answers.
    """
    tz = workspace_tz(workspace)
    path = segment_path()
    answers = (
        NpsResponse.objects.filter(workspace=workspace, at__gte=start, at__lt=end)
        .order_by("at", "id")
        .annotate(
            owner=Coalesce(F("account__owner_id"), Value(0), output_field=IntegerField()),
            year=Cast(ExtractYear("at", tzinfo=tz), IntegerField()),
            month=Cast(ExtractMonth("at", tzinfo=tz), IntegerField()),
        )
    )
    fields = ["contact_id", "score", "owner", "year", "month"]
    if path:
        answers = answers.annotate(segment=Coalesce(F(f"account__{path}"), Value(UNSEGMENTED)))
        fields.append("segment")
    columns = _read_columns(answers.values_list(*fields), len(fields))
    contact, score, owner, year, month = (c.astype(np.int64) for c in columns[:5])
    segments = columns[5].astype(str) if path else np.full(score.size, UNSEGMENTED)
    segments[segments == ""] = UNSEGMENTED

    overall = nps(score, respondents=contact)
    by_segment = _figures(
        nps_by_segment(score, segments, respondents=contact),
        {key: segment_label(key) for key in np.unique(segments).tolist()},
    )
    order = {
        key: i for i, (key, _) in enumerate([*(segment_choices() or DEFAULT_SEGMENTS), (UNSEGMENTED, "")])
    }
    by_segment.sort(key=lambda f: (order.get(f.key, len(order)), f.key))

    owner_names = {
        str(m.pk): m.user.get_full_name() or m.user.email
        for m in Membership.objects.filter(
            workspace=workspace, pk__in=np.unique(owner).tolist()
        ).select_related("user")
    }
    owner_names["0"] = NO_OWNER
    by_owner = _figures(nps_by_segment(score, owner, respondents=contact), owner_names)
    by_owner.sort(key=lambda f: (f.key == "0", -f.n, f.label))

    month_index = year * 12 + month - 1
    if contact.size and contact.max() >= _MONTH_SHIFT:
        who = np.char.add(np.char.add(month_index.astype(str), ":"), contact.astype(str))
    else:
        who = month_index * _MONTH_SHIFT + contact
    per_month = nps_by_segment(score, month_index, respondents=who).as_dict()
    monthly = []
    for y, m in _months(start, end, tz):
        r = per_month.get(y * 12 + m)
        key = f"{y:04d}-{m + 1:02d}"
        if r is None:
            monthly.append(NpsFigure(key, key, float("nan"), 0, 0, 0, 0))
        else:
            monthly.append(NpsFigure(key, key, r.nps, r.n, r.promoters, r.passives, r.detractors))
    return NpsFigures(
        start=start,
        end=end,
        overall=NpsFigure(
            "overall",
            "Overall",
            overall.nps,
            overall.n,
            overall.promoters,
            overall.passives,
            overall.detractors,
        ),
        by_segment=by_segment,
        by_owner=by_owner,
        monthly=monthly,
        segmented=path is not None,
    )


def nps_comment_list(*, workspace: Workspace, start: datetime, end: datetime) -> QuerySet[NpsResponse]:
    """Answers with a comment in [start, end), newest first."""
    return (
        NpsResponse.objects.filter(workspace=workspace, at__gte=start, at__lt=end)
        .exclude(comment="")
        .select_related("contact", "account")
        .order_by("-at", "-id")
    )


@dataclass(frozen=True)
class FollowUpStatus:
    open: int
    done: int
    cancelled: int
    overdue: int
    open_tasks: list[Task]

    @property
    def total(self) -> int:
        return self.open + self.done + self.cancelled


def detractor_follow_up_status(
    *, workspace: Workspace, start: datetime, end: datetime, today: date, shown: int = 10
) -> FollowUpStatus:
    """The follow-up tasks of the detractor answers given in [start, end) (found by their dedupe key): how many
    are open (snoozed counts as open), done or cancelled, how many open ones are past due, and the first `shown`
    open ones by due date."""
    keys = (
        NpsResponse.objects.filter(workspace=workspace, at__gte=start, at__lt=end, score__lt=PASSIVE_FROM)
        .annotate(
            key=Concat(Value("nps:"), Cast("pk", CharField()), Value(":detractor"), output_field=CharField())
        )
        .values("key")
    )
    tasks = Task.objects.filter(workspace=workspace, kind=TaskKind.DETRACTOR_FOLLOW_UP, dedupe_key__in=keys)
    is_open = Q(status__in=(TaskStatus.OPEN, TaskStatus.SNOOZED))
    counts = tasks.aggregate(
        open=Count("pk", filter=is_open),
        done=Count("pk", filter=Q(status=TaskStatus.DONE)),
        cancelled=Count("pk", filter=Q(status=TaskStatus.CANCELLED)),
        overdue=Count("pk", filter=is_open & Q(due__lt=today)),
    )
    open_tasks = list(
        tasks.filter(is_open)
        .select_related("assignee__user", "contact", "account")
        .order_by("due", "id")[:shown]
    )
    return FollowUpStatus(open_tasks=open_tasks, **counts)


# ------------------------------------------------------------------------------------------------------ periods

MAX_PERIOD_DAYS = 366 * 10


def nps_period(
    *, workspace: Workspace, start: date | None, end: date | None, today: date
) -> tuple[datetime, datetime]:
    """[start, end) as aware datetimes for a period given in whole days (end included) in the workspace's time
    zone. By default the twelve months up to today: the first day of the month eleven months ago to today."""
    tz = workspace_tz(workspace)
    end = end or today
    if start is None:
        index = end.year * 12 + end.month - 1 - 11
        start = date(index // 12, index % 12 + 1, 1)
    errors = {}
    if start > end:
        errors["start"] = ["The period starts after it ends."]
    elif (end - start).days > MAX_PERIOD_DAYS:
        errors["start"] = ["A period is at most ten years long."]
    if errors:
        raise ValidationError(errors)
    begin = datetime(start.year, start.month, start.day, tzinfo=tz)
    finish = datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    return begin, finish
