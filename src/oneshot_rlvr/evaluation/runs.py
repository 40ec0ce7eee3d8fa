"""Evaluate a run's checkpoints one after another (`evaluation.jobs: run`, a chunk of `checkpoint`) and read the
index that run writes (steps.json: step -> metrics file)."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tqdm import tqdm

from oneshot_rlvr.console import EXPECTED_ERRORS, error_message
from oneshot_rlvr.evaluation.checkpoint import evaluate_checkpoint
from oneshot_rlvr.evaluation.plan import check_inputs, missing_local_model, step_is_current
from oneshot_rlvr.evaluation.protocol import EvaluationError
from oneshot_rlvr.io import atomic_write_json
from oneshot_rlvr.specs import EvaluationSpec


def evaluate_run(
    run: str,
    steps: Sequence[int],
    model_template: str,
    spec: Mapping[str, Any],
    data_dir: Path,
    eval_dir: Path,
    index_path: Path,
    fresh_process: bool | None = None,
) -> dict[str, Any]:
    """Evaluate a run's checkpoints one after another (`evaluation.jobs: run`), then write its index.

    Each step is evaluated as the per-checkpoint job `oneshot-rlvr evaluate` would, into the same
    eval_dir/step<step>/ folder, and a step already evaluated under this spec is skipped, so a killed job resumes
    at the step it was on. The index (step -> metrics file, relative to it) is written last: its existence means
    every step is there. Where the steps run (`fresh_process`, by default from the backend): vLLM's engine frees the
    GPU only with its process, so with vLLM each step is `oneshot-rlvr evaluate` in a child process; the
    transformers backend evaluates every step in this process, the model freed between steps, and pays for torch
    and transformers once per job, not once per step (~9 CPU-seconds each: benchmarks/RESULTS.md, "Evaluation
    chunks in one process").
    """
    spec = EvaluationSpec.parse(spec)
    models = {step: model_template.replace("{step}", str(step)) for step in steps}
    missing = [path for path in models.values() if missing_local_model(path)]
    if missing:
        raise EvaluationError(f"run {run}: model path {missing[0]} does not exist ({len(missing)} missing)")
    check_inputs(next(iter(models.values())), spec, Path(data_dir))
    if fresh_process is None:
        fresh_process = spec["backend"] == "vllm"
    index_path = Path(index_path)
    entries = []
    for step in tqdm(steps, desc=f"evaluate {run}", unit="checkpoint"):
        out_dir = Path(eval_dir) / f"step{step}"
        if step_is_current(models[step], spec, out_dir):
            print(f"{run} step {step}: already evaluated in {out_dir}", flush=True)
        elif fresh_process:
            _evaluate_in_child(run, step, models[step], spec, Path(data_dir), out_dir)
        else:
            _evaluate_here(run, step, models[step], spec, Path(data_dir), out_dir)
        metrics = json.loads((out_dir / "metrics.json").read_text())
        relative = Path(os.path.relpath(out_dir / "metrics.json", index_path.parent)).as_posix()
        entries.append({"step": int(step), "metrics": relative, "math_average": metrics.get("math_average")})
    index = {"run": run, "steps": entries}
    atomic_write_json(index_path, index)
    return index


def _failed(run: str, step: int, model: str, why: str) -> EvaluationError:
    return EvaluationError(
        f"run {run}: evaluating step {step} ({model}) failed {why}; the steps before it are kept and a re-run "
        "resumes there"
    )


def _evaluate_in_child(run: str, step: int, model: str, spec: EvaluationSpec, data_dir: Path, out_dir: Path) -> None:
    """One step as `oneshot-rlvr evaluate` in a child process: everything it loaded is freed when it ends."""
    command = [sys.executable, "-m", "oneshot_rlvr.cli", "evaluate", "--run", run, "--step", str(step)]
    command += ["--model", model, "--data-dir", str(data_dir), "--out-dir", str(out_dir)]
    spec_json = json.dumps(spec.to_dict(), sort_keys=True)
    completed = subprocess.run([*command, "--spec", spec_json], check=False)
    if completed.returncode != 0:
        raise _failed(run, step, model, f"with exit code {completed.returncode}")


def _evaluate_here(run: str, step: int, model: str, spec: EvaluationSpec, data_dir: Path, out_dir: Path) -> None:
    """One step in this process (evaluate_checkpoint, as `oneshot-rlvr evaluate` calls it); its model is freed
    before the next step loads one."""
    try:
        evaluate_checkpoint(model, spec.to_dict(), data_dir, out_dir, run, step)
    except EXPECTED_ERRORS as error:
        raise _failed(run, step, model, f"({error_message(error)})") from error
    finally:
        gc.collect()
        torch = sys.modules.get("torch")
        if torch is not None and torch.cuda.is_available():
            torch.cuda.empty_cache()


def read_run_index(path: Path) -> list[Path]:
    """The per-step metrics files a run index (steps.json of `evaluate_run`) names, in step order."""
    try:
        index = json.loads(Path(path).read_text())
        files = [Path(path).parent / str(entry["metrics"]) for entry in index["steps"]]
    except OSError as error:
        raise EvaluationError(f"run index {path}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise EvaluationError(f"run index {path}: malformed JSON ({error.msg} at line {error.lineno})") from None
    except (KeyError, TypeError):
        raise EvaluationError(f"run index {path}: expected {{'steps': [{{'step': ..., 'metrics': ...}}]}}") from None
    return files

