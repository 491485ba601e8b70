"""`referral-engine clv fit`: fit the BG/NBD and Gamma-Gamma CLV models to a CSV transaction log.

Reads no database: the file is the whole input, so it works on any CRM or shop export (docs/clv.md).
"""

from __future__ import annotations

import json
from datetime import date

import numpy as np
from django.core.management.base import BaseCommand, CommandError, CommandParser

from referral_engine.insights.clv import TIME_UNIT_DAYS, fit_bgnbd, fit_gamma_gamma
from referral_engine.insights.rfm import rfm_summary
from referral_engine.insights.transactions import TransactionFileError, parse_date, read_transactions_csv


class Command(BaseCommand):
    help = "Customer lifetime value models (BG/NBD for repeat purchases, Gamma-Gamma for spend)."
    requires_system_checks = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{fit}")
        fit = actions.add_parser(
            "fit",
            help="Fit both models to a CSV file with one row per purchase.",
            description=(
                "Reads a CSV file with one row per purchase (customer, date, amount), merges purchases made on the "
                "same day, and fits the BG/NBD model (Fader, Hardie & Lee 2005) to the repeat purchases and the "
                "Gamma-Gamma model to the average repeat spend, by maximum likelihood."
            ),
        )
        fit.add_argument(
            "--transactions", required=True, metavar="FILE.csv", help="The CSV file, with a header row."
        )
        fit.add_argument(
            "--customer-col", default="customer_id", help="Customer id column (default: customer_id)."
        )
        fit.add_argument("--date-col", default="date", help="Purchase date column (default: date).")
        fit.add_argument("--amount-col", default="amount", help="Purchase amount column (default: amount).")
        fit.add_argument(
            "--calibration-end",
            metavar="DATE",
            help="Last day of the calibration period, included; later purchases are ignored (default: last date).",
        )
        fit.add_argument(
            "--unit",
            choices=list(TIME_UNIT_DAYS),
            default="weeks",
            help="Time unit of recency, T and alpha (default: weeks; a month is 365.25/12 days).",
        )
        fit.add_argument(
            "--date-format",
            metavar="FMT",
            help="strptime format of the dates, e.g. %%d/%%m/%%Y (default: ISO 8601, YYYY-MM-DD).",
        )
        fit.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args, action: str, **options) -> None:
        report = self._fit(options)
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2))
        else:
            self._print(report)
        self.stdout.flush()
        for name, label in (("bgnbd", "BG/NBD"), ("gamma_gamma", "Gamma-Gamma")):
            if not report[name]["converged"]:
                self.stderr.write(
                    f"Warning: the {label} fit did not converge to an interior optimum (a parameter ran beyond 1e±8 "
                    "or the optimiser stopped short): the data cannot pin it down, so do not rely on it."
                )

    def _fit(self, options) -> dict:
        try:
            log = read_transactions_csv(
                options["transactions"],
                customer_col=options["customer_col"],
                date_col=options["date_col"],
                amount_col=options["amount_col"],
                date_format=options["date_format"],
            )
        except TransactionFileError as error:
            raise CommandError(str(error)) from error
        end = self._calibration_end(options["calibration_end"], options["date_format"])
        if end is not None and np.datetime64(end, "D") < log.dates.min():
            raise CommandError(f"--calibration-end {end} is before the first purchase ({log.dates.min()}).")
        summary = rfm_summary(
            log.customer_ids, log.dates, log.amounts, calibration_end=end, unit=options["unit"]
        )
        repeaters = int(np.count_nonzero(summary.frequency > 0))
        if repeaters == 0:
            raise CommandError(
                "No customer made a repeat purchase (on a later day) by the calibration end, so neither model can be "
                "fitted. Use a longer history or a later --calibration-end."
            )
        try:
            bgnbd = fit_bgnbd(summary.frequency, summary.recency, summary.T)
            spend = fit_gamma_gamma(summary.frequency, summary.monetary_value)
        except ValueError as error:
            raise CommandError(str(error)) from error
        return {
            "customers": len(summary),
            "repeat_customers": repeaters,
            "transactions_read": len(log),
            "transactions_used": summary.transactions_used,
            "calibration_end": str(summary.calibration_end),
            "unit": summary.unit,
            "bgnbd": {
                "r": bgnbd.params.r,
                "alpha": bgnbd.params.alpha,
                "a": bgnbd.params.a,
                "b": bgnbd.params.b,
                "log_likelihood": float(bgnbd.log_likelihood),
                "customers": int(bgnbd.n_customers),
                "converged": bgnbd.converged,
            },
            "gamma_gamma": {
                "p": spend.params.p,
                "q": spend.params.q,
                "gamma": spend.params.gamma,
                "log_likelihood": float(spend.log_likelihood),
                "customers": int(spend.n_customers),
                "converged": spend.converged,
            },
        }

    @staticmethod
    def _calibration_end(text: str | None, date_format: str | None) -> date | None:
        if text is None:
            return None
        for fmt in (None, date_format) if date_format else (None,):
            try:
                return parse_date(text, fmt)
            except ValueError:
                continue
        raise CommandError(f'--calibration-end: cannot read "{text}" as a date (use YYYY-MM-DD).')

    def _print(self, report: dict) -> None:
        bg, gg = report["bgnbd"], report["gamma_gamma"]
        unit = report["unit"]
        self.stdout.write(
            f"{report['customers']} customers ({report['repeat_customers']} with repeat purchases), "
            f"{report['transactions_used']} of {report['transactions_read']} transactions up to "
            f"{report['calibration_end']}; time in {unit}."
        )
        self.stdout.write("\nBG/NBD, repeat purchases (Fader, Hardie & Lee 2005)")
        self.stdout.write(f"  r      {bg['r']:.6g}   shape of the purchase-rate distribution")
        self.stdout.write(f"  alpha  {bg['alpha']:.6g}   its scale, in {unit}")
        self.stdout.write(f"  a      {bg['a']:.6g}   dropout-probability Beta a")
        self.stdout.write(f"  b      {bg['b']:.6g}   dropout-probability Beta b")
        self.stdout.write(f"  log-likelihood {bg['log_likelihood']:.6f} over {bg['customers']} customers")
        self.stdout.write("\nGamma-Gamma, average repeat spend (Fader, Hardie & Lee 2005)")
        self.stdout.write(f"  p      {gg['p']:.6g}   shape of the spend per purchase")
        self.stdout.write(f"  q      {gg['q']:.6g}   shape of the customers' spend-rate distribution")
        self.stdout.write(f"  gamma  {gg['gamma']:.6g}   its scale")
        self.stdout.write(f"  log-likelihood {gg['log_likelihood']:.6f} over {gg['customers']} customers")
