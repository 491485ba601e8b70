"""Writes for personal referral links: give a referrer their link, revoke or rotate it, and take a referral through
the public form (rate-limited, then the one intake every channel shares: referrals.intake.referral_intake)."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from referral_engine.core.errors import Conflict, field_error
from referral_engine.core.validation import EMPLOYEE, check_related, clean_and_save
from referral_engine.intake.models import CODE_ALPHABET, CODE_LENGTH, IntakeAttempt, ReferralLink
from referral_engine.partners.models import Partner, PartnerKind
from referral_engine.referrals.intake import referral_intake
from referral_engine.referrals.models import Referral, SourceKind
from referral_engine.relationships.models import Contact
from referral_engine.workspaces.models import Membership, Workspace

LINK_RELATIONS = {"contact": "contact", "partner": "partner", "employee": EMPLOYEE, "owner": EMPLOYEE}
# Attempts are kept this long: the longest window a limit counts over (a link's day), and no longer.
ATTEMPTS_KEPT = timedelta(days=1)


def new_code() -> str:
    # 31^8 ≈ 8.5e11 codes: guessing one that exists is hopeless, and the code is still short enough to read out.
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _referrer(*, contact: Contact | None, partner: Partner | None, employee: Membership | None) -> dict:
    given = {"contact": contact, "partner": partner, "employee": employee}
    chosen = {name: value for name, value in given.items() if value is not None}
    if len(chosen) != 1:
        raise field_error("referrer", "Give exactly one referrer: a contact, a partner or an employee.")
    return given


def _active_link(referrer: dict) -> ReferralLink | None:
    name, value = next((name, value) for name, value in referrer.items() if value is not None)
    return ReferralLink.objects.filter(is_active=True, **{name: value}).first()


@transaction.atomic
def referral_link_get_or_create(
    *,
    workspace: Workspace,
    actor: Membership | None,
    contact: Contact | None = None,
    partner: Partner | None = None,
    employee: Membership | None = None,
    owner: Membership | None = None,
) -> tuple[ReferralLink, bool]:
    """The referrer's active link, or a new one; True when it was created. An `owner` given for an existing link
    is left as it is: the link the referrer holds does not change behind their back."""
    referrer = _referrer(contact=contact, partner=partner, employee=employee)
    check_related(workspace=workspace, values={**referrer, "owner": owner}, relations=LINK_RELATIONS)
    existing = _active_link(referrer)
    if existing is not None:
        return existing, False
    for _ in range(3):
        link = ReferralLink(workspace=workspace, code=new_code(), owner=owner, **referrer)
        try:
            return clean_and_save(link), True
        except Conflict:
            # Another request gave this referrer a link at the same moment (or, once in a blue moon, the code
            # was taken): the referrer's active link is the answer; otherwise try another code.
            existing = _active_link(referrer)
            if existing is not None:
                return existing, False
    raise Conflict("Could not create a link just now; try again.")


@transaction.atomic
def referral_link_revoke(*, link: ReferralLink, actor: Membership | None) -> ReferralLink:
    """Switch the link off: its code answers 404 from now on. Revoking a revoked link changes nothing."""
    if not link.is_active:
        return link
    link.is_active = False
    link.revoked_at = timezone.now()
    return clean_and_save(link, update_fields=["is_active", "revoked_at"])


@transaction.atomic
def referral_link_rotate(*, link: ReferralLink, actor: Membership | None) -> ReferralLink:
    """Revoke the link and give the same referrer a new one with a new code (for a link passed too far)."""
    link = ReferralLink.objects.select_for_update().get(pk=link.pk)
    referral_link_revoke(link=link, actor=actor)
    new, _ = referral_link_get_or_create(
        workspace=link.workspace,
        actor=actor,
        contact=link.contact,
        partner=link.partner,
        employee=link.employee,
        owner=link.owner,
    )
    return new


# ------------------------------------------------------------------------------------------------ public form


class RateLimited(Exception):
    """Too many referrals from this address or through this link: the form answers 429 with `message`."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def ip_digest(ip: str) -> str:
    """A keyed digest of a client address: counts stay possible, the address itself is never stored."""
    return hmac.new(settings.SECRET_KEY.encode(), ip.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class LinkSource:
    source_kind: str
    source: dict
    owner: Membership | None
    first_name: str


def _employee(membership: Membership | None) -> Membership | None:
    if membership is not None and membership.is_active and membership.is_employee:
        return membership
    return None


def link_source(*, link: ReferralLink) -> LinkSource:
    """What a referral through `link` records: its source, who follows it up (the link's owner, else whoever owns
    the relationship with the referrer: the contact's owner or their account's, the partner's owner; an employee
    follows up their own), and the referrer's first name for the public page."""
    owner = _employee(link.owner)
    if link.contact_id:
        contact = link.contact
        owner = (
            owner
            or _employee(contact.owner)
            or _employee(contact.account.owner if contact.account_id else None)
        )
        return LinkSource(SourceKind.CUSTOMER, {"source_contact": contact}, owner, contact.first_name)
    if link.partner_id:
        partner = link.partner
        first_name = partner.name.split(" ")[0] if partner.kind == PartnerKind.PERSON else partner.name
        return LinkSource(
            SourceKind.PARTNER, {"source_partner": partner}, owner or _employee(partner.owner), first_name
        )
    employee = link.employee
    return LinkSource(
        SourceKind.EMPLOYEE,
        {"source_employee": employee},
        owner or _employee(employee),
        employee.user.get_short_name(),
    )


def _check_rate(*, link: ReferralLink, digest: str, now: datetime) -> None:
    ip_since = now - timedelta(minutes=settings.REFERRAL_FORM_IP_WINDOW_MINUTES)
    link_since = now - timedelta(days=1)
    by_ip = Q(workspace_id=link.workspace_id, ip_digest=digest, at__gte=ip_since)
    by_link = Q(link=link, at__gte=link_since)
    # One COUNT over both limits, in the database, so it holds across every web worker.
    counts = IntakeAttempt.objects.filter(by_ip | by_link).aggregate(
        ip=Count("id", filter=by_ip), link=Count("id", filter=by_link)
    )
    if counts["ip"] >= settings.REFERRAL_FORM_IP_LIMIT:
        raise RateLimited(
            "Thank you — we have already received several referrals from you in the last few minutes. "
            "Please wait a little and try again."
        )
    if counts["link"] >= settings.REFERRAL_FORM_LINK_DAILY_LIMIT:
        raise RateLimited(
            "This link has passed on many referrals today, so it is resting until tomorrow. "
            "Please try again then, or contact us directly."
        )


def referral_link_rate_check(*, link: ReferralLink, ip: str, now: datetime | None = None) -> None:
    """Raise RateLimited when another referral from `ip` or through `link` would pass a limit."""
    _check_rate(link=link, digest=ip_digest(ip), now=now or timezone.now())


@transaction.atomic
def referral_link_submit(
    *,
    link: ReferralLink,
    ip: str,
    company: str,
    person: str,
    email: str = "",
    phone: str = "",
    story: str = "",
    now: datetime | None = None,
) -> Referral:
    """Record a referral made through the public form of `link`, counted against the rate limits."""
    now = now or timezone.now()
    # Lock the link so requests through it are counted one after another: the per-link limit cannot be passed by
    # sending many at once (on SQLite the write transaction already serialises them).
    link = ReferralLink.objects.select_for_update(of=("self",)).select_related("workspace").get(pk=link.pk)
    if not link.is_active:
        raise ValidationError("This link is no longer active.")
    digest = ip_digest(ip)
    _check_rate(link=link, digest=digest, now=now)
    source = link_source(link=link)
    referral = referral_intake(
        workspace=link.workspace,
        actor=None,
        source_kind=source.source_kind,
        company=company,
        person=person,
        email=email,
        phone=phone,
        story=story,
        owner=source.owner,
        **source.source,
    )
    IntakeAttempt.objects.create(workspace=link.workspace, link=link, ip_digest=digest, at=now)
    return referral


@transaction.atomic
def intake_attempts_purge(*, now: datetime | None = None) -> int:
    """Delete the attempts no limit counts any more; returns how many."""
    before = (now or timezone.now()) - ATTEMPTS_KEPT
    deleted, _ = IntakeAttempt.objects.filter(at__lt=before).delete()
    return deleted
