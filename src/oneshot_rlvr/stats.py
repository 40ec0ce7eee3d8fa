"""Bootstrap confidence intervals for accuracies measured on a set of problems.

The unit of resampling is the *problem*: an avg@k accuracy resamples problems with replacement, each carrying its k
graded samples, so the interval reflects which problems happened to be in the benchmark, not only sampling noise.
Two evaluations of the same problems (a checkpoint against the base model) are compared with a *paired* bootstrap:
one resample of problem indices is applied to both, and the interval is that of the difference.

An accuracy here is the mean over problems of each problem's mean outcome (avg@k; with one sample per problem, plain
accuracy). With `strata` (e.g. the benchmark of each problem) problems are resampled within their stratum and the
estimate is the unweighted mean of the strata's accuracies, like a table's average over benchmarks.

Outcomes are numbers (1.0 correct, 0.0 wrong; any real value works); intervals are percentile intervals in the same
units (use `Interval.scaled(100)` for percent).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

DEFAULT_RESAMPLES = 10_000
DEFAULT_LEVEL = 0.95
# Resamples drawn per batch, which bounds memory at about _CHUNK x problems integers.
_CHUNK = 1_000

Samples = Sequence[float] | Sequence[Sequence[float]]


class StatsError(ValueError):
    """Outcomes that cannot be bootstrapped (no problems, a problem without samples, misaligned pairs)."""


@dataclass(frozen=True)
class Interval:
    """A point estimate with a two-sided bootstrap percentile interval at `level`."""

    estimate: float
    low: float
    high: float
    level: float = DEFAULT_LEVEL
    problems: int = 0
    resamples: int = 0

    def excludes(self, value: float = 0.0) -> bool:
        """Whether `value` lies outside the interval (e.g. a difference interval that excludes 0)."""
        return value < self.low or value > self.high

    def scaled(self, factor: float) -> Interval:
        """The same interval in other units (factor 100: fractions to percent)."""
        return Interval(
            self.estimate * factor, self.low * factor, self.high * factor, self.level, self.problems, self.resamples
        )

    def format(self, digits: int = 1) -> str:
        """`estimate [low, high]`, e.g. `52.0 [47.5, 56.3]`."""
        return f"{self.estimate:.{digits}f} [{self.low:.{digits}f}, {self.high:.{digits}f}]"


def problem_means(samples: Samples) -> np.ndarray:
    """Each problem's mean outcome: a flat sequence is one sample per problem, a nested one k samples each."""
    if len(samples) == 0:
        raise StatsError("no problems to bootstrap over")
    means = []
    for position, item in enumerate(samples):
        if isinstance(item, (int, float, np.floating, np.integer, bool, np.bool_)):
            means.append(float(item))
            continue
        values = np.asarray(list(item), dtype=float)
        if values.size == 0:
            raise StatsError(f"problem {position} has no samples")
        means.append(float(values.mean()))
    result = np.asarray(means, dtype=float)
    if not np.all(np.isfinite(result)):
        raise StatsError("outcomes must be finite numbers")
    return result


def _strata_groups(strata: Sequence[Hashable] | None, count: int) -> list[np.ndarray]:
    if strata is None:
        return [np.arange(count)]
    if len(strata) != count:
        raise StatsError(f"{len(strata)} strata labels for {count} problems")
    groups: dict[Hashable, list[int]] = {}
    for position, label in enumerate(strata):
        groups.setdefault(label, []).append(position)
    return [np.asarray(positions) for positions in groups.values()]


def _estimate(values: np.ndarray, groups: list[np.ndarray]) -> float:
    return float(np.mean([values[group].mean() for group in groups]))


def _resampled_estimates(values: np.ndarray, groups: list[np.ndarray], resamples: int, seed: int) -> np.ndarray:
    """`resamples` bootstrap replicates of the (stratified) mean: problems drawn with replacement within strata."""
    rng = np.random.default_rng(seed)
    estimates = np.empty(resamples)
    for start in range(0, resamples, _CHUNK):
        size = min(_CHUNK, resamples - start)
        stratum_means = []
        for group in groups:
            picks = rng.integers(0, group.size, size=(size, group.size))
            stratum_means.append(values[group][picks].mean(axis=1))
        estimates[start : start + size] = np.mean(stratum_means, axis=0)
    return estimates


def _interval(estimate: float, replicates: np.ndarray, level: float, problems: int) -> Interval:
    if not 0.0 < level < 1.0:
        raise StatsError(f"level must lie in (0, 1), got {level}")
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(replicates, [tail, 1.0 - tail])
    return Interval(estimate, float(low), float(high), level, problems, int(replicates.size))


def bootstrap_mean(
    samples: Samples,
    *,
    strata: Sequence[Hashable] | None = None,
    level: float = DEFAULT_LEVEL,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> Interval:
    """Accuracy (avg@k over problems, or the mean over strata of it) with a bootstrap interval over problems."""
    values = problem_means(samples)
    groups = _strata_groups(strata, values.size)
    replicates = _resampled_estimates(values, groups, resamples, seed)
    return _interval(_estimate(values, groups), replicates, level, values.size)


def paired_bootstrap_difference(
    after: Samples,
    before: Samples,
    *,
    strata: Sequence[Hashable] | None = None,
    level: float = DEFAULT_LEVEL,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> Interval:
    """`after - before` on the same problems (position i is the same problem in both), with a paired bootstrap
    interval: each replicate resamples problem indices once and takes the difference of the two accuracies."""
    first, second = problem_means(after), problem_means(before)
    if first.size != second.size:
        raise StatsError(f"paired evaluations differ in size: {first.size} problems after, {second.size} before")
    difference = first - second
    groups = _strata_groups(strata, difference.size)
    replicates = _resampled_estimates(difference, groups, resamples, seed)
    return _interval(_estimate(difference, groups), replicates, level, difference.size)


def align(
    after: Mapping[Hashable, Sequence[float]], before: Mapping[Hashable, Sequence[float]]
) -> tuple[list[Hashable], list[Sequence[float]], list[Sequence[float]]]:
    """Two evaluations keyed by problem id as aligned lists (keys in `after`'s order); the problem sets must match."""
    missing, extra = set(after) - set(before), set(before) - set(after)
    if missing or extra:
        first, second = sorted(map(str, missing))[:3], sorted(map(str, extra))[:3]
        raise StatsError(
            f"paired evaluations cover different problems: {len(missing)} only in the first (e.g. {first}), "
            f"{len(extra)} only in the second (e.g. {second})"
        )
    keys = list(after)
    return keys, [after[key] for key in keys], [before[key] for key in keys]
