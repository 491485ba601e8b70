"""The propensity model as pure functions over arrays: fit, calibrate, validate in time order, score, explain.

The model is a logistic regression on standardised features (scikit-learn), its scores calibrated by Platt
scaling — a one-variable logistic regression of the outcome on the model's log-odds, fitted on the latest
training snapshots (Platt 1999, "Probabilistic outputs for support vector machines"). Everything fitted is kept as
plain numbers (`Fitted.as_json`) so a stored run scores without a pickle.

Validation is time-ordered: the later snapshots are held out, and the training snapshots end 90 days before the
first held-out one, so no training label looks into the held-out period (never shuffled across time).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.preprocessing import StandardScaler

from referral_engine.propensity.features import FEATURE_LABELS, FEATURE_NAMES, HORIZON_DAYS

CALIBRATION_BINS = 10
TEST_SHARE = 1 / 3  # the latest third of the snapshots is held out
CALIBRATION_SHARE = 1 / 4  # the latest quarter of the training snapshots calibrates
REASONS = 3
LOG1P = frozenset(
    {
        "log_value",
        "log_purchases",
        "touch_90",
        "touch_365",
        "inbound_365",
        "log_referrals",
        "log_colleagues",
        "account_touch_365",
        "account_referrals",
    }
)


@dataclass
class Fitted:
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    platt_a: float  # calibrated probability = 1 / (1 + exp(-(a * log_odds + b)))
    platt_b: float

    def log_odds(self, X: np.ndarray) -> np.ndarray:
        return self.standardise(X) @ self.coef + self.intercept

    def standardise(self, X: np.ndarray) -> np.ndarray:
        return (X - self.mean) / self.scale

    def probability(self, X: np.ndarray) -> np.ndarray:
        z = self.platt_a * self.log_odds(X) + self.platt_b
        return 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))

    def as_json(self) -> dict:
        return {
            "features": list(FEATURE_NAMES),
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "coef": self.coef.tolist(),
            "intercept": self.intercept,
            "platt": {"a": self.platt_a, "b": self.platt_b},
        }

    @classmethod
    def from_json(cls, params: dict) -> Fitted:
        if params.get("features") != list(FEATURE_NAMES):
            raise ValueError("The stored model was trained on other features; train it again.")
        return cls(
            mean=np.asarray(params["mean"], dtype=np.float64),
            scale=np.asarray(params["scale"], dtype=np.float64),
            coef=np.asarray(params["coef"], dtype=np.float64),
            intercept=float(params["intercept"]),
            platt_a=float(params["platt"]["a"]),
            platt_b=float(params["platt"]["b"]),
        )


def _fit_lr(X: np.ndarray, y: np.ndarray) -> tuple[StandardScaler, LogisticRegression]:
    scaler = StandardScaler().fit(X)
    scaler.scale_[scaler.scale_ == 0] = 1.0  # a constant column stays 0 after centring
    lr = LogisticRegression(C=1.0, max_iter=1000).fit(scaler.transform(X), y)
    return scaler, lr


def fit(X: np.ndarray, y: np.ndarray, snapshot: np.ndarray) -> Fitted:
    """Fit on the earlier training snapshots, calibrate on the latest quarter of them (both classes needed)."""
    days = np.unique(snapshot)
    cut = (
        days[min(len(days) - 1, max(1, int(len(days) * (1 - CALIBRATION_SHARE))))] if len(days) > 1 else None
    )
    early = snapshot < cut if cut is not None else np.ones(len(y), bool)
    if cut is None or len(np.unique(y[early])) < 2 or len(np.unique(y[~early])) < 2:
        early = np.ones(len(y), bool)  # too few snapshots to split: calibrate on the same rows
    scaler, lr = _fit_lr(X[early], y[early])
    fitted = Fitted(scaler.mean_, scaler.scale_, lr.coef_[0].copy(), float(lr.intercept_[0]), 1.0, 0.0)
    late = ~early if (~early).any() else early
    platt = LogisticRegression(C=1e6, max_iter=1000).fit(fitted.log_odds(X[late])[:, None], y[late])
    fitted.platt_a, fitted.platt_b = float(platt.coef_[0, 0]), float(platt.intercept_[0])
    return fitted


def calibration_table(p: np.ndarray, y: np.ndarray, bins: int = CALIBRATION_BINS) -> list[dict]:
    """Predicted against observed per equal-width bin of the predicted probability (empty bins left out)."""
    which = np.minimum((p * bins).astype(np.int64), bins - 1)
    count = np.bincount(which, minlength=bins)
    predicted = np.bincount(which, weights=p, minlength=bins)
    observed = np.bincount(which, weights=y, minlength=bins)
    return [
        {
            "bin": f"{b / bins:.1f}-{(b + 1) / bins:.1f}",
            "predicted": float(predicted[b] / count[b]),
            "observed": float(observed[b] / count[b]),
            "count": int(count[b]),
        }
        for b in range(bins)
        if count[b]
    ]


def expected_calibration_error(p: np.ndarray, y: np.ndarray, bins: int = CALIBRATION_BINS) -> float:
    """ECE: the count-weighted mean gap |mean predicted − observed rate| over equal-width bins
    (Naeini, Cooper & Hauskrecht 2015; Guo et al. 2017, eq. 3)."""
    table = calibration_table(p, y, bins)
    total = sum(row["count"] for row in table)
    return float(sum(row["count"] * abs(row["predicted"] - row["observed"]) for row in table) / total)


@dataclass
class Validation:
    auc: float
    calibration_error: float
    brier: float
    calibration: list[dict]
    test_from: float
    test_examples: int
    test_positives: int
    train_to: float
    train_examples: int
    train_positives: int


class TooLittleHistory(Exception):
    """Not enough snapshots or positives on one side of the time cut to train and test."""


def time_split(snapshot: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Masks of the training and held-out rows, and the first held-out snapshot day. Training snapshots end
    HORIZON_DAYS before it, so every training label was known when the held-out period starts."""
    days = np.unique(snapshot)
    if len(days) < 3:
        raise TooLittleHistory(
            f"Only {len(days)} monthly snapshot(s) with a complete 90-day outcome; 3 needed."
        )
    n_test = max(1, int(round(len(days) * TEST_SHARE)))
    test_from = float(days[-n_test])
    train = snapshot <= test_from - HORIZON_DAYS
    test = snapshot >= test_from
    if not train.any():
        raise TooLittleHistory("No snapshot ends 90 days before the held-out period; more history is needed.")
    return train, test, test_from


