"""Figures: the distribution of the example-selection score, and the paper's figures (1-6, 7-11, 12, 15, 16)
drawn from our metrics files and training logs, with the paper's reported values as dashed reference lines.

Drawn with matplotlib's Agg backend (no display needed); written atomically as PNG and PDF. Each file records its
panel titles in its metadata (PNG text chunk `Panels`, JSON; PDF `Subject`), which the tests read back.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from oneshot_rlvr.io import commit

SCORE_TITLES = {
    "std": "historical std of training accuracy",
    "var": "historical variance of training accuracy",
    "mean": "difficulty (minus mean training accuracy)",
    "random": "random score",
    "lim": "LIMR-style learning impact",
}


def score_distribution(
    ranking: pd.DataFrame,
    marks: Sequence[int],
    png: Path,
    pdf: Path | None = None,
    score: str = "std",
    means: Mapping[int, float] | None = None,
    source: str = "",
) -> list[dict[str, float]]:
    """Histogram and rank curve of the scores (and score against mean accuracy when `means` is given), with the
    examples at ranks `marks` marked as pi<rank>. Returns the marked points (rank, index, score)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ranks = ranking["rank"].astype(int).tolist()
    scores = ranking["score"].astype(float).tolist()
    indices = ranking["index"].astype(int).tolist()
    by_rank = {rank: (index, value) for rank, index, value in zip(ranks, indices, scores, strict=True)}
    marked = [
        {"rank": rank, "index": by_rank[rank][0], "score": by_rank[rank][1]}
        for rank in sorted(set(marks))
        if rank in by_rank
    ]

    panels = 3 if means else 2
    fig, axes = plt.subplots(1, panels, figsize=(5.2 * panels, 4.2), constrained_layout=True)
    title = SCORE_TITLES.get(score, score)

    finite = [value for value in scores if math.isfinite(value)]
    hist = axes[0]
    hist.hist(finite, bins=40, color="#9ab", edgecolor="#456")
    for point in marked:
        hist.axvline(point["score"], color="#c33", lw=0.8, alpha=0.7)
    hist.set_xlabel(title)
    hist.set_ylabel("examples")
    hist.set_title(f"score distribution ({len(scores)} examples)")
    if 0 < len(marked) <= 20:
        listing = "\n".join(f"π{p['rank']}: idx {p['index']}, {p['score']:.3f}" for p in marked)
        box = {"facecolor": "white", "alpha": 0.85, "edgecolor": "none"}
        style = {"ha": "right", "va": "top", "fontsize": 6.5, "color": "#c33", "bbox": box}
        hist.text(0.98, 0.97, listing, transform=hist.transAxes, **style)

    curve = axes[1]
    curve.plot(ranks, scores, color="#456", lw=1.2)
    curve.set_xscale("log")
    curve.set_xlabel("rank i (log scale)")
    curve.set_ylabel(title)
    curve.set_title("ranked scores: π_i has the i-th highest")
    for number, group in enumerate(_clusters(marked, lambda p: math.log10(p["rank"]), 0.03)):
        for point in group:
            curve.plot(point["rank"], point["score"], "o", color="#c33", ms=4)
        label = "/".join(f"π{point['rank']}" for point in group)
        right_end = math.log10(group[0]["rank"]) > 0.8 * math.log10(max(ranks[-1], 2))
        curve.annotate(
            label,
            (group[0]["rank"], group[0]["score"]),
            xytext=(-5 if right_end else 5, 8 if number % 2 else -12),
            textcoords="offset points",
            ha="right" if right_end else "left",
            fontsize=7,
            color="#c33",
        )

    if means:
        scatter = axes[2]
        xs = [means.get(index, float("nan")) for index in indices]
        scatter.scatter(xs, scores, s=5, color="#9ab")
        located = [{**point, "x": means.get(point["index"], float("nan"))} for point in marked]
        same_place: dict[tuple[float, float], list[dict]] = {}
        for point in located:
            same_place.setdefault((round(point["x"], 3), round(point["score"], 3)), []).append(point)
        for (x, y), group in same_place.items():
            scatter.plot(x, y, "o", color="#c33", ms=4)
            label = "/".join(f"π{point['rank']}" for point in group)
            scatter.annotate(label, (x, y), xytext=(3, 3), textcoords="offset points", fontsize=7)
        scatter.set_xlabel("mean historical training accuracy")
        scatter.set_ylabel(title)
        scatter.set_title("score against accuracy")

    fig.suptitle(f"Example selection score: {score}" + (f" — history: {source}" if source else ""))
    png = Path(png)
    png.parent.mkdir(parents=True, exist_ok=True)
    _save_atomic(fig, png)
    if pdf is not None:
        _save_atomic(fig, Path(pdf))
    plt.close(fig)
    return marked


