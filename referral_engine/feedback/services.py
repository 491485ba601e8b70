"""Writes for NPS: answers and their closed loop, survey rounds and invitations, answering from a link.

The closed loop (PRODUCT capability 4): every answer goes through `nps_response_create`, whoever records it (the
public survey page, the API, an employee), so every answer closes the loop the same way:
- a promoter (9-10, Reichheld 2003) is flagged as a referral candidate (`NpsResponse.referral_candidate`);
- a detractor (0-6) creates one follow-up task for the account's owner (else the contact's owner, else the
  workspace's owner), due within two working days, with the score and the comment in it. The task's dedupe key
  `nps:{response id}:detractor` makes it one task however often the answer is recorded or changed.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from referral_engine.core.errors import field_error
from referral_engine.core.validation import (
    apply_changes,
    check_fields,
    check_related,
    clean_and_save,
    delete_or_conflict,
    raise_if,
)
from referral_engine.engagement.models import Task, TaskKind
from referral_engine.engagement.selectors import tasks_with_dedupe_key
from referral_engine.feedback.models import (
    Audience,
    NpsResponse,
    RoundStatus,
    SurveyInvitation,
    SurveyRound,
)
from referral_engine.feedback.selectors import (
    segment_choices,
    segment_label,
    survey_audience,
    token_digest,
)
from referral_engine.insights.nps import PASSIVE_FROM, PROMOTER_FROM
from referral_engine.integrations.mail import email_queue
from referral_engine.referrals.deadlines import add_working_days, workspace_owner, workspace_tz
from referral_engine.relationships.models import Account
from referral_engine.workspaces.models import Membership, Workspace

NPS_RESPONSE_FIELDS = ("contact", "account", "score", "comment", "at")
NPS_RESPONSE_RELATIONS = {"contact": "contact", "account": "account"}
FOLLOW_UP_WORKING_DAYS = 2
COMMENT_MAX = 5000
MAX_EXPIRY_DAYS = 90
MAX_NOT_ASKED_MONTHS = 60
INVITATION_BATCH = 1000
# A round asking more contacts than this is invited by the worker, in batches, rather than in the request.
INLINE_INVITATIONS = 500


# ---------------------------------------------------------------------------------------------- nps answers


def _nps_response_check(response: NpsResponse) -> None:
    errors: dict = {}
    if response.contact_id is None:
        errors["contact"] = ["An answer needs the contact who gave it."]
    # Reichheld (2003): the answer is on a 0-10 scale.
    if response.score is None or isinstance(response.score, bool) or not 0 <= response.score <= 10:
        errors["score"] = ["The score is a whole number from 0 to 10."]
    raise_if(errors)


def _active_employee(membership: Membership | None) -> Membership | None:
    if membership is not None and membership.is_active and membership.is_employee:
        return membership
    return None


def nps_follow_up_owner(*, response: NpsResponse) -> Membership | None:
    """Who calls a detractor back: the account's owner, else the contact's owner, else the workspace's owner."""
    account = response.account if response.account_id else None
    return (
        _active_employee(account.owner if account is not None else None)
        or _active_employee(response.contact.owner)
        or workspace_owner(response.workspace)
    )


def nps_detractor_follow_up_create(*, response: NpsResponse, now: datetime | None = None) -> bool:
    """The follow-up task for a detractor's answer, once per answer; True when it was created now."""
    if response.score >= PASSIVE_FROM:
        return False
    workspace = response.workspace
    key = f"nps:{response.pk}:detractor"
    if tasks_with_dedupe_key(workspace_id=workspace.pk, key=key).exists():
        return False
    now = now or timezone.now()
    tz = workspace_tz(workspace)
    contact = response.contact
    where = f" at {response.account}" if response.account_id else ""
    answered = timezone.localtime(response.at, tz)
    details = (
        f"{contact}{where} answered {response.score} out of 10 to “How likely is it that you would recommend "
        f"{workspace} to a friend or colleague?” on {answered:%a %d %b %Y}."
    )
    details += f"\n\nTheir comment: “{response.comment}”" if response.comment else "\n\nNo comment was left."
    if contact.do_not_contact:
        title = (
            f"Review {contact}'s NPS answer ({response.score}/10) internally: they asked not to be contacted"
        )
        details += (
            "\n\nThey asked not to be contacted: do not call or write; review what went wrong internally."
        )
    else:
        title = f"Call {contact} back: NPS {response.score}/10"
        details += (
            "\n\nCall them personally within two working days: listen, thank them, and fix what you can."
        )
    task = Task(
        workspace=workspace,
        kind=TaskKind.DETRACTOR_FOLLOW_UP,
        title=title[:200],
        details=details,
        due=add_working_days(now, FOLLOW_UP_WORKING_DAYS, tz).astimezone(tz).date(),
        assignee=nps_follow_up_owner(response=response),
        account_id=response.account_id,
        contact_id=response.contact_id,
        dedupe_key=key,
    )
    # ignore_conflicts: the same answer recorded twice at the same moment still makes one task
    # (task_dedupe_key_unique).
    Task.objects.bulk_create([task], ignore_conflicts=True)
    return True


