"""The negative control of the testbed: the same training with the sign of every GRPO advantage flipped.

With flipped advantages the policy gradient pushes *away* from rewarded rollouts, so a correct training signal must
then fail the learning predicate (`analysis.learning_verdict`). The flip is applied in-process to the one function
that computes the advantages our trainer uses (`objective.grpo_advantages`, under that name and under the name the
trainer module imported it as), so the run is otherwise exactly `training.train`. `FlipCounter.calls` proves the
flipped path was taken.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from oneshot_rlvr import objective
from oneshot_rlvr.training import trainer


@dataclass
class FlipCounter:
    calls: int = 0


@contextmanager
def flipped_advantages() -> Iterator[FlipCounter]:
    """Within the block, every advantage computed by `objective.grpo_advantages` has its sign flipped."""
    original = objective.grpo_advantages
    counter = FlipCounter()

    def flipped(rewards, group_size, epsilon=1e-6):
        counter.calls += 1
        return -original(rewards, group_size, epsilon)

    modules = [module for module in (objective, trainer) if getattr(module, "grpo_advantages", None) is original]
    for module in modules:
        module.grpo_advantages = flipped
    try:
        yield counter
    finally:
        for module in modules:
            module.grpo_advantages = original
