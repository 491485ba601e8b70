"""The Gauss hypergeometric function 2F1, evaluated through Euler's integral, against references without mpmath:
its power series where it converges fast, closed forms, Gauss's sum at z = 1 and the Euler and Pfaff
transformations (Abramowitz & Stegun 15.1.1, 15.1.3, 15.1.20, 15.3.3, 15.3.5)."""

import math

import numpy as np
import pytest
from scipy import special as sc

from referral_engine.insights.clv import hyp2f1_euler


def series(a, b, c, z):
    """Σ (a)_k (b)_k / ((c)_k k!) z^k, summed exactly with math.fsum; for |z| well below 1 only."""
    assert abs(z) <= 0.85
    term, terms, k = 1.0, [1.0], 0
    while abs(term) > 1e-19 * abs(math.fsum(terms)) or k < 5:
        term *= (a + k) * (b + k) / ((c + k) * (k + 1)) * z
        terms.append(term)
        k += 1
    return math.fsum(terms)


@pytest.mark.parametrize(
    ("a", "b", "c", "z"),
    [
        (2.3, 0.4, 3.1, -0.45),
        (0.24, 2.43, 3.2, 0.5),
        (12.0, 3.0, 40.0, 0.3),
        (0.01, 0.02, 0.05, -0.2),
        (5.5, 1.5, 2.5, 0.1),
    ],
)
def test_matches_the_power_series_where_it_converges_fast(a, b, c, z):
    assert hyp2f1_euler(a, b, c, z) == pytest.approx(series(a, b, c, z), rel=1e-12)


@pytest.mark.parametrize("z", [-1e4, -50.0, -1.0, 0.3, 0.9, 1 - 1e-10])
def test_closed_form_of_2f1_1_1_2(z):
    # A&S 15.1.3: 2F1(1, 1; 2; z) = −ln(1 − z)/z.
    assert hyp2f1_euler(1, 1, 2, z) == pytest.approx(-math.log1p(-z) / z, rel=1e-12)


def test_gauss_sum_at_z_close_to_one():
    # A&S 15.1.20: 2F1(a, b; c; 1) = Γ(c)Γ(c−a−b) / (Γ(c−a)Γ(c−b)) when c − a − b > 0; with c − a − b = 2.5 the
    # value at 1 − 1e-13 differs from it by about 1e-13 (the derivative is finite there).
    a, b, c = 0.7, 1.3, 4.5
    gauss = math.exp(sc.gammaln(c) + sc.gammaln(c - a - b) - sc.gammaln(c - a) - sc.gammaln(c - b))

    assert hyp2f1_euler(a, b, c, 1 - 1e-13) == pytest.approx(gauss, rel=1e-11)


@pytest.mark.parametrize(
    ("a", "b", "c", "z"), [(30.0, 20.0, 45.0, 0.97), (40.0, 150.0, 200.0, 0.999), (0.3, 4.0, 9.0, -200.0)]
)
def test_euler_transformation_holds(a, b, c, z):
    # A&S 15.3.3: 2F1(a, b; c; z) = (1 − z)^(c−a−b) · 2F1(c−a, c−b; c; z): two different integrals, one value.
    left = hyp2f1_euler(a, b, c, z)
    right = (1 - z) ** (c - a - b) * hyp2f1_euler(c - a, c - b, c, z)

    assert left == pytest.approx(right, rel=1e-10)


@pytest.mark.parametrize(
    ("a", "b", "c", "z"),
    [
        # Points where scipy.special.hyp2f1 (SciPy 1.17) is badly wrong: it returns 3.1e19 for the first, whose
        # value is 0.99327, and 2.2e29 for the second (0.52219).
        (0.022, 15.1, 164.8, -3.955),
        (1.169, 32.42, 151.6, -3.515),
        (0.5, 3.0, 10.0, -3.0),
    ],
)
def test_pfaff_transformation_to_a_fast_series_where_scipy_fails(a, b, c, z):
    # A&S 15.3.5: 2F1(a, b; c; z) = (1 − z)^(−a) · 2F1(a, c−b; c; z/(z−1)), and z/(z−1) ≈ 0.8 here, where the
    # series converges geometrically.
    reference = (1 - z) ** -a * series(a, c - b, c, z / (z - 1))

    assert hyp2f1_euler(a, b, c, z) == pytest.approx(reference, rel=1e-12)


def test_is_vectorised_over_all_arguments():
    got = hyp2f1_euler([1.0, 2.0, 0.5], [1.0, 1.0, 2.0], [2.0, 3.0, 4.0], [0.5, -0.5, 0.0])

    assert got.shape == (3,)
    assert got[0] == pytest.approx(2 * math.log(2), rel=1e-13)
    assert got[2] == pytest.approx(1.0, rel=1e-15)  # 2F1(a, b; c; 0) = 1


@pytest.mark.parametrize(
    ("a", "b", "c", "z"), [(1, 2, 2, 0.5), (1, 0, 2, 0.5), (1, 1, 2, 1.0), (1, 1, 2, 2.0)]
)
def test_outside_the_integrals_domain_is_refused(a, b, c, z):
    with pytest.raises(ValueError, match="c > b > 0 and z < 1"):
        hyp2f1_euler(a, b, c, z)


def test_nan_is_never_returned_on_a_wide_grid():
    rng = np.random.default_rng(7)
    n = 400
    b = 10 ** rng.uniform(-2, 3, n)
    c = b + 10 ** rng.uniform(-2, 3, n)
    a = 10 ** rng.uniform(-2, 2.5, n)
    z = np.where(rng.random(n) < 0.5, -(10 ** rng.uniform(-3, 3, n)), 1 - 10 ** rng.uniform(-8, 0, n))

    got = hyp2f1_euler(a, b, c, z)

    # A mean of positive values: never NaN nor negative (it may over- or underflow where the value does).
    assert not np.any(np.isnan(got))
    assert np.all(got >= 0)
