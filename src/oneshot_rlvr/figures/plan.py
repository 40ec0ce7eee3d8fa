"""The plan the Snakemake rules call: which figures exist, which targets draw them, and which runs, metrics files and
training logs each figure reads (from the `figures:` config)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from oneshot_rlvr import config as oc
from oneshot_rlvr import paths
from oneshot_rlvr.figures.values import FigureError

FIGURE_NAMES = (
    "figure1", "figure2", "figure3", "figure4", "figure5", "figure6", "figure7", "figure8", "figure9",
    "figure10", "figure11", "figure12", "figure13", "figure14", "figure15", "figure16",
)  # fmt: skip
# Figures 7-11: the per-benchmark curves of one model each (target figures7_11).
MODEL_FIGURES = ("figure7", "figure8", "figure9", "figure10", "figure11")
# Figures that read the runs' training logs (results/runs/<run>/train_log.jsonl), and those drawn for one run.
LOG_FIGURES = frozenset({"figure2", "figure3", "figure4", "figure16"})
SINGLE_RUN_FIGURES = frozenset({"figure3", "figure15", "figure16"})
# Snakemake targets -> the figures they draw (`all_figures` draws them all).
FIGURE_TARGETS: dict[str, tuple[str, ...]] = {}
for _name in FIGURE_NAMES:
    if _name in MODEL_FIGURES:
        FIGURE_TARGETS["figures7_11"] = MODEL_FIGURES
    else:
        FIGURE_TARGETS[_name] = (_name,)
FIGURE_DIR = paths.FIGURES_DIR


def figure_spec(config: Mapping[str, Any], name: str) -> dict[str, Any]:
    """`figures.<name>` with the defaults filled in: runs (list), base (a run evaluated at step 0, or None)."""
    if name not in FIGURE_NAMES:
        raise FigureError(f"unknown figure {name!r}; known: {', '.join(FIGURE_NAMES)}")
    spec = dict((config.get("figures") or {}).get(name) or {})
    if not spec.get("runs"):
        raise FigureError(f"invalid config key 'figures.{name}.runs': no runs given")
    spec["runs"] = [str(run) for run in spec["runs"]]
    if name in SINGLE_RUN_FIGURES and len(spec["runs"]) != 1:
        raise FigureError(f"invalid config key 'figures.{name}.runs': {name} is drawn for exactly one run")
    spec.setdefault("base", None)
    return spec


def figure_plan(config: Mapping[str, Any], name: str) -> dict[str, Any]:
    """The inputs of one figure: its metrics files (every evaluated step of each run, the base model's step 0,
    or for Figure 3 only the chosen steps) and the training logs it reads. Every run must be a configured (or
    derived) run: a missing one stops the DAG with a message naming the figure's config key."""
    spec = figure_spec(config, name)
    steps_of: dict[str, list[int]] = {}
    for run in spec["runs"] + ([spec["base"]] if spec["base"] else []):
        try:
            steps_of[run] = oc.evaluated_steps(config, run)
        except oc.ConfigError as error:
            raise FigureError(
                f"invalid config key 'figures.{name}': run {run!r} cannot be drawn ({error}); add it to `runs:` "
                f"or remove it from figures.{name}"
            ) from None

    def files(run: str, steps: Sequence[int]) -> list[str]:
        # a run evaluated by one job per run or per chunk of checkpoints is read from its indexes (all their steps)
        return oc.step_targets(config, run, steps)

    metrics: list[str] = []
    if name == "figure3":
        run = spec["runs"][0]
        for step in spec.get("steps") or []:
            if step == 0 and spec["base"]:
                metrics += files(spec["base"], steps_of[spec["base"]][:1])
            elif step in steps_of[run]:
                metrics += files(run, [step])
            else:
                raise FigureError(
                    f"invalid config key 'figures.figure3.steps': {step} is not an evaluated step of run {run!r} "
                    f"(evaluated: {steps_of[run][:3]}...{steps_of[run][-2:]}; 0 needs figures.figure3.base)"
                )
    else:
        metrics = [path for run, steps in steps_of.items() for path in files(run, steps)]
    logs = [paths.train_log(run) for run in spec["runs"]] if name in LOG_FIGURES else []
    return {"spec": spec, "metrics": list(dict.fromkeys(metrics)), "logs": logs}


def metrics_path(run: str, step: int) -> str:
    return paths.metrics(run, step)


def figure_files(name: str) -> list[str]:
    return paths.figure_files(name)
