"""Writes for referral partners."""

from django.db import transaction

from referral_engine.core.errors import Conflict
from referral_engine.core.validation import (
    EMPLOYEE,
    PARTNER_MEMBERSHIP,
    apply_changes,
    check_fields,
    check_related,
    clean_and_save,
    delete_or_conflict,
    raise_if,
)
from referral_engine.partners.models import Partner
from referral_engine.workspaces.models import Membership, Workspace

PARTNER_FIELDS = (
    "kind",
    "name",
    "company",
    "email",
    "phone",
    "profession",
    "target_market",
    "networking_group",
    "owner",
    "portal_membership",
    "do_not_contact",
    "email_updates",
)
PARTNER_RELATIONS = {
    "networking_group": "networking group",
    "owner": EMPLOYEE,
    "portal_membership": PARTNER_MEMBERSHIP,
}


def _partner_check(partner: Partner) -> None:
    errors: dict = {}
    if not (partner.name or "").strip():
        errors["name"] = ["A partner needs a name."]
    raise_if(errors)
    if partner.email:
        taken = (
            Partner.objects.filter(workspace_id=partner.workspace_id, email__iexact=partner.email)
            .exclude(pk=partner.pk)
            .exists()
        )
        if taken:
            raise Conflict(f"A partner with the e-mail {partner.email} already exists.", field="email")
    if partner.portal_membership_id is not None:
        taken = (
            Partner.objects.filter(portal_membership_id=partner.portal_membership_id)
            .exclude(pk=partner.pk)
            .exists()
        )
        if taken:
            raise Conflict("This sign-in already belongs to another partner.", field="portal_membership")


@transaction.atomic
def partner_create(*, workspace: Workspace, actor: Membership | None, **fields) -> Partner:
    check_fields(allowed=PARTNER_FIELDS, given=fields, entity="partner_create")
    check_related(workspace=workspace, values=fields, relations=PARTNER_RELATIONS)
    partner = Partner(workspace=workspace, **fields)
    partner.name = (partner.name or "").strip()
    partner.email = (partner.email or "").strip().lower()
    _partner_check(partner)
    return clean_and_save(partner, conflict_message="A partner with this e-mail already exists.")


@transaction.atomic
def partner_update(*, instance: Partner, actor: Membership | None, **changes) -> Partner:
    check_fields(allowed=PARTNER_FIELDS, given=changes, entity="partner_update")
    check_related(workspace=instance.workspace, values=changes, relations=PARTNER_RELATIONS)
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
    if "email" in changes:
        changes["email"] = (changes["email"] or "").strip().lower()
    changed = apply_changes(instance, changes)
    if not changed:
        return instance
    _partner_check(instance)
    return clean_and_save(
        instance, update_fields=changed, conflict_message="A partner with this e-mail already exists."
    )


@transaction.atomic
def partner_delete(*, instance: Partner, actor: Membership | None) -> None:
    delete_or_conflict(
        instance,
        message="This partner referred business to us; their referrals must be reassigned before deleting.",
    )


# --- The reciprocity ledger: referrals we give partners ------------------------------------------------------

GIVEN_FIELDS = ("partner", "contact", "account", "given_by", "at", "note", "status", "won_value", "closed_at")
GIVEN_UPDATE_FIELDS = (*GIVEN_FIELDS, "thanked_at")
GIVEN_RELATIONS = {"partner": "partner", "contact": "contact", "account": "account", "given_by": EMPLOYEE}


def _given_check(given) -> None:
    from referral_engine.partners.models import GivenStatus

    errors: dict = {}
    if given.partner_id is None:
        errors["partner"] = ["Pick the partner you referred them to."]
    if given.contact_id is None and given.account_id is None:
        errors["contact"] = ["Pick the contact or the account you referred."]
    contact_account = given.contact.account_id if given.contact_id is not None else None
    if contact_account is not None and given.account_id is not None and contact_account != given.account_id:
        errors["account"] = ["This contact belongs to another account."]
    if given.status == GivenStatus.WON:
        if given.won_value is None:
            errors["won_value"] = ["A won referral needs the value the partner closed."]
    elif given.won_value is not None:
        errors["won_value"] = ["Only a won referral has a won value."]
    if given.won_value is not None and given.won_value < 0:
        errors["won_value"] = ["The won value cannot be negative."]
    if given.status == GivenStatus.OPEN and given.closed_at is not None:
        errors["closed_at"] = ["An open referral has no closing date."]
    if given.closed_at is not None and given.at is not None and given.closed_at < given.at:
        errors["closed_at"] = ["It cannot close before it was given."]
    if given.thanked_at is not None and given.status != GivenStatus.WON:
        errors["thanked_at"] = ["A partner thanks us for business they closed: mark the referral won first."]
    raise_if(errors)


