import csv
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from referral_engine.insights import programme
from referral_engine.insights.tests.programme_firm import (
    END,
    START,
    TODAY,
    ProgrammeFirm,
    build_programme_firm,
    globex_noise,
)


def _lifetimes_datasets() -> Path | None:
    # find_spec on a top-level package locates it without importing it (lifetimes pulls in pandas and autograd).
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "datasets"


@pytest.fixture(scope="session")
def cdnow_dir() -> Path:
    """The public CDNOW sample that lifetimes (a dev dependency) ships."""
    path = _lifetimes_datasets()
    if path is None or not (path / "CDNOW_sample.txt").exists():
        pytest.skip("lifetimes and its CDNOW sample are not installed (dev dependency)")
    return path


@pytest.fixture(scope="session")
def cdnow_summary(cdnow_dir):
    """cdnow_customers_summary.csv: x, t_x and T in weeks to 2 decimals, as Fader, Hardie & Lee published them."""
    rows = np.loadtxt(cdnow_dir / "cdnow_customers_summary.csv", delimiter=",", skiprows=1)
    return rows[:, 1], rows[:, 2], rows[:, 3]


@pytest.fixture(scope="session")
def cdnow_csv(cdnow_dir, tmp_path_factory) -> Path:
    """CDNOW_sample.txt as a CSV the clv command reads.

    The text file has whitespace-separated columns: the customer id in the full data set, the id in the 1/10
    sample (1-2357), the date as YYYYMMDD, the number of CDs bought and the dollar value.
    """
    path = tmp_path_factory.mktemp("cdnow") / "cdnow_transactions.csv"
    with (cdnow_dir / "CDNOW_sample.txt").open() as source, path.open("w", newline="") as target:
        writer = csv.writer(target)
        writer.writerow(["customer_id", "date", "amount"])
        for line in source:
            _, sample_id, day, _, dollars = line.split()
            writer.writerow([sample_id, day, dollars])
    return path


@pytest.fixture
def pf(firm) -> ProgrammeFirm:
    """The hand-built firm of the programme insights (programme_firm.py), with Globex's noise beside it."""
    globex_noise(firm)
    return build_programme_firm(firm)


@pytest.fixture
def period(pf) -> programme.Period:
    """1 January to 30 June 2026 by quarter, today 30 June 2026: the period every hand-worked figure is for."""
    return programme.programme_period(
        workspace=pf.firm.workspace, start=START, end=END, period="quarter", today=TODAY
    )
