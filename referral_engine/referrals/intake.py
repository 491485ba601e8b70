"""One intake for every channel that names a business rather than picking a record: the partner portal, a
personal referral link's public form, a CSV of referrals. The quick form and the API pick records and call
referral_create directly; all of them end in referral_create, so the same rules and de-duplication apply."""

from datetime import datetime

from django.db import transaction
from django.db.models.functions import Lower

from referral_engine.core.errors import field_error
from referral_engine.referrals.models import Referral
from referral_engine.referrals.services import referral_create
from referral_engine.relationships.selectors import account_list, contact_list
from referral_engine.relationships.services import account_create, contact_create
from referral_engine.workspaces.models import Membership, Workspace


def split_name(name: str) -> tuple[str, str]:
    first, _, last = " ".join((name or "").split()).partition(" ")
    return first, last


@transaction.atomic
def referral_intake(
    *,
    workspace: Workspace,
    actor: Membership | None,
    source_kind: str,
    company: str,
    person: str = "",
    email: str = "",
    phone: str = "",
    story: str = "",
    owner: Membership | None = None,
    received_at: datetime | None = None,
    **source,
) -> Referral:
    """Record a referral of `company` (and `person` there) from the source in `source` (source_contact,
    source_partner, source_employee, source_event or source_name).

    A company or a person the firm already knows is reused rather than duplicated (same name, same e-mail);
    the referrer is never told which, so a public form or the portal reveals nothing about other records.
    Anything refused rolls the whole intake back: no account or contact is left behind.
    """
    company = " ".join((company or "").split())
    if not company:
        raise field_error("company", "Name the company you are referring.")
    email = (email or "").strip().lower()
    # lower(name) =, not name__iexact (LIKE on SQLite): an index on (workspace, lower(name)) can answer it.
    account = (
        account_list(workspace=workspace)
        .annotate(name_lower=Lower("name"))
        .filter(name_lower=company.lower())
        .order_by("id")
        .first()
    )
    if account is None:
        account = account_create(workspace=workspace, actor=actor, name=company)

    contact = None
    if email:
        contact = contact_list(workspace=workspace).filter(email=email).order_by("id").first()
    if contact is None and (person or "").strip():
        first_name, last_name = split_name(person)
        contact = contact_create(
            workspace=workspace,
            actor=actor,
            account=account,
            first_name=first_name,
            last_name=last_name,
            email=email,
            phone=(phone or "").strip(),
        )
    return referral_create(
        workspace=workspace,
        actor=actor,
        source_kind=source_kind,
        referred_account=account,
        referred_contact=contact,
        owner=owner,
        story=(story or "").strip(),
        received_at=received_at,
        **source,
    )
