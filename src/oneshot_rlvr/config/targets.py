"""How a run's evaluation is scheduled in the workflow and which files stand for it in the DAG."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from oneshot_rlvr import paths
from oneshot_rlvr.config.names import BASE_RUN
from oneshot_rlvr.config.runs import evaluated_steps, require_run, seed_entry

# Where evaluations go (oneshot_rlvr.paths): the names below stay for the modules that still import them here.
EVAL_DIR = paths.EVAL_DIR
RUN_INDEX = paths.RUN_INDEX_FILE
step_metrics_path = paths.metrics
run_index_path = paths.run_index


def evaluation_jobs(config: Mapping[str, Any], run: str) -> str:
    """How a run's checkpoints are scheduled (`evaluation.jobs`): "checkpoint" (one job each, parallel on a
    cluster) or "run" (one job evaluating them in turn). `auto` gives the runs without a `runs:` entry (the
    sweep's example-set runs, the history run) one job per run, which keeps a 1,209-run sweep at ~1.2k evaluation
    jobs instead of 123k, and the few configured runs and the base models one job per checkpoint."""
    mode = config["evaluation"].get("jobs", "auto")
    if run != BASE_RUN:
        require_run(config, run)  # an unknown run stops here, naming the `runs` key
    if mode != "auto":
        return mode
    configured = run in config["runs"] or seed_entry(config, run) is not None
    return "checkpoint" if run == BASE_RUN or configured else "run"


def evaluation_targets(config: Mapping[str, Any], run: str) -> list[str]:
    """The files that stand for a run's finished evaluation in the DAG: each step's metrics.json, or the run's
    steps.json when one job evaluates the whole run (its step files exist once the index does)."""
    if evaluation_jobs(config, run) == "run":
        return [paths.run_index(run)]
    return [paths.metrics(run, step) for step in evaluated_steps(config, run)]

