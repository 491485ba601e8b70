"""Kaplan-Meier and the log-rank test (insights/survival.py) against a textbook example and a hand-worked one.

The textbook example: the remission times (weeks) of Freireich et al. (1963), 6-MP against placebo, as tabulated in
Kleinbaum & Klein, *Survival Analysis: A Self-Learning Text* (3rd ed., 2012), chapter 2: KM for the 6-MP group
0.857, 0.807, 0.753, 0.690, 0.627, 0.538, 0.448 after weeks 6, 7, 10, 13, 16, 22, 23; log-rank chi-square 16.79
with O1 = 9, E1 = 19.25, O2 = 21, E2 = 10.75 (p < 0.0001).
"""

import numpy as np
import pytest

from referral_engine.insights.survival import kaplan_meier, log_rank

SIX_MP_EVENTS = [6, 6, 6, 7, 10, 13, 16, 22, 23]
SIX_MP_CENSORED = [6, 9, 10, 11, 17, 19, 20, 25, 32, 32, 34, 35]
PLACEBO = [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23]


def table(events, censored=()):
    times = np.array([*events, *censored], dtype=float)
    event = np.array([1] * len(events) + [0] * len(censored), dtype=float)
    return times, event, 1 - event


def test_kaplan_meier_matches_the_textbook_6mp_group():
    km = kaplan_meier(*table(SIX_MP_EVENTS, SIX_MP_CENSORED))
    assert km.times.tolist() == [6, 7, 10, 13, 16, 22, 23]
    assert np.round(km.survival, 3).tolist() == [0.857, 0.807, 0.753, 0.690, 0.627, 0.538, 0.448]
    # At risk just before each time: 21 at week 6 (the censored 6 is still at risk then), 17 at 7, 15 at 10 ...
    assert km.at_risk.tolist() == [21, 17, 15, 12, 11, 7, 6]
    assert (km.subjects, km.total_events) == (21, 9)
    # The step function: 1 before the first event, flat between events, the last value after the last.
    assert km.at(5.9) == 1.0
    assert km.at(6) == pytest.approx(18 / 21)
    assert km.at(8) == pytest.approx(18 / 21 * 16 / 17)
    assert km.at(100) == pytest.approx(0.448, abs=5e-4)


def test_log_rank_matches_the_textbook_6mp_against_placebo():
    test = log_rank(*table(SIX_MP_EVENTS, SIX_MP_CENSORED), *table(PLACEBO))
    assert test.observed == (9, 21)
    assert test.expected[0] == pytest.approx(19.25, abs=0.005)
    assert test.expected[1] == pytest.approx(10.75, abs=0.005)
    assert test.chi2 == pytest.approx(16.79, abs=0.005)
    assert test.p_value < 1e-4


def test_grouped_counts_give_the_same_answer_as_one_row_per_subject():
    # The SQL hands over (time, events, censored) per distinct time; one row per subject must agree.
    times, events, censored = table(SIX_MP_EVENTS, SIX_MP_CENSORED)
    grouped_t, inverse = np.unique(times, return_inverse=True)
    grouped_e = np.bincount(inverse, weights=events)
    grouped_c = np.bincount(inverse, weights=censored)
    a = kaplan_meier(times, events, censored)
    b = kaplan_meier(grouped_t, grouped_e, grouped_c)
    assert np.allclose(a.survival, b.survival) and a.subjects == b.subjects


def test_a_small_example_by_hand():
    # Group 1: 3, 5+, 8; group 2: 2, 4, 4+.
    # KM group 1: at 3, 3 at risk, 1 event: 2/3; at 8, 1 at risk: 0.  Group 2: at 2: 2/3; at 4: 2/3 * 1/2 = 1/3.
    # Log-rank, event times 2, 3, 4, 8:
    #   t=2: n1 3, n 6, d 1: E1 0.5, V 1 * .5 * .5 * 5/5 = 0.25
    #   t=3: n1 3, n 5, d 1: E1 0.6, V .6 * .4 = 0.24
    #   t=4: n1 2 (5+, 8), n 4, d 1: E1 0.5, V 0.25
    #   t=8: n1 1, n 1, d 1: E1 1, V 0 (one at risk)
    # O1 = 2, E1 = 2.6, V = 0.74: chi2 = 0.36 / 0.74 = 0.486486.
    g1 = (np.array([3, 5, 8.0]), np.array([1, 0, 1.0]), np.array([0, 1, 0.0]))
    g2 = (np.array([2, 4, 4.0]), np.array([1, 1, 0.0]), np.array([0, 0, 1.0]))
    assert kaplan_meier(*g1).survival.tolist() == pytest.approx([2 / 3, 0])
    assert kaplan_meier(*g2).survival.tolist() == pytest.approx([2 / 3, 1 / 3])
    test = log_rank(*g1, *g2)
    assert test.expected[0] == pytest.approx(2.6)
    assert test.variance == pytest.approx(0.74)
    assert test.chi2 == pytest.approx(0.36 / 0.74)


def test_no_events_gives_no_test_and_a_flat_curve():
    km = kaplan_meier([10, 20], [0, 0], [3, 1])
    assert km.times.size == 0 and km.at(50) == 1.0 and km.subjects == 4
    test = log_rank([10], [0], [2], [5], [0], [1])
    assert np.isnan(test.chi2) and np.isnan(test.p_value)


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        kaplan_meier([1, 2], [1], [0, 0])
    with pytest.raises(ValueError):
        kaplan_meier([1, -2], [1, 0], [0, 1])
