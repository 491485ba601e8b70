"""BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers" the easy way): fit, gradient, predictions."""

import math

import numpy as np
import pytest
from scipy import special as sc

from referral_engine.insights import clv
from referral_engine.insights.rfm import rfm_summary

# FHL (2005), section 4, CDNOW sample of 2,357 customers over 39 weeks: the published ML estimates.
PUBLISHED = {"r": "0.243", "alpha": "4.414", "a": "0.793", "b": "2.426"}
PUBLISHED_LL = "-9582.4"
PUBLISHED_PARAMS = clv.BgNbdParams(r=0.243, alpha=4.414, a=0.793, b=2.426)


def assert_matches_published(fit):
    params = fit.params
    # Each estimate rounded to the digits the paper prints (3-4 significant figures) equals the printed value.
    for name, text in PUBLISHED.items():
        decimals = len(text.split(".")[1])
        assert f"{getattr(params, name):.{decimals}f}" == text, name
    assert f"{fit.log_likelihood:.1f}" == PUBLISHED_LL
    assert fit.converged
    assert fit.n_customers == 2357


def test_fit_on_the_published_cdnow_summary_reproduces_the_paper(cdnow_summary):
    fit = clv.fit_bgnbd(*cdnow_summary)

    assert_matches_published(fit)


def test_fit_from_the_raw_cdnow_transactions_reproduces_the_paper(cdnow_dir):
    raw = np.loadtxt(cdnow_dir / "CDNOW_sample.txt", dtype=str)
    dates = np.array([f"{d[:4]}-{d[4:6]}-{d[6:]}" for d in raw[:, 2]], dtype="datetime64[D]")
    summary = rfm_summary(
        raw[:, 1], dates, raw[:, 4].astype(float), calibration_end="1997-09-30", unit="weeks"
    )

    fit = clv.fit_bgnbd(summary.frequency, summary.recency, summary.T)

    assert_matches_published(fit)


def test_the_time_unit_only_rescales_alpha(cdnow_summary):
    # The same customers in days: T and t_x 7 times larger. r, a and b are unchanged and alpha is 7 times larger;
    # the log-likelihood moves by the Jacobian −Σx·ln 7 of the change of unit.
    x, t_x, T = cdnow_summary
    weeks = clv.fit_bgnbd(x, t_x, T)
    days = clv.fit_bgnbd(x, 7 * t_x, 7 * T)

    np.testing.assert_allclose(days.params.as_array(), weeks.params.as_array() * [1, 7, 1, 1], rtol=1e-5)
    assert days.log_likelihood == pytest.approx(weeks.log_likelihood - x.sum() * math.log(7), abs=1e-6)


def test_the_fit_does_not_depend_on_the_starting_point(cdnow_summary):
    reference = clv.fit_bgnbd(*cdnow_summary)
    other = clv.fit_bgnbd(*cdnow_summary, initial=clv.BgNbdParams(r=5.0, alpha=0.1, a=10.0, b=0.05))

    np.testing.assert_allclose(other.params.as_array(), reference.params.as_array(), rtol=1e-5)
    assert other.log_likelihood == pytest.approx(reference.log_likelihood, abs=1e-6)


def test_weights_fit_an_aggregated_table_like_the_customer_level_data(cdnow_summary):
    x, t_x, T = cdnow_summary
    rows = np.stack([x, t_x, T], axis=1)
    distinct, counts = np.unique(rows, axis=0, return_counts=True)
    assert distinct.shape[0] < x.size  # there is something to aggregate

    by_customer = clv.fit_bgnbd(x, t_x, T)
    by_row = clv.fit_bgnbd(*distinct.T, weights=counts)

    np.testing.assert_allclose(by_row.params.as_array(), by_customer.params.as_array(), rtol=1e-6)
    assert by_row.log_likelihood == pytest.approx(by_customer.log_likelihood, rel=1e-12)


def test_the_total_log_likelihood_is_the_sum_of_the_customers(cdnow_summary):
    fit = clv.fit_bgnbd(*cdnow_summary)

    each = clv.bgnbd_log_likelihood(fit.params, *cdnow_summary)

    assert each.sum() == pytest.approx(fit.log_likelihood, rel=1e-12)


def test_log_likelihood_of_one_customer_worked_by_hand():
    # FHL eq. 6 for x = 2, t_x = 3, T = 5 with r = 2, alpha = 1, a = 1, b = 2:
    #   Γ(4)/Γ(2) · 1^2 = 6;  B(1, 4)/B(1, 2) = (1/4)/(1/2) = 1/2;  B(2, 3)/B(1, 2) = (1/12)/(1/2) = 1/6
    #   L = 6·[1/2 · 6^-4 + 1/6 · 4^-4] = 6·[1/2592 + 1/1536] = 0.0023148148 + 0.00390625 = 0.0062210648
    expected = math.log(6 * (0.5 / 6**4 + (1 / 6) / 4**4))

    got = clv.bgnbd_log_likelihood(clv.BgNbdParams(r=2, alpha=1, a=1, b=2), [2], [3], [5])

    assert got[0] == pytest.approx(expected, rel=1e-14)


