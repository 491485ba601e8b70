"""`referral-engine clv fit`: reads a CSV file, needs no database."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from referral_engine.insights.management.commands.clv import Command


def run(*args, stderr=None) -> str:
    out = StringIO()
    call_command("clv", "fit", *args, stdout=out, stderr=stderr or StringIO())
    return out.getvalue()


def write(tmp_path, text, name="transactions.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


CDNOW_ARGS = ("--date-format", "%Y%m%d", "--calibration-end", "1997-09-30", "--unit", "weeks")


def test_cdnow_from_csv_reproduces_both_published_fits(cdnow_csv):
    report = json.loads(run("--transactions", str(cdnow_csv), *CDNOW_ARGS, "--json"))

    assert set(report) == {
        "customers",
        "repeat_customers",
        "transactions_read",
        "transactions_used",
        "calibration_end",
        "unit",
        "bgnbd",
        "gamma_gamma",
    }
    assert set(report["bgnbd"]) == {"r", "alpha", "a", "b", "log_likelihood", "customers", "converged"}
    assert set(report["gamma_gamma"]) == {"p", "q", "gamma", "log_likelihood", "customers", "converged"}
    assert (report["customers"], report["repeat_customers"], report["calibration_end"]) == (
        2357,
        946,
        "1997-09-30",
    )
    bg, gg = report["bgnbd"], report["gamma_gamma"]
    # Fader, Hardie & Lee (2005): r = 0.243, α = 4.414, a = 0.793, b = 2.426, LL = −9582.4 (2,357 customers).
    assert [f"{bg['r']:.3f}", f"{bg['alpha']:.3f}", f"{bg['a']:.3f}", f"{bg['b']:.3f}"] == [
        "0.243",
        "4.414",
        "0.793",
        "2.426",
    ]
    assert f"{bg['log_likelihood']:.1f}" == "-9582.4"
    assert bg["customers"] == 2357 and bg["converged"]
    # Fader & Hardie (2013): p = 6.25, q = 3.74, γ = 15.44 for the 946 repeat customers.
    assert [f"{gg['p']:.2f}", f"{gg['q']:.2f}", f"{gg['gamma']:.2f}"] == ["6.25", "3.74", "15.44"]
    assert gg["customers"] == 946 and gg["converged"]


def test_text_output_names_every_parameter(cdnow_csv):
    text = run("--transactions", str(cdnow_csv), *CDNOW_ARGS)

    assert "2357 customers (946 with repeat purchases)" in text
    for line in (
        "r      0.24259",
        "alpha  4.4136",
        "a      0.79292",
        "b      2.42591",
        "log-likelihood -9582.429",
    ):
        assert line in text
    for line in ("p      6.24957", "q      3.74422", "gamma  15.4435", "log-likelihood -4055.91"):
        assert line in text


def test_custom_columns_iso_dates_and_semicolons(tmp_path):
    path = write(
        tmp_path,
        "Kunde;Datum;Betrag\n"
        + "".join(
            f"{c};2024-0{m}-1{d};{10 + c + m}\n"
            for c in range(1, 6)
            for m in range(1, 10 - c)
            for d in range(c % 2 + 1)
        ),
    )

    err = StringIO()
    report = json.loads(
        run(
            "--transactions",
            path,
            "--customer-col",
            "Kunde",
            "--date-col",
            "Datum",
            "--amount-col",
            "Betrag",
            "--json",
            stderr=err,
        )
    )

    assert report["customers"] == 5
    assert report["calibration_end"] == "2024-08-11"  # the last date, by default
    assert report["unit"] == "weeks"
    # Five customers buying like clockwork leave no heterogeneity to estimate: the mixing parameters run off
    # towards infinity, and the command says so instead of presenting them as estimates.
    assert not report["bgnbd"]["converged"]
    assert "Warning: the BG/NBD fit did not converge" in err.getvalue()


def test_a_crm_export_with_a_bom_quotes_blank_lines_and_timestamps(tmp_path):
    # Two purchases by "Acme, Inc." on the same day (10:00 and 15:30) are one purchase of 150.
    path = tmp_path / "export.csv"
    path.write_bytes(
        "\ufeffcustomer_id,date,amount,note\n"
        '"Acme, Inc.",2024-01-05T10:00:00,100,"first, big"\n'
        '"Acme, Inc.",2024-01-05T15:30:00,50,\n'
        "\n"
        '"Acme, Inc.",2024-02-05,80,\n'
        "Globex,2024-01-20,10,\n"
        "Globex,2024-03-01,30,\n".encode()
    )

    report = json.loads(run("--transactions", str(path), "--unit", "days", "--json"))

    assert (report["customers"], report["repeat_customers"], report["transactions_read"]) == (2, 2, 5)
    assert report["calibration_end"] == "2024-03-01"


@pytest.mark.parametrize(
    ("content", "extra", "message"),
    [
        (None, (), "does not exist"),
        ("", (), "is empty"),
        ("customer_id,date,amount\n", (), "has a header but no transactions"),
        (
            "client,date,amount\n1,2024-01-01,5\n",
            (),
            'no column "customer_id" \\(set it with --customer-col\\)',
        ),
        ("customer_id,date,value\n1,2024-01-01,5\n", (), 'no column "amount"'),
        (
            "customer_id,date,amount\n1,2024-01-01,5\n2,01/02/2024,5\n",
            (),
            'row 2 \\(line 3\\), column "date"',
        ),
        (
            "customer_id,date,amount\n1,2024-01-01,5\n",
            ("--date-format", "%d/%m/%Y"),
            'row 1 \\(line 2\\), column "date": cannot read "2024-01-01" as a date in the format "%d/%m/%Y"',
        ),
        (
            "customer_id,date,amount\n1,2024-01-01,5\n1,2024-01-02,1.2.3\n",
            (),
            'row 2 \\(line 3\\), column "amount"',
        ),
        (
            "customer_id,date,amount\n1,2024-01-01,-5\n",
            (),
            'row 1 \\(line 2\\), column "amount": the amount -5 is neg',
        ),
        (
            "customer_id,date,amount\n1,2024-01-01,5\n1,2024-01-03,nan\n",
            (),
            'row 2 \\(line 3\\), column "amount"',
        ),
        (
            "customer_id,date,amount\n1,2024-01-01,5\n,2024-01-03,5\n",
            (),
            'row 2 \\(line 3\\), column "customer_id"',
        ),
        ("customer_id,date,amount\n1,2024-01-01\n", (), "row 1 \\(line 2\\) has 2 fields"),
        (
            "customer_id,date,amount\n1,2024-01-01,5\n2,2024-01-03,5\n",
            (),
            "No customer made a repeat purchase",
        ),
        (
            "customer_id,date,amount\n1,2024-01-01,5\n1,2024-02-01,5\n",
            ("--calibration-end", "soon"),
            "--calibration",
        ),
        (
            "customer_id,date,amount\n1,2024-01-01,5\n1,2024-02-01,5\n",
            ("--calibration-end", "2023-12-31"),
            "before",
        ),
    ],
)
def test_bad_files_are_refused_with_the_row_and_column(tmp_path, content, extra, message):
    path = str(tmp_path / "missing.csv") if content is None else write(tmp_path, content)

    with pytest.raises(CommandError, match=message):
        run("--transactions", path, *extra)


def test_a_file_that_is_not_text_is_refused(tmp_path):
    path = tmp_path / "binary.csv"
    path.write_bytes(b"customer_id,date,amount\n\xff\xfe\x00garbage\n")

    with pytest.raises(CommandError, match="is not UTF-8 text"):
        run("--transactions", str(path))


def test_the_console_script_exits_non_zero_with_the_message(tmp_path, capsys):
    # run_from_argv is what `referral-engine clv fit ...` runs: a CommandError becomes a message and an exit code.
    with pytest.raises(SystemExit) as exit_:
        Command().run_from_argv(
            ["referral-engine", "clv", "fit", "--transactions", str(tmp_path / "nope.csv")]
        )

    assert exit_.value.code != 0
    assert "nope.csv does not exist" in capsys.readouterr().err
