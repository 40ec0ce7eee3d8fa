"""Every evaluated checkpoint's accuracies in its run's TensorBoard folder, beside TRL's training curves.

TRL writes the training curves (reward, loss, KL, entropy) to `<checkpoints>/runs/<date>_<host>/`; evaluation
adds `<checkpoints>/runs/evaluation/`, one point per benchmark and checkpoint step (tags `eval/<benchmark>` and
`eval/math_average`), so `tensorboard --logdir results/runs` shows training and test curves of every run side
by side. Each evaluated checkpoint writes its own event file (parallel jobs, and the steps of one job, never
share one). Models that are not a training checkpoint (the base model) have no run folder and are not logged;
without TensorBoard installed nothing is logged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

EVALUATION_LOG_DIR = "evaluation"  # under <checkpoints>/runs/, beside TRL's own run folders
_CHECKPOINT_FOLDER = re.compile(r"^checkpoint-\d+$")


def evaluation_log_dir(model_path: str | Path) -> Path | None:
    """Where a checkpoint's evaluation is logged, or None for a model that is not a training checkpoint."""
    model = Path(model_path)
    if not _CHECKPOINT_FOLDER.match(model.name) or not model.parent.is_dir():
        return None
    return model.parent / "runs" / EVALUATION_LOG_DIR


def scalars(result: Mapping[str, Any]) -> dict[str, float]:
    """The tags and values of one evaluation: each finished benchmark's accuracy and the math average."""
    values = {
        f"eval/{name}": float(bench["accuracy"])
        for name, bench in result["benchmarks"].items()
        if bench.get("status") == "ok" and bench.get("accuracy") is not None
    }
    if result.get("math_average") is not None:
        values["eval/math_average"] = float(result["math_average"])
    return values


def log_to_tensorboard(model_path: str | Path, result: Mapping[str, Any]) -> Path | None:
    """Write one evaluation's accuracies at its step; returns the folder, or None when nothing was written."""
    folder = evaluation_log_dir(model_path)
    if folder is None:
        return None
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:  # torch without the tensorboard package
        return None
    writer = SummaryWriter(log_dir=str(folder))
    try:
        for tag, value in scalars(result).items():
            writer.add_scalar(tag, value, global_step=int(result["step"]))
    finally:
        writer.close()
    return folder