def _clusters(points: Sequence[dict], position, gap: float) -> list[list[dict]]:
    """Consecutive points (in the given order) closer than `gap` share one label."""
    groups: list[list[dict]] = []
    for point in points:
        if groups and abs(position(point) - position(groups[-1][-1])) < gap:
            groups[-1].append(point)
        else:
            groups.append([point])
    return groups


def _save_atomic(fig, path: Path, metadata: Mapping[str, str] | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{path.suffix}")
    try:
        fig.savefig(tmp, dpi=150, metadata=dict(metadata) if metadata else None)
        commit(tmp, path)  # fsynced, umask permissions, renamed
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# ==========================================================================================================
# The paper's figures: curves over training steps from metrics.json files and training logs
# ==========================================================================================================

FIGURE_NAMES = (
    "figure1", "figure2", "figure3", "figure4", "figure5", "figure6", "figure7", "figure8", "figure9",
    "figure10", "figure11", "figure12", "figure15", "figure16",
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
FIGURE_DIR = "reports/figures"

# Run-name prefixes of the other models (runs.md) -> the model name of the paper's tables.
MODEL_PREFIXES = {
    "qwen7b_": "Qwen2.5-Math-7B",
    "llama_": "Llama-3.2-3B-Instruct",
    "r1distill_": "DeepSeek-R1-Distill-Qwen-1.5B",
    "qwen15b_": "Qwen2.5-1.5B",
    "instruct_": "Qwen2.5-Math-1.5B-Instruct",
    "ppo_": "Qwen2.5-Math-1.5B",
}
BASE_MODEL_NAME = "Qwen2.5-Math-1.5B"
# Table 5's rows (loss and label ablations on pi1) by run name; row 5 is pi1 itself.
TABLE5_DATASETS = {
    "pi1_abl_none": "pi1[loss=none;label=12.8]",
    "pi1_abl_pg": "pi1[loss=pg;label=12.8]",
    "pi1_abl_pg_wd": "pi1[loss=pg+wd;label=12.8]",
    "pi1_abl_pg_wd_kl": "pi1[loss=pg+wd+kl;label=12.8]",
    "pi1_ent003": "pi1[loss=pg+wd+kl+ent0.003;label=12.8]",
    "pi1_abl_pg_ent": "pi1[loss=pg+ent;label=12.8]",
    "pi1_abl_wd_kl": "pi1[loss=wd+kl;label=12.8]",
    "pi1_abl_wd_kl_ent": "pi1[loss=wd+kl+ent;label=12.8]",
    "pi1_abl_ent": "pi1[loss=ent;label=12.8]",
    "pi1_label_12_7": "pi1[loss=pg+wd+kl+ent;label=12.7]",
    "pi1_label_4": "pi1[loss=pg+wd+kl+ent;label=4]",
    "pi1_label_9292725": "pi1[loss=pg+wd+kl+ent;label=9292725]",
}
# [P Tab. 15]: the pi1 run on MATH500, share of responses with \boxed{} (%) and accuracy (Qwen-Eval) by step.
PAPER_TABLE15 = {
    "step": (0, 20, 60, 500, 1300, 1860),
    "boxed": (59.6, 83.6, 97.4, 96.6, 96.6, 94.2),
    "accuracy": (36.0, 53.8, 69.8, 70.4, 72.2, 74.0),
}
# [P Fig. 3]: what the paper shows at each step (the text panel prints it beside ours).
PAPER_FIGURE3 = {
    0: ("boxed 12.88 (wrong)", 'repeated ".Highlight", no final answer'),
    500: ("correct, 12.8", "outputs only 5 (wrong)"),
    1300: ("longer solutions in different styles", "correct: 3, 5, 7"),
    1860: ("multilingual gibberish mixed with the correct derivation, boxed 12.8", "Rational Root Theorem; correct"),
}
STEP_LABEL = "training step"
ACCURACY_LABEL = "accuracy (%)"
PAPER_LINE_NOTE = "dashed: the paper's reported value"
MINIATURE_NOTE = "\nMINIATURE run (tiny model, few steps and problems; not comparable to the paper)"
# Notes under a figure's title by report.scale; the testbed draws no paper values (its tasks are not the paper's).
SCALE_NOTES = {
    "miniature": MINIATURE_NOTE,
    "testbed": "\nTESTBED: generated arithmetic, a character-level model built by the workflow (docs/testbed.md)",
}


class FigureError(ValueError):
    """A figure cannot be drawn from its inputs; the message names the figure, the config key or the file."""


# ----------------------------------------------------------------------------------------------------------
# Plan: which runs, metrics files and training logs a figure reads (used by the Snakemake rules)
# ----------------------------------------------------------------------------------------------------------


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
    from oneshot_rlvr import config as oc

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
        # a run evaluated by one job per run (evaluation.jobs) is read from its index: all its steps
        if oc.evaluation_jobs(config, run) == "run":
            return [oc.run_index_path(run)]
        return [metrics_path(run, step) for step in steps]

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
    logs = [f"results/runs/{run}/train_log.jsonl" for run in spec["runs"]] if name in LOG_FIGURES else []
    return {"spec": spec, "metrics": list(dict.fromkeys(metrics)), "logs": logs}


def collect_train_log(done_path: Path, checkpoint_dir: Path) -> list[dict[str, Any]]:
    """A finished run's training log (every step once, from its checkpoints), each row tagged with the run; it
    must reach the last step its done file names."""
    from oneshot_rlvr.training import TrainingError, read_train_log

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


def metrics_path(run: str, step: int) -> str:
    from oneshot_rlvr.config import step_metrics_path

    return step_metrics_path(run, step)


def figure_files(name: str) -> list[str]:
    return [f"{FIGURE_DIR}/{name}.png", f"{FIGURE_DIR}/{name}.pdf"]


# ----------------------------------------------------------------------------------------------------------
# Loading and values
# ----------------------------------------------------------------------------------------------------------


def load_curves(metric_files: Sequence[Path]) -> dict[str, list[dict[str, Any]]]:
    """metrics.json files grouped by their `run`, each run's sorted by step; each keeps its path in `_path`."""
    from oneshot_rlvr.reporting import ReportError, load_metrics

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
    from oneshot_rlvr.io import read_jsonl

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


def metric_value(metrics: Mapping[str, Any], key: str) -> float | None:
    """One number of a checkpoint: a benchmark's accuracy (`math500`), the 6-benchmark `avg`, a MATH500 subject
    (`subject:algebra`), a benchmark's \\boxed{} share (`boxed:math500`), accuracy in any format (`any:math500`,
    the qwen_eval grader's verdict) or mean response length (`length:math500`), the mean of such a measure over the
    averaged benchmarks (`boxed:avg`, `any:avg`), or `reflection` (evaluation responses with a reflection word,
    over the math benchmarks)."""
    from oneshot_rlvr.data import MATH_BENCHMARKS
    from oneshot_rlvr.reporting import selection_score, subject_key

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
    field = {"boxed": "boxed_rate", "length": "mean_response_tokens"}.get(kind)
    if field is None:
        raise FigureError(f"unknown metric {key!r}")
    bench = ok(name)
    return None if bench is None else bench.get(field)


def series(points: Sequence[Mapping[str, Any]], key: str) -> tuple[list[int], list[float]]:
    """Steps and values of one metric along a curve, skipping checkpoints where it is missing."""
    steps, values = [], []
    for point in points:
        value = metric_value(point, key)
        if value is not None and math.isfinite(float(value)):
            steps.append(int(point["_step"] if "_step" in point else point["step"]))
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


def paper_value(run: str, metric: str) -> tuple[float, str] | None:
    """The paper's reported value of a run on a metric and the table it is from, or None. Ablation runs use
    Table 5 (best per benchmark); Qwen2.5-Math-1.5B runs Table 9 (best per benchmark), then Table 1 (best
    average); runs of the other models (name prefixes, runs.md) Table 4 (best average)."""
    from oneshot_rlvr.reporting import paper_numbers

    if run in TABLE5_DATASETS:
        value = paper_numbers("table5", BASE_MODEL_NAME).get((TABLE5_DATASETS[run], metric))
        return None if value is None else (value, "Tab. 5")
    for prefix, model in MODEL_PREFIXES.items():
        if run.startswith(prefix):
            dataset = run[len(prefix) :]
            value = paper_numbers("table4", model).get(("base" if dataset == "base" else dataset, metric))
            return None if value is None else (value, "Tab. 4")
    if metric.startswith("subject:"):
        value = paper_numbers("table3", BASE_MODEL_NAME).get((run, metric.split(":", 1)[1]))
        return None if value is None else (value, "Tab. 3")
    for table, title in (("table9", "Tab. 9"), ("table1", "Tab. 1/8"), ("table3", "Tab. 3")):
        value = paper_numbers(table, BASE_MODEL_NAME).get((run, metric))
        if value is not None:
            return value, title
    return None


# ----------------------------------------------------------------------------------------------------------
# Drawing helpers
# ----------------------------------------------------------------------------------------------------------

BENCHMARK_TITLES = {
    "math500": "MATH500",
    "aime24": "AIME24 (avg@n)",
    "amc23": "AMC23 (avg@n)",
    "minerva_math": "Minerva Math",
    "olympiadbench": "OlympiadBench",
    "aime25": "AIME25 (avg@n)",
    "avg": "6-benchmark average",
}
SUBJECT_TITLES = {
    "algebra": "Algebra",
    "counting_and_probability": "Counting & Probability",
    "geometry": "Geometry",
    "intermediate_algebra": "Intermediate Algebra",
    "number_theory": "Number Theory",
    "prealgebra": "Prealgebra",
    "precalculus": "Precalculus",
}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _colors(runs: Sequence[str]) -> dict[str, Any]:
    plt = _pyplot()
    palette = plt.get_cmap("tab10").colors
    return {run: palette[number % len(palette)] for number, run in enumerate(runs)}


def _curve_panel(ax, curves, runs, colors, key, title, ylabel=ACCURACY_LABEL, paper=True) -> int:
    """One panel: each run's curve of `key` vs step, and its paper value as a dashed line; returns lines drawn."""
    drawn = 0
    for run in runs:
        steps, values = series(curves.get(run, []), key)
        if steps:
            ax.plot(steps, values, "-o", color=colors[run], lw=1.4, ms=2.5, label=run)
            drawn += 1
        reference = paper_value(run, key) if paper else None
        if reference is not None:
            ax.axhline(reference[0], color=colors[run], ls="--", lw=0.9, alpha=0.75)
    ax.set_title(title)
    ax.set_xlabel(STEP_LABEL)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    if not drawn:
        ax.text(0.5, 0.5, "no data", transform=ax.transAxes, ha="center", va="center", color="#888")
    return drawn


def _legend(fig, axes, colors, note: str | None = PAPER_LINE_NOTE, loc="lower center", ncol=None) -> None:
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=color, lw=1.6, marker="o", ms=3, label=run) for run, color in colors.items()]
    if note:
        handles.append(Line2D([], [], color="#555", ls="--", lw=0.9, label=note))
    fig.legend(handles=handles, loc=loc, ncol=ncol or min(len(handles), 5), fontsize=8, frameon=False)


