"""Per-example training accuracy at every step, in the layout of the authors' `acc_step_500.json`."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence

# Each complete checkpoint carries the run's history so far under this name (the input of variance scoring).
HISTORY_FILE = "history.json"


class HistoryRecorder:
    """Per-example training accuracy at every step it was sampled, as in the authors' history file.

    The value for an example at a step is floor(correct / (count / n)) / n, the authors' formula: the fraction
    of its n rollouts that were correct, averaged (and floored) over duplicated copies of the same example.
    """

    def __init__(self, num_generations: int, history: Mapping[str, list[float]] | None = None):
        self.num_generations = num_generations
        self.history: dict[str, list[float]] = {key: list(values) for key, values in (history or {}).items()}
        self._pending: dict[int, dict[str, list[float]]] = {}

    def add(self, step: int, indices: Sequence[int], rewards: Sequence[float]) -> None:
        counts = self._pending.setdefault(step, defaultdict(lambda: [0.0, 0.0]))
        for index, reward in zip(indices, rewards, strict=True):
            counts[str(int(index))][0] += 1.0 if reward > 0.5 else 0.0
            counts[str(int(index))][1] += 1.0

    def merge_pending(self, pending_per_rank: Sequence[dict[int, dict[str, list[float]]]]) -> None:
        """Fold the recorded steps (from every rank) into the history, in step order."""
        combined: dict[int, dict[str, list[float]]] = {}
        for pending in pending_per_rank:
            for step, counts in pending.items():
                target = combined.setdefault(step, {})
                for key, (correct, count) in counts.items():
                    total = target.setdefault(key, [0.0, 0.0])
                    total[0] += correct
                    total[1] += count
        n = self.num_generations
        for step in sorted(combined):
            for key, (correct, count) in combined[step].items():
                groups = count / n
                self.history.setdefault(key, []).append(math.floor(correct / groups) / n)

    def take_pending(self) -> dict[int, dict[str, list[float]]]:
        pending = {step: dict(counts) for step, counts in self._pending.items()}
        self._pending = {}
        return pending