def validate(X: np.ndarray, y: np.ndarray, snapshot: np.ndarray) -> Validation:
    """Train on the earlier snapshots, measure on the later ones."""
    train, test, test_from = time_split(snapshot)
    for name, mask in (("training", train), ("held-out", test)):
        if len(np.unique(y[mask])) < 2:
            raise TooLittleHistory(f"The {name} snapshots have no positive example (or no negative one).")
    fitted = fit(X[train], y[train], snapshot[train])
    p = fitted.probability(X[test])
    return Validation(
        auc=float(roc_auc_score(y[test], p)),
        calibration_error=expected_calibration_error(p, y[test]),
        brier=float(brier_score_loss(y[test], p)),
        calibration=calibration_table(p, y[test]),
        test_from=test_from,
        test_examples=int(test.sum()),
        test_positives=int(y[test].sum()),
        train_to=float(snapshot[train].max()),
        train_examples=int(train.sum()),
        train_positives=int(y[train].sum()),
    )


def display_value(name: str, value: float) -> float:
    """A feature as a person reads it: counts and money back from log(1 + x), the rest rounded."""
    if name in LOG1P:
        return round(float(np.expm1(value)), 2)
    return round(value, 2)


def top_reasons(fitted: Fitted, X: np.ndarray, k: int = REASONS) -> tuple[np.ndarray, np.ndarray]:
    """Per person, the k features pushing their log-odds up the most against an average contact: coefficient ×
    standardised value (exact for a linear model in log-odds; before calibration, which is monotone). Only
    features where the person is above average count, so a reason always reads "has more of something that
    helps", never "lacks something that hurts". Returns (column indices, contributions), each len(X) × k; a
    contribution of 0 means no reason in that place."""
    z = fitted.standardise(X)
    contribution = np.where(z > 0, z * fitted.coef, 0.0)
    contribution[contribution < 0] = 0.0
    top = np.argsort(-contribution, axis=1, kind="stable")[:, :k]
    return top, np.take_along_axis(contribution, top, axis=1)


BINARY = frozenset(
    {
        "has_nps",
        "promoter",
        "detractor",
        "role_decision_maker",
        "role_influencer",
        "role_champion",
        "role_user",
        "account_has_nps",
    }
)


def reason_text(name: str, value: float) -> str:
    label = FEATURE_LABELS[name]
    if name in BINARY:
        return label
    if name == "years_since_touch":
        return f"{label}: {round(value * 365.25)} days"
    return f"{label}: {value:g}"


def reasons_json(X: np.ndarray, top: np.ndarray, contribution: np.ndarray) -> list[list[dict]]:
    """The reasons of top_reasons as JSON-ready lists (for a batch being written)."""
    return [
        [
            {
                "feature": FEATURE_NAMES[c],
                "label": FEATURE_LABELS[FEATURE_NAMES[c]],
                "value": display_value(FEATURE_NAMES[c], float(x[c])),
                "text": reason_text(FEATURE_NAMES[c], display_value(FEATURE_NAMES[c], float(x[c]))),
                "contribution": round(float(w), 3),
            }
            for c, w in zip(cols.tolist(), weights.tolist(), strict=True)
            if w > 0
        ]
        for x, cols, weights in zip(X, top, contribution, strict=True)
    ]


def reasons(fitted: Fitted, X: np.ndarray, k: int = REASONS) -> list[list[dict]]:
    top, contribution = top_reasons(fitted, X, k)
    return reasons_json(X, top, contribution)
