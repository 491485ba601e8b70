"""Task lookups by the engine's dedupe keys: exact, and by the kind of fact a key names (its prefix)."""

from datetime import date

import pytest

from referral_engine.engagement.models import Task, TaskKind
from referral_engine.engagement.selectors import tasks_with_dedupe_key, tasks_with_dedupe_prefix

pytestmark = pytest.mark.django_db


def _task(workspace, key: str) -> Task:
    return Task.objects.create(
        workspace=workspace,
        kind=TaskKind.FOLLOW_UP,
        title=key or "no key",
        due=date(2026, 6, 1),
        dedupe_key=key,
    )


def test_a_prefix_finds_its_keys_only_in_the_workspace(firm):
    acme, globex = firm.workspace, firm.other_workspace
    wanted = [
        _task(acme, "influencer:1:2026-05"),
        _task(acme, "influencer:2:2026-06"),
        _task(acme, "influencer:"),
    ]
    # Around the range's bounds: the character after ':' is ';', and keys that sort just before or after.
    for key in ("influencer;1", "influencer", "influencez:1", "Influencer:1", "detractor:1", ""):
        _task(acme, key)
    _task(globex, "influencer:1:2026-05")

    found = tasks_with_dedupe_prefix(workspace_id=acme.pk, prefix="influencer:")
    assert sorted(found.values_list("pk", flat=True)) == sorted(t.pk for t in wanted)
    assert list(tasks_with_dedupe_key(workspace_id=acme.pk, key="influencer:2:2026-06")) == [wanted[1]]
