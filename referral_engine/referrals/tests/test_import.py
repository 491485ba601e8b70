"""A CSV of referrals, all or nothing: the command line and the upload page."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from referral_engine.core.testing import make_account, make_contact
from referral_engine.engagement.models import Task
from referral_engine.partners.models import Event
from referral_engine.referrals.forms import IMPORT_MAX_BYTES
from referral_engine.referrals.models import Referral, ReferralMatch
from referral_engine.relationships.models import Account, Contact

HEADER = "company,person,email,phone,story,source_kind,source,owner,received_at\n"


@pytest.fixture
def ann(firm):
    initech = make_account(firm.workspace, name="Initech", status="customer")
    return make_contact(
        firm.workspace, first_name="Ann", last_name="Able", email="ann@initech.test", account=initech
    )


@pytest.fixture
def good_csv(firm, ann):
    Event.objects.create(
        workspace=firm.workspace,
        name="Chamber breakfast",
        starts_at=datetime(2026, 3, 1, 8, 0, tzinfo=ZoneInfo("UTC")),
    )
    return (
        HEADER
        + "Hooli,Gavin Belson,gavin@hooli.test,+1 555 0100,Ann's golf partner,customer,ann@initech.test,bob@acme.test,2026-03-02\n"
        + 'Pied Piper,Richard Hendricks,,,"Carol said: ""call them""",partner,Carol Clark,,2026-03-03 14:30\n'
        + "Aviato,,,,,employee,bob@acme.test,alice@acme.test,\n"
        + "\n"
        + "Raviga,,,,,event,Chamber breakfast,,\n"
        + "Bachmanity,,,,,,A neighbour,,\n"
    )


def _counts():
    return (Referral.objects.count(), Account.objects.count(), Contact.objects.count(), Task.objects.count())


