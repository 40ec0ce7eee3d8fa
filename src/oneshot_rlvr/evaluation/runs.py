"""Evaluate a run's checkpoints one after another in child processes (`evaluation.jobs: run`) and read the index
that run writes (steps.json: step -> metrics file)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tqdm import tqdm

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
) -> dict[str, Any]:
    """Evaluate a run's checkpoints one after another (`evaluation.jobs: run`), then write its index.

    Each step is `oneshot-rlvr evaluate` in a child process, exactly the per-checkpoint job's command, into the
    same eval_dir/step<step>/ folder: each model (and vLLM's engine) is freed with its process, and a step
    already evaluated under this spec is skipped, so a killed job resumes at the step it was on. The index
    (step -> metrics file, relative to it) is written last: its existence means every step is there.
    """
    spec = EvaluationSpec.parse(spec)
    models = {step: model_template.replace("{step}", str(step)) for step in steps}
    missing = [path for path in models.values() if missing_local_model(path)]
    if missing:
        raise EvaluationError(f"run {run}: model path {missing[0]} does not exist ({len(missing)} missing)")
    check_inputs(next(iter(models.values())), spec, Path(data_dir))
    spec_json = json.dumps(spec.to_dict(), sort_keys=True)
    index_path = Path(index_path)
    entries = []
    for step in tqdm(steps, desc=f"evaluate {run}", unit="checkpoint"):
        out_dir = Path(eval_dir) / f"step{step}"
        if step_is_current(models[step], spec, out_dir):
            print(f"{run} step {step}: already evaluated in {out_dir}", flush=True)
        else:
            command = [sys.executable, "-m", "oneshot_rlvr.cli", "evaluate", "--run", run, "--step", str(step)]
            command += ["--model", models[step], "--data-dir", str(data_dir), "--out-dir", str(out_dir)]
            completed = subprocess.run([*command, "--spec", spec_json], check=False)
            if completed.returncode != 0:
                raise EvaluationError(
                    f"run {run}: evaluating step {step} ({models[step]}) failed with exit code "
                    f"{completed.returncode}; the steps before it are kept and a re-run resumes there"
                )
        metrics = json.loads((out_dir / "metrics.json").read_text())
        relative = Path(os.path.relpath(out_dir / "metrics.json", index_path.parent)).as_posix()
        entries.append({"step": int(step), "metrics": relative, "math_average": metrics.get("math_average")})
    index = {"run": run, "steps": entries}
    atomic_write_json(index_path, index)
    return index


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