@transaction.atomic
def referral_given_create(*, workspace: Workspace, actor: Membership | None, **fields):
    """Record a referral we gave a partner (one click from a contact's page, a partner's page or a suggestion)."""
    from django.utils import timezone

    from referral_engine.partners.models import GivenStatus, ReferralGiven

    check_fields(allowed=GIVEN_FIELDS, given=fields, entity="referral_given_create")
    check_related(workspace=workspace, values=fields, relations=GIVEN_RELATIONS)
    given = ReferralGiven(workspace=workspace, **fields)
    if given.at is None:
        given.at = timezone.now()
    if given.given_by_id is None and actor is not None and actor.is_employee:
        given.given_by = actor
    if given.account_id is None and given.contact_id is not None:
        given.account_id = given.contact.account_id
    if given.status in (GivenStatus.WON, GivenStatus.LOST) and given.closed_at is None:
        given.closed_at = max(timezone.now(), given.at)
    given.note = (given.note or "").strip()
    _given_check(given)
    return clean_and_save(given)


@transaction.atomic
def referral_given_update(*, instance, actor: Membership | None, **changes):
    """Change a given referral: its outcome (won with a value, lost), the partner's thank-you, the note."""
    from django.utils import timezone

    from referral_engine.partners.models import GivenStatus

    check_fields(allowed=GIVEN_UPDATE_FIELDS, given=changes, entity="referral_given_update")
    check_related(workspace=instance.workspace, values=changes, relations=GIVEN_RELATIONS)
    if changes.get("status") == GivenStatus.OPEN:
        changes.setdefault("closed_at", None)
        changes.setdefault("won_value", None)
        changes.setdefault("thanked_at", None)
    if changes.get("status") == GivenStatus.LOST:
        changes.setdefault("won_value", None)
        changes.setdefault("thanked_at", None)
    changed = apply_changes(instance, changes)
    if not changed:
        return instance
    if instance.status in (GivenStatus.WON, GivenStatus.LOST) and instance.closed_at is None:
        instance.closed_at = max(timezone.now(), instance.at)
        changed.append("closed_at")
    _given_check(instance)
    return clean_and_save(instance, update_fields=changed)


@transaction.atomic
def referral_given_delete(*, instance, actor: Membership | None) -> None:
    instance.delete()


# --- Networking groups: members and attendance ---------------------------------------------------------------


@transaction.atomic
def group_member_add(*, workspace: Workspace, actor: Membership | None, group, partner=None, employee=None):
    from referral_engine.partners.models import GroupMembership

    errors: dict = {}
    if (partner is None) == (employee is None):
        errors["partner"] = ["Pick a partner or one of our people, not both."]
    raise_if(errors)
    check_related(
        workspace=workspace,
        values={"group": group, "partner": partner, "employee": employee},
        relations={"group": "networking group", "partner": "partner", "employee": EMPLOYEE},
    )
    taken = GroupMembership.objects.filter(group=group, partner=partner, employee=employee).exists()
    if taken:
        raise Conflict("Already a member of this group.", field="partner" if partner else "employee")
    member = GroupMembership(workspace=workspace, group=group, partner=partner, employee=employee)
    return clean_and_save(member, conflict_message="Already a member of this group.")


@transaction.atomic
def group_member_remove(*, instance, actor: Membership | None) -> None:
    instance.delete()


@transaction.atomic
def attendance_add(*, workspace: Workspace, actor: Membership | None, event, partner=None, employee=None):
    """Record that a partner or one of our people was at an event (a group's meeting or an event we ran)."""
    from referral_engine.partners.models import Attendance

    errors: dict = {}
    if (partner is None) == (employee is None):
        errors["partner"] = ["Pick a partner or one of our people, not both."]
    raise_if(errors)
    check_related(
        workspace=workspace,
        values={"event": event, "partner": partner, "employee": employee},
        relations={"event": "event", "partner": "partner", "employee": EMPLOYEE},
    )
    if Attendance.objects.filter(event=event, partner=partner, employee=employee).exists():
        raise Conflict("Already recorded as attending.", field="partner" if partner else "employee")
    attendance = Attendance(workspace=workspace, event=event, partner=partner, employee=employee)
    return clean_and_save(attendance, conflict_message="Already recorded as attending.")


@transaction.atomic
def partner_programme_update(*, workspace: Workspace, actor: Membership | None, **changes):
    from referral_engine.partners.models import PartnerProgramme

    check_fields(allowed=("nudge_after_days", "valuable_partners"), given=changes, entity="partner_programme")
    programme, _ = PartnerProgramme.objects.get_or_create(workspace=workspace)
    errors = {
        name: ["Must be at least 1."] for name, value in changes.items() if value is None or int(value) < 1
    }
    raise_if(errors)
    changed = apply_changes(programme, changes)
    if changed:
        clean_and_save(programme, update_fields=changed)
    return programme
