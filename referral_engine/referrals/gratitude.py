"""Gratitude and updates to the referrer, as tasks for a person (issue 4, item 5; PRODUCT capability 8).

Automate the remembering, never the relationship: the engine only reminds the person who owns the relationship
with the referrer; the thank-you itself is a call or a handwritten card (seed 002: never a mass e-mail).

Who gets the task: the source contact's owner, else their account's owner; the source partner's owner; for an
employee who referred, their lead, else the workspace's owner; otherwise (an event, a name, no owner on record)
the referral's owner, else the workspace's owner.

Each event creates its task once, however often it is recorded (the dedupe keys below, unique per workspace).

Do-not-contact (our choice): no task ever asks anyone to contact a referrer marked do-not-contact. The thank-you
and the closing thanks become internal notes ("Carol asked not to be contacted: record the thanks internally");
stage updates, which are nothing but contact, are not created at all.

E-mail updates: a contact or partner who chose them (`email_updates`), with an e-mail address and not
do-not-contact, gets each stage update as an e-mail in the workspace's wording (engagement.message_templates)
instead of a task, queued once per referral and stage (integrations.mail, sent after commit). On won they get the
e-mail and the "thank you for closing business" task still goes to a person: the thanks stays personal.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from referral_engine.engagement.message_templates import STAGE_KEYS, wording_fill_in
from referral_engine.engagement.models import Task, TaskKind
from referral_engine.engagement.selectors import message_template_get, tasks_with_dedupe_key
from referral_engine.integrations.mail import email_queue
from referral_engine.integrations.models import OutboundEmail
from referral_engine.partners.models import PartnerKind
from referral_engine.referrals.deadlines import next_working_day, workspace_owner
from referral_engine.referrals.models import Referral, ReferralStatus, SourceKind
from referral_engine.workspaces.models import Membership

# What "Fabrikam is now ..." says at each stage an update is sent for. Moving back to received is a correction,
# and won has its own closing thanks, so neither gets an update.
STAGE_NEWS = {
    ReferralStatus.CONTACTED: "has been contacted",
    ReferralStatus.MEETING: "is now at meeting stage",
    ReferralStatus.PROPOSAL: "is now at proposal stage",
    ReferralStatus.LOST: "did not go ahead this time",
}


@dataclass(frozen=True)
class Referrer:
    name: str
    first_name: str
    do_not_contact: bool
    relationship_owner: Membership | None
    # A contact's or partner's address and choice; wants_email_updates says whether an update is mailed.
    email: str = ""
    email_updates: bool = False
    contact: object | None = None

    @property
    def wants_email_updates(self) -> bool:
        if not self.email_updates or self.do_not_contact or not self.email:
            return False
        try:
            validate_email(self.email)
        except ValidationError:
            return False
        return True


def _active_employee(membership: Membership | None) -> Membership | None:
    if membership is not None and membership.is_active and membership.is_employee:
        return membership
    return None


def referral_referrer(*, referral: Referral) -> Referrer:
    """Who referred, and the employee who owns the relationship with them (see the module's docstring)."""
    owner = None
    do_not_contact = False
    email, email_updates, source_contact = "", False, None
    if referral.source_kind == SourceKind.CUSTOMER and referral.source_contact is not None:
        contact = referral.source_contact
        name, first_name, do_not_contact = str(contact), contact.first_name, contact.do_not_contact
        email, email_updates, source_contact = contact.email, contact.email_updates, contact
        owner = _active_employee(contact.owner) or _active_employee(
            contact.account.owner if contact.account_id else None
        )
    elif referral.source_kind == SourceKind.PARTNER and referral.source_partner is not None:
        partner = referral.source_partner
        first_name = partner.name.split(" ")[0] if partner.kind == PartnerKind.PERSON else partner.name
        name, do_not_contact = partner.name, partner.do_not_contact
        email, email_updates = partner.email, partner.email_updates
        owner = _active_employee(partner.owner)
    elif referral.source_kind == SourceKind.EMPLOYEE and referral.source_employee is not None:
        employee = referral.source_employee
        name, first_name = str(employee.user), employee.user.get_short_name()
        owner = _active_employee(employee.lead) or workspace_owner(referral.workspace)
        if owner is not None and owner.pk == employee.pk:
            # The owner referred: no one above them, so the referral's owner thanks them.
            owner = None
    else:
        name = referral.source_name or (
            f"whoever introduced us at {referral.source_event}"
            if referral.source_event_id
            else "the referrer"
        )
        first_name = name
    owner = owner or _active_employee(referral.owner) or workspace_owner(referral.workspace)
    return Referrer(
        name=name,
        first_name=first_name,
        do_not_contact=do_not_contact,
        relationship_owner=owner,
        email=email,
        email_updates=email_updates,
        contact=source_contact,
    )


def _about(referral: Referral) -> str:
    referred = str(referral.referred_account)
    if referral.referred_contact_id:
        referred = f"{referral.referred_contact} at {referred}"
    text = f"Referred: {referred}."
    if referral.story:
        text += f"\nHow the recommendation came about: {referral.story}"
    return text


def _task_once(*, referral: Referral, referrer: Referrer, now: datetime | None, **fields) -> bool:
    """Create the task unless one with its dedupe key exists; True when it was created."""
    workspace = referral.workspace
    if tasks_with_dedupe_key(workspace_id=workspace.pk, key=fields["dedupe_key"]).exists():
        return False
    task = Task(
        workspace=workspace,
        due=next_working_day(workspace=workspace, now=now or timezone.now()),
        assignee=referrer.relationship_owner,
        contact_id=referral.source_contact_id,
        partner_id=referral.source_partner_id,
        referral=referral,
        **fields,
    )
    task.title = task.title[:200]
    # ignore_conflicts: a second worker recording the same event at the same moment creates nothing.
    Task.objects.bulk_create([task], ignore_conflicts=True)
    return True


@transaction.atomic
def referral_thanks_create(*, referral: Referral, now: datetime | None = None) -> bool:
    """A personal thank-you task for a new referral, due the next working day."""
    referrer = referral_referrer(referral=referral)
    if referrer.do_not_contact:
        title = f"{referrer.first_name} asked not to be contacted: record the thanks for {referral.referred_account} internally"
        details = (
            f"{referrer.name} referred us, but asked not to be contacted. Do not call, write or e-mail them: "
            f"note the thanks on their record and tell the team who brought this business.\n\n{_about(referral)}"
        )
    else:
        title = f"Thank {referrer.name} for referring {referral.referred_account}"
        details = (
            f"{referrer.name} recommended us. Thank them personally: a phone call or a handwritten card, "
            f"never a mass e-mail.\n\n{_about(referral)}"
        )
    return _task_once(
        referral=referral,
        referrer=referrer,
        now=now,
        kind=TaskKind.THANK,
        title=title,
        details=details,
        dedupe_key=f"referral:{referral.pk}:thank",
    )


def _update_key(referral: Referral) -> str:
    return f"referral:{referral.pk}:update:{referral.status}"


def _update_sent_otherwise(referral: Referral, *, as_email: bool) -> bool:
    """True when this stage's update already went the other way (a task, or an e-mail): the referrer changed
    their choice between two runs of the same event, and they still hear once."""
    if as_email:
        return tasks_with_dedupe_key(workspace_id=referral.workspace_id, key=_update_key(referral)).exists()
    return OutboundEmail.objects.filter(
        workspace=referral.workspace, dedupe_key=_update_key(referral)
    ).exists()


def _update_email_queue(*, referral: Referral, referrer: Referrer) -> bool:
    """Queue the stage update e-mail in the workspace's wording; True when it was queued (not before)."""
    workspace = referral.workspace
    if _update_sent_otherwise(referral, as_email=True):
        return False
    wording = message_template_get(workspace=workspace, key=STAGE_KEYS[referral.status])
    owner = referrer.relationship_owner
    subject, body = wording_fill_in(
        wording,
        {
            "referrer_first_name": referrer.first_name,
            "referred_company": referral.referred_account.name,
            "stage": ReferralStatus(referral.status).label.lower(),
            "firm_name": workspace.name,
            "owner_name": (owner.user.get_full_name() if owner is not None else "") or workspace.name,
        },
    )
    queued = email_queue(
        workspace=workspace,
        kind="referral_update",
        dedupe_key=_update_key(referral),
        to=referrer.email,
        subject=subject,
        body=body,
        contact=referrer.contact,
        partner=referral.source_partner if referral.source_kind == SourceKind.PARTNER else None,
    )
    return queued is not None


@transaction.atomic
def referral_stage_news_create(*, referral: Referral, now: datetime | None = None) -> bool:
    """After a stage change: an update for the referrer (open stages and lost), or the closing thanks on won.

    The update is an e-mail when the referrer chose e-mail updates, else a task for the person who owns the
    relationship; on won the referrer who chose e-mail updates gets one too, besides the closing thanks task.
    True when something was created now (nothing is created twice for one referral and stage).
    """
    if referral.status == ReferralStatus.WON:
        referrer = referral_referrer(referral=referral)
        emailed = referrer.wants_email_updates and _update_email_queue(referral=referral, referrer=referrer)
        thanked = referral_won_thanks_create(referral=referral, now=now)
        return bool(emailed or thanked)
    news = STAGE_NEWS.get(ReferralStatus(referral.status))
    if news is None:
        return False
    referrer = referral_referrer(referral=referral)
    if referrer.do_not_contact:
        return False
    if referrer.wants_email_updates:
        return _update_email_queue(referral=referral, referrer=referrer)
    if _update_sent_otherwise(referral, as_email=False):
        return False
    return _task_once(
        referral=referral,
        referrer=referrer,
        now=now,
        kind=TaskKind.UPDATE,
        title=f"Tell {referrer.first_name} that {referral.referred_account} {news}",
        details=(
            f"Keep {referrer.name} informed: a short call or a personal note that "
            f"{referral.referred_account} {news}.\n\n{_about(referral)}"
        ),
        dedupe_key=_update_key(referral),
    )


@transaction.atomic
def referral_won_thanks_create(*, referral: Referral, now: datetime | None = None) -> bool:
    """On won, a "thank you for closing business" task. The won value is already on the referral."""
    referrer = referral_referrer(referral=referral)
    if referrer.do_not_contact:
        title = f"{referrer.first_name} asked not to be contacted: record the thanks for closing {referral.referred_account} internally"
        details = (
            f"We won {referral.referred_account}, referred by {referrer.name}, who asked not to be contacted. "
            f"Do not call, write or e-mail them: note the thanks on their record.\n\n{_about(referral)}"
        )
    else:
        title = f"Thank {referrer.name} for closing business: we won {referral.referred_account}"
        details = (
            f"{referral.referred_account}, which {referrer.name} referred, is now a customer. Thank them for "
            f"closing business with a call or a handwritten card.\n\n{_about(referral)}"
        )
    return _task_once(
        referral=referral,
        referrer=referrer,
        now=now,
        kind=TaskKind.THANK,
        title=title,
        details=details,
        dedupe_key=f"referral:{referral.pk}:won-thanks",
    )
