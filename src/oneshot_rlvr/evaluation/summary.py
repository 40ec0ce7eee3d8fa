"""Summaries: a benchmark's graded responses and metrics file, and a checkpoint's metrics.json (every benchmark,
the math average that picks a run's best checkpoint, and the manifest of what produced the numbers)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from oneshot_rlvr import data
from oneshot_rlvr.evaluation.metrics import benchmark_metrics
from oneshot_rlvr.evaluation.plan import PARTIAL_SUFFIX, BenchmarkPlan
from oneshot_rlvr.evaluation.protocol import benchmark_settings, decoding_label
from oneshot_rlvr.evaluation.scoring import grade_rows
from oneshot_rlvr.grading import GRADER_MODES
from oneshot_rlvr.io import atomic_write_json, atomic_write_jsonl
from oneshot_rlvr.manifest import build_manifest, training_seed
from oneshot_rlvr.specs import spec_hash


def summarise_benchmark(
    plan: BenchmarkPlan, rows: list[dict[str, Any]], spec: Mapping[str, Any], out_dir: Path
) -> dict[str, Any]:
    """Grade a benchmark's responses, write <name>.jsonl and <name>.metrics.json, drop its partial file, and
    return its metrics."""
    grader = spec["grader"]
    max_new_tokens = int(spec["max_new_tokens"])
    after_think = bool(spec.get("grade_after_think", False))
    name, settings, is_arc = plan.name, plan.settings, plan.is_arc
    grade_rows(rows, is_arc, grader, after_think)
    atomic_write_jsonl(out_dir / f"{name}.jsonl", rows)
    metrics = {
        "status": "ok",
        "benchmark": name,
        "temperature": settings["temperature"],
        "top_p": settings["top_p"],
        "max_new_tokens": max_new_tokens,
        "prompt_template": spec["model"]["prompt_template"],
        "backend": spec["backend"],
        "decoding": decoding_label(settings),
        "grader": "letter" if is_arc else grader,
        "graders": ["letter"] if is_arc else list(GRADER_MODES),
        "grade_after_think": after_think,
        "responses_file": f"{name}.jsonl",
        "fingerprint": plan.fingerprint,
        **benchmark_metrics(rows, settings["n_samples"], "letter" if is_arc else grader, max_new_tokens),
    }
    atomic_write_json(out_dir / f"{name}.metrics.json", metrics)
    (out_dir / f"{name}{PARTIAL_SUFFIX}").unlink(missing_ok=True)
    return metrics


def summarise_checkpoint(
    model_path: str,
    spec: Mapping[str, Any],
    benchmarks: Mapping[str, Any],
    run: str,
    step: int,
    demonstrations: Sequence[tuple[str, str]],
) -> dict[str, Any]:
    """A checkpoint's summary (metrics.json without its manifest) from every benchmark's metrics."""
    averaged, extra = data.benchmark_set(spec)
    summary = {name: benchmarks[name] for name in (*averaged, *extra)}
    math_ok = [name for name in averaged if summary[name].get("status") == "ok"]
    math_scores = [summary[name]["accuracy"] for name in math_ok]
    disagreements: dict[str, int] = {}
    for name in math_ok:
        for mode, count in (summary[name].get("grader_disagreements") or {}).items():
            disagreements[mode] = disagreements.get(mode, 0) + int(count)
    icl = spec.get("icl")
    return {
        "run": run,
        "step": step,
        "model": str(model_path),
        "model_key": spec["model"].get("key"),
        "prompt_template": spec["model"]["prompt_template"],
        "backend": spec["backend"],
        "grader": spec["grader"],
        "grader_disagreements": disagreements,
        "icl": None if not icl else {"demonstrations": icl["demonstrations"], "count": len(demonstrations)},
        "benchmarks": summary,
        # the mean of the averaged benchmarks of the benchmark set (the paper's six math benchmarks by default)
        "math_average": sum(math_scores) / len(math_scores) if len(math_scores) == len(averaged) else None,
        "average_of": list(averaged),
    }


def evaluation_manifest(model_path: str, spec: Mapping[str, Any], data_dir: Path, wall_time_s: float) -> dict:
    """What produced this evaluation's numbers (manifest.py): versions, device, commit, seeds, the resolved
    spec's hash, the grader and the SHA-256 of every enabled benchmark file."""
    files = {
        name: data_dir / data.relpath_of(name)
        for name in data.ALL_BENCHMARKS
        if benchmark_settings(spec, name)["enabled"]
    }
    return build_manifest(
        config_hash=spec_hash(spec),
        grader=spec["grader"],
        seeds={"evaluation": int(spec["seed"]), "training": training_seed(model_path)},
        data_files=files,
        wall_time_s=wall_time_s,
    )
