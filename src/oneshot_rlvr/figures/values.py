"""The values a figure draws: each run's evaluated checkpoints (metrics.json), the runs' training logs, and one
number of a checkpoint by key (`math500`, `avg`, `boxed:math500`, `subject:algebra`, ...)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from oneshot_rlvr.data import MATH_BENCHMARKS
from oneshot_rlvr.io import read_jsonl
from oneshot_rlvr.tables.metrics import load_metrics, selection_score
from oneshot_rlvr.tables.rows import ReportError
from oneshot_rlvr.tables.table3 import subject_key
from oneshot_rlvr.training import TrainingError, read_train_log


class FigureError(ValueError):
    """A figure cannot be drawn from its inputs; the message names the figure, the config key or the file."""


def load_curves(metric_files: Sequence[Path]) -> dict[str, list[dict[str, Any]]]:
    """metrics.json files grouped by their `run`, each run's sorted by step; each keeps its path in `_path`."""
    curves: dict[str, list[dict[str, Any]]] = {}
    for path in metric_files:
        try:
            metrics = load_metrics(Path(path))
        except ReportError as error:
            raise FigureError(str(error)) from None
        metrics["_path"] = str(path)
        curves.setdefault(str(metrics["run"]), []).append(metrics)
    for points in curves.values():
        points.sort(key=lambda item: int(item["step"]))
    return curves


def load_train_logs(paths: Sequence[Path]) -> dict[str, list[dict[str, Any]]]:
    """Collected training logs (`collect-train-log`: rows carry their `run`), grouped by run."""
    logs: dict[str, list[dict[str, Any]]] = {}
    for path in paths:
        if not Path(path).exists():
            raise FigureError(f"training log {path} does not exist")
        for number, row in enumerate(read_jsonl(Path(path)), start=1):
            if "run" not in row or "step" not in row:
                raise FigureError(f"{path}:{number}: training-log row without 'run' and 'step'")
            logs.setdefault(str(row["run"]), []).append(row)
    for rows in logs.values():
        rows.sort(key=lambda row: int(row["step"]))
    return logs


def collect_train_log(done_path: Path, checkpoint_dir: Path) -> list[dict[str, Any]]:
    """A finished run's training log (every step once, from its checkpoints), each row tagged with the run; it
    must reach the last step its done file names."""
    if not Path(done_path).exists():
        raise FigureError(f"done file {done_path} does not exist (the run has not finished)")
    try:
        done = json.loads(Path(done_path).read_text())
    except ValueError as error:
        raise FigureError(f"done file {done_path}: not valid JSON ({' '.join(str(error).split())[:120]})") from None
    if not isinstance(done, dict) or not isinstance(done.get("steps", []), list):
        raise FigureError(f"done file {done_path}: expected a JSON object with a list 'steps'")
    try:
        rows = read_train_log(Path(checkpoint_dir))
    except TrainingError as error:
        raise FigureError(str(error)) from None
    last = int(done["steps"][-1]) if done.get("steps") else None
    if last is not None and int(rows[-1]["step"]) != last:
        raise FigureError(f"{checkpoint_dir}: the training log ends at step {rows[-1]['step']}, {done_path} at {last}")
    return [{"run": done.get("run"), **row} for row in rows]


