"""The trainer: TRL's GRPOTrainer with the authors' verl objective, precision and optimizer details.

Each departure from stock TRL is a switch in `parity` (training/grpo_config.py, docs/fidelity.md). This module
imports torch and TRL; `oneshot_rlvr.training` exposes it lazily so that importing the package stays cheap.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from trl import GRPOTrainer

from oneshot_rlvr.objective import grpo_advantages, verl_objective
from oneshot_rlvr.training.consolidation import gather_full_state_dict
from oneshot_rlvr.training.grpo_config import fsdp_plugin_with_verl_policy
from oneshot_rlvr.training.microbatches import micro_batch_count, verl_sequence_weights

# Per-sequence token weights of verl's aggregation travel with each generation batch under this key.
LOSS_WEIGHTS = "loss_weights"


class OneShotGRPOTrainer(GRPOTrainer):
    """GRPOTrainer with verl's advantage epsilon, clamped k3 KL, policy-loss coefficient, loss aggregation over
    token-budgeted micro-batches, first-update lr, weight decay on every parameter and FSDP mixed precision,
    and a consolidated Hugging Face model in every checkpoint."""

    def __init__(self, *args, parity: Mapping[str, Any], **kwargs):
        self.parity = dict(parity)
        self._captured_rewards = None
        super().__init__(*args, **kwargs)

    # FSDP: verl's mixed precision (params bf16, gradient reduction fp32) instead of bf16 for everything.
    def _build_accelerator_args(self, **kwargs):
        args = super()._build_accelerator_args(**kwargs)
        if self.args.bf16:
            args["fsdp_plugin"] = fsdp_plugin_with_verl_policy(args.get("fsdp_plugin"))
            if args["fsdp_plugin"] is not None:
                policy = args["fsdp_plugin"].mixed_precision_policy
                print(f"FSDP mixed precision: params {policy.param_dtype}, reduce {policy.reduce_dtype}", flush=True)
        return args

    # Advantages: verl's (r - mean) / (std + 1e-6) instead of TRL's 1e-4.
    def _calculate_rewards(self, inputs, prompts, completions, completion_ids_list):
        rewards = super()._calculate_rewards(inputs, prompts, completions, completion_ids_list)
        self._captured_rewards = rewards  # gathered over every process, in process order
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
        if self.model.training and self._verl_aggregation():
            output[LOSS_WEIGHTS] = self._verl_loss_weights(output["prompt_mask"], output["completion_mask"])
        return output

    def _verl_aggregation(self) -> bool:
        return self.parity.get("objective") == "verl" and self.parity.get("loss_aggregation") == "verl"

    def _verl_loss_weights(self, prompt_mask: torch.Tensor, completion_mask: torch.Tensor) -> torch.Tensor:
        """This process's generation batch (one optimizer step) weighted as verl's micro-batches would be."""
        lengths = (prompt_mask.sum(dim=1) + completion_mask.sum(dim=1)).tolist()
        budget = int(self.parity["micro_batch_max_tokens"])
        parts = self._agreed_micro_batch_count(micro_batch_count(lengths, budget))
        weights = verl_sequence_weights(lengths, completion_mask.sum(dim=1).tolist(), budget, parts)
        return torch.tensor(weights, dtype=torch.float32, device=completion_mask.device)

    def _agreed_micro_batch_count(self, parts: int) -> int:
        """verl takes the largest micro-batch count over the data-parallel ranks."""
        if self.accelerator.num_processes == 1:
            return parts
        return int(self.accelerator.gather(torch.tensor([parts], device=self.accelerator.device)).max().item())

    # Loss: the verl objective (PPO-clip PG, clamped k3 KL, entropy bonus; verl's aggregation or a token mean
    # per micro-batch).
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
        sequence_weights = inputs.get(LOSS_WEIGHTS)
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
            sequence_weights=sequence_weights,
        )
        mode = "train" if self.model.training else "eval"
        accumulation = getattr(self, "current_gradient_accumulation_steps", self.args.gradient_accumulation_steps)
        if sequence_weights is None:
            # Token mean per micro-batch, each micro-batch an equal share of the step.
            normalizer, metric_scale = (accumulation if mode == "train" else 1.0), 1.0
        else:
            # The weights already make each micro-batch its share of the step; logged terms are scaled so that
            # their mean over the step's micro-batches is the step's value.
            normalizer, metric_scale = 1.0, accumulation
        metrics = self._metrics[mode]
        for name, value in (
            ("policy_loss", terms.pg_loss),
            ("policy_loss_abs", terms.pg_loss.abs()),  # Figure 16: the size of the PG loss per step
            ("kl", terms.kl),
            ("entropy", terms.entropy),
            ("clip_ratio/region_mean", terms.clip_fraction),
        ):
            metrics[name].append(self.accelerator.gather(value.reshape(1) * metric_scale).mean().item())
        return terms.loss / normalizer

    # Checkpoints: under FSDP with sharded state dicts the Trainer saves no Hugging Face model; gather and save
    # one beside the sharded files it resumes from.
    def save_model(self, output_dir: str | None = None, _internal_call: bool = False) -> None:
        if self.is_fsdp_enabled and "SHARDED_STATE_DICT" in str(self.accelerator.state.fsdp_plugin.state_dict_type):
            state_dict = gather_full_state_dict(self.model)  # every rank takes part
            if self.args.should_save:
                self._save(output_dir or self.args.output_dir, state_dict=state_dict)
            return
        super().save_model(output_dir, _internal_call)

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
