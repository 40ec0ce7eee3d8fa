"""The binary verifiable reward, which also records training accuracy for the history and the training log."""

from __future__ import annotations

from typing import Any

from oneshot_rlvr import grading
from oneshot_rlvr.training.history import HistoryRecorder
from oneshot_rlvr.training.train_log import TrainingLog


class RewardFunction:
    """Binary verifiable reward (outcome: the last \\boxed{} equals the label; format: a final answer exists)."""

    def __init__(
        self, kind: str, grader: str, timeout_s: float, recorder: HistoryRecorder, log: TrainingLog | None = None
    ):
        self.kind = kind
        self.grader = grader
        self.timeout_s = timeout_s
        self.recorder = recorder
        self.log = log
        self.__name__ = f"{kind}_reward"

    def __call__(self, prompts, completions, answer, index, trainer_state=None, **_: Any) -> list[float]:
        texts = [completion_text(completion) for completion in completions]
        if self.kind == "format":
            rewards = [1.0 if grading.format_ok(text) else 0.0 for text in texts]
            correctness = [
                1.0 if verdict.correct else 0.0
                for verdict in grading.grade_many(texts, answer, mode=self.grader, timeout_s=self.timeout_s)
            ]
        else:
            verdicts = grading.grade_many(texts, answer, mode=self.grader, timeout_s=self.timeout_s)
            rewards = [1.0 if verdict.correct else 0.0 for verdict in verdicts]
            correctness = rewards
        step = (trainer_state.global_step if trainer_state is not None else 0) + 1
        # The history is training *accuracy*, whatever the reward.
        self.recorder.add(step, index, correctness)
        if self.log is not None:
            self.log.add(step, index, answer, texts, correctness, rewards)
        return rewards


def completion_text(completion: Any) -> str:
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list) and completion and isinstance(completion[0], dict):
        return "".join(str(message.get("content", "")) for message in completion)
    return str(completion)
