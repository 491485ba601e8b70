"""Relationship quotient (RQ): a 0-100 score per contact, account or partner, explained by its parts.

Each part lies in [0, 1] (PRODUCT.md, capability 3):

* engagement — recency and frequency of two-way touchpoints: D = Σ 0.5^(age / half-life) over the entity's
  two-way touchpoints (a meeting counts 1 today, ½ one half-life ago...), mapped to D / (D + k), where k is the
  decayed count at which the part is ½. Always defined: 0 without touchpoints.
* breadth — the buying circle we know: decision makers and influencers known / expected, capped at 1.
* sentiment — the latest NPS answer (0-10) / 10.
* responsiveness — the share of our outbound touchpoints that the entity answered with an inbound one within
  a window (those still inside their window without an answer are not counted yet); an entity that only ever
  reaches us scores 1. Or, with ``responsiveness="inbound_share"``, the share
  of all touchpoints that were inbound.
* reciprocity — partners only: the balance of referrals given and received, min/max (1 when even, 0 when one-way
  or when nothing was exchanged yet).

A part that does not apply or has no data (NaN) is left out and the remaining weights are renormalised, so an
entity is scored on what we know about it; RQ = 100 × Σ wₖ·partₖ / Σ wₖ over the parts present.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

PARTS = ("engagement", "breadth", "sentiment", "responsiveness", "reciprocity")


@dataclass(frozen=True)
class RqWeights:
    engagement: float = 0.30
    breadth: float = 0.20
    sentiment: float = 0.20
    responsiveness: float = 0.15
    reciprocity: float = 0.15

    def normalised(self) -> np.ndarray:
        values = np.array([getattr(self, name) for name in PARTS], dtype=float)
        if np.any(~np.isfinite(values)) or np.any(values < 0) or values.sum() <= 0:
            raise ValueError("RQ weights must be finite, not negative, and not all zero")
        return values / values.sum()


@dataclass(frozen=True)
class RqResult:
    """Per entity: the score (0-100, NaN if no part applies) and each part (NaN where left out)."""

    score: np.ndarray
    engagement: np.ndarray
    breadth: np.ndarray
    sentiment: np.ndarray
    responsiveness: np.ndarray
    reciprocity: np.ndarray
    weights: RqWeights

    def parts(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name in PARTS}


def _per_entity(name: str, values, n: int) -> np.ndarray | None:
    if values is None:
        return None
    array = np.asarray(values, dtype=float).ravel()
    if array.size != n:
        raise ValueError(f"{name} must have one value per entity")
    return array


def engagement(
    n_entities: int, entity, age_days, *, half_life_days: float = 90.0, half_saturation: float = 3.0
):
    """D / (D + k) with D = Σ 0.5^(age / half-life) per entity (np.bincount over the touchpoints)."""
    if not (half_life_days > 0 and half_saturation > 0):
        raise ValueError("half_life_days and half_saturation must be positive")
    age = np.asarray(age_days, dtype=float).ravel()
    if np.any(age < 0) or not np.all(np.isfinite(age)):
        raise ValueError("touchpoint ages must be finite and not negative (days before now)")
    decayed = np.bincount(
        np.asarray(entity, dtype=np.int64).ravel(),
        weights=0.5 ** (age / half_life_days),
        minlength=n_entities,
    )
    return decayed / (decayed + half_saturation)


def responsiveness(
    n_entities: int, entity, age_days, inbound, *, window_days: float = 14.0, mode: str = "answered"
) -> np.ndarray:
    """Share of outbound touchpoints answered inbound within ``window_days`` (or the inbound share).

    For each outbound touchpoint, the entity's next inbound touchpoint is found with one searchsorted over
    (entity, time) keys; it answers if it comes within the window. Outbound touchpoints younger than the window
    and not answered yet are left out; an entity with no settled outbound touchpoint but inbound ones scores 1.
    """
    entity = np.asarray(entity, dtype=np.int64).ravel()
    age = np.asarray(age_days, dtype=float).ravel()
    inbound = np.asarray(inbound, dtype=bool).ravel()
    n_in = np.bincount(entity[inbound], minlength=n_entities)
    n_out = np.bincount(entity[~inbound], minlength=n_entities)
    with np.errstate(invalid="ignore", divide="ignore"):
        if mode == "inbound_share":
            return np.where(n_in + n_out > 0, n_in / (n_in + n_out), np.nan)
        if mode != "answered":
            raise ValueError('mode must be "answered" or "inbound_share"')
        if not window_days > 0:
            raise ValueError("window_days must be positive")
        time = (age.max() if age.size else 0.0) - age  # days since the oldest touchpoint
        span = (time.max() if time.size else 0.0) + window_days + 1.0
        key_in = np.sort(entity[inbound] * span + time[inbound])
        key_out = entity[~inbound] * span + time[~inbound]
        nxt = np.searchsorted(key_in, key_out, side="right")
        found = nxt < key_in.size
        gap = np.full(key_out.size, np.inf)
        gap[found] = key_in[nxt[found]] - key_out[found]  # beyond the window when it is another entity's
        answered = gap <= window_days
        # An outbound touchpoint whose window is still open and has no answer yet is pending: not counted.
        settled = answered | (age[~inbound] >= window_days)
        n_settled = np.bincount(entity[~inbound], weights=settled, minlength=n_entities)
        n_answered = np.bincount(entity[~inbound], weights=answered, minlength=n_entities)
        return np.where(n_settled > 0, n_answered / np.maximum(n_settled, 1), np.where(n_in > 0, 1.0, np.nan))


def relationship_quotient(
    n_entities: int,
    *,
    touch_entity=(),
    touch_age_days=(),
    touch_inbound=(),
    touch_two_way=None,
    half_life_days: float = 90.0,
    engagement_half_saturation: float = 3.0,
    response_window_days: float = 14.0,
    responsiveness_mode: str = "answered",
    circle_known=None,
    circle_expected=None,
    latest_nps=None,
    referrals_given=None,
    referrals_received=None,
    is_partner=None,
    weights: RqWeights | None = None,
) -> RqResult:
    """RQ and its parts for entities 0..n_entities−1, from their touchpoints and per-entity facts.

    Touchpoints: ``touch_entity`` (index), ``touch_age_days`` (days before now), ``touch_inbound`` (they reached
    us) and ``touch_two_way`` (both sides took part: a meeting, a call, a reply; default all). Per entity:
    ``circle_known`` / ``circle_expected`` decision makers and influencers, ``latest_nps`` (NaN if none),
    ``referrals_given`` (to us) / ``referrals_received`` (from us) and ``is_partner``. Anything left None is
    left out of every entity's score.
    """
    weights = weights or RqWeights()
    w = weights.normalised()
    entity = np.asarray(touch_entity, dtype=np.int64).ravel()
    if entity.size and (entity.min() < 0 or entity.max() >= n_entities):
        raise ValueError("touch_entity must index 0..n_entities-1")
    age = np.asarray(touch_age_days, dtype=float).ravel()
    inbound = np.asarray(touch_inbound, dtype=bool).ravel()
    if not entity.size == age.size == inbound.size:
        raise ValueError("touch_entity, touch_age_days and touch_inbound must have the same length")
    two_way = (
        np.ones(entity.size, dtype=bool) if touch_two_way is None else np.asarray(touch_two_way, dtype=bool)
    )

    parts = np.full((len(PARTS), n_entities), np.nan)
    parts[0] = engagement(
        n_entities,
        entity[two_way],
        age[two_way],
        half_life_days=half_life_days,
        half_saturation=engagement_half_saturation,
    )

    known = _per_entity("circle_known", circle_known, n_entities)
    expected = _per_entity("circle_expected", circle_expected, n_entities)
    if known is not None and expected is not None:
        with np.errstate(invalid="ignore", divide="ignore"):
            parts[1] = np.where(expected > 0, np.minimum(known / expected, 1.0), np.nan)

    nps = _per_entity("latest_nps", latest_nps, n_entities)
    if nps is not None:
        if np.any((nps < 0) | (nps > 10)):
            raise ValueError("latest_nps must be an answer from 0 to 10 (or NaN)")
        parts[2] = nps / 10.0

    if entity.size:
        parts[3] = responsiveness(
            n_entities, entity, age, inbound, window_days=response_window_days, mode=responsiveness_mode
        )

    given = _per_entity("referrals_given", referrals_given, n_entities)
    received = _per_entity("referrals_received", referrals_received, n_entities)
    if given is not None and received is not None:
        partner = (
            np.ones(n_entities, dtype=bool)
            if is_partner is None
            else np.asarray(is_partner, dtype=bool).ravel()
        )
        high = np.maximum(given, received)
        with np.errstate(invalid="ignore", divide="ignore"):
            balance = np.where(high > 0, np.minimum(given, received) / high, 0.0)
        parts[4] = np.where(partner, balance, np.nan)

    present = ~np.isnan(parts)
    weight_present = (w[:, None] * present).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(
            weight_present > 0, 100.0 * np.nansum(w[:, None] * parts, axis=0) / weight_present, np.nan
        )
    return RqResult(score, *parts, weights=weights)
