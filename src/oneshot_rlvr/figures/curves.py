"""The test-curve figures: accuracy over training steps per run (Figures 1, 5, 6, 7-11) and the loss ablations as
small multiples (Figure 12), each with the paper's reported values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from oneshot_rlvr.data import MATH_BENCHMARKS, MATH_SUBJECT_CONFIGS
from oneshot_rlvr.figures.paper import EXPLORATION_LABELS, LOSS_LABELS, paper_value
from oneshot_rlvr.figures.style import (
    ACCURACY_LABEL,
    BENCHMARK_TITLES,
    PAPER_LINE_NOTE,
    SUBJECT_TITLES,
    RunStyle,
    finish,
    fit_range,
    grid,
    legend_below,
    mark_references,
    new_figure,
    no_data,
    run_styles,
    set_title,
    step_axis,
    style_entries,
)
from oneshot_rlvr.figures.values import FigureInputs, series


def curve_panel(ax, curves: Mapping[str, Sequence[Mapping[str, Any]]], styles: Mapping[str, RunStyle], key: str,
                title: str, ylabel: str = ACCURACY_LABEL, paper: bool = True,
                tables: tuple[int, ...] | None = None, ceiling: float | None = 100.0) -> int:  # fmt: skip
    """One panel: each run's curve of `key` vs step (labelled as the paper does) and its paper value, dashed in
    the run's colour; the y-range is our data's (`fit_range`; `ceiling`: the largest possible value, None for
    counts). Returns the number of curves drawn."""
    drawn, values, references = 0, [], []
    for run, style in styles.items():
        steps, ys = series(curves.get(run, []), key)
        if steps:
            ax.plot(steps, ys, "-", marker=style.marker, color=style.color, lw=1.5, ms=3.5, label=style.label)
            drawn += 1
            values += ys
        reference = paper_value(run, key, tables) if paper else None
        if reference is not None:
            references.append((reference[0], style.color))
    ceiling = max(values + [1.0]) * 1.1 if ceiling is None else ceiling
    fit_range(ax, values, [value for value, _ in references], ceiling=ceiling)
    mark_references(ax, references)
    ax.set_title(title)
    step_axis(ax, ylabel)
    if not drawn:
        no_data(ax)
    return drawn


def panel_title(key: str, curves: Mapping[str, Sequence[Mapping[str, Any]]]) -> str:
    """A panel's title for a metric key (`metric_value`), naming the averaged benchmarks of the drawn checkpoints
    when they are not the paper's six."""
    names = next((tuple(p.get("average_of") or ()) for points in curves.values() for p in points), ()) or None
    kind, _, name = key.rpartition(":")
    if name == "avg" and names and names != MATH_BENCHMARKS:
        what = {"": "accuracy as graded", "any": "accuracy in any format (skill)", "boxed": "responses with \\boxed{}"}
        return f"{what.get(kind, kind)}\nmean of {', '.join(names)}"
    if key == "avg":
        return "average of 6 math benchmarks"
    what = {"any": "accuracy in any format", "boxed": "\\boxed{} share", "length": "response length"}
    return f"{BENCHMARK_TITLES.get(name, name)}" + (f" ({what.get(kind, kind)})" if kind else "")


def paper_note(inputs: FigureInputs) -> str | None:
    return PAPER_LINE_NOTE + " (arrow: off the panel)" if inputs.paper_lines else None


def benchmark_grid(inputs: FigureInputs, keys: Sequence[str], titles: Mapping[str, str], title: str, columns: int,
                   labels: Mapping[str, str] | None = None):  # fmt: skip
    """One panel per metric key, every run in each; one legend below."""
    fig, axes = grid(len(keys), min(columns, len(keys)))
    curves, styles = inputs.run_curves(), run_styles(inputs.runs, labels)
    for ax, key in zip(axes, keys, strict=True):
        ylabel = "responses with \\boxed{} (%)" if key.startswith("boxed:") else ACCURACY_LABEL
        curve_panel(ax, curves, styles, key, titles[key], ylabel, paper=inputs.paper_lines)
    set_title(fig, title, inputs.scale)
    legend_below(fig, style_entries(styles), paper_note(inputs), columns=4)
    return fig


