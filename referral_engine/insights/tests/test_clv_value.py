"""Predicted CLV = discounted expected purchases over a horizon × expected spend × margin."""

import numpy as np
import pytest

from referral_engine.insights import clv

BG_WEEKS = clv.BgNbdParams(r=0.243, alpha=4.414, a=0.793, b=2.426)
GG = clv.GammaGammaParams(p=6.25, q=3.74, gamma=15.44)
X = np.array([0, 2, 7, 1])
TX = np.array([0.0, 30.43, 35.0, 2.0])
T = np.array([38.86, 38.86, 36.0, 33.0])
Z = np.array([0.0, 22.35, 40.0, 15.0])
MONTH_IN_WEEKS = 365.25 / 12 / 7


def test_without_discounting_clv_is_expected_purchases_times_spend_times_margin():
    purchases = clv.bgnbd_conditional_expected_purchases(BG_WEEKS, 12 * MONTH_IN_WEEKS, X, TX, T)
    spend = clv.gamma_gamma_expected_spend(GG, X, Z)

    got = clv.predict_clv(BG_WEEKS, GG, X, TX, T, Z, model_unit="weeks", horizon=12, margin=0.3)

    np.testing.assert_allclose(got, purchases * spend * 0.3, rtol=1e-10)


def test_discounting_per_period_worked_by_hand():
    # Two monthly periods at 1% a month: E1/1.01 + (E2 − E1)/1.01².
    e1, e2 = (
        clv.bgnbd_conditional_expected_purchases(BG_WEEKS, months * MONTH_IN_WEEKS, X, TX, T)
        for months in (1, 2)
    )
    spend = clv.gamma_gamma_expected_spend(GG, X, Z)

    got = clv.predict_clv(BG_WEEKS, GG, X, TX, T, Z, model_unit="weeks", horizon=2, discount_rate=0.01)

    np.testing.assert_allclose(got, (e1 / 1.01 + (e2 - e1) / 1.01**2) * spend, rtol=1e-10)


def test_a_fractional_horizon_ends_with_a_partial_period():
    e1, e15 = (
        clv.bgnbd_conditional_expected_purchases(BG_WEEKS, months * MONTH_IN_WEEKS, X, TX, T)
        for months in (1, 1.5)
    )

    got = clv.bgnbd_discounted_expected_purchases(
        BG_WEEKS, X, TX, T, model_unit="weeks", horizon=1.5, discount_rate=0.1
    )

    np.testing.assert_allclose(got, e1 / 1.1 + (e15 - e1) / 1.1**2, rtol=1e-10)


def test_a_12_month_horizon_is_12_months_whatever_the_models_unit():
    # The same model in days: alpha and all times 7 times larger.
    bg_days = clv.BgNbdParams(BG_WEEKS.r, BG_WEEKS.alpha * 7, BG_WEEKS.a, BG_WEEKS.b)

    in_weeks = clv.predict_clv(BG_WEEKS, GG, X, TX, T, Z, model_unit="weeks", horizon=12, discount_rate=0.01)
    in_days = clv.predict_clv(
        bg_days, GG, X, TX * 7, T * 7, Z, model_unit="days", horizon=12, discount_rate=0.01
    )
    one_year_in_weeks = clv.predict_clv(
        BG_WEEKS, GG, X, TX, T, Z, model_unit="weeks", horizon=365.25 / 7, horizon_unit="weeks"
    )
    undiscounted = clv.predict_clv(BG_WEEKS, GG, X, TX, T, Z, model_unit="weeks", horizon=12)

    np.testing.assert_allclose(in_days, in_weeks, rtol=1e-9)
    np.testing.assert_allclose(one_year_in_weeks, undiscounted, rtol=1e-9)


def test_discounting_and_shorter_horizons_lower_the_value():
    full = clv.predict_clv(BG_WEEKS, GG, X, TX, T, Z, model_unit="weeks", horizon=24)
    shorter = clv.predict_clv(BG_WEEKS, GG, X, TX, T, Z, model_unit="weeks", horizon=12)
    discounted = clv.predict_clv(
        BG_WEEKS, GG, X, TX, T, Z, model_unit="weeks", horizon=24, discount_rate=0.02
    )

    assert np.all(shorter < full) and np.all(discounted < full) and np.all(shorter > 0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"model_unit": "fortnights"}, "model_unit must be one of"),
        ({"model_unit": "weeks", "horizon_unit": "years"}, "horizon_unit must be one of"),
        ({"model_unit": "weeks", "horizon": 0}, "horizon must be positive"),
        ({"model_unit": "weeks", "discount_rate": -1.0}, "discount_rate"),
        ({"model_unit": "weeks", "margin": -0.1}, "margin"),
    ],
)
def test_bad_settings_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        clv.predict_clv(BG_WEEKS, GG, X, TX, T, Z, **kwargs)
