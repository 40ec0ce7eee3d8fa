"""GRPO training with TRL, set up to follow the authors' verl recipe (see docs/fidelity.md).

Checkpoints go to a folder that is not a declared Snakemake output, so a killed run resumes from its last
complete checkpoint when the rule runs again. Each checkpoint carries the training-accuracy history in the
layout of the authors' `acc_step_500.json` (the input of variance scoring).
"""

from __future__ import annotations

import json
import math
import re
import shutil
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from oneshot_rlvr.io import atomic_write_json

HISTORY_FILE = "history.json"
COMPLETE_MARKER = "oneshot_rlvr_complete.json"
_CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")


class TrainingError(RuntimeError):
    """Training cannot start: bad dataset, missing model, impossible batch layout."""


# ----------------------------------------------------------------------------------------------------------
# Batch layout and TRL config
# ----------------------------------------------------------------------------------------------------------


def batch_layout(spec: Mapping[str, Any], world_size: int = 1) -> dict[str, int]:
    """Derived figures: one optimizer step per rollout batch of prompts_per_step x num_generations."""
    completions = spec["prompts_per_step"] * spec["num_generations"]
    per_step_micro = spec["micro_batch_size"] * world_size
    if completions % per_step_micro:
        raise TrainingError(
            f"run {spec['run']!r}: prompts_per_step x num_generations = {completions} completions is not a multiple "
            f"of micro_batch_size x processes = {per_step_micro}"
        )
    accumulation = completions // per_step_micro
    return {
        "prompts_per_step": spec["prompts_per_step"],
        "completions_per_step": completions,
        "gradient_accumulation_steps": accumulation,
        "optimizer_steps_per_rollout": 1,
        "total_steps": spec["max_steps"],
        "save_every": spec["save_steps"],
    }


def grpo_config_kwargs(spec: Mapping[str, Any], output_dir: Path, world_size: int = 1, use_cpu: bool = False) -> dict:
    """The GRPOConfig fields for a run, named as TRL names them."""
    layout = batch_layout(spec, world_size)
    return {
        "output_dir": str(output_dir),
        "seed": spec["seed"],
        "data_seed": spec["seed"],
        "max_steps": spec["max_steps"],
        "save_strategy": "steps",
        "save_steps": spec["save_steps"],
        "save_only_model": False,
        "logging_steps": 1,
        "per_device_train_batch_size": spec["micro_batch_size"],
        "gradient_accumulation_steps": layout["gradient_accumulation_steps"],
        "steps_per_generation": layout["gradient_accumulation_steps"],
        "num_generations": spec["num_generations"],
        "num_iterations": 1,
        "learning_rate": spec["learning_rate"],
        "lr_scheduler_type": spec["lr_scheduler_type"],
        "warmup_steps": spec["warmup_steps"],
        "adam_beta1": spec["adam_beta1"],
        "adam_beta2": spec["adam_beta2"],
        "adam_epsilon": 1e-8,
        "weight_decay": spec["weight_decay"],
        "max_grad_norm": spec["max_grad_norm"],
        "epsilon": spec["epsilon"],
        "beta": spec["beta"],
        "entropy_coef": spec["entropy_coef"],
        "loss_type": spec["loss_type"],
        "scale_rewards": "group",
        "mask_truncated_completions": False,
        "temperature": spec["temperature"],
        "top_p": spec["top_p"],
        "max_completion_length": spec["max_completion_length"],
        "shuffle_dataset": True,
        "bf16": bool(spec["bf16"]) and not use_cpu,
        "gradient_checkpointing": spec["gradient_checkpointing"],
        "use_vllm": spec["use_vllm"],
        "vllm_mode": spec["vllm_mode"],
        "vllm_gpu_memory_utilization": spec["vllm_gpu_memory_utilization"],
        "report_to": [] if spec["report_to"] == "none" else [spec["report_to"]],
        "use_cpu": use_cpu,
        "dataloader_num_workers": 0,
        "log_completions": False,
        "disable_tqdm": False,
    }


def resolved_training_config(spec: Mapping[str, Any], world_size: int = 1) -> dict[str, Any]:
    """What `show-config` prints: the TRL fields and the derived figures."""
    kwargs = grpo_config_kwargs(spec, Path("results/runs") / spec["run"] / "checkpoints", world_size)
    return {
        "run": spec["run"],
        "dataset": spec["dataset"],
        "model": spec["model"]["path"],
        "reward": spec["reward"],
        "grader": spec["grader"],
        "max_prompt_length": spec["max_prompt_length"],
        "trl": kwargs,
        **batch_layout(spec, world_size),
    }


