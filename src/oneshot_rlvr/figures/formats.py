"""The format analyses: outcome vs format reward for the full set (Figure 13) and for π1 (Figure 14), accuracy and
\\boxed{} share over training with Table 14's values; and \\boxed{} share against accuracy over 1-shot RLVR
(Figure 15) with Table 15's points."""

from __future__ import annotations

from pathlib import Path

from oneshot_rlvr.data import MATH_BENCHMARKS
from oneshot_rlvr.figures.curves import curve_panel, paper_note
from oneshot_rlvr.figures.paper import REWARD_LABELS, paper_series
from oneshot_rlvr.figures.style import (
    ACCURACY_LABEL,
    BENCHMARK_TITLES,
    finish,
    fit_range,
    grid,
    legend_below,
    mark_references,
    new_figure,
    run_label,
    run_styles,
    set_title,
    step_axis,
    style_entries,
)
from oneshot_rlvr.figures.values import FigureInputs, metric_value, point_step, series

BOXED_LABEL = "responses with \\boxed{} (%)"
# Figures 13 and 14: accuracy and \boxed{} share, on MATH500 and averaged over the six math benchmarks.
FORMAT_PANELS = {
    "math500": ("MATH500 accuracy", ACCURACY_LABEL),
    "avg": ("6-benchmark average accuracy", ACCURACY_LABEL),
    "boxed:math500": ("MATH500: responses with \\boxed{}", BOXED_LABEL),
    "boxed:avg": ("6-benchmark average: responses with \\boxed{}", BOXED_LABEL),
}
BENCHMARK_COLORS = ("#1f5fa8", "#c0392b", "#27ae60", "#8e44ad", "#d68910", "#6d4c41")


def format_figure(inputs: FigureInputs, png: Path, pdf: Path | None, title: str) -> list[str]:
    """Outcome vs format reward (with and without the entropy loss): accuracy and \\boxed{} share over training;
    dashed: Table 14 (best-average checkpoint; its bracketed \\boxed{} shares)."""
    fig, axes = grid(len(FORMAT_PANELS), 2, 5.2, 3.4)
    curves = inputs.run_curves()
    styles = run_styles(inputs.runs, REWARD_LABELS)
    for ax, (key, (panel, ylabel)) in zip(axes, FORMAT_PANELS.items(), strict=True):
        curve_panel(ax, curves, styles, key, panel, ylabel, paper=inputs.paper_lines, tables=(14,))
    set_title(fig, title, inputs.scale)
    legend_below(fig, style_entries(styles), paper_note(inputs) and "dashed: Table 14 (best-average checkpoint)", 3)
    return finish(fig, inputs.name, png, pdf)


def figure13(inputs: FigureInputs, png: Path, pdf: Path | None = None) -> list[str]:
    return format_figure(inputs, png, pdf, "Figure 13: outcome vs format reward, full-set RLVR (DSR-sub)")


def figure14(inputs: FigureInputs, png: Path, pdf: Path | None = None) -> list[str]:
    return format_figure(inputs, png, pdf, "Figure 14: outcome vs format reward, 1-shot RLVR (π1)")


