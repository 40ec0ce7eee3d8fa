"""Figures: the distribution of the example-selection score, and the paper's figures (1-16) drawn from our metrics
files and training logs, with the paper's reported values beside ours.

`plan` is what the Snakemake rules call (which files each figure reads), `values` loads them, `paper` holds the
paper's facts the figures show, `style` the one style of every figure; the drawers are `curves` (Figures 1, 5-12),
`training_curves` (2, 4, 16), `formats` (13-15), `text_panel` (3) and `scores` (the selection score). Drawn with
matplotlib's Agg backend (no display needed); written atomically as PNG and PDF. Each file records its panel titles
in its metadata (PNG text chunk `Panels`, JSON; PDF `Subject`), which the tests read back.
"""

from __future__ import annotations

from pathlib import Path

from oneshot_rlvr.figures.curves import curve_panel, figure1, figure5, figure6, figure12, model_curves, panel_title
from oneshot_rlvr.figures.formats import figure13, figure14, figure15
from oneshot_rlvr.figures.paper import PAPER_FIGURE3, paper_number, paper_series, paper_value
from oneshot_rlvr.figures.plan import (
    FIGURE_DIR,
    FIGURE_NAMES,
    FIGURE_TARGETS,
    LOG_FIGURES,
    MODEL_FIGURES,
    SINGLE_RUN_FIGURES,
    figure_files,
    figure_plan,
    figure_spec,
    metrics_path,
)
from oneshot_rlvr.figures.scores import SCORE_TITLES, score_distribution
from oneshot_rlvr.figures.style import BENCHMARK_TITLES, SUBJECT_TITLES, pyplot, run_kind, run_label, run_styles
from oneshot_rlvr.figures.text_panel import evaluation_response, figure3, plain_text, shorten, training_sample
from oneshot_rlvr.figures.training_curves import figure2, figure4, figure16
from oneshot_rlvr.figures.values import (
    FigureError,
    FigureInputs,
    collect_train_log,
    load_curves,
    load_train_logs,
    log_series,
    metric_value,
    series,
    with_base,
)

DRAWERS = {
    "figure1": figure1,
    "figure2": figure2,
    "figure3": figure3,
    "figure4": figure4,
    "figure5": figure5,
    "figure6": figure6,
    **{name: model_curves for name in MODEL_FIGURES},
    "figure12": figure12,
    "figure13": figure13,
    "figure14": figure14,
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


__all__ = [
    "BENCHMARK_TITLES", "DRAWERS", "FIGURE_DIR", "FIGURE_NAMES", "FIGURE_TARGETS", "LOG_FIGURES", "MODEL_FIGURES",
    "PAPER_FIGURE3", "SCORE_TITLES", "SINGLE_RUN_FIGURES", "SUBJECT_TITLES",
    "FigureError", "FigureInputs", "collect_train_log", "curve_panel", "draw", "evaluation_response",
    "figure_files", "figure_plan", "figure_spec", "load_curves", "load_train_logs", "log_series", "metric_value",
    "metrics_path", "panel_title", "paper_number", "paper_series", "paper_value", "plain_text", "pyplot", "run_kind",
    "run_label", "run_styles", "score_distribution", "series", "shorten", "training_sample", "with_base",
]  # fmt: skip
