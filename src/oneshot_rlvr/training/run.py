"""`oneshot-rlvr train`: train (or resume) one run.

Order matters for what a failure can cost: every input (model, dataset, batch layout, devices) is checked
before anything is written; then the run's checkpoint folder is locked (one trainer per run), checkpoints of
other data or settings are set aside, half-written and damaged ones are removed or set aside, and training
resumes from the newest usable checkpoint. Under `accelerate launch` every process runs this function; only
the main process locks and tidies the folder, the others wait for it and then read the same resume point.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from oneshot_rlvr.io import atomic_write_json
from oneshot_rlvr.specs import TrainingSpec
from oneshot_rlvr.training.checkpoints import (
    complete_checkpoints,
    has_resume_state,
    newest_usable_checkpoint,
    prune_resume_state,
    remove_partial_checkpoints,
)
from oneshot_rlvr.training.dataset import filter_long_prompts, load_training_records
from oneshot_rlvr.training.errors import BadTrainingInput, TrainingError
from oneshot_rlvr.training.fingerprint import set_aside_stale_checkpoints, trajectory_fingerprint
from oneshot_rlvr.training.grpo_config import batch_layout, grpo_config_kwargs, parity_settings
from oneshot_rlvr.training.history import HISTORY_FILE, HistoryRecorder
from oneshot_rlvr.training.labels import apply_label_changes
from oneshot_rlvr.training.rewards import RewardFunction
from oneshot_rlvr.training.run_lock import RunLock
from oneshot_rlvr.training.train_log import TrainingLog


def train(spec: Mapping[str, Any], dataset_path: Path, checkpoint_dir: Path, done_path: Path) -> dict[str, Any]:
    """Train (or resume) one run; write the done file with the saved steps once max_steps is reached.

    A failed input check raises BadTrainingInput (nothing written); later failures raise TrainingError. A spec
    with a misspelt, missing or mistyped key is refused before anything is loaded (specs.SpecError).
    """
    spec = TrainingSpec.parse(spec)
    from trl import GRPOConfig

    started = time.time()
    checkpoint_dir, dataset_path = Path(checkpoint_dir), Path(dataset_path)
    try:
        records, tokenizer, label_changes, use_cpu, world_size = checked_inputs(spec, dataset_path)
    except (TrainingError, ValueError) as error:  # not OSError: a hub download that failed may work next time
        raise BadTrainingInput(str(error)) from None
    fingerprint = trajectory_fingerprint(spec, dataset_path)

    # Inputs are valid: from here on the run's checkpoint folder may change.
    args = GRPOConfig(**grpo_config_kwargs(spec, checkpoint_dir, world_size=world_size, use_cpu=use_cpu))
    is_main = args.process_index == 0
    lock = RunLock(checkpoint_dir) if is_main else None
    with lock if lock is not None else nullcontext():
        if is_main:
            set_aside_stale_checkpoints(checkpoint_dir, fingerprint)
            remove_partial_checkpoints(checkpoint_dir)
            newest_usable_checkpoint(checkpoint_dir)
            prune_resume_state(checkpoint_dir)  # a kill between marking and pruning left an older state behind
        args.distributed_state.wait_for_everyone()
        complete = complete_checkpoints(checkpoint_dir)
        resume_from = complete[-1][1] if complete else None
        history: dict[str, list[float]] = {}
        if resume_from is not None:
            history = json.loads((resume_from / HISTORY_FILE).read_text())
            print(f"resuming run {spec['run']} from {resume_from}", flush=True)
            if not has_resume_state(resume_from):  # a fallback past a damaged newest checkpoint
                print(
                    f"{resume_from} keeps model weights only (optimizer state is kept in the newest checkpoint "
                    "alone): the optimizer, learning-rate schedule and random state start afresh from its weights",
                    flush=True,
                )
        trainer = build_trainer(spec, args, records, tokenizer, history, lock)
        if resume_from is None or complete[-1][0] < spec["max_steps"]:
            trainer.train(resume_from_checkpoint=str(resume_from) if resume_from else None)
        steps = [step for step, _ in complete_checkpoints(checkpoint_dir)]
        if not steps or steps[-1] != spec["max_steps"]:
            last = steps[-1] if steps else 0
            raise TrainingError(f"run {spec['run']!r} ended at step {last}, not {spec['max_steps']}")
        final_history = json.loads((checkpoint_dir / f"checkpoint-{steps[-1]}" / HISTORY_FILE).read_text())
        summary = {
            "run": spec["run"],
            "steps": steps,
            "max_steps": spec["max_steps"],
            "checkpoint_dir": str(checkpoint_dir),
            "history_examples": len(final_history),
            "history_entries": sum(len(values) for values in final_history.values()),
            "resumed_from": str(resume_from) if resume_from else None,
            "label_changes": label_changes,
            "seed": spec.get("seed"),
            "wall_time_s": round(time.time() - started, 1),
        }
        if is_main:
            atomic_write_json(Path(done_path), summary)
    return summary


def checked_inputs(spec: Mapping[str, Any], dataset_path: Path):
    """Every check of the run's inputs (model, devices, batch layout, dataset, prompt lengths, labels); writes
    nothing. A TrainingError here is bad input: the job fails the same way however often it is run."""
    import torch
    from transformers import AutoTokenizer

    model_path = spec["model"]["path"]
    if spec["model"].get("build") and not Path(model_path).exists():
        raise TrainingError(f"model path {model_path} does not exist (build it with `oneshot-rlvr build-tiny-model`)")
    use_cpu = not torch.cuda.is_available()
    if spec["use_vllm"] and use_cpu:
        raise TrainingError(
            f"run {spec['run']!r}: training.use_vllm is true but no CUDA GPU is visible; install the `gpu` extra on a "
            "GPU machine, or set training.use_vllm=false for CPU runs"
        )
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    batch_layout(spec, world_size)
    records = load_training_records(dataset_path)
    tokenizer = AutoTokenizer.from_pretrained(model_path)
    tokenizer.padding_side = "left"
    try:
        records = filter_long_prompts(records, tokenizer, spec["max_prompt_length"])
    except TrainingError as error:
        raise TrainingError(f"{dataset_path}: {error}") from None
    label_changes = apply_label_changes(records, spec)
    return records, tokenizer, label_changes, use_cpu, world_size


def build_trainer(
    spec: Mapping[str, Any],
    args,
    records: list[dict[str, Any]],
    tokenizer,
    history: Mapping[str, list[float]] | None = None,
    lock: RunLock | None = None,
):
    """Our GRPO trainer for a run: its reward, history recorder, training log and checkpoint completion."""
    from datasets import Dataset

    from oneshot_rlvr.training.callbacks import CheckpointCompletion
    from oneshot_rlvr.training.trainer import OneShotGRPOTrainer

    recorder = HistoryRecorder(spec["num_generations"], history)
    step_log = TrainingLog()
    reward = RewardFunction(spec["reward"], spec["grader"], spec["reward_timeout_s"], recorder, step_log)
    return OneShotGRPOTrainer(
        parity=parity_settings(spec),
        model=spec["model"]["path"],
        reward_funcs=[reward],
        args=args,
        train_dataset=Dataset.from_list(records),
        processing_class=tokenizer,
        callbacks=[CheckpointCompletion(recorder, spec, step_log, lock)],
    )
