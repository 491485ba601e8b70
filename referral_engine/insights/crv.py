"""Customer referral value (CRV), true value and the CLV × CRV quadrants.

After Kumar, Petersen & Leone (2007), "How valuable is word of mouth?", Harvard Business Review 85(10), and
(2010), "Driving profitability by encouraging customer referrals: who, when, and how", Journal of Marketing 74(5):
a customer's CRV is the discounted margin of the customers they referred who would not have come otherwise, plus
the acquisition cost saved on every customer they referred (KPL 2010, eq. 1, without its forecast horizon: here
the margins are the ones the caller passes — realised ones, and forecasts such as a predicted CLV if wanted).
PRODUCT.md adds tiers: business that came one step further down a chain the referrer started counts for them at
``tier2_weight`` (default 0.5).

Discounting — our choice: each referred customer's margin stream is discounted to the date of the referral, so a
referral is valued as of the moment it was made and two referrers who brought the same business in different
years get the same CRV. Pass ``valuation_date`` to express every value in money of that date instead (margins
after it are discounted to it, earlier ones compounded up to it). Rates are annual; a year is 365.25 days.

KPL's quadrants (2007): champions (high CLV, high CRV), affluents (high CLV, low CRV), advocates (low CLV, high
CRV) and misers (low, low); "high" means above a threshold, the median by default.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DAYS_PER_YEAR = 365.25
QUADRANTS = ("champion", "affluent", "advocate", "miser")


@dataclass(frozen=True)
class CrvResult:
    """Per referrer: total CRV and its parts (tier-2 amounts already weighted)."""

    crv: np.ndarray
    tier1: np.ndarray
    tier2: np.ndarray
    referred_customers: np.ndarray  # tier-1 and tier-2 referrals counted, unweighted


def _per_referral(name: str, values, n: int) -> np.ndarray:
    array = np.broadcast_to(np.asarray(values, dtype=float), (n,))
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite")
    return array


def referral_values(
    *,
    referral_date,
    margin_referral,
    margin_date,
    margin,
    acquisition_cost_saved=0.0,
    incremental_share=1.0,
    referral_cost=0.0,
    discount_rate: float = 0.1,
    valuation_date=None,
) -> np.ndarray:
    """Value of each referral (one row per referred customer and source), undiscounted by tier.

    value = incremental_share × Σ margin·(1+d)^(−years from the referral) + acquisition_cost_saved − referral_cost,
    where ``margin_referral`` says which referral each margin event (``margin_date``, ``margin``) belongs to,
    ``incremental_share`` is the probability that the referred customer would not have come without the referral
    (1 by default; KPL count only those customers' margins), and ``referral_cost`` what the referral cost us
    (a reward or gift). Summed with np.bincount, without a loop over referrals.
    """
    referral_day = np.asarray(referral_date, dtype="datetime64[D]").ravel()
    n = referral_day.size
    owner = np.asarray(margin_referral, dtype=np.int64).ravel()
    day = np.asarray(margin_date, dtype="datetime64[D]").ravel()
    amount = np.asarray(margin, dtype=float).ravel()
    if not owner.size == day.size == amount.size:
        raise ValueError("margin_referral, margin_date and margin must have the same length")
    if owner.size and (owner.min() < 0 or owner.max() >= n):
        raise ValueError("margin_referral must index the referrals")
    if not np.all(np.isfinite(amount)):
        raise ValueError("margins must be finite")
    if not (np.isfinite(discount_rate) and discount_rate > -1):
        raise ValueError("discount_rate must be greater than -1")
    share = _per_referral("incremental_share", incremental_share, n)
    if np.any((share < 0) | (share > 1)):
        raise ValueError("incremental_share must lie between 0 and 1")
    saved = _per_referral("acquisition_cost_saved", acquisition_cost_saved, n)
    cost = _per_referral("referral_cost", referral_cost, n)

    years = (day - referral_day[owner]).astype(float) / DAYS_PER_YEAR
    present = np.bincount(owner, weights=amount * (1.0 + discount_rate) ** -years, minlength=n)
    value = share * present + saved - cost
    if valuation_date is not None:
        # Money at the referral date is worth (1+d)^years at a later valuation date (and less at an earlier one).
        years_to_valuation = (np.datetime64(valuation_date, "D") - referral_day).astype(float) / DAYS_PER_YEAR
        value = value * (1.0 + discount_rate) ** years_to_valuation
    return value


def customer_referral_value(
    n_referrers: int, *, referrer, tier, referral_value, tier2_weight: float = 0.5
) -> CrvResult:
    """CRV per referrer: Σ over their referrals of referral_value × (1 for tier 1, tier2_weight for tier 2).

    ``referrer`` indexes 0..n_referrers−1; a referrer with no referral has CRV 0.
    """
    who = np.asarray(referrer, dtype=np.int64).ravel()
    level = np.asarray(tier, dtype=np.int64).ravel()
    value = np.asarray(referral_value, dtype=float).ravel()
    if not who.size == level.size == value.size:
        raise ValueError("referrer, tier and referral_value must have the same length")
    if who.size and (who.min() < 0 or who.max() >= n_referrers):
        raise ValueError("referrer must index 0..n_referrers-1")
    if np.any((level != 1) & (level != 2)):
        raise ValueError("tier must be 1 or 2")
    if not (0 <= tier2_weight <= 1):
        raise ValueError("tier2_weight must lie between 0 and 1")
    first = level == 1
    tier1 = np.bincount(who[first], weights=value[first], minlength=n_referrers)
    tier2 = tier2_weight * np.bincount(who[~first], weights=value[~first], minlength=n_referrers)
    return CrvResult(
        crv=tier1 + tier2,
        tier1=tier1,
        tier2=tier2,
        referred_customers=np.bincount(who, minlength=n_referrers),
    )


def true_value(clv, crv) -> np.ndarray:
    """A customer's true value: their own lifetime value plus the value of the business they referred."""
    return np.asarray(clv, dtype=float) + np.asarray(crv, dtype=float)


def value_quadrants(clv, crv, *, clv_threshold: float | None = None, crv_threshold: float | None = None):
    """KPL's quadrant per customer: "champion", "affluent", "advocate" or "miser".

    High means strictly above the threshold (the median by default), so when most customers referred nobody the
    CRV median is 0 and every customer who referred anyone is high-CRV.
    """
    clv = np.asarray(clv, dtype=float).ravel()
    crv = np.asarray(crv, dtype=float).ravel()
    if clv.size != crv.size:
        raise ValueError("clv and crv must have the same length")
    if clv.size == 0:
        return np.array([], dtype="<U8")
    high_clv = clv > (np.median(clv) if clv_threshold is None else clv_threshold)
    high_crv = crv > (np.median(crv) if crv_threshold is None else crv_threshold)
    return np.select(
        [high_clv & high_crv, high_clv & ~high_crv, ~high_clv & high_crv],
        list(QUADRANTS[:3]),
        default=QUADRANTS[3],
    )
