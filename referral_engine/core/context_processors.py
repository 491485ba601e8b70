"""What the shell (core/templates/base.html) needs on every page, beyond request.membership and request.workspace."""

from dataclasses import dataclass
from functools import cache

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject
from unfold.settings import get_config
from unfold.utils import convert_color

from referral_engine.workspaces.selectors import memberships_of_user


@dataclass(frozen=True)
class NavItem:
    label: str
    icon: str
    url_name: str
    # Pages of the same section whose URL does not start with the section's (e.g. a search result's page).
    url_name_prefix: str = ""


EMPLOYEE_NAV = (
    NavItem("Today", "today", "today"),
    NavItem("Referrals", "conversion_path", "referral_board", "referral"),
    NavItem("Accounts", "apartment", "account_list", "account"),
    NavItem("Contacts", "contacts", "contact_list", "contact"),
    NavItem("Partners", "handshake", "partner_list", "partner"),
    NavItem("Insights", "monitoring", "insights", "insight"),
    NavItem("Settings", "settings", "settings", "settings"),
)
PARTNER_NAV = (NavItem("Your referrals", "handshake", "portal", "portal"),)


@cache
def _theme_colors() -> dict[str, dict[str, str]]:
    # unfold's stylesheet reads its palette from CSS variables that its admin pages print from UNFOLD["COLORS"];
    # the product's pages print the same ones, so both look alike and one setting re-brands both.
    return {
        name: {weight: convert_color(value) for weight, value in weights.items()}
        for name, weights in get_config()["COLORS"].items()
    }


def _nav(request: HttpRequest) -> list[dict]:
    membership = getattr(request, "membership", None)
    if membership is None:
        return []
    current = getattr(getattr(request, "resolver_match", None), "url_name", None) or ""
    items = []
    for item in PARTNER_NAV if not membership.is_employee else EMPLOYEE_NAV:
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue  # a page a later issue builds: no link until it exists
        active = request.path == url or (
            url != "/" and (request.path.startswith(url) or (current.startswith(item.url_name_prefix or "-")))
        )
        items.append({"label": item.label, "icon": item.icon, "url": url, "active": active})
    return items


def shell(request: HttpRequest) -> dict:
    context = {"shell_colors": _theme_colors(), "shell_border_radius": get_config().get("BORDER_RADIUS")}
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        # Lazy: nothing is computed for a page that does not draw the shell (a partial, an e-mail).
        context["shell_nav"] = SimpleLazyObject(lambda: _nav(request))
        context["shell_memberships"] = SimpleLazyObject(lambda: list(memberships_of_user(user=request.user)))
    return context