# Data with every kind of row: no repeat purchase, the last purchase at T (t_x = T), a young customer, a heavy buyer.
X = np.array([0, 0, 1, 2, 3, 7, 40, 500, 1, 0])
TX = np.array([0, 0, 0.5, 10.0, 20.0, 30.0, 36.0, 38.9, 1e-3, 0])
T_AGE = np.array([39.0, 1e-3, 20.0, 38.0, 20.0, 35.0, 36.0, 39.0, 0.01, 12.0])
GRADIENT_POINTS = [
    (0.243, 4.414, 0.793, 2.426),  # CDNOW
    (1.0, 1.0, 1.0, 1.0),  # a = 1
    (1e-4, 1e-3, 1e-3, 1e-3),  # tiny
    (3e4, 2e5, 5e3, 4e4),  # huge (huge r switches to the Stirling branches)
    (0.05, 300.0, 40.0, 0.02),
]


@pytest.mark.parametrize("point", GRADIENT_POINTS)
def test_analytic_gradient_matches_central_differences(point):
    data = clv._bgnbd_data(X, TX, T_AGE, None)
    params = np.array(point)
    ll, grad = clv._bgnbd_ll_and_grad(params, data)
    assert np.isfinite(ll) and np.all(np.isfinite(grad))

    # In log-parameters θ = ln(param), dℓ/dθ = param · dℓ/dparam.
    step = 1e-6
    for i in range(4):
        up, down = params.copy(), params.copy()
        up[i] *= math.exp(step)
        down[i] *= math.exp(-step)
        numeric = (clv._bgnbd_ll_and_grad(up, data)[0] - clv._bgnbd_ll_and_grad(down, data)[0]) / (2 * step)
        assert grad[i] * params[i] == pytest.approx(numeric, rel=1e-5, abs=1e-6 * max(1.0, abs(ll))), i


def test_the_gradient_of_the_cdnow_fit_is_zero_at_the_optimum(cdnow_summary):
    fit = clv.fit_bgnbd(*cdnow_summary)
    _, grad = clv._bgnbd_ll_and_grad(fit.params.as_array(), clv._bgnbd_data(*cdnow_summary, None))

    assert np.max(np.abs(grad * fit.params.as_array())) < 1e-3  # out of a log-likelihood of ~1e4


def test_expected_purchases_of_the_papers_example_customer():
    # FHL section 5 / the BG/NBD Excel note: customer 1 of CDNOW (x = 2, t_x = 30.43, T = 38.86) is expected to make
    # 1.226 purchases in the next 39 weeks at the published estimates.
    got = clv.bgnbd_conditional_expected_purchases(PUBLISHED_PARAMS, 39, [2], [30.43], [38.86])

    assert f"{got[0]:.3f}" == "1.226"


def test_conditional_expectation_equals_eq_10_where_scipys_2f1_is_safe():
    # At moderate parameters scipy.special.hyp2f1 is accurate, so FHL eq. 10 written literally is a reference.
    r, alpha, a, b = 0.243, 4.414, 0.793, 2.426
    x = np.array([0, 1, 2, 5, 14])
    t_x = np.array([0, 5.0, 30.43, 20.0, 37.0])
    T = np.array([38.86, 30.0, 38.86, 33.0, 38.0])
    t = 39.0
    z = t / (alpha + T + t)
    eq10 = (
        (a + b + x - 1)
        / (a - 1)
        * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * sc.hyp2f1(r + x, b + x, a + b + x - 1, z))
        / (1 + (x > 0) * a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x))
    )

    got = clv.bgnbd_conditional_expected_purchases(PUBLISHED_PARAMS, t, x, t_x, T)

    np.testing.assert_allclose(got, eq10, rtol=1e-12)


def test_conditional_expectation_equals_eq_10_with_euler_2f1_for_a_above_one():
    # For a > 1, eq. 10's 2F1(r+x, b+x; a+b+x−1; z) has c > b and hyp2f1_euler evaluates it directly.
    r, alpha, a, b = 2.5, 10.0, 3.0, 4.0
    x, t_x, T, t = np.array([0, 3, 300]), np.array([0, 12.0, 99.0]), np.array([50.0, 40.0, 100.0]), 500.0
    z = t / (alpha + T + t)
    hyp = clv.hyp2f1_euler(r + x, b + x, a + b + x - 1, z)
    eq10 = (
        (a + b + x - 1)
        / (a - 1)
        * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp)
        / (1 + (x > 0) * a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x))
    )

    got = clv.bgnbd_conditional_expected_purchases(clv.BgNbdParams(r, alpha, a, b), t, x, t_x, T)

    np.testing.assert_allclose(got, eq10, rtol=1e-9)


