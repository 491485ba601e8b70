"""Predicted customer lifetime value: BG/NBD for repeat purchases, Gamma-Gamma for spend.

Our own vectorised NumPy/SciPy implementation, written from the papers:

* BG/NBD — Fader, Hardie & Lee (2005a), '"Counting your customers" the easy way: an alternative to the
  Pareto/NBD model', Marketing Science 24(2), 275-284. "FHL eq. n" below is that paper's equation n.
* Fader & Hardie (2013), "Overcoming the BG/NBD model's #NUM! error problem" (brucehardie.com note 027): the
  likelihood rearranged so that nothing overflows for large frequencies.
* Gamma-Gamma — Fader, Hardie & Lee (2005b), "RFM and CLV: using iso-value curves for customer base analysis",
  Journal of Marketing Research 42(4), 415-430, and Fader & Hardie (2013), "The Gamma-Gamma model of monetary
  value" (note 025), whose equation numbers "GG eq. n" refers to.

Conventions, per customer: ``frequency`` x is the number of repeat purchases (purchase days after the first one),
``recency`` t_x the time from the first to the last purchase, ``T`` the time from the first purchase to the end
of the calibration period and ``monetary_value`` the average value of the repeat purchases. All times are in one
unit that the caller chooses (days, weeks or months); ``alpha`` comes out in that unit.

Every function works on arrays and never loops over customers in Python. Fitting works on the distinct
(x, t_x, T) rows with their counts as weights, and the expensive parts of a likelihood evaluation on the distinct
values of x, T and t_x, so a million customers cost little more than their distinct histories.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import optimize
from scipy import special as sc

# Length of each time unit in days. A month is a twelfth of a Julian year, so 12 months make a year in any unit.
TIME_UNIT_DAYS = {"days": 1.0, "weeks": 7.0, "months": 365.25 / 12}

# log-parameters are kept in [-_LOG_BOUND, _LOG_BOUND] while fitting, i.e. parameters in [1e-13, 1e13]; a fit
# that ends beyond 1e±8 is reported as not converged.
_LOG_BOUND = 30.0
_DRIFT_LOG_BOUND = math.log(1e8)


# --------------------------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class BgNbdParams:
    """BG/NBD parameters: purchase rates ~ Gamma(shape r, rate alpha); dropout probability ~ Beta(a, b)."""

    r: float
    alpha: float
    a: float
    b: float

    def as_array(self) -> np.ndarray:
        return np.array([self.r, self.alpha, self.a, self.b], dtype=float)


@dataclass(frozen=True)
class GammaGammaParams:
    """Gamma-Gamma parameters: spend per purchase ~ Gamma(shape p, rate nu); nu ~ Gamma(shape q, rate gamma)."""

    p: float
    q: float
    gamma: float

    def as_array(self) -> np.ndarray:
        return np.array([self.p, self.q, self.gamma], dtype=float)


@dataclass(frozen=True)
class BgNbdFit:
    """A fit; ``converged`` is False when the optimiser stopped short or a parameter drifted beyond 1e±8."""

    params: BgNbdParams
    log_likelihood: float
    n_customers: float
    converged: bool
    iterations: int


@dataclass(frozen=True)
class GammaGammaFit:
    """A fit; ``converged`` is False when the optimiser stopped short or a parameter drifted beyond 1e±8."""

    params: GammaGammaParams
    log_likelihood: float
    n_customers: float
    converged: bool
    iterations: int


# --------------------------------------------------------------------------------------------------------------
# Special functions


# From this argument on, log-gamma and digamma differences use their asymptotic series; the first omitted terms,
# 1/(1680 z^7) and 1/(240 z^8), are below 1e-17 there, while the direct difference of two lgamma values near 100
# loses only ~1e-14.
_STIRLING_FROM = 100.0


def log_pochhammer(u, x) -> np.ndarray:
    """log Γ(u + x) − log Γ(u) for u > 0, x ≥ 0.

    The direct difference loses all precision when u is huge and x small (two lgamma values of 1e10 cancelling);
    from u ≥ 100 we use the difference of the Stirling series instead (Abramowitz & Stegun 6.1.41),
    (u − ½)·log1p(x/u) + x·log(u + x) − x + Σ_k c_k·(1/(u+x)^(2k−1) − 1/u^(2k−1)), c = 1/12, −1/360, 1/1260.
    """
    u, x = np.broadcast_arrays(np.asarray(u, dtype=float), np.asarray(x, dtype=float))
    out = np.empty(u.shape)
    big = u >= _STIRLING_FROM
    small = ~big
    out[small] = sc.gammaln(u[small] + x[small]) - sc.gammaln(u[small])
    ub, xb = u[big], x[big]
    v = ub + xb
    out[big] = (
        (ub - 0.5) * np.log1p(xb / ub)
        + xb * np.log(v)
        - xb
        - xb / (12.0 * ub * v)
        + xb * (3.0 * ub * ub + 3.0 * ub * xb + xb * xb) / (360.0 * ub**3 * v**3)
        - (1.0 / ub**5 - 1.0 / v**5) / 1260.0
    )
    return out


def digamma_difference(u, x) -> np.ndarray:
    """ψ(u + x) − ψ(u), the derivative of log_pochhammer(u, x) in u, without cancellation for huge u.

    From u ≥ 100 it is the difference of the asymptotic series
    ψ(z) ~ ln z − 1/(2z) − 1/(12z²) + 1/(120z⁴) − 1/(252z⁶) (Abramowitz & Stegun 6.3.18).
    """
    u, x = np.broadcast_arrays(np.asarray(u, dtype=float), np.asarray(x, dtype=float))
    out = np.empty(u.shape)
    big = u >= _STIRLING_FROM
    small = ~big
    out[small] = sc.digamma(u[small] + x[small]) - sc.digamma(u[small])
    ub, xb = u[big], x[big]
    v = ub + xb
    out[big] = (
        np.log1p(xb / ub)
        + 0.5 * xb / (ub * v)
        + xb * (2.0 * ub + xb) / (12.0 * ub**2 * v**2)
        - (1.0 / ub**4 - 1.0 / v**4) / 120.0
        + (1.0 / ub**6 - 1.0 / v**6) / 252.0
    )
    return out


# Double-exponential quadrature for expectations over a Beta distribution.
#
# E[f(P)] for P ~ Beta(α, β) is computed in the log-odds y = log(P / (1 − P)), where the density is smooth and
# unimodal (mode at log(α/β), curvature αβ/(α+β)) and the integrands we need are analytic in a strip around the
# real axis. The sinh substitution y = y0 + w·sinh(t) makes the exponential tails decay double exponentially in t,
# so the trapezoid rule in t converges exponentially and copes with tiny or huge α and β alike (Takahasi & Mori
# 1974; Trefethen & Weideman 2014, "The exponentially convergent trapezoidal rule"). Each estimate is computed at
# step h and h/2 on nested grids; rows whose two estimates disagree are recomputed at half the step, so every
# returned value has passed a convergence check.
_DE_H0 = 0.25
_DE_MAX_LEVEL = 7
_DE_CHUNK = 1 << 21  # grid points per block, to bound memory


def _beta_expectation(
    alpha: np.ndarray,
    beta: np.ndarray,
    integrand: Callable[..., np.ndarray],
    args: tuple[np.ndarray, ...] = (),
    *,
    extra_decay: np.ndarray | None = None,
    rtol: float = 3e-7,
    log_integrand: bool = False,
) -> np.ndarray:
    """Row-wise E[integrand(P, log P, log(1 − P), *args)] for P ~ Beta(alpha[i], beta[i]).

    With ``log_integrand`` the integrand returns the log of a positive function, the sums are taken in log space
    and the log of the expectation is returned, so values beyond the floating-point range stay exact.

    ``alpha`` and ``beta`` are 1-d; each of ``args`` is 1-d (one value per row) or 2-d (rows × columns), and
    the result is 1-d or rows × columns accordingly: the columns of a row share its nodes and weights.
    ``extra_decay`` (per row, ≥ 0) is the log of how much larger the integrand can be in the tails than its
    typical value, so the grid reaches far enough. A value is accepted when the estimates at steps h and 2h agree
    to ``rtol``; since the error falls like exp(−c/h), the accepted estimate's error is about the square of that.
    """
    alpha = np.asarray(alpha, dtype=float).ravel()
    beta = np.asarray(beta, dtype=float).ravel()
    n = alpha.size
    args = [np.asarray(v, dtype=float) for v in args]
    columns = max([v.shape[1] for v in args if v.ndim == 2], default=None)
    width = columns or 1
    args = [np.broadcast_to(v.reshape(n, -1), (n, width)) for v in args]
    extra = np.zeros(n) if extra_decay is None else np.asarray(extra_decay, dtype=float).reshape(n, -1).max(1)
    result = np.empty((n, width))
    todo = np.arange(n)
    level = 1
    while todo.size:
        fine, coarse = _de_estimates(
            alpha[todo],
            beta[todo],
            extra[todo],
            integrand,
            [v[todo] for v in args],
            _DE_H0 / 2**level,
            log_integrand,
        )
        tolerance = rtol if log_integrand else rtol * np.abs(fine)
        done = np.all(np.abs(fine - coarse) <= tolerance, axis=1) | (level == _DE_MAX_LEVEL)
        result[todo[done]] = fine[done]
        todo = todo[~done]
        level += 1
    return result if columns else result[:, 0]


def _de_estimates(alpha, beta, extra, integrand, args, h, log_integrand=False):
    # The log-odds density a·ln σ(y) + b·ln σ(−y) changes fastest around y = ln(max(a,1)/max(b,1)): the mode when
    # a, b ≥ 1, else the edge where the b (or a) side falls off double exponentially; a tiny a puts the mode far
    # out in a slowly decaying tail that the sinh map reaches cheaply. The grid is centred there, with the width
    # of the density's curvature there.
    a_core, b_core = np.maximum(alpha, 1.0), np.maximum(beta, 1.0)
    centre = np.log(a_core) - np.log(b_core)
    sigma = np.sqrt(1.0 / a_core + 1.0 / b_core)
    width = np.minimum(sigma, 1.0)
    to_mode = np.abs(np.log(alpha) - np.log(beta) - centre)
    # Reach 10 core widths past the mode and far enough into each exponential tail (rate alpha on the left, beta on
    # the right) for the weight to fall below e^-40 of its peak, allowing for the integrand's growth.
    t_left = np.arcsinh((10.0 * sigma + to_mode + (40.0 + extra) / alpha) / width)
    t_right = np.arcsinh((10.0 * sigma + to_mode + (40.0 + extra) / beta) / width)
    columns = args[0].shape[1] if args else 1
    fine = np.empty((alpha.size, columns))
    coarse = np.empty((alpha.size, columns))
    order = np.argsort(t_left + t_right)  # rows with similar grids share a block
    start = 0
    while start < order.size:
        n_nodes = (t_left[order[start]] + t_right[order[start]]) / h + 3
        stop = min(order.size, start + max(1, int(_DE_CHUNK // (n_nodes * columns))))
        rows = order[start:stop]
        # Node indices run between even ends, so the even nodes form the nested grid of step 2h.
        k = np.arange(
            -2 * math.ceil(t_left[rows].max() / (2 * h)), 2 * math.ceil(t_right[rows].max() / (2 * h)) + 1
        )
        t = k * h
        y = centre[rows, None] + width[rows, None] * np.sinh(t)
        # log P = −softplus(−y) and log(1 − P) = log P − y, with one exp and one log1p.
        log_p = -(np.maximum(-y, 0.0) + np.log1p(np.exp(-np.abs(y))))
        log_q = log_p - y
        # Weights up to constant factors per row (w·h and the Beta function), which the ratio below cancels.
        log_w = alpha[rows, None] * log_p + beta[rows, None] * log_q + np.log(np.cosh(t))
        log_w -= log_w.max(axis=1, keepdims=True)
        weight = np.exp(log_w)
        values = integrand(
            np.exp(log_p)[:, :, None], log_p[:, :, None], log_q[:, :, None], *(v[rows, None, :] for v in args)
        )
        values = np.broadcast_to(values, (rows.size, k.size, columns))
        even = k % 2 == 0
        if log_integrand:
            fine[rows] = _log_mean(log_w, values)
            coarse[rows] = _log_mean(log_w[:, even], values[:, even])
        else:
            fine[rows] = np.einsum("rn,rnc->rc", weight, values) / weight.sum(axis=1)[:, None]
            coarse[rows] = (
                np.einsum("rn,rnc->rc", weight[:, even], values[:, even])
                / weight[:, even].sum(axis=1)[:, None]
            )
        start = stop
    return fine, coarse


def _log_mean(log_w, log_values):
    # log(Σ w·f / Σ w) for rows × nodes weights and rows × nodes × columns log-values, by log-sum-exp.
    terms = log_w[:, :, None] + log_values
    top = terms.max(axis=1)
    return (
        top + np.log(np.exp(terms - top[:, None, :]).sum(axis=1)) - np.log(np.exp(log_w).sum(axis=1))[:, None]
    )


def _euler_log_integrand(u, log_u, log_1mu, a, z, log_1mz):
    # ln (1 − z·u)^(−a). For 0 < z < 1, 1 − z·u = (1 − u) + u·(1 − z) is summed in log space so that z close to 1
    # keeps its digits; for z ≤ 0 it is 1 + |z|·u.
    u, log_u, log_1mu, a, z, log_1mz = np.broadcast_arrays(u, log_u, log_1mu, a, z, log_1mz)
    log_base = np.empty(u.shape)
    positive = z > 0
    lo, lu, l1z = log_1mu[positive], log_u[positive], log_1mz[positive]
    high = np.maximum(lo, lu + l1z)
    log_base[positive] = high + np.log1p(np.exp(-np.abs(lo - lu - l1z)))
    log_base[~positive] = np.log1p(-z[~positive] * u[~positive])
    return -a * log_base


def hyp2f1_euler(a, b, c, z) -> np.ndarray:
    """Gauss's hypergeometric function 2F1(a, b; c; z) for real z < 1 and c > b > 0.

    Evaluated through Euler's integral (Abramowitz & Stegun 15.3.1),
    2F1(a, b; c; z) = E[(1 − zU)^(−a)] with U ~ Beta(b, c − b),
    by the convergence-checked quadrature above. Unlike scipy.special.hyp2f1, which returns NaN, negative or
    wildly wrong values for large parameters (2F1(0.022, 15.1; 164.8; −3.955) ≈ 0.99327, where SciPy 1.17 gives
    3.1e19), this is accurate wherever the integral converges.
    """
    a, b, c, z = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (a, b, c, z)))
    if np.any(~(c > b)) or np.any(~(b > 0)) or np.any(~(z < 1)):
        raise ValueError("hyp2f1_euler needs c > b > 0 and z < 1")
    log_1mz = np.log1p(-z)
    shape = a.shape
    a, b, c, z, log_1mz = (v.ravel() for v in (a, b, c, z, log_1mz))
    log_value = _beta_expectation(
        b, c - b, _euler_log_integrand, (a, z, log_1mz), extra_decay=np.abs(a * log_1mz), log_integrand=True
    )
    with np.errstate(over="ignore"):
        return np.exp(log_value).reshape(shape)


# --------------------------------------------------------------------------------------------------------------
# Input checks and grouping


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    # einsum's own loop rather than BLAS: on a busy machine OpenBLAS's worker threads make every large dot product
    # wait for a core, which made a likelihood evaluation ten times slower.
    return float(np.einsum("i,i->", a, b))


def _as_float_array(name: str, values) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim == 0:
        array = array.reshape(1)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains a missing or infinite value")
    return array


def _check_rfm(frequency, recency, T) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = _as_float_array("frequency", frequency)
    t_x = _as_float_array("recency", recency)
    age = _as_float_array("T", T)
    if not x.size == t_x.size == age.size:
        raise ValueError("frequency, recency and T must have the same length")
    if np.any(x < 0) or np.any(x != np.round(x)):
        raise ValueError("frequency must be a whole number of repeat purchases, 0 or more")
    if np.any(t_x < 0) or np.any(t_x > age):
        raise ValueError("recency must lie between 0 and T")
    return x, t_x, age


def _check_weights(weights, n: int) -> np.ndarray:
    if weights is None:
        return np.ones(n)
    w = _as_float_array("weights", weights)
    if w.size != n:
        raise ValueError("weights must have one value per customer")
    if np.any(w < 0):
        raise ValueError("weights must not be negative")
    return w


def group_rows(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Distinct rows of equal-length 1-d columns: (each column's value per group, group of each row, group sizes).

    Each column is coded by np.unique and the codes are combined into one int64 key, which sorts faster than
    np.unique(axis=0) on a stacked array; the groups' values are decoded from the distinct keys.
    """
    key = np.zeros(columns[0].size, dtype=np.int64)
    distinct_values = []
    span = 1
    for column in columns:
        values, codes = np.unique(column, return_inverse=True)
        if span * max(values.size, 1) >= 2**62:  # the key would overflow: sort lexicographically instead
            return _group_rows_lexsort(*columns)
        key = key * values.size + codes.ravel()
        span *= max(values.size, 1)
        distinct_values.append(values)
    keys, inverse = np.unique(key, return_inverse=True)
    groups = []
    for values in reversed(distinct_values):
        keys, code = np.divmod(keys, values.size)
        groups.append(values[code])
    return groups[::-1], inverse.ravel(), np.bincount(inverse.ravel(), minlength=groups[0].size)


