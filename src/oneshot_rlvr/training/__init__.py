"""GRPO training with TRL, set up to follow the authors' verl recipe (see docs/fidelity.md).

Checkpoints go to a folder that is not a declared Snakemake output, so a killed run resumes from its last
complete checkpoint when the rule runs again. Each checkpoint carries a consolidated Hugging Face model (what
evaluation loads), the training-accuracy history in the layout of the authors' `acc_step_500.json` (the input of
variance scoring) and the per-step training log of the steps since the previous checkpoint (`train_log.jsonl`:
accuracy, reward, TRL's logged values, sampled rollouts; the figures read it).

One concept per module: grpo_config (TRL config, batch layout, precision), rewards, history, train_log,
checkpoints (completion marker, damage), fingerprint (stale checkpoints), run_lock, consolidation (the Hugging
Face model of a checkpoint), microbatches (verl's loss aggregation), labels, dataset, trainer (the GRPOTrainer
subclass: imports torch and TRL), callbacks, run (`train`). Importing this package does not import torch or TRL;
`OneShotGRPOTrainer` is loaded on first use.
"""

from __future__ import annotations

from typing import Any

from oneshot_rlvr.training.checkpoints import (
    COMPLETE_MARKER,
    checkpoint_damage,
    complete_checkpoints,
    has_resume_state,
    newest_usable_checkpoint,
    prune_resume_state,
    release_weights,
    remove_partial_checkpoints,
    write_complete_marker,
)
from oneshot_rlvr.training.dataset import filter_long_prompts, load_training_records
from oneshot_rlvr.training.errors import TrainingError
from oneshot_rlvr.training.fingerprint import (
    RUN_FINGERPRINT_FILE,
    set_aside_stale_checkpoints,
    trajectory_fingerprint,
)
from oneshot_rlvr.training.grpo_config import (
    batch_layout,
    grpo_config_kwargs,
    parity_settings,
    precision,
    resolved_training_config,
)
from oneshot_rlvr.training.history import HISTORY_FILE, HistoryRecorder
from oneshot_rlvr.training.labels import apply_label_changes, corrupt_label
from oneshot_rlvr.training.rewards import RewardFunction
from oneshot_rlvr.training.run import build_trainer, train
from oneshot_rlvr.training.run_lock import RunLock
from oneshot_rlvr.training.train_log import (
    LOG_SAMPLE_MAX_CHARS,
    LOG_SAMPLES_PER_STEP,
    TRAIN_LOG_FILE,
    TrainingLog,
    read_train_log,
)

__all__ = [
    "COMPLETE_MARKER",
    "HISTORY_FILE",
    "LOG_SAMPLES_PER_STEP",
    "LOG_SAMPLE_MAX_CHARS",
    "RUN_FINGERPRINT_FILE",
    "TRAIN_LOG_FILE",
    "HistoryRecorder",
    "OneShotGRPOTrainer",
    "RewardFunction",
    "RunLock",
    "TrainingError",
    "TrainingLog",
    "apply_label_changes",
    "batch_layout",
    "build_trainer",
    "checkpoint_damage",
    "complete_checkpoints",
    "corrupt_label",
    "filter_long_prompts",
    "grpo_config_kwargs",
    "has_resume_state",
    "load_training_records",
    "newest_usable_checkpoint",
    "parity_settings",
    "precision",
    "prune_resume_state",
    "read_train_log",
    "release_weights",
    "remove_partial_checkpoints",
    "resolved_training_config",
    "set_aside_stale_checkpoints",
    "train",
    "trajectory_fingerprint",
    "write_complete_marker",
]


def __getattr__(name: str) -> Any:
    if name == "OneShotGRPOTrainer":
        from oneshot_rlvr.training.trainer import OneShotGRPOTrainer

        return OneShotGRPOTrainer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