def test_unconditional_expectation_is_eq_9():
    r, alpha, a, b = PUBLISHED_PARAMS.as_array()
    t = np.array([1.0, 39.0, 78.0])
    eq9 = (
        (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * sc.hyp2f1(r, b, a + b - 1, t / (alpha + t)))
    )

    np.testing.assert_allclose(clv.bgnbd_expected_purchases(PUBLISHED_PARAMS, t), eq9, rtol=1e-12)


@pytest.mark.parametrize(
    ("a", "b", "r", "s", "closed_form"),
    [
        # With a = b = 1 the dropout probability P is uniform, and E[(1 − (1+Ps)^−r)/P] has closed forms:
        # r = 1: ∫ s/(1+ps) dp = ln(1+s);  r = 2: ∫ (2s + ps²)/(1+ps)² dp = ln(1+s) + 1 − 1/(1+s).
        (1.0, 1.0, 1.0, 3.0, math.log(4.0)),
        (1.0, 1.0, 2.0, 3.0, math.log(4.0) + 1 - 1 / 4),
        (1.0, 1.0, 1.0, 1e6, math.log1p(1e6)),
        # a = 2, b = 1: density 2p, so 2∫(1 − (1+ps)^−r) dp = 2[1 − ((1+s)^(1−r) − 1)/(s(1−r))].
        (2.0, 1.0, 3.0, 5.0, 2 * (1 - (6.0**-2 - 1) / (5.0 * -2))),
        (2.0, 1.0, 0.5, 0.5, 2 * (1 - (1.5**0.5 - 1) / (0.5 * 0.5))),
        # Tiny s (the closed form cancels there): the series r·s·(1 − (r+1)·s·E[P]/2), E[P] = 2/3, error O(s³).
        (2.0, 1.0, 0.5, 1e-6, 0.5e-6 * (1 - 1.5e-6 / 3)),
    ],
)
def test_expected_purchases_of_a_new_customer_against_closed_forms(a, b, r, s, closed_form):
    params = clv.BgNbdParams(r=r, alpha=1.0, a=a, b=b)

    assert clv.bgnbd_expected_purchases(params, s) == pytest.approx(closed_form, rel=1e-12)


def test_the_expectation_is_continuous_through_a_equal_one():
    # Eq. 10 is 0/0 at a = 1; the Beta-mixture form has no singularity there.
    values = [
        clv.bgnbd_conditional_expected_purchases(
            clv.BgNbdParams(0.5, 3.0, a, 2.0), 52.0, [3], [20.0], [30.0]
        )[0]
        for a in (1 - 1e-7, 1.0, 1 + 1e-7)
    ]

    assert values[0] == pytest.approx(values[1], rel=1e-6)
    assert values[2] == pytest.approx(values[1], rel=1e-6)
    assert values[1] > 0


def test_a_customer_whose_last_purchase_is_at_T_is_alive_with_the_odds_a_over_b_plus_x_minus_one():
    # t_x = T: P(alive) = 1 / (1 + a/(b+x−1)) = 1 / (1 + 0.5/3.5) = 0.875 for a = 0.5, b = 1.5, x = 3.
    params = clv.BgNbdParams(r=1.0, alpha=2.0, a=0.5, b=1.5)

    assert clv.bgnbd_probability_alive(params, [3], [10.0], [10.0])[0] == pytest.approx(0.875, rel=1e-15)
    assert clv.bgnbd_probability_alive(params, [0], [0.0], [10.0])[0] == 1.0


def test_customers_without_repeat_purchases_everywhere_give_finite_results_but_no_fit():
    x, t_x, T = np.zeros(5), np.zeros(5), np.array([1.0, 5.0, 10.0, 20.0, 40.0])

    assert np.all(np.isfinite(clv.bgnbd_log_likelihood(PUBLISHED_PARAMS, x, t_x, T)))
    expected = clv.bgnbd_conditional_expected_purchases(PUBLISHED_PARAMS, 10.0, x, t_x, T)
    assert np.all(np.isfinite(expected)) and np.all(np.diff(expected) < 0)  # older non-buyers buy less
    with pytest.raises(ValueError, match="no customer made a repeat purchase"):
        clv.fit_bgnbd(x, t_x, T)


