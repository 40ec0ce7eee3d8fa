"""A run's TRL `GRPOConfig`, its batch layout and its precision, set up to follow the authors' verl recipe.

Precision (docs/fidelity.md): the policy's trainable weights and AdamW state are always fp32 ("master weights",
as verl's actor); `training.bf16` turns on bf16 *autocast* for the forward and backward passes. Loading the
policy in bf16 would lose most lr-1e-6 updates to rounding. Under FSDP the parameters are all-gathered in bf16
and gradients are reduced in fp32, verl's `MixedPrecision(param=bf16, reduce=fp32, buffer=fp32)`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from oneshot_rlvr import paths
from oneshot_rlvr.training.errors import TrainingError

# The policy is loaded (and trained) in this dtype on every path, whatever `training.bf16` says.
POLICY_DTYPE = "float32"
# FSDP mixed precision: parameters gathered for compute in bf16, gradients reduced in fp32 (verl's policy).
FSDP_PARAM_DTYPE = "bfloat16"
FSDP_REDUCE_DTYPE = "float32"


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


def precision(spec: Mapping[str, Any]) -> dict[str, str]:
    """What the trainer computes in: fp32 master weights always, bf16 autocast when `bf16` is on (any device)."""
    return {
        "policy_dtype": POLICY_DTYPE,
        "optimizer_state_dtype": POLICY_DTYPE,
        "autocast": "bf16" if spec["bf16"] else "no",
        "fsdp_param_dtype": FSDP_PARAM_DTYPE if spec["bf16"] else POLICY_DTYPE,
        "fsdp_reduce_dtype": FSDP_REDUCE_DTYPE,
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
        # fp32 master weights (the policy, and the reference model TRL builds from the same kwargs) with bf16
        # autocast: the same decision on CPU and GPU, so the CPU tests exercise the GPU's precision path.
        "model_init_kwargs": {"dtype": POLICY_DTYPE},
        "bf16": bool(spec["bf16"]),
        "activation_checkpointing": spec["gradient_checkpointing"],  # transformers 5's name for it
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
        "loss_aggregation": spec["loss_aggregation"],
        "micro_batch_max_tokens": spec["micro_batch_max_tokens"],
    }


def resolved_training_config(spec: Mapping[str, Any], world_size: int = 1) -> dict[str, Any]:
    """What `show-config` prints: the TRL fields, the precision and the derived figures."""
    kwargs = grpo_config_kwargs(spec, Path(paths.checkpoints_dir(spec["run"])), world_size)
    return {
        "run": spec["run"],
        "dataset": spec["dataset"],
        "model": spec["model"]["path"],
        "reward": spec["reward"],
        "grader": spec["grader"],
        "max_prompt_length": spec["max_prompt_length"],
        "parity": parity_settings(spec),
        "precision": precision(spec),
        "trl": kwargs,
        **batch_layout(spec, world_size),
    }


def fsdp_mixed_precision_policy(fsdp_version: int):
    """verl's FSDP mixed precision for accelerate's plugin: params bf16, gradient reduction fp32 (buffers fp32)."""
    import torch

    param, reduce = getattr(torch, FSDP_PARAM_DTYPE), getattr(torch, FSDP_REDUCE_DTYPE)
    if int(fsdp_version) == 2:
        from torch.distributed.fsdp import MixedPrecisionPolicy

        return MixedPrecisionPolicy(param_dtype=param, reduce_dtype=reduce)
    from torch.distributed.fsdp import MixedPrecision

    return MixedPrecision(param_dtype=param, reduce_dtype=reduce, buffer_dtype=torch.float32)


def fsdp_plugin_with_verl_policy(plugin=None):
    """accelerate's FSDP plugin with verl's mixed-precision policy set explicitly, or None when FSDP is off.

    Under `accelerate launch --config_file workflow/accelerate/fsdp.yaml` transformers passes no plugin and
    accelerate would build one from the FSDP_* environment with `mixed_precision: bf16` for every dtype,
    gradient reduction included; built here from the same environment, with the policy already set, accelerate
    keeps ours (its `set_mixed_precision` only fills a missing policy).
    """
    if plugin is None:
        if os.environ.get("ACCELERATE_USE_FSDP", "false").lower() != "true":
            return None
        from accelerate.utils import FullyShardedDataParallelPlugin

        plugin = FullyShardedDataParallelPlugin()
    plugin.mixed_precision_policy = fsdp_mixed_precision_policy(plugin.fsdp_version)
    return plugin
