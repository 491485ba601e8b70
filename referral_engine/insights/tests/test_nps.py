"""NPS as PRODUCT.md defines it: latest answer per respondent in the period, % promoters − % detractors."""

import numpy as np
import pytest

from referral_engine.insights.nps import NpsResult, nps, nps_by_segment, nps_category


def test_categories_follow_reichheld():
    # 0-6 detractor (0), 7-8 passive (1), 9-10 promoter (2).
    assert nps_category(np.arange(11)).tolist() == [0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 2]


def test_nps_worked_by_hand():
    # Answers 10, 9, 8, 7, 6, 0, 10: promoters 3 (10, 9, 10), passives 2 (8, 7), detractors 2 (6, 0) of 7.
    # NPS = 100·3/7 − 100·2/7 = 100/7 = 14.285714..., unrounded.
    assert nps([10, 9, 8, 7, 6, 0, 10]) == NpsResult(nps=100 / 7, n=7, promoters=3, passives=2, detractors=2)


def test_only_the_latest_answer_of_each_respondent_in_the_period_counts():
    # Day:         1   2   3   4   5   9
    # respondent:  ann ann bob bob cat ann
    # score:       0   10  3   6   9   2
    # Period [2, 6): ann's latest in it is 10 (day 2; her day-9 answer is outside), bob's is 6 (day 4), cat's 9.
    # Promoters 2 (ann, cat), detractors 1 (bob) of 3: NPS = 100·(2 − 1)/3 = 33.33...
    got = nps(
        [0, 10, 3, 6, 9, 2],
        respondents=["ann", "ann", "bob", "bob", "cat", "ann"],
        at=np.array([1, 2, 3, 4, 5, 9]),
        start=2,
        end=6,
    )

    assert got == NpsResult(nps=100 / 3, n=3, promoters=2, passives=0, detractors=1)


def test_dates_as_periods_and_ties_going_to_the_last_row():
    at = np.array(["2024-01-05", "2024-01-05", "2024-02-01"], dtype="datetime64[D]")

    got = nps(
        [0, 9, 10],
        respondents=[1, 1, 2],
        at=at,
        start=np.datetime64("2024-01-01"),
        end=np.datetime64("2024-02-01"),
    )

    # Respondent 1 answered twice on 01-05: the later row (9) counts; respondent 2's answer is on the end date (excluded).
    assert (got.nps, got.n, got.promoters) == (100.0, 1, 1)


def test_without_answers_the_nps_is_undefined():
    got = nps([], respondents=[], at=np.array([], dtype=float))

    assert np.isnan(got.nps) and got.n == 0


def test_nps_by_segment_worked_by_hand():
    # smb: 10, 3, 8 -> (1 − 1)/3 = 0;  enterprise: 9, 9 -> 100;  partner: 5 -> −100.
    got = nps_by_segment([10, 9, 3, 9, 5, 8], ["smb", "enterprise", "smb", "enterprise", "partner", "smb"])

    assert got.labels.tolist() == ["enterprise", "partner", "smb"]
    np.testing.assert_allclose(got.nps, [100.0, -100.0, 0.0])
    assert got.n.tolist() == [2, 1, 3]
    assert got.as_dict()["smb"] == NpsResult(nps=0.0, n=3, promoters=1, passives=1, detractors=1)


def test_by_segment_uses_each_respondents_latest_answer_and_its_segment():
    # Ann moved from smb (answer 2) to enterprise (answer 10): only her latest answer counts, in enterprise.
    got = nps_by_segment(
        [2, 10, 7], ["smb", "enterprise", "smb"], respondents=["ann", "ann", "bob"], at=np.array([1, 2, 1])
    )

    assert got.as_dict() == {
        "enterprise": NpsResult(100.0, 1, 1, 0, 0),
        "smb": NpsResult(0.0, 1, 0, 1, 0),
    }


@pytest.mark.parametrize("scores", [[11], [-1], [7.5], [np.nan]])
def test_answers_outside_0_to_10_are_refused(scores):
    with pytest.raises(ValueError, match="whole numbers from 0 to 10"):
        nps(scores)
