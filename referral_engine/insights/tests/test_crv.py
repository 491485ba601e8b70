"""Customer referral value (Kumar, Petersen & Leone 2007, 2010), true value and the CLV × CRV quadrants."""

import numpy as np
import pytest

from referral_engine.insights.crv import customer_referral_value, referral_values, true_value, value_quadrants

DAYS = np.array(["2024-01-01", "2024-07-01"], dtype="datetime64[D]")


def test_referral_values_worked_by_hand():
    # Referral 0, made 2024-01-01: margins 100 the same day and 110 on 2025-01-01 (366 days later); 10% a year.
    #   PV = 100 + 110 · 1.1^(−366/365.25); acquisition cost saved 50 → value = PV + 50.
    # Referral 1, made 2024-07-01: margin 200 on 2024-07-01; half of it incremental (the customer might have come
    #   anyway), acquisition cost saved 50, a 20 gift as the referral's cost → 0.5·200 + 50 − 20 = 130.
    got = referral_values(
        referral_date=DAYS,
        margin_referral=[0, 0, 1],
        margin_date=np.array(["2024-01-01", "2025-01-01", "2024-07-01"], dtype="datetime64[D]"),
        margin=[100.0, 110.0, 200.0],
        acquisition_cost_saved=50.0,
        incremental_share=[1.0, 0.5],
        referral_cost=[0.0, 20.0],
        discount_rate=0.1,
    )

    np.testing.assert_allclose(got, [100 + 110 * 1.1 ** (-366 / 365.25) + 50, 130.0], rtol=1e-14)


def test_valuing_at_a_common_date_compounds_each_referral_up_to_it():
    # Discounting to 2025-07-01 instead: referral 1 (a 100 margin on its own date) is worth 100·1.1^(365/365.25).
    got = referral_values(
        referral_date=DAYS,
        margin_referral=[1],
        margin_date=np.array(["2024-07-01"], dtype="datetime64[D]"),
        margin=[100.0],
        discount_rate=0.1,
        valuation_date="2025-07-01",
    )

    np.testing.assert_allclose(got, [0.0, 100 * 1.1 ** (365 / 365.25)], rtol=1e-14)


def test_crv_sums_tier_1_and_weights_tier_2():
    # Referrer 0: tier-1 referral worth 300 and a tier-2 one worth 200 → 300 + 0.5·200 = 400 (2 referred).
    # Referrer 1: a tier-2 referral worth 80 → 40. Referrer 2: none → 0.
    got = customer_referral_value(3, referrer=[0, 0, 1], tier=[1, 2, 2], referral_value=[300.0, 200.0, 80.0])

    np.testing.assert_allclose(got.crv, [400.0, 40.0, 0.0])
    np.testing.assert_allclose(got.tier1, [300.0, 0.0, 0.0])
    np.testing.assert_allclose(got.tier2, [100.0, 40.0, 0.0])
    assert got.referred_customers.tolist() == [2, 1, 0]


def test_tier_2_weight_is_configurable():
    got = customer_referral_value(
        1, referrer=[0, 0], tier=[1, 2], referral_value=[10.0, 10.0], tier2_weight=0.2
    )

    assert got.crv[0] == pytest.approx(12.0)


def test_true_value_and_quadrants_worked_by_hand():
    # CLV 10, 10, 1, 1 (median 5.5) and CRV 5, 0, 5, 0 (median 2.5).
    clv, crv = [10.0, 10.0, 1.0, 1.0], [5.0, 0.0, 5.0, 0.0]

    assert true_value(clv, crv).tolist() == [15.0, 10.0, 6.0, 1.0]
    assert value_quadrants(clv, crv).tolist() == ["champion", "affluent", "advocate", "miser"]


def test_quadrants_with_a_zero_median_crv_and_explicit_thresholds():
    # Most customers referred nobody: the CRV median is 0, so anyone who referred is high-CRV.
    assert value_quadrants([1, 2, 3], [0, 0, 7]).tolist() == ["miser", "miser", "champion"]
    assert (
        value_quadrants([1, 2, 3], [0, 0, 7], clv_threshold=0.5, crv_threshold=10).tolist()
        == ["affluent"] * 3
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tier": [3]}, "tier must be 1 or 2"),
        ({"referrer": [5]}, "referrer must index"),
        ({"tier2_weight": 1.5}, "tier2_weight"),
    ],
)
def test_bad_referral_data_is_refused(kwargs, message):
    arguments = {"referrer": [0], "tier": [1], "referral_value": [1.0]} | kwargs
    tier2_weight = arguments.pop("tier2_weight", 0.5)

    with pytest.raises(ValueError, match=message):
        customer_referral_value(1, tier2_weight=tier2_weight, **arguments)
