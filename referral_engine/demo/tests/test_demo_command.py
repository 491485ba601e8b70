"""`referral-engine demo`: refuses to overwrite, replaces on request, and always leaves a working login."""

import re
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from referral_engine.core.testing import make_user
from referral_engine.demo.generator import FirmGenerator
from referral_engine.relationships.models import Account
from referral_engine.workspaces.models import User, Workspace
from referral_engine.workspaces.services import workspace_create

pytestmark = pytest.mark.django_db
SMALL = ["--accounts", "25", "--today", "2025-03-14", "--chunk-size", "10"]


def demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def logins(output: str) -> dict[str, tuple[str, str]]:
    found = re.findall(r"(Owner|Partner portal) sign-in:\s+(\S+)\s+(\S+)", output)
    return {who: (email, password) for who, email, password in found}


def signs_in(email: str, password: str) -> bool:
    request = RequestFactory().post("/login/")
    return authenticate(request, username=email, password=password) is not None


def test_it_prints_logins_that_work_and_the_figures():
    output = demo(*SMALL, "--workspace", "demo-cli")

    found = logins(output)
    assert signs_in(*found["Owner"])
    assert signs_in(*found["Partner portal"])
    assert found["Owner"][0] == "owner@demo-cli.example"
    assert "relationships.Account" in output and "rows/s" in output and "Peak memory" in output
    assert Account.objects.filter(workspace__slug="demo-cli").count() == 25


def test_it_refuses_to_overwrite_and_replace_starts_again():
    demo(*SMALL, "--workspace", "demo-cli", "--seed", "1")
    first = set(Account.objects.filter(workspace__slug="demo-cli").values_list("name", flat=True))

    with pytest.raises(CommandError, match="exists already"):
        demo(*SMALL, "--workspace", "demo-cli", "--seed", "2")
    assert set(Account.objects.filter(workspace__slug="demo-cli").values_list("name", flat=True)) == first

    output = demo(*SMALL, "--workspace", "demo-cli", "--seed", "2", "--replace")
    second = set(Account.objects.filter(workspace__slug="demo-cli").values_list("name", flat=True))
    assert len(second) == 25 and second != first
    assert Workspace.objects.filter(slug="demo-cli").count() == 1
    assert signs_in(*logins(output)["Owner"])


def test_if_missing_generates_once_then_only_resets_the_passwords():
    first = logins(demo(*SMALL, "--workspace", "demo-cli", "--if-missing"))
    accounts = Account.objects.filter(workspace__slug="demo-cli").count()

    output = demo(*SMALL, "--workspace", "demo-cli", "--if-missing")
    again = logins(output)

    assert "new passwords" in output
    assert Account.objects.filter(workspace__slug="demo-cli").count() == accounts == 25
    assert again["Owner"][0] == first["Owner"][0] and again["Owner"][1] != first["Owner"][1]
    assert signs_in(*again["Owner"]) and signs_in(*again["Partner portal"])
    assert not signs_in(*first["Owner"])


def test_it_never_touches_a_workspace_it_did_not_make():
    workspace_create(name="Acme", slug="acme", owner=make_user("alice@acme.test"))

    for mode in ("--replace", "--if-missing"):
        with pytest.raises(CommandError, match="not made by the demo command"):
            demo(*SMALL, "--workspace", "acme", mode)
    assert User.objects.get(email="alice@acme.test").check_password("correct-horse-battery-staple")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--accounts", "0"], "at least 1 account"),
        (["--workspace", "Not A Slug"], "not a workspace slug"),
        (["--seed", "-3"], "whole number"),
        (["--today", "2025-02-30"], "not a date"),
        (["--replace", "--if-missing"], "not allowed with"),
    ],
)
def test_bad_arguments_are_refused_with_a_clear_message(args, message):
    with pytest.raises(CommandError, match=message):
        demo(*args)
    assert not Workspace.objects.exists()


def test_demo_users_left_behind_by_a_deleted_workspace_do_not_block_a_new_demo():
    demo(*SMALL, "--workspace", "demo-cli")
    Workspace.objects.get(slug="demo-cli").delete()
    assert User.objects.filter(email="owner@demo-cli.example").exists()

    output = demo(*SMALL, "--workspace", "demo-cli", "--if-missing")

    assert signs_in(*logins(output)["Owner"])
    assert Account.objects.filter(workspace__slug="demo-cli").count() == 25


def test_ctrl_c_half_way_writes_nothing_and_says_so(monkeypatch):
    def interrupted(self, k):
        raise KeyboardInterrupt

    monkeypatch.setattr(FirmGenerator, "chunk", interrupted)
    with pytest.raises(CommandError, match="Interrupted: nothing was written") as caught:
        demo(*SMALL, "--workspace", "demo-cli")

    assert caught.value.returncode == 130
    assert not Workspace.objects.filter(slug="demo-cli").exists()
    assert not User.objects.filter(email__endswith="@demo-cli.example").exists()
