"""How a run's evaluation is scheduled in the workflow and which files stand for it in the DAG."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from oneshot_rlvr import paths
from oneshot_rlvr.config.errors import ConfigError
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


def checkpoints_per_job(config: Mapping[str, Any]) -> int:
    """How many consecutive checkpoints of a run one evaluation job takes where runs are evaluated per checkpoint
    (`evaluation.checkpoints_per_job`; 1: one evaluate_checkpoint job each)."""
    return int(config["evaluation"].get("checkpoints_per_job", 1))


def evaluation_chunks(config: Mapping[str, Any], run: str) -> list[list[int]]:
    """A run's evaluated steps in consecutive groups of `evaluation.checkpoints_per_job`, one evaluation job each
    (the last group may be shorter)."""
    steps = evaluated_steps(config, run)
    size = checkpoints_per_job(config)
    return [steps[start : start + size] for start in range(0, len(steps), size)]


def chunk_steps(config: Mapping[str, Any], run: str, first: int | str, last: int | str) -> list[int]:
    """The steps of the chunk whose index is paths.chunk_index(run, first, last), or a ConfigError saying which
    chunks the run has (a chunk of another `checkpoints_per_job` is no job of this config)."""
    chunks = evaluation_chunks(config, run)
    for chunk in chunks:
        if (chunk[0], chunk[-1]) == (int(first), int(last)):
            return chunk
    named = ", ".join(paths.chunk_index(run, chunk[0], chunk[-1]) for chunk in chunks[:3])
    raise ConfigError(
        f"{paths.chunk_index(run, first, last)}: no evaluation job of run {run!r} evaluates steps {first}-{last} "
        f"(config key evaluation.checkpoints_per_job: {checkpoints_per_job(config)}; its jobs write {named}, ...)"
    )


def evaluation_targets(config: Mapping[str, Any], run: str) -> list[str]:
    """The files that stand for a run's finished evaluation in the DAG: each step's metrics.json, each chunk's
    index (`evaluation.checkpoints_per_job` > 1), or the run's steps.json when one job evaluates the whole run (the
    step files an index names exist once the index does)."""
    if evaluation_jobs(config, run) == "run":
        return [paths.run_index(run)]
    if checkpoints_per_job(config) > 1:
        return [paths.chunk_index(run, chunk[0], chunk[-1]) for chunk in evaluation_chunks(config, run)]
    return [paths.metrics(run, step) for step in evaluated_steps(config, run)]


def step_targets(config: Mapping[str, Any], run: str, steps: Sequence[int]) -> list[str]:
    """The files standing for some evaluated steps of a run (Figure 3's chosen steps): those of
    evaluation_targets that cover them, each once."""
    if evaluation_jobs(config, run) == "run":
        return [paths.run_index(run)]
    if checkpoints_per_job(config) > 1:
        wanted = set(steps)
        return [
            paths.chunk_index(run, chunk[0], chunk[-1])
            for chunk in evaluation_chunks(config, run)
            if wanted & set(chunk)
        ]
    return [paths.metrics(run, step) for step in steps]

