"""The per-step training log (`train_log.jsonl` in each checkpoint): accuracy, reward, TRL's values, rollouts."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from oneshot_rlvr.io import read_jsonl
from oneshot_rlvr.training.checkpoints import complete_checkpoints
from oneshot_rlvr.training.errors import TrainingError

# Per-step training log of the steps since the previous checkpoint (read back with read_train_log).
TRAIN_LOG_FILE = "train_log.jsonl"
# Rollouts kept per step in the training log (Figure 3's training responses), each cut to this many characters.
LOG_SAMPLES_PER_STEP = 2
LOG_SAMPLE_MAX_CHARS = 16000


class TrainingLog:
    """Per-step training accuracy, mean reward and a few sampled rollouts (Figures 2, 3, 4 and 16).

    Each checkpoint stores the steps since the previous one (`train_log.jsonl`) together with what TRL logged
    for them (entropy, response length, policy loss, ...). A run's log is the concatenation over its complete
    checkpoints, so a killed run that resumes re-records exactly the steps it runs again.
    """

    def __init__(self, samples_per_step: int = LOG_SAMPLES_PER_STEP):
        self.samples_per_step = samples_per_step
        self._pending: dict[int, dict[str, Any]] = {}

    def add(
        self,
        step: int,
        indices: Sequence[int],
        labels: Sequence[str],
        texts: Sequence[str],
        correctness: Sequence[float],
        rewards: Sequence[float],
    ) -> None:
        entry = self._pending.setdefault(step, {"rollouts": 0, "correct": 0.0, "reward": 0.0, "samples": []})
        for index, label, text, correct, reward in zip(indices, labels, texts, correctness, rewards, strict=True):
            entry["rollouts"] += 1
            entry["correct"] += 1.0 if correct > 0.5 else 0.0
            entry["reward"] += float(reward)
            if len(entry["samples"]) < self.samples_per_step:
                entry["samples"].append(
                    {
                        "index": int(index),
                        "label": str(label),
                        "correct": bool(correct > 0.5),
                        "reward": float(reward),
                        "completion": text[:LOG_SAMPLE_MAX_CHARS],
                    }
                )

    def take_pending(self) -> dict[int, dict[str, Any]]:
        pending, self._pending = self._pending, {}
        return pending

    def rows(
        self, pending_per_rank: Sequence[dict[int, dict[str, Any]]], log_history: Sequence[Mapping[str, Any]]
    ) -> list[dict[str, Any]]:
        """One row per recorded step (all ranks combined), with TRL's logged values of that step under `trl`."""
        combined: dict[int, dict[str, Any]] = {}
        for pending in pending_per_rank:
            for step, entry in pending.items():
                total = combined.setdefault(step, {"rollouts": 0, "correct": 0.0, "reward": 0.0, "samples": []})
                total["rollouts"] += entry["rollouts"]
                total["correct"] += entry["correct"]
                total["reward"] += entry["reward"]
                room = self.samples_per_step - len(total["samples"])
                total["samples"].extend(entry["samples"][: max(room, 0)])
        logged: dict[int, dict[str, Any]] = {}
        for record in log_history:
            if "step" in record:
                values = {key: _finite_or_none(value) for key, value in record.items() if key != "step"}
                logged.setdefault(int(record["step"]), {}).update(values)
        rows = []
        for step in sorted(combined):
            entry = combined[step]
            count = max(entry["rollouts"], 1)
            rows.append(
                {
                    "step": step,
                    "rollouts": entry["rollouts"],
                    "accuracy": entry["correct"] / count,
                    "reward": entry["reward"] / count,
                    "trl": logged.get(step, {}),
                    "samples": entry["samples"],
                }
            )
        return rows


def _finite_or_none(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def read_train_log(checkpoint_dir: Path) -> list[dict[str, Any]]:
    """A run's training log: the `train_log.jsonl` of every complete checkpoint, in order, checked to cover each
    step from 1 to the last checkpoint exactly once."""
    rows: list[dict[str, Any]] = []
    for step, checkpoint in complete_checkpoints(Path(checkpoint_dir)):
        path = checkpoint / TRAIN_LOG_FILE
        if not path.exists():
            raise TrainingError(f"{path} does not exist (checkpoint saved before the training log was recorded)")
        part = read_jsonl(path)
        expected = list(range(len(rows) + 1, step + 1))
        found = [int(row.get("step", -1)) for row in part]
        if found != expected:
            raise TrainingError(f"{path}: logs steps {found[:3]}..{found[-3:]}, expected steps {len(rows) + 1}..{step}")
        rows.extend(part)
    if not rows:
        raise TrainingError(f"{checkpoint_dir}: no complete checkpoint with a training log")
    return rows