def figure15(inputs: FigureInputs, png: Path, pdf: Path | None = None) -> list[str]:
    """\\boxed{} share and accuracy over the run's training, per benchmark, and accuracy against \\boxed{} share
    on MATH500 with the paper's Table 15 points, each labelled with its step."""
    run = inputs.runs[0]
    curve = inputs.curve(run)
    colors = dict(zip(MATH_BENCHMARKS, BENCHMARK_COLORS, strict=True))
    fig, axes = new_figure(1, 3, 4.8, 3.8)
    boxed_ax, accuracy_ax, scatter_ax = axes[0]
    last = max([point_step(point) for point in curve], default=0)
    paper_steps = paper_series("boxed")[0]
    # The paper's Table 15 over time, within our step range (a miniature's few steps are not squeezed); none in the
    # testbed, whose tasks are not the paper's.
    shown = [i for i, step in enumerate(paper_steps) if step <= max(last, 0) and inputs.paper_lines]
    for ax, prefix, paper_key, ylabel in ((boxed_ax, "boxed:", "boxed", BOXED_LABEL),
                                          (accuracy_ax, "", "accuracy", ACCURACY_LABEL)):  # fmt: skip
        values = []
        for name in MATH_BENCHMARKS:
            steps, ys = series(curve, f"{prefix}{name}")
            ax.plot(steps, ys, "-o", color=colors[name], ms=3, lw=1.3)
            values += ys
        xs = [paper_series(paper_key)[0][i] for i in shown]
        ys = [paper_series(paper_key)[1][i] for i in shown]
        fit_range(ax, values, ys)
        low, high = ax.get_ylim()
        ax.plot(xs, ys, "--s", color=colors["math500"], ms=4, lw=1.0)
        mark_references(ax, [(y, colors["math500"]) for y in ys if not low <= y <= high])
        step_axis(ax, ylabel)
    boxed_ax.set_title(f"{run_label(run)}: responses with \\boxed{{}}")
    accuracy_ax.set_title(f"{run_label(run)}: test accuracy")
    xs, ys, cs = [], [], []
    for point in curve:
        accuracy, boxed = metric_value(point, "math500"), metric_value(point, "boxed:math500")
        if accuracy is not None and boxed is not None:
            xs.append(boxed)
            ys.append(accuracy)
            cs.append(point_step(point))
    scatter = scatter_ax.scatter(xs, ys, c=cs, cmap="viridis", s=24, zorder=3)
    if xs:
        from matplotlib.ticker import MaxNLocator

        fig.colorbar(scatter, ax=scatter_ax, label="our training step", ticks=MaxNLocator(integer=True))
    if inputs.paper_lines:
        paper_boxed, paper_accuracy = paper_series("boxed")[1], paper_series("accuracy")[1]
        scatter_ax.plot(paper_boxed, paper_accuracy, "--s", color="#555", ms=4, lw=1.0)
        label_points(scatter_ax, [(f"paper, step {step}", x, y) for step, x, y in
                                  zip(paper_steps, paper_boxed, paper_accuracy, strict=True)])  # fmt: skip
    scatter_ax.set_xlim(-2, 102)
    scatter_ax.set_ylim(-2, 102)
    scatter_ax.set_title("MATH500: accuracy against \\boxed{} share")
    scatter_ax.set_xlabel(BOXED_LABEL)
    scatter_ax.set_ylabel(ACCURACY_LABEL)
    scatter_ax.grid(alpha=0.3)
    set_title(fig, f"Figure 15: \\boxed{{}} share and accuracy over 1-shot RLVR, {run_label(run)}", inputs.scale)
    entries = {BENCHMARK_TITLES[name]: {"color": colors[name], "marker": "o"} for name in MATH_BENCHMARKS}
    if inputs.paper_lines:
        entries["paper, Table 15 (MATH500; points: its steps)"] = {"color": "#555", "marker": "s", "ls": "--"}
    legend_below(fig, entries, None, 4)
    return finish(fig, inputs.name, png, pdf)


def label_points(ax, points: list[tuple[str, float, float]], gap: float = 6.0) -> None:
    """Labels of points that may lie close together: to the left of the points, from the highest down, at least
    `gap` (data units) apart, each joined to its point by a thin line."""
    left = min(x for _, x, _ in points) - 8
    placed: list[float] = []
    for text, x, y in sorted(points, key=lambda point: -point[2]):
        at = min([y + 2, *(above - gap for above in placed)])
        placed.append(at)
        ax.annotate(text, (x, y), xytext=(left, at), textcoords="data", ha="right", va="center", fontsize=8,
                    color="#444", arrowprops={"arrowstyle": "-", "color": "#999", "lw": 0.6})  # fmt: skip