def _close_loop(response: NpsResponse, now: datetime | None) -> None:
    nps_detractor_follow_up_create(response=response, now=now)


@transaction.atomic
def nps_response_create(
    *,
    workspace: Workspace,
    actor: Membership | None,
    invitation: SurveyInvitation | None = None,
    now: datetime | None = None,
    **fields,
) -> NpsResponse:
    """Record an answer and close the loop (see the module's docstring). The account defaults to the contact's
    account, so NPS by account needs no join later."""
    check_fields(allowed=NPS_RESPONSE_FIELDS, given=fields, entity="nps_response_create")
    check_related(workspace=workspace, values=fields, relations=NPS_RESPONSE_RELATIONS)
    if fields.get("at") is None:
        fields["at"] = now or timezone.now()
    contact = fields.get("contact")
    if contact is not None and fields.get("account") is None and contact.account_id is not None:
        fields.pop("account", None)
        fields["account_id"] = contact.account_id
    response = NpsResponse(workspace=workspace, invitation=invitation, **fields)
    _nps_response_check(response)
    if invitation is not None and (
        invitation.workspace_id != workspace.pk or invitation.contact_id != response.contact_id
    ):
        raise field_error("invitation", "This invitation is for someone else.")
    response.referral_candidate = response.score >= PROMOTER_FROM
    clean_and_save(response, conflict_message="This invitation has already been answered.")
    _close_loop(response, now)
    return response


@transaction.atomic
def nps_response_update(
    *, instance: NpsResponse, actor: Membership | None, now: datetime | None = None, **changes
) -> NpsResponse:
    check_fields(allowed=NPS_RESPONSE_FIELDS, given=changes, entity="nps_response_update")
    check_related(workspace=instance.workspace, values=changes, relations=NPS_RESPONSE_RELATIONS)
    changed = apply_changes(instance, changes)
    if not changed:
        return instance
    _nps_response_check(instance)
    if "score" in changed:
        instance.referral_candidate = instance.score >= PROMOTER_FROM
        changed.append("referral_candidate")
    clean_and_save(instance, update_fields=changed)
    _close_loop(instance, now)
    return instance


@transaction.atomic
def nps_response_delete(*, instance: NpsResponse, actor: Membership | None) -> None:
    delete_or_conflict(instance, message="This answer cannot be deleted.")


# ------------------------------------------------------------------------------------------------------ rounds


def survey_link(token: str) -> str:
    return f"{settings.SITE_URL}/s/{token}/"


def _audience_description(
    *, audience: str, segment: str, account: Account | None, not_asked_months: int
) -> str:
    if audience == Audience.ACCOUNT:
        text = f"The contacts of {account}"
    elif audience == Audience.SEGMENT:
        text = f"Customers in the {segment_label(segment).lower()} segment"
    else:
        text = "Every customer contact"
    if not_asked_months:
        text += f" not asked in the last {not_asked_months} month{'s' if not_asked_months != 1 else ''}"
    return text[:300]


def _survey_round_check(
    *,
    workspace: Workspace,
    name: str,
    audience: str,
    segment: str,
    account: Account | None,
    not_asked_months,
    expires_after_days,
) -> None:
    errors: dict = {}
    if not name.strip():
        errors["name"] = ["Give the round a name, e.g. “Spring 2026 customers”."]
    elif len(name.strip()) > 200:
        errors["name"] = ["At most 200 characters."]
    if audience not in Audience.values:
        errors["audience"] = ["Choose who to ask."]
    elif audience == Audience.SEGMENT:
        choices = dict(segment_choices())
        if not choices:
            errors["segment"] = ["Value segments are not computed yet: refresh the value figures first."]
        elif segment not in choices:
            errors["segment"] = ["Choose a segment."]
    elif audience == Audience.ACCOUNT and account is None:
        errors["account"] = ["Choose the account whose contacts to ask."]
    if not isinstance(not_asked_months, int) or not 0 <= not_asked_months <= MAX_NOT_ASKED_MONTHS:
        errors["not_asked_months"] = [f"A whole number of months from 0 to {MAX_NOT_ASKED_MONTHS}."]
    if not isinstance(expires_after_days, int) or not 1 <= expires_after_days <= MAX_EXPIRY_DAYS:
        errors["expires_after_days"] = [f"A whole number of days from 1 to {MAX_EXPIRY_DAYS}."]
    raise_if(errors)
    check_related(workspace=workspace, values={"account": account}, relations={"account": "account"})


