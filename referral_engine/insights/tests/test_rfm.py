"""Frequency, recency, T and average repeat spend from a transaction log."""

import numpy as np
import pytest

from referral_engine.insights.rfm import rfm_summary

# Calibration ends on Monday 2024-01-29.
#   A buys on 01-01 (10 + 5, the same day: one purchase of 15), 01-08 (20) and 01-22 (30), and again on 03-01,
#     after the calibration end (ignored): x = 2 repeat days, t_x = 21 days = 3 weeks, T = 28 days = 4 weeks,
#     average repeat spend (20 + 30)/2 = 25.
#   B buys once on 01-15: x = 0, t_x = 0, T = 14 days = 2 weeks, no repeat spend.
#   C first buys on 02-01, after the calibration end: not a customer yet.
LOG = [
    ("A", "2024-01-08", 20.0),
    ("C", "2024-02-01", 9.0),
    ("A", "2024-01-01", 10.0),
    ("B", "2024-01-15", 7.0),
    ("A", "2024-03-01", 99.0),
    ("A", "2024-01-22", 30.0),
    ("A", "2024-01-01", 5.0),
]


def summarise(log=LOG, **kwargs):
    ids, dates, amounts = zip(*log, strict=True)
    return rfm_summary(np.array(ids), np.array(dates, dtype="datetime64[D]"), np.array(amounts), **kwargs)


def test_summary_worked_by_hand_in_weeks():
    s = summarise(calibration_end="2024-01-29", unit="weeks")

    assert s.customer_ids.tolist() == ["A", "B"]
    np.testing.assert_allclose(s.frequency, [2, 0])
    np.testing.assert_allclose(s.recency, [3, 0])
    np.testing.assert_allclose(s.T, [4, 2])
    np.testing.assert_allclose(s.monetary_value, [25, 0])
    assert s.transactions_used == 5


def test_units_change_only_the_times():
    days = summarise(calibration_end="2024-01-29", unit="days")
    months = summarise(calibration_end="2024-01-29", unit="months")

    np.testing.assert_allclose(days.recency, [21, 0])
    np.testing.assert_allclose(days.T, [28, 14])
    np.testing.assert_allclose(months.T, [28 / (365.25 / 12), 14 / (365.25 / 12)])
    np.testing.assert_allclose(months.monetary_value, days.monetary_value)


def test_the_calibration_end_defaults_to_the_last_date():
    s = summarise()

    assert str(s.calibration_end) == "2024-03-01"
    # A now has 3 repeat days (01-08, 01-22, 03-01) and C a first purchase on 02-01.
    np.testing.assert_allclose(s.frequency, [3, 0, 0])
    np.testing.assert_allclose(s.monetary_value, [(20 + 30 + 99) / 3, 0, 0])


def test_order_of_the_rows_does_not_matter():
    shuffled = [LOG[i] for i in np.random.default_rng(1).permutation(len(LOG))]

    a, b = summarise(calibration_end="2024-01-29"), summarise(shuffled, calibration_end="2024-01-29")

    for field in ("frequency", "recency", "T", "monetary_value"):
        np.testing.assert_allclose(getattr(a, field), getattr(b, field))


def test_matches_the_published_cdnow_summary(cdnow_dir):
    raw = np.loadtxt(cdnow_dir / "CDNOW_sample.txt", dtype=str)
    dates = np.array([f"{d[:4]}-{d[4:6]}-{d[6:]}" for d in raw[:, 2]], dtype="datetime64[D]")
    published = np.loadtxt(
        cdnow_dir / "cdnow_customers_summary_with_transactions.csv", delimiter=",", skiprows=1
    )

    s = rfm_summary(raw[:, 1].astype(int), dates, raw[:, 4].astype(float), calibration_end="1997-09-30")

    np.testing.assert_array_equal(s.customer_ids, published[:, 0])
    np.testing.assert_array_equal(s.frequency, published[:, 1])
    # The published file rounds weeks and dollars to 2 decimals.
    np.testing.assert_allclose(s.recency, published[:, 2], atol=0.005)
    np.testing.assert_allclose(s.T, published[:, 3], atol=0.005)
    np.testing.assert_allclose(s.monetary_value, published[:, 4], atol=0.005 + 1e-9)


def test_negative_amounts_are_refused():
    with pytest.raises(ValueError, match="not negative"):
        summarise([("A", "2024-01-01", -1.0)])