def test_a_huge_frequency_stays_finite_and_sensible():
    # x = 10^6 purchases over T = 1000, the last at T: the rate is known (≈ x/T = 1000), dropout is negligible over
    # t = 0.001, so E ≈ (r+x)·t/(α+T) ≈ 1.
    params = clv.BgNbdParams(r=0.5, alpha=2.0, a=0.8, b=2.5)
    x, t_x, T, t = [1e6], [1000.0], [1000.0], 1e-3

    ll = clv.bgnbd_log_likelihood(params, x, t_x, T)
    alive = clv.bgnbd_probability_alive(params, x, t_x, T)
    expected = clv.bgnbd_conditional_expected_purchases(params, t, x, t_x, T)

    assert np.isfinite(ll[0])
    assert alive[0] == pytest.approx(1.0, abs=1e-6)
    assert expected[0] == pytest.approx((0.5 + 1e6) * t / 1002.0, rel=1e-3)


def test_a_huge_frequency_without_purchases_since_long_ago_is_dead():
    params = clv.BgNbdParams(r=0.5, alpha=2.0, a=0.8, b=2.5)

    alive = clv.bgnbd_probability_alive(params, [5000], [100.0], [1000.0])

    assert 0 <= alive[0] < 1e-300 or alive[0] == 0.0


@pytest.mark.parametrize("params", [(1e-8, 1e-8, 1e-8, 1e-8), (1e8, 1e8, 1e8, 1e8), (1e-6, 1e6, 1e6, 1e-6)])
def test_extreme_parameters_give_finite_likelihoods_and_predictions(params):
    params = clv.BgNbdParams(*params)

    ll = clv.bgnbd_log_likelihood(params, X, TX, T_AGE)
    alive = clv.bgnbd_probability_alive(params, X, TX, T_AGE)
    expected = clv.bgnbd_conditional_expected_purchases(params, 52.0, X, TX, T_AGE)

    assert np.all(np.isfinite(ll))
    assert np.all((alive >= 0) & (alive <= 1))
    assert np.all(np.isfinite(expected)) and np.all(expected >= 0)


def test_huge_r_and_alpha_tend_to_a_poisson_rate():
    # r, α → ∞ with r/α = λ fixed: every customer buys at rate λ. For x = 0 and a dropout probability near 0
    # (a tiny, b large) the expected purchases in t tend to λ·t.
    params = clv.BgNbdParams(r=1e9, alpha=1e9 / 0.3, a=1e-6, b=1e6)

    assert clv.bgnbd_expected_purchases(params, 10.0) == pytest.approx(3.0, rel=1e-4)


@pytest.mark.parametrize(
    ("frequency", "recency", "T", "message"),
    [
        ([1.5], [1.0], [2.0], "whole number"),
        ([-1], [0.0], [2.0], "whole number"),
        ([1], [3.0], [2.0], "between 0 and T"),
        ([1], [np.nan], [2.0], "missing"),
        ([1, 2], [1.0], [2.0], "same length"),
    ],
)
def test_bad_inputs_are_refused(frequency, recency, T, message):
    with pytest.raises(ValueError, match=message):
        clv.bgnbd_probability_alive(PUBLISHED_PARAMS, frequency, recency, T)


def test_log_pochhammer_and_digamma_difference_stay_exact_for_huge_arguments():
    # Reference: ln[u(u+1)...(u+x−1)] summed term by term with math.fsum, for integer x.
    for u in (0.3, 7.0, 99.9, 100.0, 999.0, 1e6, 1e12):
        for x in (0, 1, 5, 40):
            reference = math.fsum(math.log(u + k) for k in range(x))
            assert clv.log_pochhammer(u, x) == pytest.approx(reference, rel=1e-13, abs=1e-13)
            # ψ(u+x) − ψ(u) = Σ 1/(u+k) for integer x.
            assert clv.digamma_difference(u, x) == pytest.approx(
                math.fsum(1 / (u + k) for k in range(x)), rel=1e-12, abs=1e-300
            )


@pytest.mark.parametrize("grouping", [clv.group_rows, clv._group_rows_lexsort])
def test_grouping_rows_finds_every_distinct_row_and_maps_each_row_back(grouping):
    rng = np.random.default_rng(3)
    x = rng.integers(0, 4, 500).astype(float)
    T = rng.choice([0.5, 1.25, 3.0], 500)
    t_x = np.minimum(rng.choice([0.0, 0.25, 1.0], 500), T)

    (gx, gtx, gT), inverse, counts = grouping(x, t_x, T)

    expected, expected_counts = np.unique(np.stack([x, t_x, T], axis=1), axis=0, return_counts=True)
    assert sorted(zip(gx, gtx, gT, counts, strict=True)) == sorted(
        (*row, n) for row, n in zip(map(tuple, expected), expected_counts, strict=True)
    )
    np.testing.assert_array_equal(gx[inverse], x)
    np.testing.assert_array_equal(gtx[inverse], t_x)
    np.testing.assert_array_equal(gT[inverse], T)
