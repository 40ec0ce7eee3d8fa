"""What a table cell needs to be compared with the paper: our number under the paper's grader with the strict
grader's beside it, the verdicts they disagree on, a 95 % bootstrap interval, whether the difference to the paper
and to the base row is significant, the same number at a fixed (the last) step, and the mean and spread across
seeds. Everything is read from the metrics files and the graded responses beside them (docs/evaluation.md §7).
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from oneshot_rlvr import intervals
from oneshot_rlvr.data import MATH_BENCHMARKS

# The grader mode of the authors' evaluation (Qwen2.5-Math's grader), which the paper's numbers come from.
PAPER_GRADER = "qwen_eval"


@dataclass(frozen=True)
class Bootstrap:
    """Settings of every interval in a report (`report.bootstrap`)."""

    resamples: int = intervals.RESAMPLES
    level: float = intervals.LEVEL
    seed: int = intervals.SEED


DEFAULT_BOOTSTRAP = Bootstrap()


def grader_accuracy(bench: Mapping[str, Any], grader: str) -> tuple[float | None, str | None]:
    """(accuracy, grader it is under) of one benchmark entry: under `grader` when the evaluation graded it that
    way (`accuracy_by_grader`), else the configured grader's `accuracy` (ARC's letter grader, older files)."""
    if bench.get("status") != "ok":
        return None, None
    by_grader = bench.get("accuracy_by_grader") or {}
    if grader in by_grader and isinstance(by_grader[grader], (int, float)):
        return float(by_grader[grader]), grader
    return float(bench["accuracy"]), bench.get("grader")


@dataclass
class Cell:
    """One column of one checkpoint: our value under the comparison grader, the strict value, the disagreements
    between the two graders, the interval and the outcomes behind it (for paired differences)."""

    value: float | None
    grader: str | None
    strict: float | None
    strict_grader: str | None
    disagreements: int | None
    interval: intervals.Interval | None
    outcomes: list[intervals.Outcomes] | None


def cell(
    metrics_path: Path,
    metrics: Mapping[str, Any],
    column: str,
    grader: str,
    bootstrap: Bootstrap = DEFAULT_BOOTSTRAP,
    averaged: Sequence[str] = MATH_BENCHMARKS,
) -> Cell:
    """A benchmark column, or `avg` (the averaged benchmarks, by default the 6 math benchmarks; None unless all
    of them ran)."""
    names = list(averaged) if column == "avg" else [column]
    benches = [metrics["benchmarks"].get(name, {"status": "not run"}) for name in names]
    if any(bench.get("status") != "ok" for bench in benches):
        return Cell(None, None, None, None, None, None, None)
    values = [grader_accuracy(bench, grader) for bench in benches]
    strict = [float(bench["accuracy"]) for bench in benches]
    used = values[0][1]
    strict_grader = metrics.get("grader") if column == "avg" else benches[0].get("grader")
    counts = [(bench.get("grader_disagreements") or {}).get(used) for bench in benches]
    disagreements = 0 if used == strict_grader else (None if None in counts else sum(counts))
    outcomes = [intervals.read_outcomes(metrics_path, name, used) for name in names]
    interval = None
    if None not in outcomes:
        found = [o for o in outcomes if o is not None]
        if column == "avg":
            interval = intervals.bootstrap_average(found, bootstrap.resamples, bootstrap.level, bootstrap.seed)
        else:
            interval = intervals.bootstrap_accuracy(found[0], bootstrap.resamples, bootstrap.level, bootstrap.seed)
    return Cell(
        sum(v for v, _ in values) / len(values),  # type: ignore[misc]
        used,
        sum(strict) / len(strict),
        strict_grader,
        disagreements,
        interval,
        None if interval is None else [o for o in outcomes if o is not None],
    )


def interval_fields(interval: intervals.Interval | None, prefix: str = "") -> dict[str, Any]:
    """CSV columns of an interval: bounds (0.1), problems and samples per problem."""
    if interval is None:
        return {f"{prefix}ci_low": None, f"{prefix}ci_high": None, f"{prefix}n_problems": None,
                f"{prefix}n_samples": None}  # fmt: skip
    return {
        f"{prefix}ci_low": round(interval.low, 1),
        f"{prefix}ci_high": round(interval.high, 1),
        f"{prefix}n_problems": interval.problems,
        f"{prefix}n_samples": interval.samples,
    }


def significant(interval: intervals.Interval | None, value: float | None) -> bool | None:
    """Whether `value` (the paper's number) lies outside our interval; None when either is missing."""
    if interval is None or value is None:
        return None
    return interval.excludes(value)


def versus_base(ours: Cell, base: Cell | None, bootstrap: Bootstrap = DEFAULT_BOOTSTRAP) -> dict[str, Any]:
    """ours - base row (points) with its paired-bootstrap interval: significant when the interval excludes 0.
    Without the base row's responses, or for different problems, only the difference is given."""
    fields: dict[str, Any] = {"diff_base": None, "diff_base_low": None, "diff_base_high": None,
                              "significant_vs_base": None}  # fmt: skip
    if base is None or ours.value is None or base.value is None:
        return fields
    fields["diff_base"] = round(ours.value - base.value, 1)
    if ours.outcomes is None or base.outcomes is None:
        return fields
    try:
        delta = intervals.paired_difference(
            ours.outcomes, base.outcomes, bootstrap.resamples, bootstrap.level, bootstrap.seed
        )
    except intervals.IntervalError:
        return fields
    fields.update(
        diff_base_low=round(delta.low, 1), diff_base_high=round(delta.high, 1), significant_vs_base=delta.excludes(0.0)
    )
    return fields


def seed_summaries(records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per run of several seeds (records with a `seed_group`) and per column: the mean, the sample standard
    deviation and the per-seed values of `ours` (mean and sd None when a seed's cell did not run)."""
    groups: dict[tuple[str, str], dict[int, float | None]] = {}
    for record in records:
        if record.get("seed_group"):
            groups.setdefault((record["seed_group"], record["column"]), {})[int(record["seed"])] = record["ours"]
    summaries = []
    for (run, column), by_seed in groups.items():
        values = [by_seed[seed] for seed in sorted(by_seed)]
        complete = [v for v in values if v is not None]
        summaries.append(
            {
                "run": run,
                "column": column,
                "seeds": ",".join(map(str, sorted(by_seed))),
                "mean": round(statistics.fmean(complete), 1) if complete and len(complete) == len(values) else None,
                "sd": round(statistics.stdev(complete), 1) if len(complete) == len(values) > 1 else None,
                "per_seed": ";".join("–" if v is None else f"{v:.1f}" for v in values),
            }
        )
    return summaries