def metric_value(metrics: Mapping[str, Any], key: str) -> float | None:
    """One number of a checkpoint: a benchmark's accuracy (`math500`), the 6-benchmark `avg`, a MATH500 subject
    (`subject:algebra`), a benchmark's \\boxed{} share (`boxed:math500`), accuracy in any format (`any:math500`,
    the qwen_eval grader's verdict) or mean response length (`length:math500`), the mean of such a measure over the
    averaged benchmarks (`boxed:avg`, `any:avg`), or `reflection` (evaluation responses with a reflection word,
    over the math benchmarks)."""
    benchmarks = metrics.get("benchmarks", {})

    def ok(name: str) -> Mapping[str, Any] | None:
        bench = benchmarks.get(name) or {}
        return bench if bench.get("status") == "ok" else None

    if key == "avg":
        return selection_score(metrics)
    if key.endswith(":avg"):
        names = metrics.get("average_of") or MATH_BENCHMARKS
        values = [metric_value(metrics, f"{key[: -len('avg')]}{name}") for name in names]
        return None if any(value is None for value in values) else sum(values) / len(values)
    if key == "reflection":
        counts = [ok(name).get("reflection_responses") for name in MATH_BENCHMARKS if ok(name)]
        counts = [count for count in counts if count is not None]
        return float(sum(counts)) if counts else None
    kind, _, name = key.partition(":")
    if not name:
        bench = ok(key)
        return None if bench is None else bench.get("accuracy")
    if kind == "subject":
        bench = ok("math500")
        subjects = {subject_key(k): v for k, v in ((bench or {}).get("subjects") or {}).items()}
        return subjects.get(name)
    if kind == "any":
        bench = ok(name)
        return None if bench is None else (bench.get("accuracy_by_grader") or {}).get("qwen_eval")
    field_name = {"boxed": "boxed_rate", "length": "mean_response_tokens"}.get(kind)
    if field_name is None:
        raise FigureError(f"unknown metric {key!r}")
    bench = ok(name)
    return None if bench is None else bench.get(field_name)


def point_step(point: Mapping[str, Any]) -> int:
    """The step a checkpoint is drawn at (`_step`: the base model drawn as step 0 of a run's curve)."""
    return int(point["_step"] if "_step" in point else point["step"])


def series(points: Sequence[Mapping[str, Any]], key: str) -> tuple[list[int], list[float]]:
    """Steps and values of one metric along a curve, skipping checkpoints where it is missing."""
    steps, values = [], []
    for point in points:
        value = metric_value(point, key)
        if value is not None and math.isfinite(float(value)):
            steps.append(point_step(point))
            values.append(float(value))
    return steps, values


def log_series(rows: Sequence[Mapping[str, Any]], key: str, scale: float = 1.0) -> tuple[list[int], list[float]]:
    """Steps and values of a training-log field (`accuracy`, `reward`, or TRL's `trl.<name>`)."""
    steps, values = [], []
    for row in rows:
        value = row.get("trl", {}).get(key[4:]) if key.startswith("trl.") else row.get(key)
        if isinstance(value, (int, float)) and math.isfinite(float(value)):
            steps.append(int(row["step"]))
            values.append(float(value) * scale)
    return steps, values


def with_base(points: list[dict[str, Any]], base: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """A run's curve starting from the base model's evaluation, drawn at step 0."""
    if not base or (points and int(points[0]["step"]) == 0):
        return points
    return [{**base[-1], "_step": 0}, *points]


@dataclass
class FigureInputs:
    """What a figure is drawn from: its config, each run's evaluated checkpoints (base model prepended at step 0
    where `base` is set), the training logs, and the data folder (Figure 3's problem text)."""

    name: str
    spec: dict[str, Any]
    curves: dict[str, list[dict[str, Any]]]
    logs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    scale: str = "paper"
    data_dir: Path | None = None

    @property
    def paper_lines(self) -> bool:
        """Whether the paper's reported values are drawn (not in the testbed, whose tasks are not the paper's)."""
        return self.scale != "testbed"

    @property
    def runs(self) -> list[str]:
        return list(self.spec["runs"])

    def curve(self, run: str) -> list[dict[str, Any]]:
        base = self.curves.get(self.spec["base"]) if self.spec.get("base") else None
        return with_base(self.curves.get(run, []), base)

    def run_curves(self) -> dict[str, list[dict[str, Any]]]:
        return {run: self.curve(run) for run in self.runs}

    def log(self, run: str) -> list[dict[str, Any]]:
        if run not in self.logs:
            raise FigureError(f"{self.name}: no training log of run {run!r} was given")
        return self.logs[run]
