"""95 % bootstrap intervals for the accuracies in the reports, read from the graded responses.

The unit of resampling is the problem: an avg@k cell resamples problems with replacement, each with its k graded
samples, so the interval covers which problems a benchmark happens to hold, not only sampling noise. The
6-benchmark average resamples within each benchmark (stratified) and averages the six resampled accuracies, as
the table averages them. A difference between two evaluations of the same problems (a row against the base row)
uses one resample of problem indices for both (paired). Percentile intervals, a fixed seed, numpy only.

An accuracy is the mean over problems of each problem's share of correct samples; with the same k for every
problem (our evaluation) this equals the mean over all responses, i.e. the table's number.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from oneshot_rlvr.io import read_jsonl

RESAMPLES = 10_000
LEVEL = 0.95
SEED = 0
# Resamples drawn at once: memory stays near _CHUNK x problems integers.
_CHUNK = 1_000


class IntervalError(ValueError):
    """Outcomes that cannot be bootstrapped (no problems, unaligned pairs, a malformed responses file)."""


@dataclass(frozen=True)
class Interval:
    """A point estimate (percent) with its two-sided bootstrap percentile interval at `level`."""

    estimate: float
    low: float
    high: float
    level: float = LEVEL
    problems: int = 0
    samples: int = 0  # samples per problem (k of avg@k; the largest k when problems differ)
    resamples: int = RESAMPLES

    def excludes(self, value: float) -> bool:
        """Whether `value` lies outside the interval: a difference to it is significant at `level`."""
        return value < self.low or value > self.high

    def half_width(self) -> float:
        return (self.high - self.low) / 2


@dataclass(frozen=True)
class Outcomes:
    """One benchmark's graded samples: per problem (in file order), the share correct and the number of samples."""

    ids: tuple[str, ...]
    means: np.ndarray  # fraction correct per problem
    samples: np.ndarray  # samples per problem


def outcomes_from_rows(rows: Sequence[Mapping[str, Any]], grader: str | None = None) -> Outcomes:
    """Outcomes of response rows (a benchmark's .jsonl): the verdict under `grader` (`by_grader`), or `correct`
    when grader is None or is the configured grader. Problems keep the order of their first row."""
    correct: dict[str, list[bool]] = {}
    for number, row in enumerate(rows, start=1):
        if "id" not in row:
            raise IntervalError(f"response row {number} has no 'id'")
        by_grader = row.get("by_grader") or {}
        if grader is not None and grader in by_grader:
            verdict = by_grader[grader]
        elif "correct" in row:
            verdict = row["correct"]
        else:
            raise IntervalError(f"response row {number} has no verdict ('correct' or by_grader.{grader})")
        correct.setdefault(str(row["id"]), []).append(bool(verdict))
    if not correct:
        raise IntervalError("no responses to bootstrap over")
    ids = tuple(correct)
    means = np.array([np.mean(correct[i]) for i in ids], dtype=float)
    samples = np.array([len(correct[i]) for i in ids], dtype=int)
    return Outcomes(ids, means, samples)


def read_outcomes(metrics_path: Path, benchmark: str, grader: str | None = None) -> Outcomes | None:
    """The outcomes of one benchmark of an evaluation (metrics.json), from the responses file beside it, or None
    when the benchmark did not run or its responses file is gone (the table then shows no interval)."""
    try:
        metrics = json.loads(Path(metrics_path).read_text())
    except (OSError, ValueError):
        return None
    bench = (metrics.get("benchmarks") or {}).get(benchmark) or {}
    if bench.get("status") != "ok" or not bench.get("responses_file"):
        return None
    responses = Path(metrics_path).parent / str(bench["responses_file"])
    if not responses.is_file():
        return None
    stat = responses.stat()
    return _responses_outcomes(str(responses), (stat.st_mtime_ns, stat.st_size), grader)