def _invitation_email(
    *, workspace: Workspace, first_name: str, link: str, expires_at: datetime
) -> tuple[str, str]:
    expires = timezone.localtime(expires_at, workspace_tz(workspace))
    subject = f"{workspace}: one quick question"
    body = (
        f"Hello {first_name},\n\n"
        f"How likely is it that you would recommend {workspace} to a friend or colleague?\n\n"
        f"One tap on a scale from 0 to 10 answers it, and you can add a comment if you like:\n\n"
        f"{link}\n\n"
        f"The link is yours alone and works once, until {expires:%d %B %Y}.\n\n"
        f"Thank you,\n{workspace}\n"
    )
    return subject, body


@transaction.atomic
def survey_round_send(
    *,
    workspace: Workspace,
    actor: Membership | None,
    name: str,
    audience: str,
    segment: str = "",
    account: Account | None = None,
    not_asked_months: int = 6,
    expires_after_days: int = 30,
    now: datetime | None = None,
) -> SurveyRound:
    """Create a round and one invitation per contact asked, each with a personal link whose token is known only
    to the e-mail (the database keeps its SHA-256). The e-mails go out from the worker after commit, once each
    (dedupe key `survey:{invitation id}`), never to a do-not-contact contact.

    Up to INLINE_INVITATIONS contacts are invited here, in the caller's transaction. A bigger round is saved as
    `sending` and invited by the worker in batches (`send_survey_round`), so a request never waits for
    thousands of e-mails to be queued."""
    now = now or timezone.now()
    name = (name or "").strip()
    _survey_round_check(
        workspace=workspace,
        name=name,
        audience=audience,
        segment=segment,
        account=account,
        not_asked_months=not_asked_months,
        expires_after_days=expires_after_days,
    )
    if audience != Audience.SEGMENT:
        segment = ""
    if audience != Audience.ACCOUNT:
        account = None
    _, count = survey_audience(
        workspace=workspace,
        audience=audience,
        segment=segment,
        account=account,
        not_asked_months=not_asked_months,
        now=now,
    )
    if count.invited == 0:
        raise field_error(
            "audience", "No one to ask: every contact in this audience is left out (see below)."
        )
    inline = count.invited <= INLINE_INVITATIONS
    survey_round = clean_and_save(
        SurveyRound(
            workspace=workspace,
            name=name,
            created_by=actor if actor is not None and actor.is_employee else None,
            audience=audience,
            segment=segment,
            account=account,
            not_asked_months=not_asked_months,
            audience_description=_audience_description(
                audience=audience, segment=segment, account=account, not_asked_months=not_asked_months
            ),
            sent_at=now,
            expires_after_days=expires_after_days,
            expires_at=now + timedelta(days=expires_after_days),
            status=RoundStatus.OPEN if inline else RoundStatus.SENDING,
            invited_count=count.invited,
            skipped_no_email=count.no_email,
            skipped_do_not_contact=count.do_not_contact,
            skipped_recently_asked=count.recently_asked,
            skipped=count.skipped,
        )
    )
    if inline:
        survey_round_invite(survey_round=survey_round)
    else:
        from referral_engine.feedback.tasks import send_survey_round

        transaction.on_commit(lambda: send_survey_round.enqueue(survey_round.pk))
    return survey_round


def survey_round_invite(*, survey_round: SurveyRound, batch_size: int | None = None) -> int:
    """Invite the round's audience, as it was chosen when the round was sent, batch by batch, each batch in its
    own transaction (a savepoint inside the caller's). Contacts the round has invited already are left out, so
    running it again after an interruption carries on where it stopped. Returns how many were invited now; the
    round is then open, with the number it invited in all."""
    batch_size = batch_size or INVITATION_BATCH
    invited = 0
    account = survey_round.account if survey_round.account_id else None
    while True:
        with transaction.atomic():
            contacts, _ = survey_audience(
                workspace=survey_round.workspace,
                audience=survey_round.audience,
                segment=survey_round.segment,
                account=account,
                not_asked_months=survey_round.not_asked_months,
                now=survey_round.sent_at,
                exclude_round_id=survey_round.pk,
            )
            batch = [
                (contact, secrets.token_urlsafe(32))
                for contact in contacts.only(
                    "pk", "first_name", "email", "do_not_contact", "workspace_id"
                ).order_by("pk")[:batch_size]
            ]
            if batch:
                _invite(survey_round, batch)
                invited += len(batch)
                # A heartbeat: a round still sending but untouched for a while was left by a stopped worker.
                SurveyRound.objects.filter(pk=survey_round.pk).update(updated_at=timezone.now())
        if len(batch) < batch_size:
            break
    total = survey_round.invitations.count()
    SurveyRound.objects.filter(pk=survey_round.pk, status=RoundStatus.SENDING).update(
        status=RoundStatus.OPEN, updated_at=timezone.now()
    )
    SurveyRound.objects.filter(pk=survey_round.pk).update(invited_count=total)
    survey_round.refresh_from_db(fields=["status", "invited_count", "updated_at"])
    return invited


