"""Bootstrap intervals against cases with a known answer: constant outcomes, the binomial width, avg@k problems,
the stratified average, paired differences."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from oneshot_rlvr import intervals


def outcomes(correct_per_problem: list[list[bool]], prefix: str = "p") -> intervals.Outcomes:
    rows = [
        {"id": f"{prefix}{i}", "sample": s, "correct": p[s]}
        for s in range(max(len(p) for p in correct_per_problem))
        for i, p in enumerate(correct_per_problem)
        if s < len(p)
    ]
    return intervals.outcomes_from_rows(rows)


def binomial_width(n: int, p: float = 0.5) -> float:
    return 2 * 1.959964 * math.sqrt(p * (1 - p) / n) * 100


def test_all_correct_and_all_wrong_have_no_width():
    right = intervals.bootstrap_accuracy(outcomes([[True]] * 30))
    wrong = intervals.bootstrap_accuracy(outcomes([[False, False]] * 30))
    assert (right.estimate, right.low, right.high) == (100.0, 100.0, 100.0)
    assert (wrong.estimate, wrong.low, wrong.high) == (0.0, 0.0, 0.0)
    assert right.problems == 30 and right.samples == 1 and wrong.samples == 2


@pytest.mark.parametrize("n", [50, 400])
def test_half_correct_width_is_the_binomial_one(n):
    interval = intervals.bootstrap_accuracy(outcomes([[i % 2 == 0] for i in range(n)]))
    assert interval.estimate == 50.0
    assert interval.high - interval.low == pytest.approx(binomial_width(n), rel=0.1)
    assert interval.low < 50 < interval.high and not interval.excludes(50.0) and interval.excludes(30.0)


def test_avg_at_k_resamples_problems_with_their_samples():
    # Every problem is solved in 2 of its 4 samples: no problem-to-problem variation, so resampling problems
    # (the right unit) gives no width; resampling the 4n responses independently would give the binomial width.
    same = intervals.bootstrap_accuracy(outcomes([[True, False, True, False]] * 100))
    assert (same.estimate, same.low, same.high, same.samples) == (50.0, 50.0, 50.0, 4)
    # Half the problems always solved, half never: the width is that of 100 coin flips, not of 400.
    split = intervals.bootstrap_accuracy(outcomes([[i % 2 == 0] * 4 for i in range(100)]))
    assert split.high - split.low == pytest.approx(binomial_width(100), rel=0.1)


def test_stratified_average_weights_benchmarks_equally_and_resamples_within_each():
    easy = outcomes([[True]] * 10, "a")  # no width
    half = outcomes([[i % 2 == 0] for i in range(400)], "b")
    average = intervals.bootstrap_average([easy, half])
    assert average.estimate == pytest.approx(75.0)  # the unweighted mean, not the pooled 210/410
    assert average.high - average.low == pytest.approx(binomial_width(400) / 2, rel=0.12)
    assert average.problems == 410


def test_paired_difference_cancels_shared_problems():
    base = outcomes([[i % 2 == 0] for i in range(200)])
    same = intervals.paired_difference([base], [base])
    assert (same.estimate, same.low, same.high) == (0.0, 0.0, 0.0) and not same.excludes(0.0)
    better = outcomes([[True] for _ in range(200)])
    gain = intervals.paired_difference([better], [base])
    assert gain.estimate == pytest.approx(50.0) and gain.excludes(0.0)
    one_flip = outcomes([[i % 2 == 0 or i == 1] for i in range(200)])
    small = intervals.paired_difference([one_flip], [base])
    assert small.estimate == pytest.approx(0.5) and not small.excludes(0.0)
    with pytest.raises(intervals.IntervalError, match="same problems"):
        intervals.paired_difference([outcomes([[True]] * 200, "other")], [base])


def test_fixed_seed_gives_the_same_interval():
    data = outcomes([[bool(v)] for v in np.random.default_rng(3).integers(0, 2, 300)])
    first = intervals.bootstrap_accuracy(data, resamples=2000, seed=0)
    assert first == intervals.bootstrap_accuracy(data, resamples=2000, seed=0)
    assert first.resamples == 2000 and first.low <= first.estimate <= first.high


def test_outcomes_under_another_grader_and_missing_responses(tmp_path):
    rows = [
        {"id": "1", "correct": False, "by_grader": {"default": False, "qwen_eval": True}},
        {"id": "2", "correct": True, "by_grader": {"default": True, "qwen_eval": True}},
    ]
    assert list(intervals.outcomes_from_rows(rows, "qwen_eval").means) == [1.0, 1.0]
    assert list(intervals.outcomes_from_rows(rows).means) == [0.0, 1.0]
    metrics = tmp_path / "metrics.json"
    metrics.write_text(json.dumps({"benchmarks": {"math500": {"status": "ok", "responses_file": "math500.jsonl"}}}))
    assert intervals.read_outcomes(metrics, "math500") is None  # responses gone: no interval, no crash
    (tmp_path / "math500.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert intervals.read_outcomes(metrics, "math500", "qwen_eval").ids == ("1", "2")
    (tmp_path / "math500.jsonl").write_text('{"correct": true}\n')
    with pytest.raises(intervals.IntervalError, match="math500.jsonl: response row 1 has no 'id'"):
        intervals.read_outcomes(metrics, "math500")
