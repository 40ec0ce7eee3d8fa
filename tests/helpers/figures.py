"""What a drawn figure must hold: its PNG's panel titles (written into the PNG by oneshot_rlvr.figures), and how
much of its canvas is blank."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from oneshot_rlvr import figures
from oneshot_rlvr.data import MATH_BENCHMARKS
from oneshot_rlvr.figures.formats import FORMAT_PANELS
from oneshot_rlvr.figures.paper import LOSS_LABELS

SUBJECT_LABELS = {
    "algebra": "Algebra",
    "counting_and_probability": "Counting & Probability",
    "geometry": "Geometry",
    "intermediate_algebra": "Intermediate Algebra",
    "number_theory": "Number Theory",
    "prealgebra": "Prealgebra",
    "precalculus": "Precalculus",
}
# The panels of every figure whose panels do not depend on its runs or steps (figure2 and figure16 name their
# runs, figure3 its steps, figure12 has one panel per run: `ablation_panels`).
EXPECTED_PANELS = {
    "figure1": ["MATH500", "average of 6 math benchmarks"],
    "figure2": [f"{label}: training vs test accuracy" for label in ("π1", "π13", "DSR-sub (1209)")],
    "figure4": [
        "training response length",
        "entropy of the policy on training rollouts",
        "evaluation responses with reflection words",
    ],
    "figure5": ["MATH500", "6-benchmark average"],
    "figure6": [f"MATH500 {label}" for label in SUBJECT_LABELS.values()] + ["MATH500 (all)"],
    **{name: [figures.BENCHMARK_TITLES[key] for key in [*MATH_BENCHMARKS, "avg"]] for name in figures.MODEL_FIGURES},
    **{name: [title for title, _ in FORMAT_PANELS.values()] for name in ("figure13", "figure14")},
    "figure15": ["π1: responses with \\boxed{}", "π1: test accuracy", "MATH500: accuracy against \\boxed{} share"],
    "figure16": ["π1: policy-gradient loss norm", "π1: training accuracy"],
}
# The largest share of a figure's pixel rows that are pure background (the layout before constrained layout left
# 20-68 %), and of Figure 3's pixels (its text cells are shaded; it was 96 % white).
MAX_BLANK_ROWS = 0.18
MAX_BLANK_TEXT_PIXELS = 0.5


def ablation_panels(runs: list[str]) -> list[str]:
    """Figure 12's panels: one per run, titled with Table 5's loss terms."""
    return [LOSS_LABELS[run] for run in runs]


def blank_share(path: Path) -> tuple[float, float]:
    """The shares of a PNG's pixel rows and of its pixels that are pure background (the top-left pixel's colour)."""
    with Image.open(path) as image:
        pixels = np.asarray(image.convert("RGB"))
    blank = (pixels == pixels[0, 0]).all(axis=2)
    return float(blank.all(axis=1).mean()), float(blank.mean())


def png_panels(path: Path) -> list[str]:
    """The panel titles of a valid PNG of at least 1000x500 pixels."""
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size[0] >= 1000 and image.size[1] >= 500, image.size
        return json.loads(image.info["Panels"])
