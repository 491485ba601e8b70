"""The shell every signed-in page shares (core/templates/base.html)."""

import re
from pathlib import Path

import pytest
import unfold
from django.urls import reverse

from referral_engine.workspaces.models import Role
from referral_engine.workspaces.services import membership_add

ROOT = Path(__file__).resolve().parents[2]
SHELL_TEMPLATES = [
    *ROOT.glob("core/templates/*.html"),
    *ROOT.glob("core/templates/shell/*.html"),
    *ROOT.glob("workspaces/templates/workspaces/*.html"),
    *ROOT.glob("engagement/templates/engagement/*.html"),
    *ROOT.glob("partners/templates/partners/portal*.html"),
    *ROOT.glob("partners/templates/partners/_portal*.html"),
]


def _nav(html: str) -> list[str]:
    sidebar = html.split('aria-label="Main navigation"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r"<span>([^<]+)</span>\s*</a>", sidebar)


def test_an_employee_gets_every_section_search_the_record_button_and_their_menu(client, firm):
    client.force_login(firm.bob.user)
    html = client.get(reverse("today")).content.decode()

    assert _nav(html) == ["Today", "Referrals", "Accounts", "Contacts", "Partners", "Insights", "Settings"]
    assert f'action="{reverse("search")}"' in html and 'name="q"' in html
    assert f'href="{reverse("referral_create")}"' in html
    assert f'action="{reverse("logout")}"' in html and f'href="{reverse("profile")}"' in html
    assert 'aria-current="page"' in html
    assert "Bob Baker" in html and "Acme Advisory" in html


def test_a_partner_gets_only_their_portal_in_the_shell(client, firm):
    client.force_login(firm.carol.user)
    html = client.get(reverse("portal")).content.decode()

    assert _nav(html) == ["Your referrals"]
    assert f'action="{reverse("search")}"' not in html
    assert f'href="{reverse("referral_create")}"' not in html


def test_staff_find_the_back_office_in_their_menu(client, firm):
    firm.alice.user.is_staff = True
    firm.alice.user.save()
    client.force_login(firm.alice.user)
    assert f'href="{reverse("admin:index")}"' in client.get(reverse("today")).content.decode()
    client.force_login(firm.bob.user)
    assert f'href="{reverse("admin:index")}"' not in client.get(reverse("today")).content.decode()


def test_the_switcher_lists_only_my_workspaces(client, firm):
    membership_add(workspace=firm.other_workspace, user=firm.bob.user, role=Role.MEMBER)
    client.force_login(firm.bob.user)
    html = client.get(reverse("today")).content.decode()
    assert "Globex" in html and "Acme Advisory" in html

    client.force_login(firm.alice.user)
    assert "Globex" not in client.get(reverse("today")).content.decode()


def test_a_missing_page_is_a_friendly_404(client, firm):
    client.force_login(firm.bob.user)
    response = client.get("/accounts/999999/")
    assert response.status_code == 404
    assert "This page is not here" in response.content.decode()


@pytest.mark.parametrize("path", SHELL_TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_shell_uses_only_styles_unfolds_stylesheet_ships(path):
    """unfold's CSS is compiled Tailwind: a utility class it does not contain silently does nothing."""
    known = _unfold_classes()
    used = set()
    for attribute in re.findall(r'class="([^"]*)"', path.read_text()):
        used.update(re.sub(r"{%.*?%}|{{.*?}}", " ", attribute).split())
    unknown = {name for name in used if name not in known and not name.startswith("re-")}
    assert not unknown, f"{path.name} uses classes unfold's stylesheet does not define: {sorted(unknown)}"


_KNOWN: set[str] = set()


def _unfold_classes() -> set[str]:
    if not _KNOWN:
        css = (Path(unfold.__file__).parent / "static/unfold/css/styles.css").read_text()
        for match in re.finditer(r"\.((?:\\.|[A-Za-z0-9_\-])+)", css):
            _KNOWN.add(re.sub(r"\\(.)", r"\1", match.group(1)))
        _KNOWN.add("material-symbols-outlined")
    return _KNOWN
