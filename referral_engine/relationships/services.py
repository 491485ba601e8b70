"""Writes for accounts, contacts, purchases and touchpoints. The API, the web pages and imports all call these."""

from django.db import transaction
from django.utils import timezone

from referral_engine.core.errors import Conflict
from referral_engine.core.validation import (
    EMPLOYEE,
    apply_changes,
    check_fields,
    check_related,
    clean_and_save,
    delete_or_conflict,
    raise_if,
)
from referral_engine.relationships.models import Account, Contact, Purchase, Touchpoint
from referral_engine.workspaces.models import Membership, Workspace

# ---------------------------------------------------------------------------------------------------- accounts

ACCOUNT_FIELDS = ("name", "domain", "industry", "size", "owner", "status", "won_at", "churned_at", "needs")
ACCOUNT_RELATIONS = {"owner": EMPLOYEE}


def _account_check(account: Account) -> None:
    errors: dict = {}
    if not (account.name or "").strip():
        errors["name"] = ["An account needs a name."]
    if account.won_at and account.churned_at and account.churned_at < account.won_at:
        errors["churned_at"] = ["An account cannot churn before it was won."]
    raise_if(errors)


@transaction.atomic
def account_create(*, workspace: Workspace, actor: Membership | None, **fields) -> Account:
    check_fields(allowed=ACCOUNT_FIELDS, given=fields, entity="account_create")
    check_related(workspace=workspace, values=fields, relations=ACCOUNT_RELATIONS)
    account = Account(workspace=workspace, **fields)
    account.name = (account.name or "").strip()
    account.domain = (account.domain or "").strip().lower()
    _account_check(account)
    return clean_and_save(account)


@transaction.atomic
def account_update(*, instance: Account, actor: Membership | None, **changes) -> Account:
    check_fields(allowed=ACCOUNT_FIELDS, given=changes, entity="account_update")
    check_related(workspace=instance.workspace, values=changes, relations=ACCOUNT_RELATIONS)
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
    if "domain" in changes:
        changes["domain"] = (changes["domain"] or "").strip().lower()
    changed = apply_changes(instance, changes)
    if not changed:
        return instance
    _account_check(instance)
    return clean_and_save(instance, update_fields=changed)


@transaction.atomic
def account_delete(*, instance: Account, actor: Membership | None) -> None:
    # Referrals keep the history of where business came from, so an account with referrals is not deleted.
    delete_or_conflict(
        instance,
        message="This account has referrals; delete or reassign them before deleting the account.",
    )


# ---------------------------------------------------------------------------------------------------- contacts

CONTACT_FIELDS = (
    "account",
    "first_name",
    "last_name",
    "email",
    "phone",
    "title",
    "role",
    "birthday",
    "do_not_contact",
    "email_updates",
    "owner",
)
CONTACT_RELATIONS = {"account": "account", "owner": EMPLOYEE}


def _contact_check(contact: Contact) -> None:
    errors: dict = {}
    if not (contact.first_name or "").strip():
        errors["first_name"] = ["A contact needs a first name."]
    raise_if(errors)
    if contact.email:
        # Addresses are stored lower-cased (contact_create, contact_update), so an exact match ignores case and
        # can use the (workspace, email) index.
        taken = (
            Contact.objects.filter(workspace_id=contact.workspace_id, email=contact.email)
            .exclude(pk=contact.pk)
            .exists()
        )
        if taken:
            raise Conflict(f"A contact with the e-mail {contact.email} already exists.", field="email")


@transaction.atomic
def contact_create(*, workspace: Workspace, actor: Membership | None, **fields) -> Contact:
    check_fields(allowed=CONTACT_FIELDS, given=fields, entity="contact_create")
    check_related(workspace=workspace, values=fields, relations=CONTACT_RELATIONS)
    contact = Contact(workspace=workspace, **fields)
    contact.first_name = (contact.first_name or "").strip()
    contact.email = (contact.email or "").strip().lower()
    _contact_check(contact)
    return clean_and_save(contact, conflict_message="A contact with this e-mail already exists.")


@transaction.atomic
def contact_update(*, instance: Contact, actor: Membership | None, **changes) -> Contact:
    check_fields(allowed=CONTACT_FIELDS, given=changes, entity="contact_update")
    check_related(workspace=instance.workspace, values=changes, relations=CONTACT_RELATIONS)
    if "email" in changes:
        changes["email"] = (changes["email"] or "").strip().lower()
    if "first_name" in changes:
        changes["first_name"] = (changes["first_name"] or "").strip()
    changed = apply_changes(instance, changes)
    if not changed:
        return instance
    _contact_check(instance)
    return clean_and_save(
        instance, update_fields=changed, conflict_message="A contact with this e-mail already exists."
    )


