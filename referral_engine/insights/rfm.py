"""Frequency, recency, age and average repeat spend from a transaction log, as the BG/NBD and Gamma-Gamma need.

Definitions follow Fader, Hardie & Lee (2005, "Counting your customers" the easy way, section 2) and the CDNOW
summary they publish: purchases on the same day are one purchase; frequency x is the number of repeat purchase
days; recency t_x is the time from the first to the last purchase day; T is the time from the first purchase day
to the end of the calibration period; the monetary value is the average value of the repeat purchase days
(the first purchase is left out, as in Fader & Hardie's Gamma-Gamma note). Transactions after the calibration end
are ignored, and so are customers whose first purchase comes after it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from referral_engine.insights.clv import TIME_UNIT_DAYS


@dataclass(frozen=True)
class RfmSummary:
    """One entry per customer, sorted by customer id; times in ``unit``."""

    customer_ids: np.ndarray
    frequency: np.ndarray
    recency: np.ndarray
    T: np.ndarray
    monetary_value: np.ndarray
    calibration_end: np.datetime64
    unit: str
    transactions_used: int

    def __len__(self) -> int:
        return self.customer_ids.size


def rfm_summary(customer_ids, dates, amounts, *, calibration_end=None, unit: str = "weeks") -> RfmSummary:
    """Summarise a transaction log (one row per purchase) per customer, vectorised.

    ``dates`` are anything NumPy reads as datetime64[D] (dates, ISO strings, datetime64); ``calibration_end`` is
    inclusive and defaults to the last date in the log.
    """
    if unit not in TIME_UNIT_DAYS:
        raise ValueError(f"unit must be one of {', '.join(TIME_UNIT_DAYS)}, not {unit!r}")
    ids = np.asarray(customer_ids)
    days = np.asarray(dates, dtype="datetime64[D]")
    amount = np.asarray(amounts, dtype=float)
    if not ids.ndim == days.ndim == amount.ndim == 1 or not ids.size == days.size == amount.size:
        raise ValueError("customer_ids, dates and amounts must be one-dimensional and of the same length")
    if np.any(np.isnat(days)):
        raise ValueError("dates contain a missing value")
    if not np.all(np.isfinite(amount)) or np.any(amount < 0):
        raise ValueError("amounts must be finite and not negative")
    if ids.size == 0:
        raise ValueError("there are no transactions")
    end = days.max() if calibration_end is None else np.datetime64(calibration_end, "D")

    keep = days <= end
    ids, days, amount = ids[keep], days[keep], amount[keep]
    unique_ids, customer = np.unique(ids, return_inverse=True)
    customer = customer.ravel()
    day = days.astype(np.int64)

    # Sort by (customer, day) through one integer key, then merge each customer's same-day purchases.
    day0 = day.min() if day.size else 0
    key = customer.astype(np.int64) * (int(day.max() - day0) + 1 if day.size else 1) + (day - day0)
    order = np.argsort(key, kind="stable")
    key, customer, day, amount = key[order], customer[order], day[order], amount[order]
    starts = np.flatnonzero(np.diff(key, prepend=-1))  # first transaction of each (customer, day)
    day_customer = customer[starts]
    day_day = day[starts]
    day_amount = np.add.reduceat(amount, starts) if starts.size else np.zeros(0)

    n = unique_ids.size
    first_of_customer = np.flatnonzero(np.diff(day_customer, prepend=-1))
    last_of_customer = np.append(first_of_customer[1:] - 1, day_customer.size - 1)[: first_of_customer.size]
    purchase_days = np.bincount(day_customer, minlength=n)
    total = np.bincount(day_customer, weights=day_amount, minlength=n)
    first_day = day_day[first_of_customer]
    last_day = day_day[last_of_customer]
    first_amount = day_amount[first_of_customer]

    unit_days = TIME_UNIT_DAYS[unit]
    frequency = (purchase_days - 1).astype(float)
    repeat_spend = total - first_amount
    monetary = np.divide(repeat_spend, frequency, out=np.zeros(n), where=frequency > 0)
    return RfmSummary(
        customer_ids=unique_ids,
        frequency=frequency,
        recency=(last_day - first_day) / unit_days,
        T=(end.astype(np.int64) - first_day) / unit_days,
        monetary_value=np.maximum(monetary, 0.0),
        calibration_end=end,
        unit=unit,
        transactions_used=int(keep.sum()),
    )
