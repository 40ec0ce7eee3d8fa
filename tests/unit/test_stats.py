"""Bootstrap intervals over problems (oneshot_rlvr.stats), checked against answers known in closed form."""

from __future__ import annotations

import math

import pytest

from oneshot_rlvr.stats import (
    Interval,
    StatsError,
    align,
    bootstrap_mean,
    paired_bootstrap_difference,
    problem_means,
)


def test_all_correct_has_a_zero_width_interval_at_one():
    interval = bootstrap_mean([1.0] * 50, resamples=500)
    assert (interval.estimate, interval.low, interval.high) == (1.0, 1.0, 1.0)
    assert interval.problems == 50 and interval.resamples == 500 and interval.level == 0.95


@pytest.mark.parametrize("n", [100, 400])
def test_half_correct_matches_the_normal_approximation(n):
    """n problems, half right: estimate 0.5, and the 95% percentile interval ~ 0.5 +- 1.96 sqrt(0.25 / n)."""
    interval = bootstrap_mean([1.0, 0.0] * (n // 2), resamples=20_000, seed=1)
    half_width = 1.96 * math.sqrt(0.25 / n)
    assert interval.estimate == 0.5
    assert interval.low == pytest.approx(0.5 - half_width, abs=0.25 * half_width)
    assert interval.high == pytest.approx(0.5 + half_width, abs=0.25 * half_width)


def test_avg_at_k_resamples_problems_with_their_samples():
    """Every problem right in 2 of its 4 samples: the per-problem means never vary, so neither does the estimate,
    although half the samples are wrong -- the interval is over problems, not samples."""
    interval = bootstrap_mean([[1, 1, 0, 0]] * 30, resamples=500)
    assert (interval.estimate, interval.low, interval.high) == (0.5, 0.5, 0.5)
    assert problem_means([[1, 0], [1, 1, 1, 0]]).tolist() == [0.5, 0.75]


def test_strata_weigh_each_stratum_equally_and_resample_within_it():
    """Stratum a: 10 problems all right; stratum b: 90 problems all wrong. The stratified estimate is the mean of
    the strata (0.5, not the pooled 0.1), and since each stratum is constant the interval has no width."""
    samples = [1.0] * 10 + [0.0] * 90
    strata = ["a"] * 10 + ["b"] * 90
    interval = bootstrap_mean(samples, strata=strata, resamples=500)
    assert (interval.estimate, interval.low, interval.high) == (0.5, 0.5, 0.5)
    assert bootstrap_mean(samples, resamples=500).estimate == pytest.approx(0.1)


def test_paired_difference_of_identical_evaluations_is_exactly_zero():
    outcomes = [1.0, 0.0, 1.0, 1.0, 0.0] * 20
    interval = paired_bootstrap_difference(outcomes, outcomes, resamples=500)
    assert (interval.estimate, interval.low, interval.high) == (0.0, 0.0, 0.0)
    assert not interval.excludes(0.0)


def test_paired_difference_of_a_uniform_gain():
    """After fixes exactly the problems before got wrong (half of them): +0.5 in every resample."""
    before = [1.0, 0.0] * 100
    after = [1.0] * 200
    interval = paired_bootstrap_difference(after, before, resamples=2_000, seed=3)
    assert interval.estimate == 0.5
    assert interval.excludes(0.0)
    # The paired interval of a difference that flips half the problems: 0.5 +- 1.96 sqrt(0.25 / 200).
    assert interval.low == pytest.approx(0.5 - 1.96 * math.sqrt(0.25 / 200), abs=0.02)


def test_pairing_is_narrower_than_comparing_independent_intervals():
    """Two evaluations that agree on most problems: the paired interval of the difference is much narrower than
    the spread of either accuracy (what pairing is for)."""
    before = [1.0] * 60 + [0.0] * 40
    after = [1.0] * 66 + [0.0] * 34  # six more problems right, none lost
    paired = paired_bootstrap_difference(after, before, resamples=4_000, seed=0)
    single = bootstrap_mean(after, resamples=4_000, seed=0)
    assert paired.estimate == pytest.approx(0.06)
    assert paired.low > 0.0
    assert paired.high - paired.low < 0.5 * (single.high - single.low)


def test_seed_makes_the_interval_reproducible():
    samples = [1.0, 0.0, 0.0] * 40
    assert bootstrap_mean(samples, seed=7, resamples=1_000) == bootstrap_mean(samples, seed=7, resamples=1_000)


def test_interval_helpers():
    interval = Interval(0.52, 0.47, 0.561, 0.95, 400, 10_000)
    assert interval.scaled(100).format() == "52.0 [47.0, 56.1]"
    assert interval.excludes(0.0) and not interval.excludes(0.5)


def test_bad_input_is_refused_with_a_reason():
    with pytest.raises(StatsError, match="no problems"):
        bootstrap_mean([])
    with pytest.raises(StatsError, match="problem 1 has no samples"):
        bootstrap_mean([[1.0], []])
    with pytest.raises(StatsError, match="differ in size"):
        paired_bootstrap_difference([1.0, 0.0], [1.0])
    with pytest.raises(StatsError, match="strata labels"):
        bootstrap_mean([1.0, 0.0], strata=["a"])
    with pytest.raises(StatsError, match="level"):
        bootstrap_mean([1.0, 0.0], level=1.5, resamples=10)
    with pytest.raises(StatsError, match="different problems"):
        align({"p1": [1.0]}, {"p2": [0.0]})
    keys, first, second = align({"p1": [1.0], "p2": [0.0]}, {"p2": [1.0], "p1": [1.0]})
    assert keys == ["p1", "p2"] and first == [[1.0], [0.0]] and second == [[1.0], [1.0]]
