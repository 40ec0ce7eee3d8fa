"""Evaluate one checkpoint on every enabled benchmark: plan, generate, summarise (docs/evaluation.md)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from oneshot_rlvr.evaluation.backends import make_generator
from oneshot_rlvr.evaluation.demonstrations import resolve_demonstrations, write_demonstrations
from oneshot_rlvr.evaluation.generate import generate_responses
from oneshot_rlvr.evaluation.plan import check_inputs, plan_benchmarks
from oneshot_rlvr.evaluation.summary import evaluation_manifest, summarise_benchmark, summarise_checkpoint
from oneshot_rlvr.evaluation_log import log_to_tensorboard
from oneshot_rlvr.io import atomic_write_json
from oneshot_rlvr.prompts import stop_strings
from oneshot_rlvr.specs import EvaluationSpec


def evaluate_checkpoint(
    model_path: str, spec: Mapping[str, Any], data_dir: Path, out_dir: Path, run: str, step: int
) -> dict[str, Any]:
    """Generate, grade and score every enabled benchmark; returns (and writes) the summary metrics.

    Nothing is loaded before every input is checked; the model is loaded only when a benchmark (or a
    self-generated demonstration) needs generating."""
    spec = EvaluationSpec.parse(spec)
    check_inputs(model_path, spec, Path(data_dir))
    template = spec.model["prompt_template"]
    stops = stop_strings(template)
    max_new_tokens = int(spec.max_new_tokens)
    out_dir = Path(out_dir)  # created by the first write, so a refused evaluation leaves no folder behind
    for leftover in out_dir.glob(".*.json*.*"):  # temporary files of a killed atomic write
        leftover.unlink()
    started = time.time()
    generator = None
    demonstrations: list[tuple[str, str]] = []
    if spec.icl:
        generator = make_generator(model_path, spec, stops)
        demonstrations = resolve_demonstrations(spec.icl, generator, template, stops, max_new_tokens, int(spec.seed))
        write_demonstrations(out_dir / "icl_demonstrations.json", spec.icl, demonstrations)
    benchmarks, plans = plan_benchmarks(model_path, spec, Path(data_dir), out_dir, template, demonstrations)
    for plan in plans:
        if generator is None:
            generator = make_generator(model_path, spec, stops)
        label = f"{run} step {step}"
        rows = generate_responses(plan, generator, out_dir, stops, max_new_tokens, int(spec.seed), label)
        benchmarks[plan.name] = summarise_benchmark(plan, rows, spec, out_dir)
    result = summarise_checkpoint(model_path, spec, benchmarks, run, step, demonstrations)
    result["wall_time_s"] = round(time.time() - started, 1)
    result["manifest"] = evaluation_manifest(model_path, spec, Path(data_dir), result["wall_time_s"])
    atomic_write_json(out_dir / "metrics.json", result)
    if plans:  # a checkpoint whose benchmarks were all finished before was logged then
        log_to_tensorboard(model_path, result)
    return result
