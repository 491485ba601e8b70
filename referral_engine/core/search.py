"""Global search: accounts, contacts, partners and referrals by name, e-mail or company, within one workspace.

Every word of the query must match one of an entity's searchable columns (case-insensitive contains), so
"ada acme" finds Ada at Acme. Each kind returns a few rows; the results page and the shell's dropdown show them.
The same reads back the pickers of the referral form (contacts, partners, employees, events, accounts).

At a very large workspace a contains-match cannot use a b-tree index; PostgreSQL can add trigram indexes
(pg_trgm) on these columns without changing this code.
"""

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from referral_engine.core.selectors import search_terms
from referral_engine.partners.models import Event, Partner
from referral_engine.referrals.models import Referral
from referral_engine.relationships.models import Account, Contact
from referral_engine.workspaces.access import employee_required
from referral_engine.workspaces.models import Membership, Role, Workspace

MIN_LENGTH = 2
PER_KIND = 8
MAX_WORDS = 5


def _words(q: str) -> list[str]:
    return search_terms(q)[:MAX_WORDS]


def _matching(queryset: QuerySet, q: str, columns: tuple[str, ...]) -> QuerySet:
    words = _words(q)
    if len("".join(words)) < MIN_LENGTH:
        return queryset.none()
    for word in words:
        condition = Q()
        for column in columns:
            condition |= Q(**{f"{column}__icontains": word})
        queryset = queryset.filter(condition)
    return queryset


def account_search(*, workspace: Workspace, q: str, limit: int = PER_KIND) -> list[Account]:
    queryset = Account.objects.filter(workspace=workspace).select_related("owner__user")
    return list(_matching(queryset, q, ("name", "domain")).order_by("name", "id")[:limit])


def contact_search(*, workspace: Workspace, q: str, limit: int = PER_KIND) -> list[Contact]:
    queryset = Contact.objects.filter(workspace=workspace).select_related("account")
    columns = ("first_name", "last_name", "email", "account__name")
    return list(_matching(queryset, q, columns).order_by("last_name", "first_name", "id")[:limit])


def partner_search(*, workspace: Workspace, q: str, limit: int = PER_KIND) -> list[Partner]:
    queryset = Partner.objects.filter(workspace=workspace)
    columns = ("name", "company", "email", "profession")
    return list(_matching(queryset, q, columns).order_by("name", "id")[:limit])


def referral_search(*, workspace: Workspace, q: str, limit: int = PER_KIND) -> list[Referral]:
    queryset = Referral.objects.filter(workspace=workspace).select_related(
        "referred_account",
        "referred_contact",
        "source_contact",
        "source_partner",
        "source_employee__user",
        "source_event",
    )
    columns = (
        "referred_account__name",
        "referred_contact__first_name",
        "referred_contact__last_name",
        "referred_contact__email",
        "source_name",
        "source_contact__first_name",
        "source_contact__last_name",
        "source_partner__name",
        "source_partner__company",
    )
    return list(_matching(queryset, q, columns).order_by("-received_at", "-id")[:limit])


def account_named(*, workspace: Workspace, name: str) -> list[Account]:
    """Accounts whose name is exactly `name`, ignoring case (at most two: one is a match, two are ambiguous)."""
    return list(Account.objects.filter(workspace=workspace, name__iexact=name.strip()).order_by("id")[:2])


def contact_with_email(*, workspace: Workspace, email: str) -> Contact | None:
    """The contact with this e-mail address, ignoring case: a referred person we already know."""
    email = email.strip()
    if not email:
        return None
    return Contact.objects.filter(workspace=workspace, email__iexact=email).select_related("account").first()


def employee_search(*, workspace: Workspace, q: str, limit: int = PER_KIND) -> list[Membership]:
    queryset = (
        Membership.objects.filter(workspace=workspace, is_active=True)
        .exclude(role=Role.PARTNER)
        .select_related("user")
    )
    columns = ("user__full_name", "user__email", "team")
    return list(_matching(queryset, q, columns).order_by("user__full_name", "user__email")[:limit])


def event_search(*, workspace: Workspace, q: str, limit: int = PER_KIND) -> list[Event]:
    queryset = Event.objects.filter(workspace=workspace)
    return list(_matching(queryset, q, ("name", "location")).order_by("-starts_at", "-id")[:limit])


@dataclass
class SearchResults:
    q: str
    accounts: list = field(default_factory=list)
    contacts: list = field(default_factory=list)
    partners: list = field(default_factory=list)
    referrals: list = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.accounts) + len(self.contacts) + len(self.partners) + len(self.referrals)

    @property
    def sections(self) -> list[tuple[str, list, str]]:
        return [
            ("Accounts", self.accounts, "account"),
            ("Contacts", self.contacts, "contact"),
            ("Partners", self.partners, "partner"),
            ("Referrals", self.referrals, "referral"),
        ]

    @property
    def too_short(self) -> bool:
        return len("".join(_words(self.q))) < MIN_LENGTH


def search_everything(*, workspace: Workspace, q: str, per_kind: int = PER_KIND) -> SearchResults:
    results = SearchResults(q=q.strip())
    if results.too_short:
        return results
    results.accounts = account_search(workspace=workspace, q=q, limit=per_kind)
    results.contacts = contact_search(workspace=workspace, q=q, limit=per_kind)
    results.partners = partner_search(workspace=workspace, q=q, limit=per_kind)
    results.referrals = referral_search(workspace=workspace, q=q, limit=per_kind)
    return results


@employee_required
def search_view(request: HttpRequest) -> HttpResponse:
    """The results page, or, for the shell's search box (an htmx request), the dropdown under it."""
    q = request.GET.get("q", "")[:200]
    if request.htmx and not request.htmx.boosted:
        results = search_everything(workspace=request.workspace, q=q, per_kind=5)
        return render(request, "search/_dropdown.html", {"results": results})
    results = search_everything(workspace=request.workspace, q=q)
    return render(request, "search/results.html", {"results": results})