def _title(fig, text: str, scale: str) -> None:
    # parse_math=False: problem texts carry unbalanced or unsupported TeX that mathtext would reject.
    fig.suptitle(text + SCALE_NOTES.get(scale, ""), fontsize=11, parse_math=False)


def panel_title(key: str, curves: Mapping[str, Sequence[Mapping[str, Any]]]) -> str:
    """A panel's title for a metric key (`metric_value`), naming the averaged benchmarks of the drawn checkpoints
    when they are not the paper's six."""
    from oneshot_rlvr.data import MATH_BENCHMARKS

    names = next((tuple(p.get("average_of") or ()) for points in curves.values() for p in points), ()) or None
    kind, _, name = key.rpartition(":")
    if name == "avg" and names and names != MATH_BENCHMARKS:
        what = {"": "accuracy as graded", "any": "accuracy in any format (skill)", "boxed": "responses with \\boxed{}"}
        return f"{what.get(kind, kind)}\nmean of {', '.join(names)}"
    if key == "avg":
        return "average of 6 math benchmarks"
    what = {"any": "accuracy in any format", "boxed": "\\boxed{} share", "length": "response length"}
    return f"{BENCHMARK_TITLES.get(name, name)}" + (f" ({what.get(kind, kind)})" if kind else "")


def _finish(fig, name: str, png: Path, pdf: Path | None) -> list[str]:
    """Save PNG and PDF atomically with the panel titles in their metadata; return the titles."""
    plt = _pyplot()
    titles = [ax.get_title() or ax.get_title(loc="left") for ax in fig.axes]
    panels = [title for title in titles if title]
    title = fig._suptitle.get_text() if fig._suptitle is not None else name
    _save_atomic(fig, Path(png), {"Title": title, "Panels": json.dumps(panels), "Figure": name})
    if pdf is not None:
        _save_atomic(fig, Path(pdf), {"Title": title, "Subject": " | ".join(panels)})
    plt.close(fig)
    return panels


