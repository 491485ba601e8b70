"""`referral-engine token create|list|revoke`."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from referral_engine.workspaces.management.commands.token import Command
from referral_engine.workspaces.models import ApiToken


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("token", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_create_prints_a_token_that_authenticates_as_that_user(firm):
    raw = run("create", "--user", "BOB@acme.test", "--workspace", "acme", "--name", "zapier").strip()

    response = Client().get("/api/v1/accounts", headers={"Authorization": f"Bearer {raw}"})

    assert response.status_code == 200
    token = ApiToken.objects.get()
    assert (token.membership, token.name) == (firm.bob, "zapier")
    assert raw not in (token.digest, token.prefix)


def test_list_shows_tokens_without_revealing_them_and_revoke_stops_one(firm):
    raw = run("create", "--user", "alice@acme.test", "--workspace", "acme").strip()
    token = ApiToken.objects.get()

    listing = run("list", "--workspace", "acme")
    assert token.prefix in listing and "alice@acme.test" in listing and "never" in listing
    assert raw not in listing
    assert run("list", "--workspace", "globex").strip().splitlines()[1:] == []

    run("revoke", "--prefix", token.prefix, "--workspace", "acme")

    assert Client().get("/api/v1/accounts", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    assert ApiToken.objects.get().revoked_at is not None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("create", "--user", "nobody@acme.test", "--workspace", "acme"), "No user 'nobody@acme.test'"),
        (("create", "--user", "dave@globex.test", "--workspace", "acme"), "No user 'dave@globex.test'"),
        (("create", "--user", "alice@acme.test", "--workspace", "nowhere"), "No workspace with the slug"),
        (("revoke", "--prefix", "re_nothing", "--workspace", "acme"), "No token with the prefix"),
    ],
)
def test_unknown_people_places_or_tokens_are_refused_with_a_message(firm, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert ApiToken.objects.count() == 0


def test_the_console_script_exits_non_zero_with_the_message(firm, capsys):
    # run_from_argv is what `referral-engine token ...` runs: a CommandError becomes a message and an exit code.
    with pytest.raises(SystemExit) as exit_:
        Command().run_from_argv(
            ["referral-engine", "token", "create", "--user", "x@y.test", "--workspace", "acme"]
        )

    assert exit_.value.code != 0
    assert "No user 'x@y.test' in the workspace 'acme'." in capsys.readouterr().err


def test_revoking_another_workspaces_token_by_prefix_does_nothing(firm):
    run("create", "--user", "dave@globex.test", "--workspace", "globex")
    prefix = ApiToken.objects.get().prefix

    with pytest.raises(CommandError):
        run("revoke", "--prefix", prefix, "--workspace", "acme")
    assert ApiToken.objects.get().revoked_at is None