# ----------------------------------------------------------------------------------------------------------
# Reward and history
# ----------------------------------------------------------------------------------------------------------


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


class RewardFunction:
    """Binary verifiable reward (outcome: the last \\boxed{} equals the label; format: a final answer exists)."""

    def __init__(self, kind: str, grader: str, timeout_s: float, recorder: HistoryRecorder):
        self.kind = kind
        self.grader = grader
        self.timeout_s = timeout_s
        self.recorder = recorder
        self.__name__ = f"{kind}_reward"

    def __call__(self, prompts, completions, answer, index, trainer_state=None, **_: Any) -> list[float]:
        from oneshot_rlvr import grading

        texts = [_completion_text(completion) for completion in completions]
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
        return rewards


def _completion_text(completion: Any) -> str:
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list) and completion and isinstance(completion[0], dict):
        return "".join(str(message.get("content", "")) for message in completion)
    return str(completion)


# ----------------------------------------------------------------------------------------------------------
# Checkpoints
# ----------------------------------------------------------------------------------------------------------


def complete_checkpoints(output_dir: Path) -> list[tuple[int, Path]]:
    """Checkpoints that finished saving (they carry our marker), oldest first."""
    found = []
    for child in Path(output_dir).glob("checkpoint-*"):
        match = _CHECKPOINT.match(child.name)
        if match and (child / COMPLETE_MARKER).exists():
            found.append((int(match.group(1)), child))
    return sorted(found)


def remove_partial_checkpoints(output_dir: Path) -> list[Path]:
    """Delete checkpoint folders a kill left half-written (no completion marker)."""
    removed = []
    for child in Path(output_dir).glob("checkpoint-*"):
        if _CHECKPOINT.match(child.name) and not (child / COMPLETE_MARKER).exists():
            shutil.rmtree(child, ignore_errors=True)
            removed.append(child)
    return removed


def _make_callback(recorder: HistoryRecorder, spec: Mapping[str, Any]):
    from transformers import TrainerCallback

    class CheckpointExtras(TrainerCallback):
        """After each checkpoint: history, bf16 dtype note, then the completion marker (written last)."""

        def on_save(self, args, state, control, **kwargs):
            from accelerate.utils import gather_object

            pending = recorder.take_pending()
            gathered = gather_object([pending]) if args.world_size > 1 else [pending]
            recorder.merge_pending(gathered)
            if not state.is_world_process_zero:
                return
            checkpoint = Path(args.output_dir) / f"checkpoint-{state.global_step}"
            atomic_write_json(checkpoint / HISTORY_FILE, recorder.history)
            if spec["bf16"]:
                _record_bf16(checkpoint)
            atomic_write_json(checkpoint / COMPLETE_MARKER, {"step": state.global_step, "time": time.time()})

    return CheckpointExtras()


def _record_bf16(checkpoint: Path) -> None:
    """Saved weights may be fp32; the config says bf16 so evaluation loads them as the paper's base model is."""
    config_path = checkpoint / "config.json"
    if config_path.exists():
        config = json.loads(config_path.read_text())
        config["torch_dtype"] = "bfloat16"
        config["dtype"] = "bfloat16"
        atomic_write_json(config_path, config)


# ----------------------------------------------------------------------------------------------------------
# Dataset
# ----------------------------------------------------------------------------------------------------------


def load_training_records(dataset_path: Path) -> list[dict[str, Any]]:
    """verl-format parquet -> TRL records: conversational prompt, answer label, DSR-sub index."""
    import pandas as pd

    path = Path(dataset_path)
    if not path.exists():
        raise TrainingError(f"training dataset {path} does not exist")
    frame = pd.read_parquet(path)
    missing = {"prompt", "reward_model", "extra_info"} - set(frame.columns)
    if missing:
        raise TrainingError(f"{path}: training dataset is missing column(s) {sorted(missing)}")
    if frame.empty:
        raise TrainingError(f"{path}: training dataset is empty")
    records = []
    for row_number, row in enumerate(frame.to_dict("records")):
        try:
            prompt = [{"role": str(m["role"]), "content": str(m["content"])} for m in row["prompt"]]
            records.append(
                {
                    "prompt": prompt,
                    "answer": str(row["reward_model"]["ground_truth"]),
                    "index": int(row["extra_info"]["index"]),
                }
            )
        except (KeyError, TypeError, ValueError) as error:
            raise TrainingError(f"{path}: row {row_number} is malformed ({error})") from None
    return records


