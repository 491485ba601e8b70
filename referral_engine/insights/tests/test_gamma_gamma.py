"""Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV"; Fader & Hardie 2013, note 025)."""

import math

import numpy as np
import pytest

from referral_engine.insights import clv
from referral_engine.insights.rfm import rfm_summary


@pytest.fixture(scope="module")
def cdnow_repeat_spend(cdnow_dir):
    raw = np.loadtxt(cdnow_dir / "CDNOW_sample.txt", dtype=str)
    dates = np.array([f"{d[:4]}-{d[4:6]}-{d[6:]}" for d in raw[:, 2]], dtype="datetime64[D]")
    summary = rfm_summary(
        raw[:, 1], dates, raw[:, 4].astype(float), calibration_end="1997-09-30", unit="weeks"
    )
    return summary.frequency, summary.monetary_value


def test_fit_on_cdnow_reproduces_the_published_estimates(cdnow_repeat_spend):
    # Fader & Hardie (2013), note 025: for the 946 CDNOW customers with repeat purchases in the first 39 weeks,
    # p = 6.25, q = 3.74, gamma = 15.44.
    fit = clv.fit_gamma_gamma(*cdnow_repeat_spend)

    assert fit.n_customers == 946
    assert (f"{fit.params.p:.2f}", f"{fit.params.q:.2f}", f"{fit.params.gamma:.2f}") == (
        "6.25",
        "3.74",
        "15.44",
    )
    # Cross-check of the log-likelihood against an independent implementation: CLVTools reports −4055.9177.
    assert fit.log_likelihood == pytest.approx(-4055.9177, abs=5e-4)
    assert fit.converged


def test_customers_without_repeat_spend_do_not_change_the_fit(cdnow_repeat_spend):
    x, z = cdnow_repeat_spend
    only_repeaters = clv.fit_gamma_gamma(x[x > 0], z[x > 0])

    with_others = clv.fit_gamma_gamma(np.append(x, [0, 0, 3]), np.append(z, [0.0, 12.0, 0.0]))

    np.testing.assert_allclose(with_others.params.as_array(), only_repeaters.params.as_array(), rtol=1e-7)


def test_density_of_the_average_spend_worked_by_hand():
    # GG eq. 3 with p = q = γ = 1:
    #   x = 1, z̄ = 1: Γ(2)/(Γ(1)Γ(1)) · 1 · 1 · 1 / (1 + 1)^2 = 1/4
    #   x = 2, z̄ = 1: Γ(3)/(Γ(2)Γ(1)) · 1 · 2^2 · 1^1 / (1 + 2)^3 = 2·4/27 = 8/27
    params = clv.GammaGammaParams(p=1.0, q=1.0, gamma=1.0)

    got = clv.gamma_gamma_log_likelihood(params, [1, 2], [1.0, 1.0])

    np.testing.assert_allclose(got, [math.log(1 / 4), math.log(8 / 27)], rtol=1e-14)


@pytest.mark.parametrize(
    "point", [(6.25, 3.74, 15.44), (1e-3, 1e-3, 1e-3), (1e4, 1e4, 1e6), (0.5, 200.0, 0.01), (300.0, 0.2, 5e3)]
)
def test_analytic_gradient_matches_central_differences(point):
    x = np.array([1, 1, 2, 5, 30, 1000])
    z = np.array([0.01, 35.0, 12.5, 80.0, 3.0, 1e5])
    data = clv._gamma_gamma_data(x, z, None)
    params = np.array(point)
    ll, grad = clv._gamma_gamma_ll_and_grad(params, data)
    assert np.isfinite(ll) and np.all(np.isfinite(grad))

    step = 1e-6
    for i in range(3):
        up, down = params.copy(), params.copy()
        up[i] *= math.exp(step)
        down[i] *= math.exp(-step)
        numeric = (
            clv._gamma_gamma_ll_and_grad(up, data)[0] - clv._gamma_gamma_ll_and_grad(down, data)[0]
        ) / (2 * step)
        assert grad[i] * params[i] == pytest.approx(numeric, rel=1e-5, abs=1e-6 * max(1.0, abs(ll))), i


def test_total_log_likelihood_is_the_sum_of_the_customers():
    x, z = np.array([1, 4, 9]), np.array([10.0, 22.5, 7.0])
    params = clv.GammaGammaParams(2.0, 3.0, 10.0)

    total, _ = clv._gamma_gamma_ll_and_grad(params.as_array(), clv._gamma_gamma_data(x, z, None))

    assert total == pytest.approx(clv.gamma_gamma_log_likelihood(params, x, z).sum(), rel=1e-13)


def test_expected_spend_worked_by_hand():
    # GG eq. 5 with p = 2, q = 3, γ = 10: population mean pγ/(q−1) = 10; a customer with x = 4, z̄ = 20 gets
    # (γ + x·z̄)·p/(px + q − 1) = 90·2/10 = 18 = 0.8·20 + 0.2·10 (weight px/(px+q−1) = 0.8 on their own average);
    # a customer without repeat purchases gets the population mean, 10.
    params = clv.GammaGammaParams(p=2.0, q=3.0, gamma=10.0)

    np.testing.assert_allclose(clv.gamma_gamma_expected_spend(params, [4, 0], [20.0, 0.0]), [18.0, 10.0])


def test_expected_spend_is_infinite_where_the_mean_does_not_exist():
    # q ≤ 1: the population's mean spend is infinite, so a customer with x = 0 has none either.
    params = clv.GammaGammaParams(p=2.0, q=0.8, gamma=10.0)

    got = clv.gamma_gamma_expected_spend(params, [0, 1], [0.0, 50.0])

    assert got[0] == np.inf
    assert got[1] == pytest.approx((10 + 50) * 2 / (2 + 0.8 - 1))


def test_huge_frequencies_and_amounts_stay_finite():
    params = clv.GammaGammaParams(p=6.25, q=3.74, gamma=15.44)

    ll = clv.gamma_gamma_log_likelihood(params, [1e7, 1.0], [1e-3, 1e12])

    assert np.all(np.isfinite(ll))
    # With 10^7 purchases the customer's own average dominates completely.
    assert clv.gamma_gamma_expected_spend(params, [1e7], [42.0])[0] == pytest.approx(42.0, rel=1e-6)


def test_no_usable_customer_is_refused():
    with pytest.raises(ValueError, match="no customer has a repeat purchase"):
        clv.fit_gamma_gamma([0, 0, 2], [10.0, 0.0, 0.0])