def _grid(panels: int, columns: int, width: float = 4.2, height: float = 3.3, legend_room: float = 0.9):
    plt = _pyplot()
    rows = math.ceil(panels / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(width * columns, height * rows + legend_room), squeeze=False)
    flat = list(axes.flat)
    for ax in flat[panels:]:
        ax.set_visible(False)
        fig.delaxes(ax)
    return fig, flat[:panels]


def _layout(fig, legend_room: float = 0.9) -> None:
    """Tight layout with room for the legend below and the (one- or two-line) title above."""
    from matplotlib.ticker import MaxNLocator

    for ax in fig.axes:
        if ax.get_xlabel() == STEP_LABEL:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    height = fig.get_size_inches()[1]
    fig.tight_layout(rect=(0, legend_room / height, 1, 1 - 0.75 / height))


# ----------------------------------------------------------------------------------------------------------
# The figures
# ----------------------------------------------------------------------------------------------------------


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


def figure1(inputs: FigureInputs, png: Path, pdf: Path | None = None) -> list[str]:
    """MATH500 and the 6-benchmark average vs step (base model, 1-shot, full-set and format-reward runs), or the
    panels of `figures.figure1.panels` (metric keys of `metric_value`)."""
    plt = _pyplot()
    runs, curves, colors = inputs.runs, inputs.run_curves(), _colors(inputs.runs)
    keys = list(inputs.spec.get("panels") or ("math500", "avg"))
    fig, axes = plt.subplots(1, len(keys), figsize=(5.5 * len(keys), 4.6), squeeze=False)
    for ax, key in zip(axes[0], keys, strict=True):
        title = "MATH500" if key == "math500" else panel_title(key, curves)
        _curve_panel(ax, curves, runs, colors, key, title, paper=inputs.paper_lines)
    _title(fig, "Figure 1: 1-shot RLVR vs full-set RLVR (test accuracy over training)", inputs.scale)
    _legend(fig, axes, colors, note=PAPER_LINE_NOTE if inputs.paper_lines else None, ncol=4)
    _layout(fig, 1.0)
    return _finish(fig, inputs.name, png, pdf)