@transaction.atomic
def contact_delete(*, instance: Contact, actor: Membership | None) -> None:
    delete_or_conflict(
        instance,
        message="This contact referred business to us; their referrals must be reassigned before deleting.",
    )


# --------------------------------------------------------------------------------------------------- purchases

PURCHASE_FIELDS = ("account", "date", "amount", "margin", "description")
PURCHASE_RELATIONS = {"account": "account"}


def _purchase_check(purchase: Purchase) -> None:
    errors: dict = {}
    if purchase.account_id is None:
        errors["account"] = ["A purchase needs an account."]
    if purchase.amount is not None and purchase.amount < 0:
        errors["amount"] = ["The amount cannot be negative."]
    if purchase.margin is not None:
        if purchase.margin < 0:
            errors["margin"] = ["The margin cannot be negative."]
        elif purchase.amount is not None and purchase.margin > purchase.amount:
            errors["margin"] = ["The margin cannot be more than the amount."]
    raise_if(errors)


@transaction.atomic
def purchase_create(*, workspace: Workspace, actor: Membership | None, **fields) -> Purchase:
    check_fields(allowed=PURCHASE_FIELDS, given=fields, entity="purchase_create")
    check_related(workspace=workspace, values=fields, relations=PURCHASE_RELATIONS)
    purchase = Purchase(workspace=workspace, **fields)
    _purchase_check(purchase)
    return clean_and_save(purchase)


@transaction.atomic
def purchase_update(*, instance: Purchase, actor: Membership | None, **changes) -> Purchase:
    check_fields(allowed=PURCHASE_FIELDS, given=changes, entity="purchase_update")
    check_related(workspace=instance.workspace, values=changes, relations=PURCHASE_RELATIONS)
    changed = apply_changes(instance, changes)
    if not changed:
        return instance
    _purchase_check(instance)
    return clean_and_save(instance, update_fields=changed)


@transaction.atomic
def purchase_delete(*, instance: Purchase, actor: Membership | None) -> None:
    delete_or_conflict(instance, message="This purchase cannot be deleted.")


# ------------------------------------------------------------------------------------------------- touchpoints

TOUCHPOINT_FIELDS = (
    "kind",
    "channel",
    "direction",
    "minutes",
    "employee",
    "contact",
    "account",
    "partner",
    "event",
    "group",  # the networking group it came from (attribution, partners/ledger)
    "at",
    "summary",
)
TOUCHPOINT_RELATIONS = {
    "employee": EMPLOYEE,
    "contact": "contact",
    "account": "account",
    "partner": "partner",
    "event": "event",
    "group": "networking group",
}


def _touchpoint_check(touchpoint: Touchpoint) -> None:
    errors: dict = {}
    if touchpoint.contact_id is None and touchpoint.account_id is None and touchpoint.partner_id is None:
        errors["contact"] = ["A touchpoint needs a contact, an account or a partner."]
    if touchpoint.minutes is not None and touchpoint.minutes < 0:
        errors["minutes"] = ["Minutes cannot be negative."]
    raise_if(errors)


@transaction.atomic
def touchpoint_create(*, workspace: Workspace, actor: Membership | None, **fields) -> Touchpoint:
    check_fields(allowed=TOUCHPOINT_FIELDS, given=fields, entity="touchpoint_create")
    check_related(workspace=workspace, values=fields, relations=TOUCHPOINT_RELATIONS)
    if fields.get("at") is None:
        fields["at"] = timezone.now()
    if fields.get("employee") is None and actor is not None and actor.is_employee:
        fields["employee"] = actor
    contact = fields.get("contact")
    # A touchpoint with a contact also counts for the contact's account (RQ per account).
    if contact is not None and fields.get("account") is None and contact.account_id is not None:
        fields.pop("account", None)
        fields["account_id"] = contact.account_id
    touchpoint = Touchpoint(workspace=workspace, **fields)
    _touchpoint_check(touchpoint)
    return clean_and_save(touchpoint)


@transaction.atomic
def touchpoint_update(*, instance: Touchpoint, actor: Membership | None, **changes) -> Touchpoint:
    check_fields(allowed=TOUCHPOINT_FIELDS, given=changes, entity="touchpoint_update")
    check_related(workspace=instance.workspace, values=changes, relations=TOUCHPOINT_RELATIONS)
    changed = apply_changes(instance, changes)
    if not changed:
        return instance
    _touchpoint_check(instance)
    return clean_and_save(instance, update_fields=changed)


@transaction.atomic
def touchpoint_delete(*, instance: Touchpoint, actor: Membership | None) -> None:
    delete_or_conflict(instance, message="This touchpoint cannot be deleted.")