@functools.lru_cache(maxsize=256)
def _responses_outcomes(responses: str, version: tuple[int, int], grader: str | None) -> Outcomes:
    """A responses file's outcomes, read once per report (a table reads a file for its cell, the average, the
    last step and the paired difference); the file's modification time and size key the cache."""
    try:
        return outcomes_from_rows(read_jsonl(Path(responses)), grader)
    except IntervalError as error:
        raise IntervalError(f"{responses}: {error}") from None
    except ValueError as error:  # a malformed line: read_jsonl names the file and line
        raise IntervalError(str(error)) from None


def _resampled_means(means: np.ndarray, rng: np.random.Generator, resamples: int) -> np.ndarray:
    """`resamples` bootstrap accuracies of one set of problems (each the mean of n problems drawn with replacement)."""
    n = len(means)
    out = np.empty(resamples, dtype=float)
    for start in range(0, resamples, _CHUNK):
        size = min(_CHUNK, resamples - start)
        out[start : start + size] = means[rng.integers(0, n, size=(size, n))].mean(axis=1)
    return out


def _interval(estimate: float, draws: np.ndarray, level: float, problems: int, samples: int) -> Interval:
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(draws, [tail, 100 - tail])
    # Percentile bounds of a bounded statistic can miss the estimate by rounding only; keep the estimate inside.
    low, high = min(float(low), estimate), max(float(high), estimate)
    return Interval(100 * estimate, 100 * low, 100 * high, level, problems, samples, len(draws))


def bootstrap_accuracy(
    outcomes: Outcomes, resamples: int = RESAMPLES, level: float = LEVEL, seed: int = SEED
) -> Interval:
    """A benchmark's accuracy (percent) with its problem-bootstrap interval."""
    if len(outcomes.means) == 0:
        raise IntervalError("no problems to bootstrap over")
    rng = np.random.default_rng(seed)
    draws = _resampled_means(outcomes.means, rng, resamples)
    return _interval(
        float(outcomes.means.mean()), draws, level, len(outcomes.means), int(outcomes.samples.max(initial=0))
    )


def bootstrap_average(
    strata: Sequence[Outcomes], resamples: int = RESAMPLES, level: float = LEVEL, seed: int = SEED
) -> Interval:
    """The unweighted mean of several benchmarks' accuracies (the 6-benchmark average), each benchmark's problems
    resampled within that benchmark (stratified bootstrap)."""
    if not strata or any(len(s.means) == 0 for s in strata):
        raise IntervalError("every benchmark of an average needs problems")
    rng = np.random.default_rng(seed)
    draws = np.mean([_resampled_means(s.means, rng, resamples) for s in strata], axis=0)
    estimate = float(np.mean([s.means.mean() for s in strata]))
    problems = sum(len(s.means) for s in strata)
    return _interval(estimate, draws, level, problems, int(max(s.samples.max(initial=0) for s in strata)))


def paired_difference(
    ours: Sequence[Outcomes],
    other: Sequence[Outcomes],
    resamples: int = RESAMPLES,
    level: float = LEVEL,
    seed: int = SEED,
) -> Interval:
    """ours - other (percentage points) for evaluations of the same problems: one benchmark, or the mean of several
    (stratified). Each resample draws the same problems for both, so problem difficulty cancels out."""
    if len(ours) != len(other) or not ours:
        raise IntervalError("a paired difference needs the same benchmarks on both sides")
    rng = np.random.default_rng(seed)
    total = np.zeros(resamples)
    estimate = 0.0
    for a, b in zip(ours, other, strict=True):
        if a.ids != b.ids:
            raise IntervalError("a paired difference needs the same problems in the same order on both sides")
        delta = a.means - b.means
        total += _resampled_means(delta, rng, resamples)
        estimate += float(delta.mean())
    draws, estimate = total / len(ours), estimate / len(ours)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(draws, [tail, 100 - tail])
    samples = int(max(a.samples.max(initial=0) for a in ours))
    problems = sum(len(a.means) for a in ours)
    return Interval(100 * estimate, 100 * float(low), 100 * float(high), level, problems, samples, resamples)
