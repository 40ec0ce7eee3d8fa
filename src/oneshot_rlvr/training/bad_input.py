"""The record of a run whose inputs failed their checks, so Snakemake's retries of it end at once.

Snakemake retries a failed training job (`retries` in workflow/rules/train.smk) because time-outs, lost nodes
and killed processes are worth a second attempt that resumes from the last checkpoint. It cannot tell those from
bad input (it sees only a non-zero exit), so under Snakemake (which passes `--attempt`) the first attempt that
finds bad input writes this record next to the run's done file, and a later attempt of the same Snakemake run
(attempt > 1) repeats the recorded error without loading anything; the workflow asks for almost no resources for
such an attempt. Attempt 1 (a new Snakemake run, after the input was fixed) removes the record and checks again.
"""

from __future__ import annotations

from pathlib import Path

from oneshot_rlvr.io import atomic_write_text

RECORD_NAME = "train_bad_input.txt"


def record_path(done_path: str | Path) -> Path:
    """Where a run's bad-input record lives: beside its done file (results/runs/<run>/)."""
    return Path(done_path).with_name(RECORD_NAME)


def recorded_bad_input(done_path: str | Path, attempt: int) -> str | None:
    """The error an earlier attempt of this Snakemake run recorded, or None; attempt 1 forgets older records."""
    path = record_path(done_path)
    if attempt <= 1:
        path.unlink(missing_ok=True)
        return None
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def record_bad_input(done_path: str | Path, message: str) -> None:
    """Write the record into the done file's folder (Snakemake made it for the output); create no folder."""
    path = record_path(done_path)
    if path.parent.is_dir():
        atomic_write_text(path, " ".join(message.split()) + "\n")
