"""Net Promoter Score, exactly as PRODUCT.md defines it (Reichheld 2003, "The one number you need to grow").

Answers 0-10 to "How likely is it that you would recommend us to a friend or colleague?"; 9-10 promoter, 7-8
passive, 0-6 detractor; NPS = % promoters − % detractors (from −100 to 100, an unrounded float), over the latest
answer of each respondent in the period. With no answers the NPS is undefined and reported as NaN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PROMOTER_FROM = 9
PASSIVE_FROM = 7


@dataclass(frozen=True)
class NpsResult:
    nps: float
    n: int
    promoters: int
    passives: int
    detractors: int


@dataclass(frozen=True)
class NpsBySegment:
    """Per segment, in the order of ``labels`` (sorted): arrays of NPS, respondents and category counts."""

    labels: np.ndarray
    nps: np.ndarray
    n: np.ndarray
    promoters: np.ndarray
    passives: np.ndarray
    detractors: np.ndarray

    def as_dict(self) -> dict:
        return {
            label: NpsResult(float(s), int(n), int(p), int(pa), int(d))
            for label, s, n, p, pa, d in zip(
                self.labels.tolist(),
                self.nps,
                self.n,
                self.promoters,
                self.passives,
                self.detractors,
                strict=True,
            )
        }


def nps_category(scores) -> np.ndarray:
    """0 detractor, 1 passive, 2 promoter, per answer."""
    scores = _check_scores(scores)
    return (scores >= PASSIVE_FROM).astype(np.int8) + (scores >= PROMOTER_FROM)


def _check_scores(scores) -> np.ndarray:
    raw = np.asarray(scores)
    values = raw.astype(float).ravel()
    if (
        np.any(~np.isfinite(values))
        or np.any(values != np.round(values))
        or np.any((values < 0) | (values > 10))
    ):
        raise ValueError("NPS answers must be whole numbers from 0 to 10")
    return values.astype(np.int64)


def latest_answers(
    scores, *, respondents=None, at=None, start=None, end=None, segments=None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Each respondent's latest answer within [start, end) — the rows PRODUCT.md's NPS counts.

    Without ``respondents`` every answer counts (each is its own respondent); without ``at`` the rows are taken
    to be in time order. Ties at the same time go to the row that comes last. Returns the kept scores and, if
    given, their segments.
    """
    scores = _check_scores(scores)
    keep = np.ones(scores.size, dtype=bool)
    if at is not None:
        at = np.asarray(at)
        if at.shape != scores.shape:
            raise ValueError("at must have one value per answer")
        if start is not None:
            keep &= at >= np.asarray(start, dtype=at.dtype)
        if end is not None:
            keep &= at < np.asarray(end, dtype=at.dtype)
    elif start is not None or end is not None:
        raise ValueError("a period (start, end) needs the answer times, at")
    segment_values = None if segments is None else np.asarray(segments)
    if segment_values is not None and segment_values.shape != scores.shape:
        raise ValueError("segments must have one value per answer")
    index = np.flatnonzero(keep)
    if respondents is not None:
        who = np.asarray(respondents)
        if who.shape != scores.shape:
            raise ValueError("respondents must have one value per answer")
        # Sort kept rows by (respondent, time, position) and keep the last row of each respondent; without
        # times the rows are taken to be in the order they were given.
        _, who_code = np.unique(who[index], return_inverse=True)
        when = index if at is None else at[index]
        order = np.lexsort((index, when, who_code.ravel()))
        ordered_who = who_code.ravel()[order]
        last = np.append(ordered_who[1:] != ordered_who[:-1], True) if order.size else np.zeros(0, dtype=bool)
        index = index[order[last]]
    return scores[index], None if segment_values is None else segment_values[index]


def _score(promoters, passives, detractors):
    n = promoters + passives + detractors
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, 100.0 * (promoters - detractors) / np.maximum(n, 1), np.nan), n


def nps(scores, *, respondents=None, at=None, start=None, end=None) -> NpsResult:
    """NPS over the latest answer of each respondent in [start, end), with the counts behind it."""
    kept, _ = latest_answers(scores, respondents=respondents, at=at, start=start, end=end)
    counts = np.bincount(nps_category(kept), minlength=3)
    value, n = _score(counts[2], counts[1], counts[0])
    return NpsResult(float(value), int(n), int(counts[2]), int(counts[1]), int(counts[0]))


def nps_by_segment(scores, segments, *, respondents=None, at=None, start=None, end=None) -> NpsBySegment:
    """NPS per segment label (an account tier, an owner, a month...), vectorised with bincount.

    Each respondent's latest answer in the period counts, in the segment recorded with that answer.
    """
    kept, kept_segments = latest_answers(
        scores, respondents=respondents, at=at, start=start, end=end, segments=segments
    )
    labels, group = np.unique(kept_segments, return_inverse=True)
    group = group.ravel()
    category = nps_category(kept)
    counts = [np.bincount(group[category == c], minlength=labels.size) for c in (2, 1, 0)]
    value, n = _score(*counts)
    return NpsBySegment(labels, value, n, *counts)
