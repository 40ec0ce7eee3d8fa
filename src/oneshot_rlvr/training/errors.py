"""The one error type of the training path (the CLI prints it as one line with exit code 2)."""

from __future__ import annotations


class TrainingError(RuntimeError):
    """Training cannot start or resume: bad dataset, missing model, impossible batch layout, busy run folder."""


class BadTrainingInput(TrainingError):
    """An input check failed before anything was written: running the job again cannot succeed."""