def filter_long_prompts(records: list[dict[str, Any]], tokenizer, max_prompt_length: int) -> list[dict[str, Any]]:
    """Drop prompts whose chat-templated length exceeds the limit, as verl's dataset does."""
    kept = []
    for record in records:
        ids = tokenizer.apply_chat_template(record["prompt"], add_generation_prompt=True, tokenize=True)
        if hasattr(ids, "keys"):
            ids = ids["input_ids"]
        if len(ids) <= max_prompt_length:
            kept.append(record)
    return kept


# ----------------------------------------------------------------------------------------------------------
# Entry point
# ----------------------------------------------------------------------------------------------------------


def train(spec: Mapping[str, Any], dataset_path: Path, checkpoint_dir: Path, done_path: Path) -> dict[str, Any]:
    """Train (or resume) one run; write the done file with the saved steps once max_steps is reached."""
    import torch
    from datasets import Dataset
    from transformers import AutoTokenizer
    from trl import GRPOConfig, GRPOTrainer

    started = time.time()
    model_path = spec["model"]["path"]
    if spec["model"].get("build") and not Path(model_path).exists():
        raise TrainingError(f"model path {model_path} does not exist (build it with `oneshot-rlvr build-tiny-model`)")
    use_cpu = not torch.cuda.is_available()
    if spec["use_vllm"] and use_cpu:
        raise TrainingError(
            f"run {spec['run']!r}: training.use_vllm is true but no CUDA GPU is visible; install the `gpu` extra on a "
            "GPU machine, or set training.use_vllm=false for CPU runs"
        )
    checkpoint_dir = Path(checkpoint_dir)
    checkpoint_dir.mkdir(parents=True, exist_ok=True)
    remove_partial_checkpoints(checkpoint_dir)
    complete = complete_checkpoints(checkpoint_dir)
    resume_from = complete[-1][1] if complete else None
    history: dict[str, list[float]] = {}
    if resume_from is not None:
        history = json.loads((resume_from / HISTORY_FILE).read_text())
        print(f"resuming run {spec['run']} from {resume_from}", flush=True)

    tokenizer = AutoTokenizer.from_pretrained(model_path)
    tokenizer.padding_side = "left"
    records = filter_long_prompts(load_training_records(dataset_path), tokenizer, spec["max_prompt_length"])
    if not records:
        raise TrainingError(f"{dataset_path}: no prompt fits max_prompt_length={spec['max_prompt_length']}")

    recorder = HistoryRecorder(spec["num_generations"], history)
    reward = RewardFunction(spec["reward"], spec["grader"], spec["reward_timeout_s"], recorder)
    args = GRPOConfig(**grpo_config_kwargs(spec, checkpoint_dir, use_cpu=use_cpu))
    model_kwargs = {"dtype": torch.bfloat16} if spec["bf16"] and not use_cpu else {"dtype": torch.float32}
    args.model_init_kwargs = model_kwargs
    trainer = GRPOTrainer(
        model=model_path,
        reward_funcs=[reward],
        args=args,
        train_dataset=Dataset.from_list(records),
        processing_class=tokenizer,
        callbacks=[_make_callback(recorder, spec)],
    )
    if resume_from is None or complete[-1][0] < spec["max_steps"]:
        trainer.train(resume_from_checkpoint=str(resume_from) if resume_from else None)
    steps = [step for step, _ in complete_checkpoints(checkpoint_dir)]
    if not steps or steps[-1] != spec["max_steps"]:
        raise TrainingError(f"run {spec['run']!r} ended at step {steps[-1] if steps else 0}, not {spec['max_steps']}")
    final_history = json.loads((checkpoint_dir / f"checkpoint-{steps[-1]}" / HISTORY_FILE).read_text())
    summary = {
        "run": spec["run"],
        "steps": steps,
        "max_steps": spec["max_steps"],
        "checkpoint_dir": str(checkpoint_dir),
        "history_examples": len(final_history),
        "history_entries": sum(len(values) for values in final_history.values()),
        "resumed_from": str(resume_from) if resume_from else None,
        "wall_time_s": round(time.time() - started, 1),
    }
    atomic_write_json(Path(done_path), summary)
    return summary
