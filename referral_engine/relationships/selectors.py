"""Reads for accounts, contacts, purchases and touchpoints, always scoped to one workspace."""

from datetime import date, datetime

from django.db.models import Q, QuerySet

from referral_engine.core.selectors import get_in_workspace, search_terms
from referral_engine.relationships.models import Account, Contact, Purchase, Touchpoint
from referral_engine.workspaces.models import Workspace

# ---------------------------------------------------------------------------------------------------- accounts


def account_list(
    *,
    workspace: Workspace,
    status: str | None = None,
    owner_id: int | None = None,
    q: str | None = None,
    won_from: date | None = None,
    won_to: date | None = None,
    segment: str | None = None,
    quadrant: str | None = None,
) -> QuerySet[Account]:
    """Accounts of a workspace; `q` matches every word against the name or the domain; `segment` and
    `quadrant` are the stored value labels (insights.AccountValue, through the reverse one-to-one `value`)."""
    accounts = Account.objects.filter(workspace=workspace).select_related("owner__user")
    if status:
        accounts = accounts.filter(status=status)
    if owner_id is not None:
        accounts = accounts.filter(owner_id=owner_id)
    for term in search_terms(q):
        accounts = accounts.filter(Q(name__icontains=term) | Q(domain__icontains=term))
    if won_from is not None:
        accounts = accounts.filter(won_at__gte=won_from)
    if won_to is not None:
        accounts = accounts.filter(won_at__lte=won_to)
    if segment:
        accounts = accounts.filter(value__segment=segment)
    if quadrant:
        accounts = accounts.filter(value__quadrant=quadrant)
    return accounts


def account_get(*, workspace: Workspace, id: int) -> Account:
    return get_in_workspace(Account.objects.select_related("owner__user"), workspace=workspace, id=id)


# ---------------------------------------------------------------------------------------------------- contacts


def contact_list(
    *,
    workspace: Workspace,
    account_id: int | None = None,
    role: str | None = None,
    q: str | None = None,
    do_not_contact: bool | None = None,
) -> QuerySet[Contact]:
    """Contacts of a workspace; `q` matches every word against the first name, last name or e-mail."""
    contacts = Contact.objects.filter(workspace=workspace).select_related("account", "owner__user")
    if account_id is not None:
        contacts = contacts.filter(account_id=account_id)
    if role is not None:
        contacts = contacts.filter(role=role)
    for term in search_terms(q):
        contacts = contacts.filter(
            Q(first_name__icontains=term) | Q(last_name__icontains=term) | Q(email__icontains=term)
        )
    if do_not_contact is not None:
        contacts = contacts.filter(do_not_contact=do_not_contact)
    return contacts


def contact_get(*, workspace: Workspace, id: int) -> Contact:
    return get_in_workspace(
        Contact.objects.select_related("account", "owner__user"), workspace=workspace, id=id
    )


# --------------------------------------------------------------------------------------------------- purchases


def purchase_list(
    *,
    workspace: Workspace,
    account_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[Purchase]:
    purchases = Purchase.objects.filter(workspace=workspace).select_related("account")
    if account_id is not None:
        purchases = purchases.filter(account_id=account_id)
    if date_from is not None:
        purchases = purchases.filter(date__gte=date_from)
    if date_to is not None:
        purchases = purchases.filter(date__lte=date_to)
    return purchases


def purchase_get(*, workspace: Workspace, id: int) -> Purchase:
    return get_in_workspace(Purchase.objects.select_related("account"), workspace=workspace, id=id)


# ------------------------------------------------------------------------------------------------- touchpoints

TOUCHPOINT_RELATED = ("contact", "account", "partner", "event", "group", "employee__user")


def touchpoint_list(
    *,
    workspace: Workspace,
    contact_id: int | None = None,
    account_id: int | None = None,
    partner_id: int | None = None,
    kind: str | None = None,
    at_from: datetime | None = None,
    at_to: datetime | None = None,
) -> QuerySet[Touchpoint]:
    touchpoints = Touchpoint.objects.filter(workspace=workspace).select_related(*TOUCHPOINT_RELATED)
    if contact_id is not None:
        touchpoints = touchpoints.filter(contact_id=contact_id)
    if account_id is not None:
        touchpoints = touchpoints.filter(account_id=account_id)
    if partner_id is not None:
        touchpoints = touchpoints.filter(partner_id=partner_id)
    if kind:
        touchpoints = touchpoints.filter(kind=kind)
    if at_from is not None:
        touchpoints = touchpoints.filter(at__gte=at_from)
    if at_to is not None:
        touchpoints = touchpoints.filter(at__lte=at_to)
    return touchpoints


def touchpoint_get(*, workspace: Workspace, id: int) -> Touchpoint:
    return get_in_workspace(
        Touchpoint.objects.select_related(*TOUCHPOINT_RELATED), workspace=workspace, id=id
    )


def contact_links(*, contact: Contact) -> tuple[list, list]:
    """Who a contact knows: the links from them and the links to them (appended for the contact page)."""
    from referral_engine.relationships.models import ContactLink

    links = ContactLink.objects.filter(workspace_id=contact.workspace_id)
    out = links.filter(from_contact=contact).select_related("to_contact__account").order_by("kind", "id")
    into = links.filter(to_contact=contact).select_related("from_contact__account").order_by("kind", "id")
    return list(out[:100]), list(into[:100])