def figure2(inputs: FigureInputs, png: Path, pdf: Path | None = None) -> list[str]:
    """Post-saturation generalization: per run, training accuracy (from the training log) and test curves."""
    plt = _pyplot()
    runs = inputs.runs
    fig, axes = plt.subplots(1, len(runs), figsize=(4.8 * len(runs), 4.4), squeeze=False)
    # The test curves: MATH500 and the 6-benchmark average, or `figures.figure2.panels` (metric keys).
    keys = list(inputs.spec.get("panels") or ("math500", "avg"))
    labels = {"math500": "MATH500", "avg": "6-benchmark average"}
    if inputs.spec.get("panels"):
        labels = {key: panel_title(key, inputs.curves) for key in keys}
    palette = ("#1f77b4", "#2ca02c", "#9467bd", "#8c564b")
    lines = {"training accuracy": "#d62728", **{labels[key]: palette[n % 4] for n, key in enumerate(keys)}}
    for ax, run in zip(axes[0], runs, strict=True):
        steps, values = log_series(inputs.log(run), "accuracy", 100.0)
        ax.plot(steps, values, color=lines["training accuracy"], lw=1.0, alpha=0.85)
        for key in keys:
            label = labels[key]
            curve = inputs.curve(run)
            test_steps, test_values = series(curve, key)
            ax.plot(test_steps, test_values, "-o", color=lines[label], lw=1.4, ms=2.5)
            reference = paper_value(run, key) if inputs.paper_lines else None
            if reference is not None:
                ax.axhline(reference[0], color=lines[label], ls="--", lw=0.9, alpha=0.75)
        ax.set_title(f"{run}: training vs test accuracy")
        ax.set_xlabel(STEP_LABEL)
        ax.set_ylabel(ACCURACY_LABEL)
        ax.set_ylim(-2, 102)
        ax.grid(alpha=0.3)
    claim = "training accuracy saturates while test accuracy keeps improving"
    question = "does test accuracy keep improving after training accuracy saturates?"
    _title(fig, f"Figure 2: {claim if inputs.paper_lines else question}", inputs.scale)
    _legend(fig, axes, lines, note=PAPER_LINE_NOTE if inputs.paper_lines else None, ncol=4)
    _layout(fig, 0.9)
    return _finish(fig, inputs.name, png, pdf)


def figure4(inputs: FigureInputs, png: Path, pdf: Path | None = None) -> list[str]:
    """Training response length and entropy per step (training log), and evaluation responses with reflection
    words per checkpoint."""
    plt = _pyplot()
    runs, colors = inputs.runs, _colors(inputs.runs)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    panels = (
        ("trl.completions/mean_length", "training response length", "mean response length (tokens)"),
        ("trl.entropy", "entropy of the policy on training rollouts", "mean token entropy (nats)"),
    )
    for ax, (key, title, ylabel) in zip(axes[:2], panels, strict=True):
        drawn = 0
        for run in runs:
            steps, values = log_series(inputs.log(run), key)
            if steps:
                ax.plot(steps, values, color=colors[run], lw=1.1, label=run)
                drawn += 1
        ax.set_title(title)
        ax.set_xlabel(STEP_LABEL)
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        if not drawn:
            ax.text(0.5, 0.5, "not logged", transform=ax.transAxes, ha="center", color="#888")
    _curve_panel(
        axes[2],
        inputs.run_curves(),
        runs,
        colors,
        "reflection",
        "evaluation responses with reflection words",
        "responses with rethink/recheck/recalculate (count)",
        paper=False,
    )
    _title(fig, "Figure 4: response length, entropy and self-reflection over training", inputs.scale)
    _legend(fig, axes, colors, note=None)
    _layout(fig, 0.8)
    return _finish(fig, inputs.name, png, pdf)


