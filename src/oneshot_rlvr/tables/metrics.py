"""Reading evaluations for the tables: a checked `metrics.json`, the step files of a run index, and the
checkpoint a table reports (best average, best on one benchmark, or the last step).

Every number in a table comes from a `metrics.json` written by `oneshot-rlvr evaluate`; these readers refuse a
malformed one with a message naming the file and key, before any of its numbers reaches a table.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from oneshot_rlvr import comparison, paths
from oneshot_rlvr.data import MATH_BENCHMARKS
from oneshot_rlvr.evaluation import EvaluationError, read_run_index
from oneshot_rlvr.tables.rows import ReportError


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def load_metrics(path: Path) -> dict[str, Any]:
    """A metrics.json, checked before any number of it reaches a table: `run` a string, `step` a non-negative
    integer, `benchmarks` an object whose "ok" entries carry a numeric `accuracy`, and no NaN or Infinity
    anywhere (json would accept them, and they would be printed as table cells)."""
    try:
        metrics = json.loads(Path(path).read_text(), parse_constant=_no_constant)
    except FileNotFoundError:
        raise ReportError(f"metrics file {path} does not exist") from None
    except json.JSONDecodeError as error:
        raise ReportError(f"metrics file {path} is not valid JSON ({error.msg})") from None
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise ReportError(f"metrics file {path} is not valid JSON ({' '.join(str(error).split())[:120]})") from None
    if not isinstance(metrics, dict):
        raise ReportError(f"metrics file {path}: expected a JSON object")
    for key in ("run", "step", "benchmarks"):
        if key not in metrics:
            raise ReportError(f"metrics file {path} has no key {key!r}")
    if not isinstance(metrics["run"], str):
        raise ReportError(f"metrics file {path}: key 'run' must be a string")
    if not isinstance(metrics["step"], int) or isinstance(metrics["step"], bool) or metrics["step"] < 0:
        raise ReportError(f"metrics file {path}: key 'step' must be a non-negative integer, not {metrics['step']!r}")
    if not isinstance(metrics["benchmarks"], dict):
        raise ReportError(f"metrics file {path}: key 'benchmarks' must be an object")
    for name, bench in metrics["benchmarks"].items():
        if not isinstance(bench, dict):
            raise ReportError(f"metrics file {path}: key 'benchmarks.{name}' must be an object")
        if bench.get("status") == "ok" and not _is_number(bench.get("accuracy")):
            raise ReportError(
                f"metrics file {path}: key 'benchmarks.{name}.accuracy' must be a number, "
                f"not {str(bench.get('accuracy'))[:40]!r}"
            )
    if metrics.get("math_average") is not None and not _is_number(metrics["math_average"]):
        raise ReportError(f"metrics file {path}: key 'math_average' must be a number or null")
    return metrics


def metrics_files(metric_paths: Sequence[Path]) -> list[Path]:
    """Per-step metrics files, with each index (steps.json of a run evaluated by one job, `evaluation.jobs: run`,
    or steps<first>-<last>.json of a chunk, `evaluation.checkpoints_per_job`) replaced by the step files it names,
    so every report reads runs evaluated any way."""
    files: list[Path] = []
    for path in metric_paths:
        if not paths.is_evaluation_index(str(path)):
            files.append(Path(path))
            continue
        try:
            files.extend(read_run_index(Path(path)))
        except EvaluationError as error:
            raise ReportError(str(error)) from None
    return files


def selection_score(
    metrics: Mapping[str, Any], grader: str | None = None, averaged: Sequence[str] | None = None
) -> float | None:
    """The average of the averaged benchmarks (`averaged`, else the metrics' own `average_of`, else the paper's 6
    math benchmarks), or the mean of those that ran when some are switched off; under `grader` when given
    (comparison.grader_accuracy), else under the evaluation's configured grader."""
    names = set(averaged or metrics.get("average_of") or MATH_BENCHMARKS)
    scores = [
        b["accuracy"] if grader is None else comparison.grader_accuracy(b, grader)[0]
        for name, b in metrics["benchmarks"].items()
        if name in names and b.get("status") == "ok"
    ]
    return sum(scores) / len(scores) if scores else None


def best_checkpoint(
    metric_files: Sequence[Path], grader: str | None = None, averaged: Sequence[str] | None = None
) -> tuple[Path, dict[str, Any]]:
    """The checkpoint with the best average (the paper's rule: the 6-benchmark math average); ties go to the
    earlier step."""
    loaded = sorted(((load_metrics(path), Path(path)) for path in metric_files), key=lambda item: item[0]["step"])
    if not loaded:
        raise ReportError("no metrics files given")
    scored = [(selection_score(m, grader, averaged), m, p) for m, p in loaded]
    best = max(scored, key=lambda item: -1.0 if item[0] is None else item[0])
    return best[2], best[1]


def last_checkpoint(metric_files: Sequence[Path]) -> tuple[Path, dict[str, Any]]:
    """The checkpoint of the last evaluated step: a fixed step, free of the best-checkpoint selection's bias."""
    loaded = [(load_metrics(path), Path(path)) for path in metric_files]
    if not loaded:
        raise ReportError("no metrics files given")
    metrics, path = max(loaded, key=lambda item: item[0]["step"])
    return path, metrics


def best_for_benchmark(
    metric_files: Sequence[Path], benchmark: str, grader: str | None = None
) -> tuple[Path, dict[str, Any]] | None:
    """The checkpoint with the best accuracy on one benchmark (Table 3's rule); ties go to the earlier step.
    Under `grader` when given (comparison.grader_accuracy), else under the configured grader."""
    best: tuple[float, int, Path, dict[str, Any]] | None = None
    for path in metric_files:
        metrics = load_metrics(path)
        bench = metrics["benchmarks"].get(benchmark, {})
        if bench.get("status") != "ok":
            continue
        accuracy = bench["accuracy"] if grader is None else comparison.grader_accuracy(bench, grader)[0]
        key = (accuracy, -int(metrics["step"]))
        if best is None or key > (best[0], -best[1]):
            best = (accuracy, int(metrics["step"]), Path(path), metrics)
    return None if best is None else (best[2], best[3])
