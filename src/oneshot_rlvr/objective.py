"""The paper's training objective, as the authors' verl code computes it (reference-implementation.md §1).

Pure tensor functions, so the trainer and the tests share one definition:
  L = pg_coef * PG - entropy_coef * H + beta * KL,
each a token mean over the micro-batch's response tokens, with PPO-clip PG, the clamped low-variance (k3) KL to
the reference policy, and the entropy of the temperature-scaled logits. With per-sequence token weights
(`sequence_weights`, verl's token-budgeted micro-batches: training/microbatches.py) each term is instead the
weighted token sum, the micro-batch's share of the step's loss.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


def grpo_advantages(rewards: torch.Tensor, group_size: int, epsilon: float = 1e-6) -> torch.Tensor:
    """(r - group mean) / (unbiased group std + epsilon), one group per consecutive `group_size` rewards.

    A group whose rewards are all equal gets advantage 0 exactly, as in verl.
    """
    grouped = rewards.view(-1, group_size)
    mean = grouped.mean(dim=1, keepdim=True)
    std = grouped.std(dim=1, keepdim=True) if group_size > 1 else torch.ones_like(mean)
    return ((grouped - mean) / (std + epsilon)).reshape(-1)


def masked_mean(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return (values * mask).sum() / mask.sum().clamp(min=1.0)


def aggregate(values: torch.Tensor, mask: torch.Tensor, sequence_weights: torch.Tensor | None = None) -> torch.Tensor:
    """Token mean over the micro-batch, or the token sum weighted per sequence (weights shaped (batch,))."""
    if sequence_weights is None:
        return masked_mean(values, mask)
    return (values * mask * sequence_weights.to(values.dtype).unsqueeze(1)).sum()


def low_var_kl(logp: torch.Tensor, ref_logp: torch.Tensor, clamp: float | None = 10.0) -> torch.Tensor:
    """k3 estimator exp(ref - logp) - (ref - logp) - 1, clamped to [-clamp, clamp] as verl does."""
    delta = ref_logp - logp
    kl = torch.exp(delta) - delta - 1.0
    return kl.clamp(-clamp, clamp) if clamp is not None else kl


@dataclass
class ObjectiveTerms:
    loss: torch.Tensor
    pg_loss: torch.Tensor
    kl: torch.Tensor
    entropy: torch.Tensor
    clip_fraction: torch.Tensor


def verl_objective(
    logp: torch.Tensor,
    old_logp: torch.Tensor,
    ref_logp: torch.Tensor | None,
    entropy: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    clip_ratio: float = 0.2,
    beta: float = 0.001,
    entropy_coef: float = 0.001,
    pg_coef: float = 1.0,
    kl_clamp: float | None = 10.0,
    sequence_weights: torch.Tensor | None = None,
) -> ObjectiveTerms:
    """One micro-batch's loss. Shapes: (batch, tokens) for the per-token tensors, (batch,) for advantages and
    sequence_weights (None: each term is the micro-batch's token mean)."""
    mask = mask.to(logp.dtype)
    adv = advantages.unsqueeze(1) if advantages.dim() == 1 else advantages
    ratio = torch.exp(logp - old_logp)
    unclipped = -adv * ratio
    clipped = -adv * torch.clamp(ratio, 1.0 - clip_ratio, 1.0 + clip_ratio)
    pg_loss = aggregate(torch.maximum(unclipped, clipped), mask, sequence_weights)
    clip_fraction = aggregate((clipped > unclipped).to(logp.dtype), mask, sequence_weights)
    mean_entropy = aggregate(entropy, mask, sequence_weights)
    loss = pg_coef * pg_loss - entropy_coef * mean_entropy
    kl = torch.zeros((), dtype=logp.dtype, device=logp.device)
    if beta != 0.0 and ref_logp is not None:
        kl = aggregate(low_var_kl(logp, ref_logp, kl_clamp), mask, sequence_weights)
        loss = loss + beta * kl
    return ObjectiveTerms(
        loss=loss,
        pg_loss=pg_loss.detach(),
        kl=kl.detach(),
        entropy=mean_entropy.detach(),
        clip_fraction=clip_fraction.detach(),
    )
