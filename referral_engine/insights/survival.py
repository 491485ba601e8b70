"""Kaplan-Meier survival curves and the log-rank test, as pure numpy over grouped counts.

Both work on *tables* rather than on one row per subject: `times` are follow-up times (days), `events` the number
of subjects whose event (churn) happened at that time and `censored` the number still event-free when last seen
at that time. The SQL that feeds them groups a whole workspace's accounts into such a table (one row per distinct
duration), so a million accounts arrive as a few thousand rows.

References:
- Kaplan, E. L. & Meier, P. (1958). Nonparametric estimation from incomplete observations. JASA 53(282), 457-481.
  S(t) = prod over event times t_i <= t of (1 - d_i / n_i), with n_i the number at risk just before t_i.
- Mantel, N. (1966). Evaluation of survival data and two new rank order statistics arising in its
  consideration. Cancer Chemotherapy Reports 50(3), 163-170; Peto, R. & Peto, J. (1972). Asymptotically
  efficient rank invariant test procedures. JRSS A 135(2), 185-207. The log-rank statistic for two groups:
  chi2 = (O_1 - E_1)^2 / V_1 with E_1 = sum d_i n_1i / n_i and the hypergeometric variance
  V_1 = sum d_i (n_1i / n_i) (1 - n_1i / n_i) (n_i - d_i) / (n_i - 1), one degree of freedom.
Ties are handled as both papers do: every event at the same time shares one risk set; a subject censored at a time
is still at risk at an event of that same time.
"""

from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2 as chi2_distribution


@dataclass(frozen=True)
class SurvivalCurve:
    times: np.ndarray  # the distinct times with at least one event, ascending
    survival: np.ndarray  # S(t) just after each of those times
    at_risk: np.ndarray  # n_i: at risk just before each time
    events: np.ndarray  # d_i
    subjects: int
    total_events: int

    def at(self, days: float | np.ndarray) -> np.ndarray:
        """S(days): the step function, 1.0 before the first event."""
        idx = np.searchsorted(self.times, np.asarray(days, dtype=float), side="right")
        padded = np.concatenate(([1.0], self.survival))
        return padded[idx]


@dataclass(frozen=True)
class LogRank:
    chi2: float
    p_value: float
    observed: tuple[float, float]  # O_1, O_2
    expected: tuple[float, float]  # E_1, E_2
    variance: float


def _table(times, events, censored) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge rows of equal time and sort: distinct times, events and censored counts at each."""
    times = np.asarray(times, dtype=float)
    events = np.asarray(events, dtype=float)
    censored = np.asarray(censored, dtype=float)
    if not (times.shape == events.shape == censored.shape):
        raise ValueError("times, events and censored must have the same length.")
    if times.size and (np.any(events < 0) or np.any(censored < 0) or np.any(times < 0)):
        raise ValueError("Times and counts cannot be negative.")
    distinct, inverse = np.unique(times, return_inverse=True)
    d = np.bincount(inverse, weights=events, minlength=distinct.size)
    c = np.bincount(inverse, weights=censored, minlength=distinct.size)
    return distinct, d, c


def _at_risk(d: np.ndarray, c: np.ndarray) -> np.ndarray:
    # Everyone whose time is >= t is at risk at t: a reversed cumulative sum of all subjects.
    leaving = d + c
    return np.cumsum(leaving[::-1])[::-1]


def kaplan_meier(times, events, censored) -> SurvivalCurve:
    """The Kaplan-Meier estimate (Kaplan & Meier 1958) from a table of times with event and censored counts."""
    t, d, c = _table(times, events, censored)
    n = _at_risk(d, c)
    subjects = int(round(float(np.sum(d) + np.sum(c))))
    has_event = d > 0
    t, d, n = t[has_event], d[has_event], n[has_event]
    survival = np.cumprod(1.0 - d / n) if t.size else np.empty(0)
    return SurvivalCurve(
        times=t,
        survival=survival,
        at_risk=n,
        events=d,
        subjects=subjects,
        total_events=int(round(float(np.sum(d)))),
    )


def log_rank(times_1, events_1, censored_1, times_2, events_2, censored_2) -> LogRank:
    """The two-group log-rank test (Mantel 1966; Peto & Peto 1972), chi-square with one degree of freedom."""
    t1, d1, c1 = _table(times_1, events_1, censored_1)
    t2, d2, c2 = _table(times_2, events_2, censored_2)
    grid = np.union1d(t1, t2)

    def on_grid(t, values):
        out = np.zeros(grid.size)
        out[np.searchsorted(grid, t)] = values
        return out

    d1g, c1g, d2g, c2g = on_grid(t1, d1), on_grid(t1, c1), on_grid(t2, d2), on_grid(t2, c2)
    n1 = _at_risk(d1g, c1g)
    n2 = _at_risk(d2g, c2g)
    d = d1g + d2g
    n = n1 + n2
    use = (d > 0) & (n > 0)
    d, n, n1, d1g, d2g = d[use], n[use], n1[use], d1g[use], d2g[use]
    expected_1 = float(np.sum(d * n1 / n))
    # (n - d) / (n - 1) is 0/0 when a single subject is at risk: it then contributes no variance.
    with np.errstate(invalid="ignore", divide="ignore"):
        correction = np.where(n > 1, (n - d) / (n - 1), 0.0)
    variance = float(np.sum(d * (n1 / n) * (1 - n1 / n) * correction))
    observed_1 = float(np.sum(d1g))
    observed_2 = float(np.sum(d2g))
    expected_2 = float(np.sum(d)) - expected_1
    if variance <= 0:
        return LogRank(
            chi2=float("nan"),
            p_value=float("nan"),
            observed=(observed_1, observed_2),
            expected=(expected_1, expected_2),
            variance=variance,
        )
    statistic = (observed_1 - expected_1) ** 2 / variance
    return LogRank(
        chi2=float(statistic),
        p_value=float(chi2_distribution.sf(statistic, df=1)),
        observed=(observed_1, observed_2),
        expected=(expected_1, expected_2),
        variance=variance,
    )
