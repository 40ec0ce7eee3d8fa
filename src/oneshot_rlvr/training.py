"""GRPO training with TRL, set up to follow the authors' verl recipe (see docs/fidelity.md).

Checkpoints go to a folder that is not a declared Snakemake output, so a killed run resumes from its last
complete checkpoint when the rule runs again. Each checkpoint carries the training-accuracy history in the
layout of the authors' `acc_step_500.json` (the input of variance scoring) and the per-step training log of the
steps since the previous checkpoint (`train_log.jsonl`: accuracy, reward, TRL's logged values, sampled rollouts;
the figures read it).
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from oneshot_rlvr.io import atomic_write_json

HISTORY_FILE = "history.json"
# Per-step training log of the steps since the previous checkpoint (read back with read_train_log).
TRAIN_LOG_FILE = "train_log.jsonl"
# Rollouts kept per step in the training log (Figure 3's training responses), each cut to this many characters.
LOG_SAMPLES_PER_STEP = 2
LOG_SAMPLE_MAX_CHARS = 16000
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
        # TRL only computes reference log-probs when beta != 0; the verl objective reads them from there.
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


def parity_settings(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The settings where our trainer departs from stock TRL to follow verl (docs/fidelity.md)."""
    return {
        "objective": spec["objective"],
        "advantage_epsilon": spec["advantage_epsilon"],
        "kl_clamp": spec["kl_clamp"],
        "policy_loss_coef": 1.0 if spec["policy_loss"] else 0.0,
        "first_update_lr_zero": spec["first_update_lr_zero"],
        "decay_all_params": spec["decay_all_params"],
        "label_override": spec["label_override"],
        "wrong_label_fraction": spec["wrong_label_fraction"],
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
        "parity": parity_settings(spec),
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
    from oneshot_rlvr.io import read_jsonl

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
        if self.log is not None:
            self.log.add(step, index, answer, texts, correctness, rewards)
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


# Settings that do not change what the first N steps compute: a run may resume across changes to these.
_RESUMABLE_KEYS = ("max_steps", "save_steps", "runtime_min", "mem_mb", "gpus", "distributed", "report_to", "run")
RUN_FINGERPRINT_FILE = "run_fingerprint.json"


def trajectory_fingerprint(spec: Mapping[str, Any], dataset_path: Path) -> str:
    """Hash of everything that shapes the training trajectory: settings, model and training-set content."""
    import hashlib

    from oneshot_rlvr.config import spec_hash

    digest = hashlib.sha256(Path(dataset_path).read_bytes()).hexdigest() if Path(dataset_path).exists() else ""
    settings = {key: value for key, value in spec.items() if key not in _RESUMABLE_KEYS}
    return spec_hash({"settings": settings, "dataset_sha256": digest})


def set_aside_stale_checkpoints(checkpoint_dir: Path, fingerprint: str) -> Path | None:
    """Checkpoints of a different trajectory (changed data or settings) are moved aside, not resumed from.

    Nothing is deleted: the old folder is renamed `<dir>.stale-<its fingerprint>`.
    """
    marker = checkpoint_dir / RUN_FINGERPRINT_FILE
    moved = None
    if checkpoint_dir.exists() and any(checkpoint_dir.glob("checkpoint-*")):
        previous = json.loads(marker.read_text())["fingerprint"] if marker.exists() else "unknown"
        if previous != fingerprint:
            moved = checkpoint_dir.with_name(f"{checkpoint_dir.name}.stale-{previous}")
            if moved.exists():
                shutil.rmtree(moved)
            checkpoint_dir.rename(moved)
            print(f"checkpoints in {checkpoint_dir} belong to other settings or data; moved to {moved}", flush=True)
    checkpoint_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_json(marker, {"fingerprint": fingerprint})
    return moved


def _make_callback(recorder: HistoryRecorder, spec: Mapping[str, Any], log: TrainingLog | None = None):
    from transformers import TrainerCallback

    from oneshot_rlvr.io import atomic_write_jsonl

    class CheckpointExtras(TrainerCallback):
        """After each checkpoint: history, training log, bf16 dtype note, then the completion marker (last)."""

        def on_save(self, args, state, control, **kwargs):
            from accelerate.utils import gather_object

            pending = recorder.take_pending()
            gathered = gather_object([pending]) if args.world_size > 1 else [pending]
            recorder.merge_pending(gathered)
            steps = log.take_pending() if log is not None else {}
            gathered_steps = gather_object([steps]) if args.world_size > 1 else [steps]
            if not state.is_world_process_zero:
                return
            checkpoint = Path(args.output_dir) / f"checkpoint-{state.global_step}"
            atomic_write_json(checkpoint / HISTORY_FILE, recorder.history)
            if log is not None:
                atomic_write_jsonl(checkpoint / TRAIN_LOG_FILE, log.rows(gathered_steps, state.log_history))
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
# The trainer: TRL's GRPOTrainer with the verl objective and optimizer details
# ----------------------------------------------------------------------------------------------------------


def make_trainer_class():
    """Build the GRPOTrainer subclass (imported lazily: TRL is heavy)."""
    import torch
    from trl import GRPOTrainer

    from oneshot_rlvr.objective import grpo_advantages, verl_objective

    class OneShotGRPOTrainer(GRPOTrainer):
        """GRPOTrainer with verl's advantage epsilon, clamped k3 KL, policy-loss coefficient, first-update lr,
        and weight decay on every parameter, each a switch in `parity` (see docs/fidelity.md)."""

        def __init__(self, *args, parity: Mapping[str, Any], **kwargs):
            self.parity = dict(parity)
            self._captured_rewards = None
            super().__init__(*args, **kwargs)

        # Advantages: verl's (r - mean) / (std + 1e-6) instead of TRL's 1e-4.
        def _calculate_rewards(self, inputs, prompts, completions, completion_ids_list):
            rewards = super()._calculate_rewards(inputs, prompts, completions, completion_ids_list)
            self._captured_rewards = rewards
            return rewards

        def _generate_and_score_completions(self, inputs):
            output = super()._generate_and_score_completions(inputs)
            epsilon = self.parity.get("advantage_epsilon")
            if epsilon is not None and self._captured_rewards is not None and self.model.training:
                weights = self.reward_weights.to(self._captured_rewards.device)
                rewards = torch.nan_to_num(self._captured_rewards * weights.unsqueeze(0), nan=0.0).sum(dim=1)
                advantages = grpo_advantages(rewards, self.num_generations, float(epsilon))
                local = output["advantages"].shape[0]
                start = self.accelerator.process_index * local
                output["advantages"] = advantages[start : start + local].to(output["advantages"].dtype)
            self._captured_rewards = None
            return output

        # Loss: the verl objective (PPO-clip PG, clamped k3 KL, entropy bonus, token mean per micro-batch).
        def _compute_loss(self, model, inputs):
            if self.parity.get("objective") != "verl":
                return super()._compute_loss(model, inputs)
            prompt_ids, prompt_mask = inputs["prompt_ids"], inputs["prompt_mask"]
            completion_ids, completion_mask = inputs["completion_ids"], inputs["completion_mask"]
            input_ids = torch.cat([prompt_ids, completion_ids], dim=1)
            attention_mask = torch.cat([prompt_mask, completion_mask], dim=1)
            logp, entropies, _ = self._get_per_token_logps_and_entropies(
                model, input_ids, attention_mask, completion_ids.size(1), compute_entropy=True
            )
            old = inputs.get("old_per_token_logps")
            terms = verl_objective(
                logp,
                logp.detach() if old is None else old,
                inputs.get("ref_per_token_logps"),
                entropies,
                inputs["advantages"],
                completion_mask,
                clip_ratio=self.epsilon_low,
                beta=self.beta,
                entropy_coef=self.entropy_coef,
                pg_coef=float(self.parity.get("policy_loss_coef", 1.0)),
                kl_clamp=self.parity.get("kl_clamp"),
            )
            mode = "train" if self.model.training else "eval"
            accumulation = getattr(self, "current_gradient_accumulation_steps", self.args.gradient_accumulation_steps)
            normalizer = accumulation if mode == "train" else 1.0
            metrics = self._metrics[mode]
            for name, value in (
                ("policy_loss", terms.pg_loss),
                ("policy_loss_abs", terms.pg_loss.abs()),  # Figure 16: the size of the PG loss per step
                ("kl", terms.kl),
                ("entropy", terms.entropy),
                ("clip_ratio/region_mean", terms.clip_fraction),
            ):
                metrics[name].append(self.accelerator.gather(value.reshape(1)).mean().item())
            return terms.loss / normalizer

        # Optimizer details: verl decays every parameter; verl's scheduler gives lr 0 on the first update.
        def get_decay_parameter_names(self, model):
            if self.parity.get("decay_all_params"):
                return [name for name, _ in model.named_parameters()]
            return super().get_decay_parameter_names(model)

        def create_scheduler(self, num_training_steps, optimizer=None):
            if not self.parity.get("first_update_lr_zero") or self.args.lr_scheduler_type != "constant":
                return super().create_scheduler(num_training_steps, optimizer)
            if self.lr_scheduler is None:
                self.lr_scheduler = torch.optim.lr_scheduler.LambdaLR(
                    optimizer if optimizer is not None else self.optimizer, lambda step: 0.0 if step == 0 else 1.0
                )
                self._created_lr_scheduler = True
            return self.lr_scheduler

    return OneShotGRPOTrainer


# ----------------------------------------------------------------------------------------------------------
# Labels: the ablations of Table 5 (label override) and Table 17 (random wrong labels)
# ----------------------------------------------------------------------------------------------------------

_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_FRACTION = re.compile(r"^(-?)\\[dt]?frac\{(-?\d+)\}\{(-?\d+)\}$|^(-?)(\d+)/(\d+)$")


def _shift(value: str, rng) -> str:
    """Add or subtract a random amount in 1..10, then flip the sign with probability 1/2 (App. C.2.4)."""
    number = float(value)
    is_int = "." not in value
    for _ in range(100):
        moved = number + rng.choice([-1, 1]) * rng.randint(1, 10)
        moved = -moved if rng.random() < 0.5 else moved
        if moved != number:
            return str(int(moved)) if is_int else repr(round(moved, 10))
    return str(number + 1)


def corrupt_label(label: str, rng) -> str | None:
    """A wrong label by the paper's rule; fractions change numerator and denominator. None if not numeric."""
    text = label.strip()
    if _NUMBER.match(text):
        return _shift(text, rng)
    match = _FRACTION.match(text)
    if match:
        sign = match.group(1) or match.group(4) or ""
        numerator = match.group(2) or match.group(5)
        denominator = match.group(3) or match.group(6)
        new_numerator = _shift(numerator, rng)
        new_denominator = _shift(denominator, rng)
        while new_denominator in ("0", "-0"):
            new_denominator = _shift(denominator, rng)
        return f"{sign}\\frac{{{new_numerator}}}{{{new_denominator}}}"
    return None


def apply_label_changes(records: list[dict[str, Any]], spec: Mapping[str, Any]) -> dict[str, int]:
    """Label override (every record) or seeded random wrong labels for a fraction of the examples, in place."""
    import random

    if spec.get("label_override") is not None:
        for record in records:
            record["answer"] = str(spec["label_override"])
        return {"overridden": len(records)}
    fraction = float(spec.get("wrong_label_fraction") or 0.0)
    if fraction <= 0:
        return {}
    rng = random.Random(int(spec.get("wrong_label_seed", 0)))
    indices = sorted({record["index"] for record in records})
    chosen = set(rng.sample(indices, round(fraction * len(indices))))
    wrong: dict[int, str | None] = {index: None for index in chosen}
    labels = {record["index"]: record["answer"] for record in records}
    for index in sorted(chosen):
        wrong[index] = corrupt_label(labels[index], rng)
    for record in records:
        if wrong.get(record["index"]) is not None:
            record["answer"] = wrong[record["index"]]
    return {"chosen": len(chosen), "corrupted": sum(v is not None for v in wrong.values())}


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
    from trl import GRPOConfig

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
    set_aside_stale_checkpoints(checkpoint_dir, trajectory_fingerprint(spec, Path(dataset_path)))
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
    label_changes = apply_label_changes(records, spec)

    recorder = HistoryRecorder(spec["num_generations"], history)
    step_log = TrainingLog()
    reward = RewardFunction(spec["reward"], spec["grader"], spec["reward_timeout_s"], recorder, step_log)
    # Under `accelerate launch` every process runs this function; the batch is split across them.
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    is_main = int(os.environ.get("RANK", "0")) == 0
    args = GRPOConfig(**grpo_config_kwargs(spec, checkpoint_dir, world_size=world_size, use_cpu=use_cpu))
    model_kwargs = {"dtype": torch.bfloat16} if spec["bf16"] and not use_cpu else {"dtype": torch.float32}
    args.model_init_kwargs = model_kwargs
    trainer = make_trainer_class()(
        parity=parity_settings(spec),
        model=model_path,
        reward_funcs=[reward],
        args=args,
        train_dataset=Dataset.from_list(records),
        processing_class=tokenizer,
        callbacks=[_make_callback(recorder, spec, step_log)],
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
        "label_changes": label_changes,
        "wall_time_s": round(time.time() - started, 1),
    }
    if is_main:
        atomic_write_json(Path(done_path), summary)
    return summary