def _benchmark_grid(inputs: FigureInputs, keys: Sequence[str], titles: Mapping[str, str], title: str, columns: int):
    fig, axes = _grid(len(keys), columns)
    curves, colors = inputs.run_curves(), _colors(inputs.runs)
    for ax, key in zip(axes, keys, strict=True):
        _curve_panel(ax, curves, inputs.runs, colors, key, titles[key], paper=inputs.paper_lines)
    _title(fig, title, inputs.scale)
    _legend(fig, axes, colors, note=PAPER_LINE_NOTE if inputs.paper_lines else None, ncol=min(len(colors) + 1, 6))
    _layout(fig, 0.9 if len(colors) < 6 else 1.3)
    return fig


def figure5(inputs: FigureInputs, png: Path, pdf: Path | None = None) -> list[str]:
    """Exploration: no entropy loss vs entropy loss vs entropy loss with rollout temperature 1.0."""
    keys = ("math500", "avg")
    fig = _benchmark_grid(
        inputs, keys, BENCHMARK_TITLES, "Figure 5: entropy loss and rollout temperature (t) after saturation", 2
    )
    return _finish(fig, inputs.name, png, pdf)


def figure6(inputs: FigureInputs, png: Path, pdf: Path | None = None) -> list[str]:
    """MATH500 accuracy by subject vs step (dashed: the paper's Table 3 value at its best-MATH500 step)."""
    from oneshot_rlvr.data import MATH_SUBJECT_CONFIGS

    keys = [f"subject:{subject}" for subject in MATH_SUBJECT_CONFIGS] + ["math500"]
    titles = {f"subject:{s}": f"MATH500 {title}" for s, title in SUBJECT_TITLES.items()} | {"math500": "MATH500 (all)"}
    fig = _benchmark_grid(inputs, keys, titles, "Figure 6: MATH500 accuracy by subject over 1-shot RLVR", 4)
    return _finish(fig, inputs.name, png, pdf)


def model_curves(inputs: FigureInputs, png: Path, pdf: Path | None = None) -> list[str]:
    """Figures 7-11: every math benchmark and the average vs step, for the runs of one model."""
    from oneshot_rlvr.data import MATH_BENCHMARKS

    number = inputs.name.removeprefix("figure")
    model = inputs.spec.get("model") or inputs.name
    keys = [*MATH_BENCHMARKS, "avg"]
    fig = _benchmark_grid(inputs, keys, BENCHMARK_TITLES, f"Figure {number}: test curves per benchmark, {model}", 4)
    return _finish(fig, inputs.name, png, pdf)


def figure12(inputs: FigureInputs, png: Path, pdf: Path | None = None) -> list[str]:
    """Loss ablations (Table 5's runs): MATH500, AIME24 and the average vs step."""
    keys = ("math500", "aime24", "avg")
    fig = _benchmark_grid(inputs, keys, BENCHMARK_TITLES, "Figure 12: loss-term ablations of 1-shot RLVR (pi1)", 3)
    return _finish(fig, inputs.name, png, pdf)


def figure15(inputs: FigureInputs, png: Path, pdf: Path | None = None) -> list[str]:
    """\\boxed{} share and accuracy over the run's training, per benchmark, and accuracy against \\boxed{} share
    on MATH500 with the paper's Table 15 points."""
    from oneshot_rlvr.data import MATH_BENCHMARKS

    plt = _pyplot()
    run = inputs.runs[0]
    curve = inputs.curve(run)
    colors = _colors(MATH_BENCHMARKS)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6))
    for name in MATH_BENCHMARKS:
        label = BENCHMARK_TITLES[name]
        steps, boxed = series(curve, f"boxed:{name}")
        axes[0].plot(steps, boxed, "-o", color=colors[name], ms=2.5, lw=1.2, label=label)
        steps, accuracy = series(curve, name)
        axes[1].plot(steps, accuracy, "-o", color=colors[name], ms=2.5, lw=1.2, label=label)
    # The paper's Table 15 over time, within our step range (a miniature's few steps are not squeezed).
    last = max([int(point.get("_step", point["step"])) for point in curve], default=0)
    shown = [i for i, step in enumerate(PAPER_TABLE15["step"]) if step <= max(last, 0)]
    for ax, key in ((axes[0], "boxed"), (axes[1], "accuracy")):
        xs = [PAPER_TABLE15["step"][i] for i in shown]
        ax.plot(xs, [PAPER_TABLE15[key][i] for i in shown], "--s", color=colors["math500"], ms=3, lw=0.9)
    axes[0].set_title(f"{run}: responses with \\boxed{{}}")
    axes[0].set_ylabel("responses with \\boxed{} (%)")
    axes[1].set_title(f"{run}: test accuracy")
    axes[1].set_ylabel(ACCURACY_LABEL)
    boxed_points = {point["step"]: metric_value(point, "boxed:math500") for point in curve}
    xs, ys, cs = [], [], []
    for point in curve:
        accuracy, boxed = metric_value(point, "math500"), boxed_points.get(point["step"])
        if accuracy is not None and boxed is not None:
            xs.append(boxed)
            ys.append(accuracy)
            cs.append(int(point.get("_step", point["step"])))
    scatter = axes[2].scatter(xs, ys, c=cs, cmap="viridis", s=18, label="ours")
    if xs:
        fig.colorbar(scatter, ax=axes[2], label=STEP_LABEL)
    axes[2].plot(PAPER_TABLE15["boxed"], PAPER_TABLE15["accuracy"], "--s", color="#555", ms=3, lw=0.9)
    axes[2].set_title("MATH500: accuracy against \\boxed{} share")
    axes[2].set_xlabel("responses with \\boxed{} (%)")
    axes[2].set_ylabel(ACCURACY_LABEL)
    for ax in axes[:2]:
        ax.set_xlabel(STEP_LABEL)
    for ax in axes:
        ax.grid(alpha=0.3)
    _title(fig, "Figure 15: \\boxed{} share vs accuracy over 1-shot RLVR", inputs.scale)
    _legend(fig, axes, {BENCHMARK_TITLES[n]: colors[n] for n in MATH_BENCHMARKS}, "dashed: paper (Tab. 15, MATH500)")
    _layout(fig, 0.8)
    return _finish(fig, inputs.name, png, pdf)


