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
