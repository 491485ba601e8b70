"""Relationship quotient: a 0-100 score and its parts."""

import numpy as np
import pytest

from referral_engine.insights.rq import RqWeights, relationship_quotient, responsiveness

# Three entities; touchpoint ages in days before now.
#   0: we reached out 100 days ago (no answer within 14 days: their next reply is 93 days later), again 10 days ago,
#      and they answered 7 days ago (3 days later) -> 1 of 2 outbound answered.
#   1: reaches us (inbound 30 and 200 days ago); we sent a one-way card 1 day ago, which does not count towards
#      engagement and, its 14-day window still open, not towards responsiveness yet -> responsiveness 1.
#   2: no touchpoints -> engagement 0, responsiveness not applicable.
ENTITY = [0, 0, 0, 1, 1, 1]
AGE = [100.0, 10.0, 7.0, 30.0, 200.0, 1.0]
INBOUND = [False, False, True, True, True, False]
TWO_WAY = [True, True, True, True, True, False]


def test_relationship_quotient_worked_by_hand():
    got = relationship_quotient(
        3,
        touch_entity=ENTITY,
        touch_age_days=AGE,
        touch_inbound=INBOUND,
        touch_two_way=TWO_WAY,
        circle_known=[2, 0, 1],
        circle_expected=[4, 0, 1],
        latest_nps=[9, np.nan, 3],
        referrals_given=[0, 3, 0],
        referrals_received=[0, 1, 0],
        is_partner=[False, True, True],
    )

    # Engagement, half-life 90 days, half-saturation 3: D = Σ 0.5^(age/90), part = D/(D+3).
    d0 = 0.5 ** (100 / 90) + 0.5 ** (10 / 90) + 0.5 ** (7 / 90)
    d1 = 0.5 ** (30 / 90) + 0.5 ** (200 / 90)
    np.testing.assert_allclose(got.engagement, [d0 / (d0 + 3), d1 / (d1 + 3), 0.0])
    # Breadth: 2 of 4 known; entity 1 has no circle (not applicable); 1 of 1.
    np.testing.assert_allclose(got.breadth, [0.5, np.nan, 1.0])
    np.testing.assert_allclose(got.sentiment, [0.9, np.nan, 0.3])
    np.testing.assert_allclose(got.responsiveness, [0.5, 1.0, np.nan])
    # Reciprocity: partners only; 3 given vs 1 received -> 1/3; nothing exchanged -> 0.
    np.testing.assert_allclose(got.reciprocity, [np.nan, 1 / 3, 0.0])

    # Score: default weights .30/.20/.20/.15/.15 over the parts present, renormalised.
    e0, e1 = d0 / (d0 + 3), d1 / (d1 + 3)
    expected = [
        100 * (0.30 * e0 + 0.20 * 0.5 + 0.20 * 0.9 + 0.15 * 0.5) / 0.85,
        100 * (0.30 * e1 + 0.15 * 1.0 + 0.15 / 3) / 0.60,
        100 * (0.30 * 0 + 0.20 * 1.0 + 0.20 * 0.3 + 0.15 * 0.0) / 0.85,
    ]
    np.testing.assert_allclose(got.score, expected)
    assert np.all((got.score >= 0) & (got.score <= 100))


def test_weights_are_configurable_and_normalised():
    only_sentiment = RqWeights(engagement=0, breadth=0, sentiment=2, responsiveness=0, reciprocity=0)

    got = relationship_quotient(2, latest_nps=[7, np.nan], weights=only_sentiment)

    assert got.score[0] == pytest.approx(70.0)
    assert np.isnan(got.score[1])  # nothing known that carries weight


def test_another_entitys_reply_is_not_an_answer():
    # We reach entity 0 20 days ago; entity 1 writes in 19 days ago: entity 0 did not answer.
    got = responsiveness(2, [0, 1], [20.0, 19.0], [False, True], window_days=14)

    np.testing.assert_allclose(got, [0.0, 1.0])


def test_an_unanswered_touchpoint_counts_once_its_window_has_passed():
    # Entity 0: outbound 20 days ago, never answered -> 0. Entity 1: outbound 3 days ago, pending, and no inbound.
    got = responsiveness(2, [0, 1], [20.0, 3.0], [False, False], window_days=14)

    np.testing.assert_allclose(got, [0.0, np.nan])


def test_inbound_share_mode():
    got = responsiveness(2, ENTITY[:5], AGE[:5], INBOUND[:5], mode="inbound_share")

    np.testing.assert_allclose(got, [1 / 3, 1.0])


def test_bad_weights_are_refused():
    with pytest.raises(ValueError, match="not all zero"):
        relationship_quotient(1, weights=RqWeights(0, 0, 0, 0, 0))
