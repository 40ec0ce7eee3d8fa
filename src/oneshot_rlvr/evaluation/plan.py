"""What an evaluation of one checkpoint has to do, decided before any model is loaded: its inputs are checked,
finished benchmarks (same fingerprint of model files and spec) are reused, and each other benchmark becomes a
`BenchmarkPlan` of prompts to generate, with the responses an interrupted run already saved."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from oneshot_rlvr import data, paths
from oneshot_rlvr.evaluation.protocol import EvaluationError, benchmark_settings
from oneshot_rlvr.io import read_jsonl
from oneshot_rlvr.prompts import eval_prompt
from oneshot_rlvr.specs import spec_hash
from oneshot_rlvr.training.checkpoints import removed_file_stats

PARTIAL_SUFFIX = ".partial.jsonl"
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".json")


@dataclass
class BenchmarkPlan:
    """One benchmark still to generate: its settings, fingerprint, the (sample, problem, prompt) list in
    generation order (the test set repeated n_samples times, like the authors' x8 files) and the responses
    already saved by an interrupted run."""

    name: str
    settings: dict[str, Any]
    fingerprint: str
    expanded: list[tuple[int, dict[str, Any], str]]
    rows: list[dict[str, Any]]

    @property
    def is_arc(self) -> bool:
        return self.name in data.ARC_BENCHMARKS


_HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?$")
# The trainer's checkpoint folders (ck/checkpoint-4, the README's form) are local, never hub repositories.
_CHECKPOINT_FOLDER = re.compile(r"^checkpoint-\d+$")


def is_local_model(model_path: str) -> bool:
    """Whether a model path names a local folder rather than a hub id such as Qwen/Qwen2.5-Math-1.5B: it exists,
    or it is written as a path (starts with '.', '/', '~' or results/, has more than one '/', or is no valid hub
    id), or it ends in a trainer checkpoint folder (checkpoint-<step>). A missing local folder is then an error,
    never a download attempt (which retries the network for a minute and then fails with a hub message)."""
    path = str(model_path)
    if Path(path).exists():
        return True
    if path.startswith((".", "/", "~", paths.RESULTS_DIR)) or not _HUB_ID.match(path):
        return True
    return bool(_CHECKPOINT_FOLDER.match(Path(path).name))


def missing_local_model(model_path: str) -> bool:
    """A local model path (not a hub id such as Qwen/Qwen2.5-Math-1.5B) that does not exist."""
    return is_local_model(model_path) and not Path(model_path).exists()


def check_inputs(model_path: str, spec: Mapping[str, Any], data_dir: Path) -> None:
    """Every input an evaluation reads, checked before it creates anything: the model folder (when local), the
    data folder, and the file of every enabled benchmark."""
    if missing_local_model(model_path):
        raise EvaluationError(f"model path {model_path} does not exist (a local folder, not a hub id)")
    if not Path(data_dir).is_dir():
        raise EvaluationError(f"data folder {data_dir} does not exist (--data-dir)")
    averaged, extra = data.benchmark_set(spec)
    for name in (*averaged, *extra):
        if benchmark_settings(spec, name)["enabled"]:
            path = Path(data_dir) / data.benchmark_relpath(name)
            if not path.is_file():
                raise EvaluationError(
                    f"{path}: file not found (benchmark {name!r} is enabled: evaluation.benchmarks.{name}.enabled)"
                )


def fingerprint(model_path: str, spec: Mapping[str, Any], benchmark: str) -> str:
    """Identifies (model weights, evaluation settings): finished benchmarks are reused only when it matches."""
    model_dir = Path(model_path)
    files = []
    if model_dir.is_dir():
        for path in sorted(model_dir.iterdir()):
            if path.suffix in _WEIGHT_SUFFIXES and path.is_file():
                stat = path.stat()
                files.append((path.name, stat.st_size, stat.st_mtime_ns))
        # Weights deleted after evaluation (training.keep_checkpoints: false) count as they were, so the finished
        # evaluation of that checkpoint is still recognised (e.g. when a longer run re-triggers its evaluations).
        removed = removed_file_stats(model_dir)
        files = sorted(
            files + [(name, *stat) for name, stat in removed.items() if Path(name).suffix in _WEIGHT_SUFFIXES]
        )
    return spec_hash({"model": str(model_path), "files": files, "spec": spec, "benchmark": benchmark})


def read_partial(path: Path, stamp: str, total: int) -> list[dict[str, Any]]:
    """The responses an interrupted evaluation of one benchmark already generated (ungraded), or [].

    The file's first line holds the fingerprint of (model, settings); a file of another fingerprint is stale and
    ignored. A malformed line is an error naming the file and line (the file is written atomically, so a kill
    never leaves one).
    """
    if not path.exists():
        return []
    lines = read_jsonl(path)
    if not lines or lines[0].get("fingerprint") != stamp:
        return []
    rows = lines[1:]
    required = ("id", "sample", "prompt", "response", "response_tokens", "finish_reason", "answer")
    for number, row in enumerate(rows, start=2):
        missing = [key for key in required if key not in row]
        if missing:
            raise EvaluationError(f"{path}:{number}: partial response row lacks {', '.join(missing)}")
    if len(rows) > total:
        raise EvaluationError(f"{path}: {len(rows)} responses for {total} prompts; delete it to re-evaluate")
    return rows


def _finished(metrics_path: Path, stamp: str) -> dict[str, Any] | None:
    """The metrics of a benchmark finished before under the same fingerprint, or None."""
    if not metrics_path.exists():
        return None
    try:
        previous = json.loads(metrics_path.read_text())
    except json.JSONDecodeError as error:
        raise EvaluationError(f"{metrics_path}: malformed JSON ({error.msg}); delete it to re-evaluate") from None
    return previous if previous.get("fingerprint") == stamp else None


def plan_benchmarks(
    model_path: str,
    spec: Mapping[str, Any],
    data_dir: Path,
    out_dir: Path,
    template: str,
    demonstrations: Sequence[tuple[str, str]] = (),
) -> tuple[dict[str, Any], list[BenchmarkPlan]]:
    """(summary of the benchmarks that need no generation, plans of the others), in benchmark-set order.

    Every check happens here (finished benchmarks, benchmark files, saved partial responses), so that bad input
    stops the job before the model is loaded."""
    summary: dict[str, Any] = {}
    plans: list[BenchmarkPlan] = []
    averaged, extra = data.benchmark_set(spec)
    for name in (*averaged, *extra):
        settings = benchmark_settings(spec, name)
        if not settings["enabled"]:
            summary[name] = {"status": "not run", "reason": "disabled in config"}
            continue
        stamp = fingerprint(model_path, spec, name)
        previous = _finished(out_dir / f"{name}.metrics.json", stamp)
        if previous is not None:
            summary[name] = previous
            continue
        # A benchmark file that is there but malformed (missing fields, no rows) stops the evaluation.
        problems = data.load_benchmark(name, Path(data_dir), limit=settings["limit"])
        is_arc = name in data.ARC_BENCHMARKS
        # In-context demonstrations (Table 16) go before the math problems; ARC stays zero-shot.
        shots = () if is_arc else demonstrations
        prompts = [eval_prompt(p["question"], template, arc=is_arc, demonstrations=shots) for p in problems]
        expanded = [
            (sample, problem, prompt)
            for sample in range(settings["n_samples"])
            for problem, prompt in zip(problems, prompts, strict=True)
        ]
        rows = read_partial(out_dir / f"{name}{PARTIAL_SUFFIX}", stamp, len(expanded))
        plans.append(BenchmarkPlan(name, settings, stamp, expanded, rows))
    return summary, plans


def step_is_current(model_path: str, spec: Mapping[str, Any], out_dir: Path) -> bool:
    """Whether out_dir already holds this model's evaluation under this spec: its metrics.json exists and every
    enabled benchmark in it carries the fingerprint of (model files, spec), as evaluate_checkpoint would reuse."""
    metrics_path = Path(out_dir) / "metrics.json"
    try:
        summary = json.loads(metrics_path.read_text())["benchmarks"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    for name in summary:
        if benchmark_settings(spec, name)["enabled"]:
            if summary[name].get("fingerprint") != fingerprint(model_path, spec, name):
                return False
    return True