def figure16(inputs: FigureInputs, png: Path, pdf: Path | None = None) -> list[str]:
    """The size of the policy-gradient loss per step (|PG loss|, token mean per micro-batch, averaged over the
    step's micro-batches), beside the step's training accuracy."""
    plt = _pyplot()
    run = inputs.runs[0]
    rows = inputs.log(run)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4))
    steps, values = log_series(rows, "trl.policy_loss_abs")
    if steps:
        axes[0].plot(steps, values, color="#1f77b4", lw=1.0)
    else:
        axes[0].text(0.5, 0.5, "not logged (objective: trl)", transform=axes[0].transAxes, ha="center")
    axes[0].set_title(f"{run}: policy-gradient loss norm")
    axes[0].set_ylabel("|PG loss| (token mean, per step)")
    steps, accuracy = log_series(rows, "accuracy", 100.0)
    axes[1].plot(steps, accuracy, color="#d62728", lw=1.0)
    axes[1].set_title(f"{run}: training accuracy")
    axes[1].set_ylabel("training accuracy (% of rollouts)")
    axes[1].set_ylim(-2, 102)
    for ax in axes:
        ax.set_xlabel(STEP_LABEL)
        ax.grid(alpha=0.3)
    _title(fig, "Figure 16: policy-gradient loss stays non-zero after training accuracy saturates", inputs.scale)
    _layout(fig, 0.2)
    return _finish(fig, inputs.name, png, pdf)


# ----------------------------------------------------------------------------------------------------------
# Figure 3: a text panel of sampled responses
# ----------------------------------------------------------------------------------------------------------


def shorten(text: str, width: int = 78, head: int = 9, tail: int = 6) -> str:
    """A response as wrapped lines, keeping its beginning and its end (where the final answer is)."""
    import textwrap

    clean = "".join(ch if ch.isprintable() or ch == "\n" else " " for ch in str(text).replace("\t", "  "))
    lines = [piece for paragraph in clean.splitlines() for piece in (textwrap.wrap(paragraph, width) or [""])] or [
        "(empty response)"
    ]
    while lines and not lines[-1].strip():
        lines.pop()
    if len(lines) > head + tail + 1:
        skipped = len(lines) - head - tail
        lines = [*lines[:head], f"[... {skipped} more lines ...]", *lines[-tail:]]
    return "\n".join(lines)


def evaluation_response(metrics: Mapping[str, Any], benchmark: str, problem_id: str) -> dict[str, Any] | None:
    """The first sample of one problem in a checkpoint's graded responses (next to its metrics.json)."""
    from oneshot_rlvr.io import read_jsonl

    bench = metrics.get("benchmarks", {}).get(benchmark) or {}
    if bench.get("status") != "ok":
        return None
    path = Path(metrics["_path"]).parent / bench.get("responses_file", f"{benchmark}.jsonl")
    if not path.exists():
        raise FigureError(f"responses file {path} (named by {metrics['_path']}) does not exist")
    for row in read_jsonl(path):
        if str(row.get("id")) == problem_id and int(row.get("sample", 0)) == 0:
            return row
    return None


def training_sample(rows: Sequence[Mapping[str, Any]], step: int) -> tuple[int, dict[str, Any]] | None:
    """The first logged rollout of the training step (step 0: the first step's rollouts, sampled by the initial
    policy), or of the nearest logged step after it."""
    for row in rows:
        if int(row["step"]) >= max(step, 1) and row.get("samples"):
            return int(row["step"]), row["samples"][0]
    return None


