"""Train the propensity model on a workspace's history and score its customers' contacts (docs/propensity.md).

Reading and fitting happen outside any transaction; each write (a run, a workspace's scores) is one transaction,
so a page always shows one consistent run and one consistent set of scores.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from referral_engine.propensity import features as F
from referral_engine.propensity import model as M
from referral_engine.propensity.models import PropensityRun, PropensityScore
from referral_engine.workspaces.models import Workspace

SNAPSHOT_MONTHS = 24
WRITE_BATCH = 5_000
RULES = "rules"
LOGISTIC = "logistic"


@dataclass
class Dataset:
    X: np.ndarray
    y: np.ndarray
    snapshot: np.ndarray
    snapshot_dates: list = field(default_factory=list)
    sampled: float = 1.0
    contacts: int = 0  # distinct contacts over all snapshots


def dataset_build(
    *, history: F.History, now: datetime, months: int = SNAPSHOT_MONTHS, max_examples: int | None = None
) -> Dataset:
    """One row per (contact, monthly snapshot) with a complete 90-day outcome. When there would be more rows
    than `max_examples`, an even random share of each snapshot's contacts is kept (drawn afresh per snapshot, so
    nearly every contact takes part somewhere), which leaves the rate of referring unchanged."""
    max_examples = max_examples or settings.PROPENSITY_MAX_EXAMPLES
    days = [(d, F.day_number(d)) for d in F.monthly_snapshots(now=now, months=months)]
    who = [(d, s, F.population_at(history, s)) for d, s in days]
    who = [(d, s, w) for d, s, w in who if len(w)]
    total = sum(len(w) for _, _, w in who)
    keep_share = min(1.0, max_examples / total) if total else 1.0
    if keep_share < 1.0:
        rng = np.random.default_rng(0)
        who = [(d, s, w[rng.random(len(w)) < keep_share]) for d, s, w in who]
    n_features = len(F.FEATURE_NAMES)
    rows = sum(len(w) for _, _, w in who)
    X = np.empty((rows, n_features), dtype=np.float32)
    y = np.empty(rows, dtype=np.int8)
    snapshot = np.empty(rows, dtype=np.float64)
    at = 0
    for _, s, w in who:  # one pass per snapshot (at most SNAPSHOT_MONTHS), each over whole arrays
        X[at : at + len(w)] = F.features_at(history, s, w)
        y[at : at + len(w)] = F.labels_at(history, s, w)
        snapshot[at : at + len(w)] = s
        at += len(w)
    contacts = len(np.unique(np.concatenate([w for _, _, w in who]))) if who else 0
    return Dataset(X, y, snapshot, [d.isoformat() for d, _, _ in who], keep_share, contacts)


def propensity_train(
    *, workspace: Workspace, now: datetime | None = None, min_positives: int | None = None
) -> PropensityRun:
    """Build the monthly snapshots, validate in time order, fit the final model on every snapshot and store the
    run. With fewer than `min_positives` positive examples (PROPENSITY_MIN_POSITIVES), or too few snapshots for a
    time-ordered test, nothing is fitted: the run records why and the ask lists rank by the profile rules."""
    now = now or timezone.now()
    min_positives = settings.PROPENSITY_MIN_POSITIVES if min_positives is None else min_positives
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    history = F.history_load(workspace=workspace, until=now)
    seconds["read"] = time.perf_counter() - started
    started = time.perf_counter()
    data = dataset_build(history=history, now=now)
    seconds["features"] = time.perf_counter() - started

    started = time.perf_counter()
    positives = int(data.y.sum())
    run = PropensityRun(
        workspace=workspace,
        trained_at=now,
        method=RULES,
        examples=len(data.y),
        positives=positives,
        snapshots=data.snapshot_dates,
    )
    if positives < min_positives:
        run.fallback_reason = (
            f"Only {positives} positive example{'s' if positives != 1 else ''} (a contact who referred within 90 "
            f"days of a monthly snapshot); the model needs at least {min_positives}. The ask lists rank by the "
            "referral profile rules instead."
        )
    else:
        try:
            check = M.validate(data.X, data.y, data.snapshot)
        except M.TooLittleHistory as exc:
            run.fallback_reason = f"{exc} The ask lists rank by the referral profile rules instead."
        else:
            fitted = M.fit(data.X, data.y, data.snapshot)
            run.method = LOGISTIC
            run.auc = check.auc
            run.calibration_error = check.calibration_error
            run.brier = check.brier
            run.calibration = check.calibration
            run.test_examples, run.test_positives = check.test_examples, check.test_positives
            run.test_from = F.day_date(check.test_from)
            run.params = {
                **fitted.as_json(),
                "sampled_share": data.sampled,
                "contacts": data.contacts,
                "horizon_days": F.HORIZON_DAYS,
                "validation": {
                    "train_to": F.day_date(check.train_to).isoformat(),
                    "train_examples": check.train_examples,
                    "train_positives": check.train_positives,
                },
            }
    seconds["fit"] = time.perf_counter() - started
    run.seconds = seconds
    with transaction.atomic():
        run.save()
    run.history = history  # kept on the instance so scoring right after reads nothing again
    return run


def propensity_score(
    *, workspace: Workspace, run: PropensityRun | None = None, now: datetime | None = None
) -> int:
    """Score every contact of a current customer with the latest run (or `run`), replacing the workspace's
    scores in one transaction; returns how many were scored. A fallback run removes the scores instead, so the
    ask lists do not rank by an old model."""
    now = now or timezone.now()
    if run is None:
        run = PropensityRun.objects.filter(workspace=workspace).order_by("-id").first()
    if run is None or run.is_fallback:
        with transaction.atomic():
            PropensityScore.objects.filter(workspace=workspace).delete()
        return 0
    seconds = dict(run.seconds)
    started = time.perf_counter()
    fitted = M.Fitted.from_json(run.params)
    history = getattr(run, "history", None)
    if history is None:
        history = F.history_load(workspace=workspace, until=now)
        seconds["score_read"] = time.perf_counter() - started
        started = time.perf_counter()
    s = F.day_number(now)
    who = F.population_at(history, s)
    X = F.features_at(history, s, who)
    probability = fitted.probability(X)
    top, contribution = M.top_reasons(fitted, X)
    contact_ids = history.contact_id[who]
    seconds["score"] = time.perf_counter() - started

    started = time.perf_counter()
    with transaction.atomic():
        PropensityScore.objects.filter(workspace=workspace).delete()
        for start in range(0, len(contact_ids), WRITE_BATCH):
            part = slice(start, start + WRITE_BATCH)
            why = M.reasons_json(X[part], top[part], contribution[part])
            PropensityScore.objects.bulk_create(
                [
                    PropensityScore(
                        workspace=workspace, contact_id=c, run=run, probability=p, reasons=r, scored_at=now
                    )
                    for c, p, r in zip(
                        contact_ids[part].tolist(), probability[part].tolist(), why, strict=True
                    )
                ]
            )
        run.scored = len(contact_ids)
        run.scored_at = now
        seconds["write"] = time.perf_counter() - started
        run.seconds = seconds
        run.save(update_fields=["scored", "scored_at", "seconds", "updated_at"])
    return len(contact_ids)


def propensity_refresh(*, workspace: Workspace, now: datetime | None = None) -> PropensityRun:
    """Train, then score with what was trained: the weekly job."""
    now = now or timezone.now()
    run = propensity_train(workspace=workspace, now=now)
    propensity_score(workspace=workspace, run=run, now=now)
    return run