def figure1(inputs: FigureInputs, png: Path, pdf: Path | None = None) -> list[str]:
    """MATH500 and the 6-benchmark average vs step (base model, 1-shot, full-set and format-reward runs), or the
    panels of `figures.figure1.panels` (metric keys of `metric_value`)."""
    keys = list(inputs.spec.get("panels") or ("math500", "avg"))
    titles = {key: "MATH500" if key == "math500" else panel_title(key, inputs.run_curves()) for key in keys}
    fig = benchmark_grid(inputs, keys, titles, "Figure 1: 1-shot vs full-set RLVR, test accuracy over training", 3)
    return finish(fig, inputs.name, png, pdf)


def figure5(inputs: FigureInputs, png: Path, pdf: Path | None = None) -> list[str]:
    """Exploration: no entropy loss vs entropy loss vs entropy loss with rollout temperature 1.0."""
    fig = benchmark_grid(
        inputs, ("math500", "avg"), BENCHMARK_TITLES, "Figure 5: entropy loss (Ent) and rollout temperature (t), π1",
        2, EXPLORATION_LABELS,
    )  # fmt: skip
    return finish(fig, inputs.name, png, pdf)


def figure6(inputs: FigureInputs, png: Path, pdf: Path | None = None) -> list[str]:
    """MATH500 accuracy by subject vs step (dashed: the paper's Table 3 value at its best-MATH500 step)."""
    keys = [f"subject:{subject}" for subject in MATH_SUBJECT_CONFIGS] + ["math500"]
    titles = {f"subject:{s}": f"MATH500 {title}" for s, title in SUBJECT_TITLES.items()} | {"math500": "MATH500 (all)"}
    fig = benchmark_grid(inputs, keys, titles, "Figure 6: MATH500 accuracy by subject over 1-shot RLVR", 4)
    return finish(fig, inputs.name, png, pdf)


def model_curves(inputs: FigureInputs, png: Path, pdf: Path | None = None) -> list[str]:
    """Figures 7-11: every math benchmark and the average vs step, for the runs of one model (paper values:
    Table 4, or Table 10 for the models only it reports)."""
    number = inputs.name.removeprefix("figure")
    model = inputs.spec.get("model") or inputs.name
    keys = [*MATH_BENCHMARKS, "avg"]
    fig = benchmark_grid(inputs, keys, BENCHMARK_TITLES, f"Figure {number}: test curves per benchmark, {model}", 4)
    return finish(fig, inputs.name, png, pdf)


# Figure 12's metrics, each in its own colour (every panel is one run).
ABLATION_METRICS = {"math500": "#1f5fa8", "aime24": "#c0392b", "avg": "#333333"}


def figure12(inputs: FigureInputs, png: Path, pdf: Path | None = None) -> list[str]:
    """Loss ablations (Table 5's runs) as small multiples: one panel per run with MATH500, AIME24 and the average
    vs step, all panels on one y-range; dashed: Table 5's best MATH500 and AIME24."""
    runs = inputs.runs
    columns = min(len(runs), 5)
    fig, axes = new_figure(-(-len(runs) // columns), columns, 3.4, 2.9, sharey=True)
    flat = list(axes.flat)
    for ax in flat[len(runs) :]:
        fig.delaxes(ax)
    values, references = [], []
    for ax, run in zip(flat, runs, strict=False):
        curve, drawn = inputs.curve(run), 0
        for key, color in ABLATION_METRICS.items():
            steps, ys = series(curve, key)
            if steps:
                ax.plot(steps, ys, "-o", color=color, lw=1.4, ms=3)
                values += ys
                drawn += 1
            reference = paper_value(run, key, (5,)) if inputs.paper_lines else None
            if reference is not None:
                references.append((ax, reference[0], color))
        ax.set_title(LOSS_LABELS.get(run, run))
        step_axis(ax)
        if not ax.get_subplotspec().is_first_col():
            ax.set_ylabel("")
        if not drawn:
            no_data(ax)
    fit_range(flat[0], values, [value for _, value, _ in references])
    for ax in flat[: len(runs)]:
        mark_references(ax, [(value, color) for owner, value, color in references if owner is ax])
    entries = {BENCHMARK_TITLES[key]: {"color": color, "marker": "o"} for key, color in ABLATION_METRICS.items()}
    set_title(fig, "Figure 12: loss-term ablations of 1-shot RLVR with π1 (PG, WD weight decay, KL, Ent)", inputs.scale)
    legend_below(fig, entries, paper_note(inputs) and "dashed: Table 5 (best MATH500, best AIME24)")
    return finish(fig, inputs.name, png, pdf)