def _invite(survey_round: SurveyRound, batch: list) -> None:
    # Tokens are made here and never stored, so each batch's e-mails are queued with it.
    workspace = survey_round.workspace
    invitations = SurveyInvitation.objects.bulk_create(
        [
            SurveyInvitation(
                workspace=workspace,
                round=survey_round,
                contact=contact,
                token_digest=token_digest(token),
                sent_at=survey_round.sent_at,
                expires_at=survey_round.expires_at,
            )
            for contact, token in batch
        ]
    )
    for invitation, (contact, token) in zip(invitations, batch, strict=True):
        subject, body = _invitation_email(
            workspace=workspace,
            first_name=contact.first_name,
            link=survey_link(token),
            expires_at=survey_round.expires_at,
        )
        email_queue(
            workspace=workspace,
            kind="survey_invitation",
            dedupe_key=f"survey:{invitation.pk}",
            to=contact.email,
            subject=subject,
            body=body,
            contact=contact,
        )


def survey_rounds_close_expired(*, now: datetime | None = None) -> int:
    """Mark every open round past its expiry closed (one UPDATE); returns how many."""
    now = now or timezone.now()
    return SurveyRound.objects.filter(status=RoundStatus.OPEN, expires_at__lte=now).update(
        status=RoundStatus.CLOSED, updated_at=now
    )


def survey_rounds_stalled(
    *, now: datetime | None = None, after: timedelta = timedelta(minutes=30)
) -> list[int]:
    """Rounds still `sending` well after they were sent (a worker stopped half-way): their ids, to send again."""
    now = now or timezone.now()
    return list(
        SurveyRound.objects.filter(status=RoundStatus.SENDING, updated_at__lt=now - after).values_list(
            "pk", flat=True
        )
    )


# ---------------------------------------------------------------------------------------- answering a link


class AnswerOutcome:
    ANSWERED = "answered"
    ALREADY_ANSWERED = "already_answered"
    EXPIRED = "expired"


@dataclass(frozen=True)
class SurveyAnswer:
    outcome: str
    invitation: SurveyInvitation
    response: NpsResponse | None = None


def _parse_score(score) -> int:
    if isinstance(score, bool):
        raise field_error("score", "Choose a score from 0 to 10.")
    if isinstance(score, str):
        score = score.strip()
        if not score.isdigit():
            raise field_error("score", "Choose a score from 0 to 10.")
        score = int(score)
    if not isinstance(score, int) or not 0 <= score <= 10:
        raise field_error("score", "Choose a score from 0 to 10.")
    return score


@transaction.atomic
def survey_answer(*, token: str, score, comment: str = "", now: datetime | None = None) -> SurveyAnswer:
    """Answer the survey a link opens, once. Unknown token: Http404. Answered before or expired: nothing is
    written and the outcome says which. The invitation row is locked while answering, so two submits racing
    each other record one answer."""
    now = now or timezone.now()
    invitation = (
        SurveyInvitation.objects.select_for_update(of=("self",))
        .select_related("workspace", "contact__owner", "contact__account__owner")
        .filter(token_digest=token_digest(token or ""))
        .first()
    )
    if invitation is None or not token or len(token) > 100:
        raise Http404("Unknown survey link.")
    if invitation.is_used:
        return SurveyAnswer(AnswerOutcome.ALREADY_ANSWERED, invitation)
    if invitation.is_expired(now):
        return SurveyAnswer(AnswerOutcome.EXPIRED, invitation)
    score = _parse_score(score)
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise field_error("comment", f"At most {COMMENT_MAX} characters, please.")
    if "\x00" in comment:
        raise field_error("comment", "The comment cannot contain NUL characters.")
    response = nps_response_create(
        workspace=invitation.workspace,
        actor=None,
        invitation=invitation,
        now=now,
        contact=invitation.contact,
        score=score,
        comment=comment,
        at=now,
    )
    invitation.answered_at = now
    invitation.save(update_fields=["answered_at", "updated_at"])
    return SurveyAnswer(AnswerOutcome.ANSWERED, invitation, response)
