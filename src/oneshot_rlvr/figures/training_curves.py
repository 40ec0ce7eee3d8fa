"""The figures drawn from the runs' training logs: training vs test accuracy (Figure 2), response length, entropy
and reflection words (Figure 4), and the policy-gradient loss beside training accuracy (Figure 16)."""

from __future__ import annotations

from pathlib import Path

from oneshot_rlvr.figures.curves import curve_panel, panel_title, paper_note
from oneshot_rlvr.figures.paper import paper_value
from oneshot_rlvr.figures.style import (
    finish,
    fit_range,
    legend_below,
    mark_references,
    new_figure,
    no_data,
    run_label,
    run_styles,
    set_title,
    step_axis,
    style_entries,
)
from oneshot_rlvr.figures.values import FigureInputs, log_series, series

TRAINING_COLOR = "#c0392b"
TEST_COLORS = ("#1f5fa8", "#333333", "#8e44ad", "#16a085")


def figure2(inputs: FigureInputs, png: Path, pdf: Path | None = None) -> list[str]:
    """Post-saturation generalization: per run, training accuracy (from the training log) and test curves
    (MATH500 and the 6-benchmark average, or `figures.figure2.panels`)."""
    runs = inputs.runs
    fig, axes = new_figure(1, len(runs), 4.8, 3.8)
    keys = list(inputs.spec.get("panels") or ("math500", "avg"))
    labels = {"math500": "MATH500", "avg": "6-benchmark average"}
    if inputs.spec.get("panels"):
        labels = {key: panel_title(key, inputs.curves) for key in keys}
    colors = {"training accuracy": TRAINING_COLOR, **{labels[key]: TEST_COLORS[n % 4] for n, key in enumerate(keys)}}
    for ax, run in zip(axes[0], runs, strict=True):
        steps, values = log_series(inputs.log(run), "accuracy", 100.0)
        ax.plot(steps, values, color=TRAINING_COLOR, lw=1.1, alpha=0.85)
        drawn, references = list(values), []
        for key in keys:
            test_steps, test_values = series(inputs.curve(run), key)
            ax.plot(test_steps, test_values, "-o", color=colors[labels[key]], lw=1.5, ms=3)
            drawn += test_values
            reference = paper_value(run, key) if inputs.paper_lines else None
            if reference is not None:
                references.append((reference[0], colors[labels[key]]))
        fit_range(ax, drawn, [value for value, _ in references])
        mark_references(ax, references)
        ax.set_title(f"{run_label(run)}: training vs test accuracy")
        step_axis(ax)
    set_title(fig, "Figure 2: training accuracy and test accuracy over training", inputs.scale)
    entries = {label: {"color": color} for label, color in colors.items()}
    legend_below(fig, entries, paper_note(inputs), columns=4)
    return finish(fig, inputs.name, png, pdf)


def figure4(inputs: FigureInputs, png: Path, pdf: Path | None = None) -> list[str]:
    """Training response length and entropy per step (training log), and evaluation responses with reflection
    words per checkpoint."""
    styles = run_styles(inputs.runs)
    fig, axes = new_figure(1, 3, 4.8, 3.6)
    panels = (
        ("trl.completions/mean_length", "training response length", "mean response length (tokens)"),
        ("trl.entropy", "entropy of the policy on training rollouts", "mean token entropy (nats)"),
    )
    for ax, (key, title, ylabel) in zip(axes[0][:2], panels, strict=True):
        drawn = 0
        for run, style in styles.items():
            steps, values = log_series(inputs.log(run), key)
            if steps:
                ax.plot(steps, values, color=style.color, lw=1.2)
                drawn += 1
        ax.set_title(title)
        step_axis(ax, ylabel)
        if not drawn:
            no_data(ax, "not logged")
    curve_panel(
        axes[0][2],
        inputs.run_curves(),
        styles,
        "reflection",
        "evaluation responses with reflection words",
        "responses with rethink/recheck/\nrecalculate (count)",
        paper=False,
        ceiling=None,
    )
    set_title(fig, "Figure 4: response length, entropy and self-reflection over training", inputs.scale)
    legend_below(fig, style_entries(styles))
    return finish(fig, inputs.name, png, pdf)


def figure16(inputs: FigureInputs, png: Path, pdf: Path | None = None) -> list[str]:
    """The size of the policy-gradient loss per step (|PG loss|, token mean per micro-batch, averaged over the
    step's micro-batches), beside the step's training accuracy; the title states what the log shows."""
    run = inputs.runs[0]
    rows = inputs.log(run)
    fig, axes = new_figure(1, 2, 5.4, 3.8)
    left, right = axes[0]
    loss_steps, loss = log_series(rows, "trl.policy_loss_abs")
    if loss_steps:
        left.plot(loss_steps, loss, color="#1f5fa8", lw=1.1)
        left.set_ylim(0, max(max(loss) * 1.08, 1e-3))  # a size: from 0, whatever the curve
    else:
        no_data(left, "not logged (objective: trl)")
    left.set_title(f"{run_label(run)}: policy-gradient loss norm")
    step_axis(left, "|PG loss| (token mean, per step)")
    steps, accuracy = log_series(rows, "accuracy", 100.0)
    right.plot(steps, accuracy, color=TRAINING_COLOR, lw=1.1)
    right.set_title(f"{run_label(run)}: training accuracy")
    step_axis(right, "training accuracy (% of rollouts)")
    fit_range(right, accuracy)
    set_title(fig, f"Figure 16: policy-gradient loss and training accuracy, {run_label(run)}\n"
              f"{loss_summary(loss_steps, loss, steps, accuracy)}", inputs.scale)  # fmt: skip
    return finish(fig, inputs.name, png, pdf)


def loss_summary(loss_steps: list[int], loss: list[float], steps: list[int], accuracy: list[float]) -> str:
    """What the log shows: |PG loss| from the step training accuracy first reached its maximum to the end."""
    if not loss_steps or not accuracy:
        return "no policy-gradient loss logged" if not loss_steps else "no training accuracy logged"
    best = max(accuracy)
    first = steps[accuracy.index(best)]
    after = [value for step, value in zip(loss_steps, loss, strict=True) if step >= first]
    if not after:
        return f"training accuracy peaks at {best:.1f} % (step {first}); no loss logged from then on"
    return (
        f"from step {first} (training accuracy first at its maximum, {best:.1f} %): |PG loss| min {min(after):.3g}, "
        f"mean {sum(after) / len(after):.3g} over {len(after)} logged step{'s' if len(after) > 1 else ''}"
    )