def figure3(inputs: FigureInputs, png: Path, pdf: Path | None = None) -> list[str]:
    """At chosen steps: a training rollout on the run's example and the response to one MATH500 problem."""
    import warnings

    plt = _pyplot()
    spec, run = inputs.spec, inputs.runs[0]
    benchmark = spec.get("benchmark", "math500")
    problem_id = str(spec.get("problem_id", ""))
    steps = [int(step) for step in spec.get("steps") or []]
    if not steps:
        raise FigureError("invalid config key 'figures.figure3.steps': no steps given")
    by_step = {int(point.get("_step", point["step"])): point for point in inputs.curve(run)}
    if spec.get("base") and inputs.curves.get(spec["base"]):
        by_step[0] = inputs.curves[spec["base"]][-1]
    question = _problem_text(inputs.data_dir, benchmark, problem_id)
    rows = inputs.log(run)
    fig, axes = plt.subplots(len(steps), 2, figsize=(15, 2.9 * len(steps) + 1.2), squeeze=False)
    for (left, right), step in zip(axes, steps, strict=True):
        sample = training_sample(rows, step)
        if sample is None:
            header, body = f"step {step}: training rollout ({run})", "(no rollout logged at or after this step)"
        else:
            logged_step, rollout = sample
            verdict = "correct" if rollout.get("correct") else "wrong"
            header = (
                f"step {step}: training rollout ({run}, logged step {logged_step}, "
                f"label {rollout.get('label')}: {verdict})"
            )
            body = shorten(rollout.get("completion", ""))
        _text_cell(left, header, body, PAPER_FIGURE3.get(step, (None, None))[0])
        point = by_step.get(step)
        response = evaluation_response(point, benchmark, problem_id) if point is not None else None
        if response is None:
            header = f"step {step}: {benchmark} {problem_id}"
            body = "(no evaluated response: checkpoint not evaluated, or the problem is beyond the benchmark limit)"
        else:
            verdict = "correct" if response.get("correct") else "wrong"
            header = f"step {step}: {benchmark} response (extracted {response.get('extracted')!s}: {verdict})"
            body = shorten(response.get("response", ""))
        _text_cell(right, header, body, PAPER_FIGURE3.get(step, (None, None))[1])
    subtitle = f"Figure 3: responses of {run} over training; test problem: {question or problem_id}"
    _title(fig, subtitle[:160], inputs.scale)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.8 / fig.get_size_inches()[1]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # glyphs the font lacks (multilingual responses) are drawn as boxes
        return _finish(fig, inputs.name, png, pdf)


def _text_cell(ax, header: str, body: str, paper: str | None) -> None:
    ax.set_axis_off()
    ax.set_title(header, loc="left", fontsize=8, fontweight="bold", parse_math=False)
    ax.text(0.0, 1.0, body, va="top", ha="left", family="monospace", fontsize=6.2, transform=ax.transAxes,
            parse_math=False)  # fmt: skip
    if paper:
        ax.text(1.0, 1.0, f"paper: {paper}", va="bottom", ha="right", fontsize=6.5, color="#555",
                transform=ax.transAxes, parse_math=False, style="italic")  # fmt: skip


def _problem_text(data_dir: Path | None, benchmark: str, problem_id: str) -> str | None:
    if data_dir is None:
        return None
    from oneshot_rlvr import data

    for problem in data.load_benchmark(benchmark, Path(data_dir)):
        if str(problem["id"]) == problem_id:
            return f"{problem['question']} (answer {problem['answer']})"
    raise FigureError(f"invalid config key 'figures.figure3.problem_id': {problem_id!r} is not a {benchmark} problem")


DRAWERS = {
    "figure1": figure1,
    "figure2": figure2,
    "figure3": figure3,
    "figure4": figure4,
    "figure5": figure5,
    "figure6": figure6,
    **{name: model_curves for name in MODEL_FIGURES},
    "figure12": figure12,
    "figure15": figure15,
    "figure16": figure16,
}


def draw(inputs: FigureInputs, png: Path, pdf: Path | None = None) -> list[str]:
    """Draw one of the paper's figures; returns its panel titles."""
    if inputs.name not in DRAWERS:
        raise FigureError(f"unknown figure {inputs.name!r}; known: {', '.join(DRAWERS)}")
    missing = [run for run in inputs.runs if not inputs.curves.get(run)]
    if missing and inputs.name not in ("figure3", "figure16"):  # these two may lack some (or all) checkpoints
        raise FigureError(f"{inputs.name}: no metrics files of run(s) {missing} were given")
    return DRAWERS[inputs.name](inputs, Path(png), Path(pdf) if pdf else None)