def _run(tmp_path, text: str, *args: str) -> tuple[str, str]:
    path = tmp_path / "referrals.csv"
    path.write_text(text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    call_command("referrals", "import", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_imports_every_row_through_the_intake(firm, tmp_path, good_csv, ann):
    out, _ = _run(tmp_path, good_csv, "--workspace", "acme")
    assert "5 referral(s) imported into acme" in out
    referrals = {r.referred_account.name: r for r in Referral.objects.filter(workspace=firm.workspace)}
    assert set(referrals) == {"Hooli", "Pied Piper", "Aviato", "Raviga", "Bachmanity"}
    hooli = referrals["Hooli"]
    assert (hooli.source_kind, hooli.source_contact, hooli.owner) == ("customer", ann, firm.bob)
    assert (hooli.referred_contact.name, hooli.referred_contact.email) == ("Gavin Belson", "gavin@hooli.test")
    assert hooli.received_at == datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("UTC"))
    assert hooli.story == "Ann's golf partner"
    piper = referrals["Pied Piper"]
    assert (piper.source_partner, piper.story) == (firm.carol_partner, 'Carol said: "call them"')
    assert piper.received_at == datetime(2026, 3, 3, 14, 30, tzinfo=ZoneInfo("UTC"))
    assert (referrals["Aviato"].source_employee, referrals["Aviato"].owner) == (firm.bob, firm.alice)
    assert referrals["Raviga"].source_event.name == "Chamber breakfast"
    assert (referrals["Bachmanity"].source_kind, referrals["Bachmanity"].source_name) == (
        "other",
        "A neighbour",
    )
    # Every row went through referral_create: each has its thank-you task.
    assert Task.objects.filter(referral__in=referrals.values(), kind="thank").count() == 5


def test_the_import_deduplicates_like_every_other_channel(firm, tmp_path):
    acme = make_account(firm.workspace, name="Umbrella Corporation", status="customer")
    _run(tmp_path, HEADER + '"UMBRELLA, Inc.",,,,,other,Web,,\n', "--workspace", "acme")
    referral = Referral.objects.get(workspace=firm.workspace)
    assert referral.referred_account == acme  # the same company written another way: linked
    assert ReferralMatch.objects.filter(referral=referral, matched_account=acme).exists()


def test_a_dry_run_checks_everything_and_writes_nothing(firm, tmp_path, good_csv):
    before = _counts()
    out, _ = _run(tmp_path, good_csv, "--workspace", "acme", "--dry-run")
    assert "5 referral(s) checked; none written" in out
    assert _counts() == before


def test_every_error_is_reported_by_row_and_column_and_nothing_is_written(firm, tmp_path, good_csv):
    bad = (
        good_csv
        + ",Nobody,,,,customer,ann@initech.test,,\n"  # row 9: no company
        + "Globex,,not-an-address,,,customer,nobody@nowhere.test,,\n"  # row 10: e-mail, source
        + "Massive,,,,,wizard,Merlin,dave@globex.test,2026-02-30\n"  # row 11: kind, owner, date (3)
        + "Future Co,,,,,other,Someone,,2999-01-01\n"  # row 12: the future
    )
    before = _counts()
    with pytest.raises(CommandError, match="7 error"):
        _run(tmp_path, bad, "--workspace", "acme")
    assert _counts() == before


def test_the_error_lines_name_the_row_and_column(firm, tmp_path, capsys):
    text = HEADER + "Ok Co,,,,,other,X,,\n" + ",,,,,partner,Nobody Known,,\n"
    path = tmp_path / "r.csv"
    path.write_text(text)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("referrals", "import", str(path), "--workspace", "acme", stderr=err)
    lines = err.getvalue().splitlines()
    assert "row 3, company: Name the company that was referred." in lines
    assert "row 3, source: No partner with the name Nobody Known in this workspace." in lines
    assert not Referral.objects.exists()


def test_a_file_it_cannot_read_is_refused(firm, tmp_path):
    for text, message in (
        ("name,city\nAcme,Paris\n", "Unknown column"),
        ("person\nAnn\n", "company: This column is required"),
        ("company\n", "no referrals"),
        ("", "empty"),
    ):
        path = tmp_path / "r.csv"
        path.write_text(text)
        err = io.StringIO()
        with pytest.raises(CommandError):
            call_command("referrals", "import", str(path), "--workspace", "acme", stderr=err)
        assert message in err.getvalue(), text
    (tmp_path / "latin1.csv").write_bytes("company\nCafé\n".encode("latin-1"))
    with pytest.raises(CommandError):
        call_command(
            "referrals", "import", str(tmp_path / "latin1.csv"), "--workspace", "acme", stderr=io.StringIO()
        )
    with pytest.raises(CommandError, match="No such file"):
        call_command("referrals", "import", str(tmp_path / "missing.csv"), "--workspace", "acme")
    with pytest.raises(CommandError, match="No workspace"):
        call_command("referrals", "import", str(tmp_path / "latin1.csv"), "--workspace", "nope")
    assert not Referral.objects.exists()


def test_another_workspaces_people_are_not_found(firm, tmp_path, ann):
    # Globex's owner, and Acme's contact named from Globex's import: neither exists there.
    text = (
        HEADER
        + "Hooli,,,,,customer,ann@initech.test,dave@globex.test,\n"
        + "Aviato,,,,,employee,bob@acme.test,,\n"
    )
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("referrals", "import", "-", "--workspace", "globex", stderr=err, stdin=io.StringIO(text))
    path = tmp_path / "r.csv"
    path.write_text(text)
    with pytest.raises(CommandError):
        call_command("referrals", "import", str(path), "--workspace", "globex", stderr=err)
    assert "row 2, source: No contact with the e-mail ann@initech.test in this workspace." in err.getvalue()
    assert "row 3, source: No colleague with the e-mail bob@acme.test in this workspace." in err.getvalue()
    assert not Referral.objects.exists()


# transaction=True: run_from_argv closes the database connections when it ends, as the real command does.
@pytest.mark.django_db(transaction=True)
def test_the_cli_exits_non_zero_with_the_errors_on_stderr(firm, tmp_path, capsys):
    from referral_engine.referrals.management.commands.referrals import Command

    path = tmp_path / "r.csv"
    path.write_text(HEADER + ",Nobody,,,,,,,\nOk,,,,,other,X,,\n")
    with pytest.raises(SystemExit) as exited:
        Command().run_from_argv(["referral-engine", "referrals", "import", str(path), "--workspace", "acme"])
    assert exited.value.code != 0
    err = capsys.readouterr().err
    assert "row 2, company: Name the company that was referred." in err
    assert "2 error(s)" in err and "nothing was imported" in err
    assert not Referral.objects.exists()


# ------------------------------------------------------------------------------------------------ upload page


def _upload(client, text: str | bytes, **extra):
    data = text.encode() if isinstance(text, str) else text
    return client.post(
        reverse("referral_import"), {"file": SimpleUploadedFile("r.csv", data, "text/csv"), **extra}
    )


def test_a_manager_uploads_a_file_and_every_referral_is_imported(client, firm, good_csv):
    client.force_login(firm.alice.user)
    page = client.get(reverse("referral_import"))
    assert page.status_code == 200 and "received_at" in page.content.decode()
    response = _upload(client, good_csv)
    assert response.status_code == 200
    assert "5 referrals imported" in response.content.decode()
    assert Referral.objects.filter(workspace=firm.workspace).count() == 5
    template = client.get(reverse("referral_import_template"))
    assert template["Content-Type"].startswith("text/csv") and b"company,person" in template.content


def test_the_upload_lists_every_error_and_writes_nothing(client, firm, good_csv):
    client.force_login(firm.alice.user)
    before = _counts()
    response = _upload(client, good_csv + ",,,,,wizard,,,\n")
    assert response.status_code == 422
    body = response.content.decode()
    assert "Nothing was imported: 2 errors" in body
    assert "Name the company that was referred." in body and "Choose one of" in body
    assert _counts() == before

    response = _upload(client, good_csv, dry_run="on")
    assert response.status_code == 200
    assert "All 5 referrals are fine; nothing was imported" in response.content.decode()
    assert _counts() == before


def test_the_upload_is_limited_in_size_and_rows(client, firm, settings):
    client.force_login(firm.alice.user)
    response = _upload(client, b"company\n" + b"x" * (IMPORT_MAX_BYTES + 100 * 1024))
    assert response.status_code == 413
    assert "larger than" in response.content.decode()

    from referral_engine.referrals import forms, views

    settings.DEBUG = False
    rows = "company\n" + "".join(f"Co {i}\n" for i in range(forms.IMPORT_MAX_ROWS + 1))
    assert len(rows) < IMPORT_MAX_BYTES
    response = _upload(client, rows)
    assert response.status_code == 422
    assert f"at most {views.IMPORT_MAX_ROWS:,} at a time" in response.content.decode()
    assert not Referral.objects.exists()


def test_members_partners_and_other_workspaces_cannot_upload(client, firm, good_csv):
    for who in (firm.bob, firm.carol):
        client.force_login(who.user)
        assert client.get(reverse("referral_import")).status_code == 404
        assert client.get(reverse("referral_import_template")).status_code == 404
        assert _upload(client, good_csv).status_code == 404
    # Globex's owner imports into Globex only: Acme's people are unknown there.
    client.force_login(firm.dave.user)
    response = _upload(client, good_csv)
    assert response.status_code == 422
    assert "No contact with the e-mail ann@initech.test in this workspace." in response.content.decode()
    assert not Referral.objects.exists()
