"""What an evaluation says about format and skill, and whether a training run learned, with bootstrap intervals.

Per problem (averaged over its samples) four outcomes are read from an evaluated checkpoint's graded responses:

- `boxed`: the response contains `\\boxed` (the `boxed_rate` of metrics.json, per problem);
- `any_format`: the answer is right in whatever form the response gives it: the `qwen_eval` grader's verdict, which
  takes the last `\\boxed{}` if there is one, else the number after "the answer is", else the response's last
  number (on testbed responses: the result of the working, boxed, after "answer:" or bare) -- the *skill*;
- `graded`: the verdict behind the reported accuracy (the last `\\boxed{}` equals the answer) -- format and skill;
- `steps`: the response works in steps (`tasks.response_style`), testbed responses only.

Everything is compared on the same problems: a checkpoint against the base model with a paired bootstrap over
problems, stratified by benchmark (each benchmark weighs equally, as in Table 1's average).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from oneshot_rlvr.io import read_jsonl
from oneshot_rlvr.stats import Interval, bootstrap_mean, paired_bootstrap_difference
from oneshot_rlvr.testbed.tasks import response_style

MEASURES = ("boxed", "any_format", "graded", "steps")
MEASURE_TITLES = {
    "boxed": "boxed rate",
    "any_format": "accuracy in any format (skill)",
    "graded": "accuracy as graded",
    "steps": "worked-steps style",
}
# The grader mode whose verdict is "right in any format" (evaluation grades every response under all modes).
ANY_FORMAT_GRADER = "qwen_eval"


class AnalysisError(ValueError):
    """An evaluation cannot be analysed (missing responses, problems that differ); the message names the file."""


@dataclass(frozen=True)
class Outcomes:
    """Per-problem outcomes of one evaluated checkpoint: keys (benchmark, problem id) in file order, and for each
    measure the per-problem list of sample outcomes (1.0 / 0.0)."""

    run: str
    step: int
    keys: list[tuple[str, str]]
    values: dict[str, dict[tuple[str, str], list[float]]]

    def benchmarks(self) -> list[str]:
        return list(dict.fromkeys(benchmark for benchmark, _ in self.keys))

    def select(self, benchmarks: Sequence[str]) -> Outcomes:
        """The same outcomes restricted to some benchmarks (e.g. the types a run was not trained on)."""
        keys = [key for key in self.keys if key[0] in set(benchmarks)]
        return Outcomes(self.run, self.step, keys, {m: {k: self.values[m][k] for k in keys} for m in self.values})


def read_outcomes(metrics_path: Path, benchmarks: Sequence[str] | None = None) -> Outcomes:
    """The outcomes of every evaluated benchmark of a checkpoint (or of `benchmarks`), from the graded response
    files its metrics.json names."""
    metrics_path = Path(metrics_path)
    try:
        metrics = json.loads(metrics_path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise AnalysisError(f"{metrics_path}: cannot read the metrics file ({error})") from None
    keys: list[tuple[str, str]] = []
    values: dict[str, dict[tuple[str, str], list[float]]] = {measure: {} for measure in MEASURES}
    names = list(benchmarks) if benchmarks is not None else list(metrics.get("average_of") or metrics["benchmarks"])
    for name in names:
        bench = metrics["benchmarks"].get(name) or {}
        if bench.get("status") != "ok":
            raise AnalysisError(
                f"{metrics_path}: benchmark {name!r} was not evaluated ({bench.get('reason', 'no entry')})"
            )
        path = metrics_path.parent / bench.get("responses_file", f"{name}.jsonl")
        if not path.is_file():
            raise AnalysisError(f"{path}: responses file (named by {metrics_path}) not found")
        for number, row in enumerate(read_jsonl(path), start=1):
            try:
                key = (name, str(row["id"]))
                response = str(row["response"])
                outcome = {
                    "boxed": "\\boxed" in response,
                    "any_format": bool(row["by_grader"][ANY_FORMAT_GRADER]),
                    "graded": bool(row["correct"]),
                    "steps": response_style(response) == "steps",
                }
            except (KeyError, TypeError) as error:
                raise AnalysisError(f"{path}:{number}: graded response row lacks {error}") from None
            if key not in values["graded"]:
                keys.append(key)
            for measure, value in outcome.items():
                values[measure].setdefault(key, []).append(1.0 if value else 0.0)
    if not keys:
        raise AnalysisError(f"{metrics_path}: no graded responses")
    return Outcomes(str(metrics.get("run")), int(metrics.get("step", 0)), keys, values)


def _strata(outcomes: Outcomes) -> list[str]:
    return [benchmark for benchmark, _ in outcomes.keys]


def measure(outcomes: Outcomes, name: str, seed: int = 0) -> Interval:
    """One measure in percent, with its bootstrap interval over problems (stratified by benchmark)."""
    samples = [outcomes.values[name][key] for key in outcomes.keys]
    return bootstrap_mean(samples, strata=_strata(outcomes), seed=seed).scaled(100.0)


def difference(after: Outcomes, before: Outcomes, name: str, seed: int = 0) -> Interval:
    """`after - before` of one measure in points, paired on the same problems (stratified by benchmark)."""
    if set(after.keys) != set(before.keys):
        only = sorted(set(after.keys) ^ set(before.keys))[:3]
        raise AnalysisError(
            f"{after.run} step {after.step} and {before.run} step {before.step} were evaluated on different problems "
            f"(e.g. {only})"
        )
    first = [after.values[name][key] for key in after.keys]
    second = [before.values[name][key] for key in after.keys]
    return paired_bootstrap_difference(first, second, strata=_strata(after), seed=seed).scaled(100.0)


# ----------------------------------------------------------------------------------------------------------
# Training reward and the learning verdict


def reward_curve(train_log: Sequence[Mapping[str, Any]]) -> list[tuple[int, float]]:
    """(step, mean reward of the step's rollouts) from a run's training log (`collect-train-log` rows)."""
    return [(int(row["step"]), float(row["reward"])) for row in sorted(train_log, key=lambda r: int(r["step"]))]


def window_mean(curve: Sequence[tuple[int, float]], first: bool, window: int) -> float:
    values = [value for _, value in curve]
    part = values[:window] if first else values[-window:]
    return sum(part) / len(part) if part else float("nan")


def saturation_step(curve: Sequence[tuple[int, float]], level: float = 0.9, window: int = 3) -> int | None:
    """The first step from which the mean training reward over `window` consecutive steps reaches `level`."""
    values = [value for _, value in curve]
    for position in range(len(values) - window + 1):
        if sum(values[position : position + window]) / window >= level:
            return curve[position][0]
    return None


@dataclass(frozen=True)
class LearningVerdict:
    """Did a run learn? Its training reward rose, and its held-out graded accuracy beat the base model's with a
    paired 95% interval above zero. The same predicate must come out false with the advantage sign flipped."""

    reward_start: float
    reward_end: float
    reward_peak: float
    heldout_before: float
    heldout_after: float
    heldout_difference: Interval
    min_reward_rise: float
    min_heldout_gain: float

    @property
    def reward_rose(self) -> bool:
        return self.reward_end - self.reward_start >= self.min_reward_rise

    @property
    def heldout_improved(self) -> bool:
        return self.heldout_difference.low > 0.0 and self.heldout_difference.estimate >= self.min_heldout_gain

    @property
    def learned(self) -> bool:
        return self.reward_rose and self.heldout_improved

    def summary(self) -> str:
        return (
            f"training reward {self.reward_start:.2f} (first steps) -> {self.reward_end:.2f} (last steps), "
            f"peak {self.reward_peak:.2f}; held-out graded accuracy {self.heldout_before:.1f} -> "
            f"{self.heldout_after:.1f}, difference {self.heldout_difference.format()} points; "
            f"learned: {self.learned}"
        )


def learning_verdict(
    train_log: Sequence[Mapping[str, Any]],
    before: Outcomes,
    after: Outcomes,
    *,
    window: int = 3,
    min_reward_rise: float = 0.2,
    min_heldout_gain: float = 0.0,
) -> LearningVerdict:
    """The shared learning predicate of the tests and the benchmark: training reward of the last `window` steps at
    least `min_reward_rise` above the first `window` steps', and held-out graded accuracy up by at least
    `min_heldout_gain` points with a paired 95% bootstrap interval that excludes 0."""
    curve = reward_curve(train_log)
    if not curve:
        raise AnalysisError("empty training log")
    return LearningVerdict(
        reward_start=window_mean(curve, True, window),
        reward_end=window_mean(curve, False, window),
        reward_peak=max(value for _, value in curve),
        heldout_before=measure(before, "graded").estimate,
        heldout_after=measure(after, "graded").estimate,
        heldout_difference=difference(after, before, "graded"),
        min_reward_rise=min_reward_rise,
        min_heldout_gain=min_heldout_gain,
    )
