"""What happens at each training step and checkpoint beyond TRL's own saving."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from transformers import TrainerCallback

from oneshot_rlvr.io import atomic_write_json, atomic_write_jsonl
from oneshot_rlvr.training.checkpoints import prune_resume_state, write_complete_marker
from oneshot_rlvr.training.consolidation import record_bf16, verify_hf_model
from oneshot_rlvr.training.history import HISTORY_FILE, HistoryRecorder
from oneshot_rlvr.training.run_lock import RunLock
from oneshot_rlvr.training.train_log import TRAIN_LOG_FILE, TrainingLog


class CheckpointCompletion(TrainerCallback):
    """After each checkpoint: the history, the training log and the bf16 dtype note are written, the saved model
    is checked to load as evaluation loads it, then the completion marker (last, fsync'd with what it vouches
    for); then older checkpoints lose the optimizer state only a resume reads (the new one now carries it). At
    every step the run lock's heartbeat is refreshed."""

    def __init__(
        self,
        recorder: HistoryRecorder,
        spec: Mapping[str, Any],
        log: TrainingLog | None = None,
        lock: RunLock | None = None,
    ):
        self.recorder = recorder
        self.spec = spec
        self.log = log
        self.lock = lock

    def on_step_end(self, args, state, control, **kwargs):
        if self.lock is not None:
            self.lock.heartbeat()

    def on_save(self, args, state, control, **kwargs):
        from accelerate.utils import gather_object

        pending = self.recorder.take_pending()
        gathered = gather_object([pending]) if args.world_size > 1 else [pending]
        self.recorder.merge_pending(gathered)
        steps = self.log.take_pending() if self.log is not None else {}
        gathered_steps = gather_object([steps]) if args.world_size > 1 else [steps]
        if not state.is_world_process_zero:
            return
        checkpoint = Path(args.output_dir) / f"checkpoint-{state.global_step}"
        atomic_write_json(checkpoint / HISTORY_FILE, self.recorder.history)
        if self.log is not None:
            atomic_write_jsonl(checkpoint / TRAIN_LOG_FILE, self.log.rows(gathered_steps, state.log_history))
        if self.spec["bf16"]:
            record_bf16(checkpoint)
        verify_hf_model(checkpoint)
        write_complete_marker(checkpoint, state.global_step)
        prune_resume_state(Path(args.output_dir))
