"""What a drawn figure must hold: its PNG's panel titles (written into the PNG by oneshot_rlvr.figures)."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image

from oneshot_rlvr import figures
from oneshot_rlvr.data import MATH_BENCHMARKS

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
# runs, figure3 its steps).
EXPECTED_PANELS = {
    "figure1": ["MATH500", "average of 6 math benchmarks"],
    "figure2": [f"{run}: training vs test accuracy" for run in ("pi1", "pi13", "dsr_sub")],
    "figure4": [
        "training response length",
        "entropy of the policy on training rollouts",
        "evaluation responses with reflection words",
    ],
    "figure5": ["MATH500", "6-benchmark average"],
    "figure6": [f"MATH500 {label}" for label in SUBJECT_LABELS.values()] + ["MATH500 (all)"],
    **{name: [figures.BENCHMARK_TITLES[key] for key in [*MATH_BENCHMARKS, "avg"]] for name in figures.MODEL_FIGURES},
    "figure12": ["MATH500", "AIME24 (avg@n)", "6-benchmark average"],
    "figure15": ["pi1: responses with \\boxed{}", "pi1: test accuracy", "MATH500: accuracy against \\boxed{} share"],
    "figure16": ["pi1: policy-gradient loss norm", "pi1: training accuracy"],
}


def png_panels(path: Path) -> list[str]:
    """The panel titles of a valid PNG of at least 1000x500 pixels."""
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size[0] >= 1000 and image.size[1] >= 500, image.size
        return json.loads(image.info["Panels"])
