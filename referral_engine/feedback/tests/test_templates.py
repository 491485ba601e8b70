"""The NPS pages use only classes unfold's compiled stylesheet defines (a missing utility silently does nothing);
the few rules it lacks are `re-` classes defined in the page itself."""

import re
from pathlib import Path

import pytest

from referral_engine.core.tests.test_shell import _unfold_classes

TEMPLATES = sorted((Path(__file__).resolve().parents[1] / "templates" / "feedback").glob("*.html"))


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_the_nps_pages_use_only_styles_unfolds_stylesheet_ships(path):
    known = _unfold_classes()
    used = set()
    for attribute in re.findall(r'class="([^"]*)"', path.read_text()):
        used.update(re.sub(r"{%.*?%}|{{.*?}}", " ", attribute).split())
    unknown = {name for name in used if name not in known and not name.startswith("re-")}
    assert not unknown, f"{path.name} uses classes unfold's stylesheet does not define: {sorted(unknown)}"