def _group_rows_lexsort(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    order = np.lexsort(columns[::-1])
    change = np.zeros(order.size, dtype=bool)
    change[:1] = True
    for column in columns:
        ordered = column[order]
        change[1:] |= ordered[1:] != ordered[:-1]
    group = np.cumsum(change) - 1
    inverse = np.empty(order.size, dtype=np.int64)
    inverse[order] = group
    first = order[change]
    return [column[first] for column in columns], inverse, np.bincount(group)


# --------------------------------------------------------------------------------------------------------------
# BG/NBD log-likelihood


@dataclass(frozen=True)
class _BgNbdData:
    """Customers grouped for the likelihood: the parts that depend on T alone are summed per distinct T.

    Customers without repeat purchases are kept as weights per distinct T (``T0``, ``w0``); customers with repeat
    purchases as distinct (x, t_x, T) rows with weights, each pointing to its distinct T, t_x and x values.
    """

    T0: np.ndarray
    w0: np.ndarray
    x1: np.ndarray
    w1: np.ndarray
    T1_values: np.ndarray
    T1_index: np.ndarray
    T1_weight: np.ndarray  # Σ w over repeat rows per distinct T
    T1_weight_x: np.ndarray  # Σ w·x over repeat rows per distinct T
    tx_values: np.ndarray
    tx_index: np.ndarray
    x_values: np.ndarray  # distinct x over all customers, and the total weight per value
    x_weight: np.ndarray
    x1_index: np.ndarray  # repeat row -> index into x_values
    total_weight: float
    weighted_x: float


def _bgnbd_data(frequency, recency, T, weights) -> _BgNbdData:
    x, t_x, age = _check_rfm(frequency, recency, T)
    w = _check_weights(weights, x.size)
    keep = w > 0
    x, t_x, age, w = x[keep], t_x[keep], age[keep], w[keep]
    if x.size == 0:
        raise ValueError("there are no customers to fit")
    zero = x == 0
    T0, T0_index = np.unique(age[zero], return_inverse=True)
    w0 = np.bincount(T0_index.ravel(), weights=w[zero], minlength=T0.size)
    x, t_x, age, w = x[~zero], t_x[~zero], age[~zero], w[~zero]
    if x.size:
        (x, t_x, age), inverse, _ = group_rows(x, t_x, age)
        w = np.bincount(inverse, weights=w, minlength=x.size)
    T1_values, T1_index = np.unique(age, return_inverse=True)
    T1_index = T1_index.ravel()
    tx_values, tx_index = np.unique(t_x, return_inverse=True)
    x_values, x1_index = np.unique(np.append(x, 0.0), return_inverse=True)
    x1_index = x1_index.ravel()[:-1]
    x_weight = np.bincount(x1_index, weights=w, minlength=x_values.size)
    x_weight[0] += w0.sum()  # x_values[0] is 0
    return _BgNbdData(
        T0=T0,
        w0=w0,
        x1=x,
        w1=w,
        T1_values=T1_values,
        T1_index=T1_index,
        T1_weight=np.bincount(T1_index, weights=w, minlength=T1_values.size),
        T1_weight_x=np.bincount(T1_index, weights=w * x, minlength=T1_values.size),
        tx_values=tx_values,
        tx_index=tx_index.ravel(),
        x_values=x_values,
        x_weight=x_weight,
        x1_index=x1_index,
        total_weight=float(w0.sum() + w.sum()),
        weighted_x=_dot(w, x),
    )


def _bgnbd_ll_and_grad(params: np.ndarray, d: _BgNbdData) -> tuple[float, np.ndarray]:
    """Total weighted log-likelihood and its gradient in (r, alpha, a, b).

    FHL eq. 6, rearranged as in the #NUM! note so that every term stays finite:
      ℓ = logΓ(r+x) − logΓ(r) + ln B(a, b+x) − ln B(a, b) − x·ln α + v1 + δ(x>0)·softplus(v2 − v1),
      v1 = −(r+x)·ln(1 + T/α),   v2 = ln(a/(b+x−1)) − (r+x)·ln(1 + t_x/α),
    using r·ln α − (r+x)·ln(α+T) = −x·ln α − (r+x)·ln(1 + T/α) and ln(e^v1 + e^v2) = v1 + softplus(v2 − v1).
    The second term, and with it ln(b+x−1), only exists for x > 0. ω = sigmoid(v2 − v1) is the posterior
    share of "dropped out right after the last purchase", which weighs the two terms in the gradient.
    """
    r, alpha, a, b = params
    xv = d.x_values
    ll = _dot(d.x_weight, (log_pochhammer(r, xv) + sc.betaln(a, b + xv) - sc.betaln(a, b)))
    ll -= math.log(alpha) * d.weighted_x
    dab = digamma_difference(a + b, xv)
    g_r = _dot(d.x_weight, digamma_difference(r, xv))
    g_alpha = -d.weighted_x / alpha
    g_a = -_dot(d.x_weight, dab)
    g_b = _dot(d.x_weight, (digamma_difference(b, xv) - dab))

    # v1 for everyone, summed per distinct T: −(r+x)·ln(1+T/α), derivative in α (r+x)·T/(α(α+T)).
    lT0 = np.log1p(d.T0 / alpha)
    lT1 = np.log1p(d.T1_values / alpha)
    dT0 = d.T0 / (alpha * (alpha + d.T0))
    dT1 = d.T1_values / (alpha * (alpha + d.T1_values))
    weight_rx = r * d.T1_weight + d.T1_weight_x  # Σ w·(r+x) per distinct T
    ll -= r * _dot(d.w0, lT0) + _dot(weight_rx, lT1)
    g_r -= _dot(d.w0, lT0) + _dot(d.T1_weight, lT1)
    g_alpha += r * _dot(d.w0, dT0) + _dot(weight_rx, dT1)

    if d.x1.size:
        log_ratio = np.zeros(xv.size)  # ln(a/(b+x−1)) per distinct x; x_values[0] = 0 is never used
        log_ratio[1:] = math.log(a) - np.log(b + xv[1:] - 1.0)
        ltx_values = np.log1p(d.tx_values / alpha)
        dtx_values = d.tx_values / (alpha * (alpha + d.tx_values))
        rx = r + d.x1
        diff_l = lT1[d.T1_index] - ltx_values[d.tx_index]  # ln(1+T/α) − ln(1+t_x/α) ≥ 0
        v21 = log_ratio[d.x1_index] + rx * diff_l  # v2 − v1
        e = np.exp(-np.abs(v21))
        ll += _dot(d.w1, (np.maximum(v21, 0.0) + np.log1p(e)))
        w_omega = d.w1 * np.where(v21 >= 0.0, 1.0, e) / (1.0 + e)
        g_r += _dot(w_omega, diff_l)
        g_alpha += _dot(w_omega * rx, dtx_values[d.tx_index] - dT1[d.T1_index])
        omega_x = np.bincount(d.x1_index, weights=w_omega, minlength=xv.size)[1:]  # per distinct x ≥ 1
        g_a += float(omega_x.sum()) / a
        g_b -= _dot(omega_x, (1.0 / (b + xv[1:] - 1.0)))
    return ll, np.array([g_r, g_alpha, g_a, g_b])


def bgnbd_log_likelihood(params: BgNbdParams, frequency, recency, T) -> np.ndarray:
    """Each customer's BG/NBD log-likelihood (FHL eq. 6), computed stably."""
    x, t_x, age = _check_rfm(frequency, recency, T)
    r, alpha, a, b = _check_bgnbd(params)
    with np.errstate(divide="ignore"):
        v1 = -(r + x) * np.log1p(age / alpha)
        v2 = np.where(
            x > 0,
            math.log(a) - np.log(np.where(x > 0, b + x - 1.0, 1.0)) - (r + x) * np.log1p(t_x / alpha),
            -np.inf,
        )
    return (
        log_pochhammer(r, x)
        + sc.betaln(a, b + x)
        - sc.betaln(a, b)
        - x * math.log(alpha)
        + np.logaddexp(v1, v2)
    )


def _check_bgnbd(params: BgNbdParams) -> tuple[float, float, float, float]:
    values = params.as_array()
    if not np.all(np.isfinite(values)) or np.any(values <= 0):
        raise ValueError("BG/NBD parameters r, alpha, a and b must be positive and finite")
    return tuple(float(v) for v in values)


def _maximise(ll_and_grad, start: np.ndarray, scale: float):
    """Maximise a log-likelihood over log-parameters with L-BFGS-B and the analytic gradient (chain rule)."""

    def objective(theta):
        params = np.exp(theta)
        ll, grad = ll_and_grad(params)
        if not np.isfinite(ll):
            return np.inf, np.zeros_like(theta)
        return -ll / scale, -(grad * params) / scale

    result = optimize.minimize(
        objective,
        np.log(start),
        jac=True,
        method="L-BFGS-B",
        bounds=[(-_LOG_BOUND, _LOG_BOUND)] * start.size,
        options={"maxiter": 2000, "maxfun": 4000, "ftol": 1e-13, "gtol": 1e-8},
    )
    # Estimates beyond 1e±8 mean the data cannot pin a parameter down (e.g. customers all alike, so the mixing
    # distribution collapses): the likelihood keeps rising towards a limit and there is no interior optimum.
    at_bound = np.any(np.abs(result.x) >= _DRIFT_LOG_BOUND)
    # With ftol this tight the line search may stop on floating-point noise ("ABNORMAL") at the optimum; the
    # gradient of the per-customer objective tells whether it got there.
    stationary = result.success or np.max(np.abs(result.jac)) <= 1e-6
    return np.exp(result.x), bool(stationary and not at_bound), int(result.nit)


def fit_bgnbd(frequency, recency, T, weights=None, *, initial: BgNbdParams | None = None) -> BgNbdFit:
    """Maximum-likelihood BG/NBD fit (FHL section 3) with the analytic gradient.

    ``weights`` counts customers per row, so an aggregated table (distinct x, t_x, T with counts) fits exactly
    like the customer-level one. Rows are aggregated here anyway.
    """
    data = _bgnbd_data(frequency, recency, T, weights)
    if data.weighted_x <= 0:
        raise ValueError("no customer made a repeat purchase, so the BG/NBD model cannot be fitted")
    if initial is None:
        # r = a = b = 1 and the purchase rate r/alpha set to the observed repeat rate.
        mean_T = (_dot(data.w0, data.T0) + _dot(data.T1_weight, data.T1_values)) / data.total_weight
        rate = data.weighted_x / data.total_weight / max(mean_T, 1e-12)
        start = np.array([1.0, 1.0 / max(rate, 1e-12), 1.0, 1.0])
    else:
        start = np.array(_check_bgnbd(initial))
    params, converged, iterations = _maximise(
        lambda p: _bgnbd_ll_and_grad(p, data), start, scale=data.total_weight
    )
    ll, _ = _bgnbd_ll_and_grad(params, data)
    return BgNbdFit(
        params=BgNbdParams(*(float(v) for v in params)),
        log_likelihood=ll,
        n_customers=data.total_weight,
        converged=converged,
        iterations=iterations,
    )


# --------------------------------------------------------------------------------------------------------------
# BG/NBD predictions


def bgnbd_probability_alive(params: BgNbdParams, frequency, recency, T) -> np.ndarray:
    """P(still active at T | x, t_x, T), 1 for customers without a repeat purchase.

    Fader, Hardie & Lee (2008), "Computing P(alive) using the BG/NBD model" (the paper itself gives none): by
    Bayes' theorem on the two terms of eq. 6, 1 / (1 + δ(x>0)·a/(b+x−1)·((α+T)/(α+t_x))^(r+x)), computed here as
    a logistic of a log-odds so that huge powers neither overflow nor underflow.
    """
    x, t_x, age = _check_rfm(frequency, recency, T)
    r, alpha, a, b = _check_bgnbd(params)
    repeat = x > 0
    log_odds = np.full(x.size, -np.inf)
    xr = x[repeat]
    log_odds[repeat] = (
        math.log(a)
        - np.log(b + xr - 1.0)
        + (r + xr) * np.log1p((age[repeat] - t_x[repeat]) / (alpha + t_x[repeat]))
    )
    return sc.expit(-log_odds)


def _alive_integrand(p, log_p, log_q, A, s):
    # (1 − (1 + p·s)^(−A)) / p: expected purchases of a customer alive now, given P = p, with the rate integrated
    # out. Written s·φ(p·s) with φ(u) = −expm1(−A·log1p(u))/u, which expm1 and log1p keep exact down to tiny u,
    # where φ → A; u is floored at 1e-260 (φ is then A to all digits) so that 0/0 never occurs.
    ps = np.maximum(p * s, 1e-260)
    return s * -np.expm1(-A * np.log1p(ps)) / ps


def _expected_if_alive(a: float, b: float, r: float, x: np.ndarray, s: np.ndarray) -> np.ndarray:
    """E[purchases in the next t | alive now, x, T] for s = t / (α + T); x per row, s per row or rows × columns.

    Given the customer is alive at T, the posterior of the purchase rate is Gamma(r+x, α+T) and of the dropout
    probability p is Beta(a, b+x), independently (the likelihood is (1−p)^x λ^x e^(−λT)). An alive customer with
    (λ, p) makes (1 − e^(−λpt))/p purchases in t on average (the individual-level result behind FHL eq. 9);
    integrating λ out gives (1 − (1 + p·s)^(−(r+x)))/p, and we take its mean over Beta(a, b+x):

        K = E[(1 − (1 + P·s)^(−(r+x))) / P],  P ~ Beta(a, b+x).

    This is exactly the bracket of FHL eq. 10, (a+b+x−1)/(a−1)·[1 − ((α+T)/(α+T+t))^(r+x)·2F1(r+x, b+x;
    a+b+x−1; t/(α+T+t))] (Pfaff's transformation, A&S 15.3.5, turns the 2F1 into 2F1(r+x, a−1; a+b+x−1; −s),
    whose Euler integral is the expectation above). In this form nothing is singular at a = 1 (where eq. 10 is
    0/0), nothing cancels for a < 1, and no 2F1 is evaluated outside its safe region.
    """
    x = np.asarray(x, dtype=float)
    s = np.asarray(s, dtype=float)
    A = r + x
    return _beta_expectation(
        np.full(x.shape, a),
        b + x,
        _alive_integrand,
        (A, s),
        extra_decay=np.log1p(A[:, None] * s.reshape(x.size, -1)),
    )


def bgnbd_expected_purchases(params: BgNbdParams, t) -> np.ndarray:
    """E[X(t)]: expected repeat purchases of a new customer in their first t (FHL eq. 9).

    Eq. 9 is eq. 10's bracket at x = 0, T = 0, so it is evaluated the same way.
    """
    r, alpha, a, b = _check_bgnbd(params)
    t = np.asarray(t, dtype=float)
    if np.any(t < 0) or not np.all(np.isfinite(t)):
        raise ValueError("t must be finite and not negative")
    flat = t.reshape(-1)
    return _expected_if_alive(a, b, r, np.zeros(flat.size), flat / alpha).reshape(t.shape)


def bgnbd_conditional_expected_purchases(params: BgNbdParams, t, frequency, recency, T) -> np.ndarray:
    """E[Y(t) | x, t_x, T]: expected purchases in the next t after the calibration period (FHL eq. 10).

    ``t`` is in the model's time unit; a scalar or one value per customer. It is P(alive) times the expectation
    for an alive customer, which depends on (x, T, t) only, so it is computed once per distinct triple.
    """
    x, t_x, age = _check_rfm(frequency, recency, T)
    r, alpha, a, b = _check_bgnbd(params)
    t = np.broadcast_to(np.asarray(t, dtype=float), x.shape)
    if np.any(t < 0) or not np.all(np.isfinite(t)):
        raise ValueError("t must be finite and not negative")
    p_alive = bgnbd_probability_alive(params, x, t_x, age)
    if x.size == 0:
        return p_alive
    (xg, Tg, tg), inverse, _ = group_rows(x, age, t)
    alive = _expected_if_alive(a, b, r, xg, tg / (alpha + Tg))
    return p_alive * alive[inverse]


# --------------------------------------------------------------------------------------------------------------
# Gamma-Gamma


@dataclass(frozen=True)
class _GammaGammaData:
    x: np.ndarray
    m: np.ndarray  # x · z̄, the total repeat spend
    w: np.ndarray
    wx: np.ndarray  # w · x
    wm: np.ndarray  # w · m
    x_values: np.ndarray
    x_weight: np.ndarray
    constant: float  # −Σ w·ln z̄, which does not depend on the parameters
    sum_wx: float
    sum_wx_log_m: float
    total_weight: float


def _gamma_gamma_data(frequency, monetary_value, weights) -> _GammaGammaData:
    x = _as_float_array("frequency", frequency)
    z = _as_float_array("monetary_value", monetary_value)
    if x.size != z.size:
        raise ValueError("frequency and monetary_value must have the same length")
    if np.any(x < 0) or np.any(x != np.round(x)):
        raise ValueError("frequency must be a whole number of repeat purchases, 0 or more")
    if np.any(z < 0):
        raise ValueError("monetary_value must not be negative")
    w = _check_weights(weights, x.size)
    # The model describes positive spend of repeat purchases: customers without one, or whose repeat purchases
    # were all free, carry no information about it.
    keep = (x > 0) & (z > 0) & (w > 0)
    x, z, w = x[keep], z[keep], w[keep]
    if x.size == 0:
        raise ValueError(
            "no customer has a repeat purchase with a positive amount, so spend cannot be fitted"
        )
    x_values, x_index = np.unique(x, return_inverse=True)
    m = x * z
    wx = w * x
    return _GammaGammaData(
        x=x,
        m=m,
        w=w,
        wx=wx,
        wm=w * m,
        x_values=x_values,
        x_weight=np.bincount(x_index.ravel(), weights=w, minlength=x_values.size),
        constant=-_dot(w, np.log(z)),
        sum_wx=float(wx.sum()),
        sum_wx_log_m=_dot(wx, np.log(m)),
        total_weight=float(w.sum()),
    )


def _gamma_gamma_ll_and_grad(params: np.ndarray, d: _GammaGammaData) -> tuple[float, np.ndarray]:
    """Total weighted log-likelihood of the average repeat spends and its gradient in (p, q, gamma).

    The density of the mean z̄ of x spends (GG eq. 3; FHL 2005b appendix):
      f(z̄) = Γ(px+q) / (Γ(px)Γ(q)) · γ^q · x^(px) · z̄^(px−1) / (γ + x·z̄)^(px+q),
    whose log we write, with m = x·z̄, as
      −ln B(px, q) − ln z̄ − q·ln(1 + m/γ) − px·ln(1 + γ/m),
    and ln(1 + γ/m) = ln(1 + m/γ) + ln γ − ln m, so each evaluation takes one log1p per customer.
    """
    p, q, gamma = params
    px_values = p * d.x_values
    l_mg = np.log1p(d.m / gamma)
    inv = 1.0 / (gamma + d.m)
    sum_wx_l_gm = _dot(d.wx, l_mg) + math.log(gamma) * d.sum_wx - d.sum_wx_log_m  # Σ w·x·ln(1 + γ/m)
    sum_w_l_mg = _dot(d.w, l_mg)
    ll = d.constant - _dot(d.x_weight, sc.betaln(px_values, q)) - q * sum_w_l_mg - p * sum_wx_l_gm
    g_p = _dot(d.x_weight, (d.x_values * digamma_difference(px_values, q))) - sum_wx_l_gm
    g_q = _dot(d.x_weight, digamma_difference(q, px_values)) - sum_w_l_mg
    g_gamma = q / gamma * _dot(d.wm, inv) - p * _dot(d.wx, inv)
    return ll, np.array([g_p, g_q, g_gamma])


def gamma_gamma_log_likelihood(params: GammaGammaParams, frequency, monetary_value) -> np.ndarray:
    """Each customer's Gamma-Gamma log-density of their average repeat spend (GG eq. 3); needs x, z̄ > 0."""
    x = _as_float_array("frequency", frequency)
    z = _as_float_array("monetary_value", monetary_value)
    if np.any(x <= 0) or np.any(z <= 0):
        raise ValueError("the Gamma-Gamma likelihood needs frequency > 0 and monetary_value > 0")
    p, q, gamma = _check_gamma_gamma(params)
    m = x * z
    return -sc.betaln(p * x, q) - np.log(z) - q * np.log1p(m / gamma) - p * x * np.log1p(gamma / m)


def _check_gamma_gamma(params: GammaGammaParams) -> tuple[float, float, float]:
    values = params.as_array()
    if not np.all(np.isfinite(values)) or np.any(values <= 0):
        raise ValueError("Gamma-Gamma parameters p, q and gamma must be positive and finite")
    return tuple(float(v) for v in values)


def fit_gamma_gamma(frequency, monetary_value, weights=None, *, initial: GammaGammaParams | None = None):
    """Maximum-likelihood Gamma-Gamma fit on customers with x > 0 and z̄ > 0 (others are left out)."""
    data = _gamma_gamma_data(frequency, monetary_value, weights)
    if initial is None:
        # p = 1, q = 2 and gamma so that the model's mean spend p·γ/(q−1) equals the sample's.
        start = np.array([1.0, 2.0, _dot(data.w, (data.m / data.x)) / data.total_weight])
    else:
        start = np.array(_check_gamma_gamma(initial))
    params, converged, iterations = _maximise(
        lambda prm: _gamma_gamma_ll_and_grad(prm, data), start, scale=data.total_weight
    )
    ll, _ = _gamma_gamma_ll_and_grad(params, data)
    return GammaGammaFit(
        params=GammaGammaParams(*(float(v) for v in params)),
        log_likelihood=ll,
        n_customers=data.total_weight,
        converged=converged,
        iterations=iterations,
    )


def gamma_gamma_expected_spend(params: GammaGammaParams, frequency, monetary_value) -> np.ndarray:
    """E[spend per purchase | x, z̄] (GG eq. 5; FHL 2005b eq. 5).

    (γ + x·z̄)·p / (px + q − 1): a weighted average of the population mean p·γ/(q−1) and the customer's own
    average z̄, with weight px/(px+q−1) on z̄. Customers without repeat purchases (x = 0) get the population
    mean. Where px + q ≤ 1 the posterior mean does not exist and the result is inf.
    """
    x = _as_float_array("frequency", frequency)
    z = _as_float_array("monetary_value", monetary_value)
    if x.size != z.size:
        raise ValueError("frequency and monetary_value must have the same length")
    if np.any(x < 0) or np.any(z < 0):
        raise ValueError("frequency and monetary_value must not be negative")
    p, q, gamma = _check_gamma_gamma(params)
    denominator = p * x + q - 1.0
    with np.errstate(divide="ignore"):
        return np.where(
            denominator > 0, (gamma + x * z) * p / np.where(denominator > 0, denominator, 1.0), np.inf
        )


# --------------------------------------------------------------------------------------------------------------
# Customer lifetime value


def _unit_days(name: str, unit: str) -> float:
    try:
        return TIME_UNIT_DAYS[unit]
    except KeyError:
        raise ValueError(f"{name} must be one of {', '.join(TIME_UNIT_DAYS)}, not {unit!r}") from None


def bgnbd_discounted_expected_purchases(
    params: BgNbdParams,
    frequency,
    recency,
    T,
    *,
    model_unit: str,
    horizon: float,
    horizon_unit: str = "months",
    discount_rate: float = 0.0,
) -> np.ndarray:
    """Σ_k (E[Y(t_k)] − E[Y(t_(k−1))]) / (1 + d)^k over the periods k = 1..⌈horizon⌉ of the horizon unit.

    ``horizon`` counts periods of ``horizon_unit`` (12 months is 12 months whatever ``model_unit`` is, the unit
    the model was fitted in); ``discount_rate`` is per period, applied at each period's end (a last partial
    period, for a fractional horizon, is discounted as a whole one).
    """
    period = _unit_days("horizon_unit", horizon_unit) / _unit_days("model_unit", model_unit)
    if not (np.isfinite(horizon) and horizon > 0):
        raise ValueError("horizon must be positive")
    if not (np.isfinite(discount_rate) and discount_rate > -1):
        raise ValueError("discount_rate must be greater than -1")
    x, t_x, age = _check_rfm(frequency, recency, T)
    r, alpha, a, b = _check_bgnbd(params)
    n_periods = math.ceil(horizon - 1e-12)
    ends = np.minimum(np.arange(1, n_periods + 1, dtype=float), horizon) * period
    discount = (1.0 + discount_rate) ** -np.arange(1, n_periods + 1, dtype=float)
    p_alive = bgnbd_probability_alive(params, x, t_x, age)
    if x.size == 0:
        return p_alive
    (xg, Tg), inverse, _ = group_rows(x, age)
    cumulative = _expected_if_alive(a, b, r, xg, ends[None, :] / (alpha + Tg[:, None]))
    increments = np.diff(cumulative, axis=1, prepend=0.0)
    return p_alive * np.einsum("gk,k->g", increments, discount)[inverse]


def predict_clv(
    bgnbd: BgNbdParams,
    gamma_gamma: GammaGammaParams,
    frequency,
    recency,
    T,
    monetary_value,
    *,
    model_unit: str,
    horizon: float = 12,
    horizon_unit: str = "months",
    discount_rate: float = 0.0,
    margin: float = 1.0,
) -> np.ndarray:
    """Predicted CLV = discounted expected purchases over the horizon × expected spend × margin.

    Expected purchases per period from the BG/NBD (FHL eq. 10), spend per purchase from the Gamma-Gamma
    (GG eq. 5), as in FHL 2005b: the two are independent in the model, so the expected value of each future
    purchase is the expected spend. ``margin`` is the share of spend that is profit (1 for revenue).
    """
    if not (np.isfinite(margin) and margin >= 0):
        raise ValueError("margin must be a finite number, 0 or more")
    purchases = bgnbd_discounted_expected_purchases(
        bgnbd,
        frequency,
        recency,
        T,
        model_unit=model_unit,
        horizon=horizon,
        horizon_unit=horizon_unit,
        discount_rate=discount_rate,
    )
    spend = gamma_gamma_expected_spend(gamma_gamma, frequency, monetary_value)
    return purchases * spend * margin
