"""The model's maths without a database: calibration error by hand, the time cut, the JSON round trip, reasons."""

import numpy as np
import pytest

from referral_engine.propensity import model as M
from referral_engine.propensity.features import FEATURE_NAMES, HORIZON_DAYS


def test_expected_calibration_error_by_hand():
    p = np.array([0.05, 0.05, 0.95, 0.95])
    y = np.array([0, 1, 1, 1])
    # Bin 0-0.1: predicted 0.05, observed 0.5; bin 0.9-1: predicted 0.95, observed 1. Each holds half.
    assert M.expected_calibration_error(p, y) == pytest.approx(0.5 * 0.45 + 0.5 * 0.05)
    table = M.calibration_table(p, y)
    assert [(row["bin"], row["count"]) for row in table] == [("0.0-0.1", 2), ("0.9-1.0", 2)]


def test_training_snapshots_end_a_label_horizon_before_the_held_out_ones():
    days = np.arange(12) * 30.0
    snapshot = np.repeat(days, 5)
    train, test, test_from = M.time_split(snapshot)
    assert test_from == days[8]  # the latest third (4 of 12) is held out
    assert snapshot[train].max() <= test_from - HORIZON_DAYS
    assert snapshot[test].min() == test_from
    assert not (train & test).any()


def test_too_few_snapshots_is_too_little_history():
    with pytest.raises(M.TooLittleHistory):
        M.time_split(np.array([0.0, 0.0, 30.0]))


def _signal(n=4000, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, len(FEATURE_NAMES)))
    log_odds = -3 + 1.5 * X[:, 0] - 1.0 * X[:, 1]
    y = (rng.random(n) < 1 / (1 + np.exp(-log_odds))).astype(np.int8)
    snapshot = np.repeat(np.arange(8) * 30.0, n // 8)
    return X, y, snapshot


def test_a_stored_model_scores_exactly_as_the_fitted_one():
    X, y, snapshot = _signal()
    fitted = M.fit(X, y, snapshot)
    again = M.Fitted.from_json(fitted.as_json())
    assert np.allclose(again.probability(X), fitted.probability(X))
    assert ((fitted.probability(X) >= 0) & (fitted.probability(X) <= 1)).all()


def test_a_model_trained_on_other_features_is_refused():
    X, y, snapshot = _signal()
    params = M.fit(X, y, snapshot).as_json()
    params["features"] = params["features"][:-1]
    with pytest.raises(ValueError):
        M.Fitted.from_json(params)


def test_validation_finds_a_planted_signal_and_calibrates_it():
    X, y, snapshot = _signal(n=16000)
    check = M.validate(X, y, snapshot)
    assert check.auc > 0.8
    assert check.calibration_error < 0.03


def test_reasons_are_the_largest_positive_contributions_of_above_average_features():
    X, y, snapshot = _signal()
    fitted = M.fit(X, y, snapshot)
    row = np.zeros((1, len(FEATURE_NAMES)))
    row[0, 0] = 3.0  # far above average in the feature that raises the odds
    row[0, 1] = -3.0  # far below average in one that lowers them: not a reason (it is an absence)
    (why,) = M.reasons(fitted, row)
    assert why[0]["feature"] == FEATURE_NAMES[0]
    assert FEATURE_NAMES[1] not in [r["feature"] for r in why]
    assert all(r["contribution"] > 0 for r in why)
    assert why[0]["text"].startswith(why[0]["label"] + ": ")
