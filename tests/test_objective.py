"""The paper's objective: checked against an independent computation from verl's formulas."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
import torch

from oneshot_rlvr import objective, training


def reference_verl_loss(logp, old, ref, entropy, adv, mask, clip=0.2, beta=0.001, ent=0.001, pg=1.0, clamp=10.0):
    """verl core_algos + dp_actor, written out in numpy, one token at a time."""
    pg_terms, kl_terms, ent_terms = [], [], []
    for i in range(logp.shape[0]):
        for t in range(logp.shape[1]):
            if mask[i, t] == 0:
                continue
            ratio = math.exp(logp[i, t] - old[i, t])
            pg_terms.append(max(-adv[i] * ratio, -adv[i] * min(max(ratio, 1 - clip), 1 + clip)))
            d = ref[i, t] - logp[i, t]
            kl_terms.append(min(max(math.exp(d) - d - 1, -clamp), clamp))
            ent_terms.append(entropy[i, t])
    return pg * np.mean(pg_terms) - ent * np.mean(ent_terms) + beta * np.mean(kl_terms)


@pytest.fixture
def batch():
    generator = torch.Generator().manual_seed(0)
    logp = -torch.rand(4, 6, generator=generator, dtype=torch.float64) * 3
    old = logp + 0.3 * torch.randn(4, 6, generator=generator, dtype=torch.float64)  # some ratios clip
    ref = logp + torch.randn(4, 6, generator=generator, dtype=torch.float64)
    ref[0, 0] = logp[0, 0] + 4.0  # a KL term beyond the clamp
    entropy = torch.rand(4, 6, generator=generator, dtype=torch.float64) * 2
    adv = torch.tensor([2.4749, -0.3536, 0.0, 1.0], dtype=torch.float64)
    mask = torch.tensor([[1] * 6, [1] * 4 + [0] * 2, [1] * 2 + [0] * 4, [1] * 5 + [0]], dtype=torch.float64)
    return logp, old, ref, entropy, adv, mask


def test_grpo_advantages_match_verl():
    rewards = torch.tensor([1.0] + [0.0] * 7 + [1.0] * 8)
    adv = objective.grpo_advantages(rewards, 8)
    assert adv[0].item() == pytest.approx(2.4749, abs=1e-4)
    assert adv[1].item() == pytest.approx(-0.3536, abs=1e-4)
    assert torch.equal(adv[8:], torch.zeros(8))  # all-equal group: exactly zero


@pytest.mark.parametrize("settings", [{}, {"pg": 0.0}, {"beta": 0.0}, {"ent": 0.003}, {"clamp": None}])
def test_objective_equals_independent_formula(batch, settings):
    logp, old, ref, entropy, adv, mask = batch
    kwargs = {"clip": 0.2, "beta": 0.001, "ent": 0.001, "pg": 1.0, "clamp": 10.0, **settings}
    expected = reference_verl_loss(
        logp.numpy(),
        old.numpy(),
        ref.numpy(),
        entropy.numpy(),
        adv.numpy(),
        mask.numpy(),
        kwargs["clip"],
        kwargs["beta"],
        kwargs["ent"],
        kwargs["pg"],
        kwargs["clamp"] if kwargs["clamp"] is not None else float("inf"),
    )
    terms = objective.verl_objective(
        logp,
        old,
        ref,
        entropy,
        adv,
        mask,
        clip_ratio=kwargs["clip"],
        beta=kwargs["beta"],
        entropy_coef=kwargs["ent"],
        pg_coef=kwargs["pg"],
        kl_clamp=kwargs["clamp"],
    )
    assert terms.loss.item() == pytest.approx(expected, rel=1e-10)


def test_clamp_changes_the_kl(batch):
    logp, old, ref, entropy, adv, mask = batch
    clamped = objective.verl_objective(logp, old, ref, entropy, adv, mask, beta=1.0, kl_clamp=1.0)
    free = objective.verl_objective(logp, old, ref, entropy, adv, mask, beta=1.0, kl_clamp=None)
    assert clamped.kl.item() < free.kl.item()


def test_trainer_loss_is_the_verl_objective(tiny_model, batch, monkeypatch):
    """The trainer's own _compute_loss on a fixed batch of log-probs equals the independent formula."""
    from datasets import Dataset
    from transformers import AutoTokenizer
    from trl import GRPOConfig

    logp, old, ref, entropy, adv, mask = (t.float() for t in batch)
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    args = GRPOConfig(
        output_dir="unused",
        per_device_train_batch_size=4,
        num_generations=2,
        max_steps=1,
        beta=0.001,
        entropy_coef=0.001,
        epsilon=0.2,
        use_cpu=True,
        report_to=[],
        gradient_accumulation_steps=2,
        steps_per_generation=2,
    )
    parity = {
        "objective": "verl",
        "advantage_epsilon": 1e-6,
        "kl_clamp": 10.0,
        "policy_loss_coef": 1.0,
        "decay_all_params": True,
    }
    trainer = training.OneShotGRPOTrainer(
        parity=parity,
        model=str(tiny_model),
        reward_funcs=[lambda completions, **_: [0.0] * len(completions)],
        args=args,
        train_dataset=Dataset.from_list([{"prompt": "x"}]),
        processing_class=tokenizer,
    )
    monkeypatch.setattr(
        trainer,
        "_get_per_token_logps_and_entropies",
        lambda *a, **k: (logp.clone().requires_grad_(True), entropy, None),
    )
    inputs = {
        "prompt_ids": torch.ones(4, 3, dtype=torch.long),
        "prompt_mask": torch.ones(4, 3, dtype=torch.long),
        "completion_ids": torch.ones(4, 6, dtype=torch.long),
        "completion_mask": mask.long(),
        "advantages": adv,
        "old_per_token_logps": old,
        "ref_per_token_logps": ref,
    }
    trainer.model.train()
    loss = trainer._compute_loss(trainer.model, inputs)
    expected = reference_verl_loss(*(t.double().numpy() for t in (logp, old, ref, entropy, adv, mask)))
    # The loss is scaled by 1/gradient-accumulation, as verl scales each micro-batch by its share of the batch.
    assert loss.item() * args.gradient_accumulation_steps == pytest.approx(expected, rel=1e-5)
    decay = trainer.get_decay_parameter_names(trainer.model)
    assert len(decay) == len(list(trainer.model.named_parameters()))  # verl decays every parameter


def test_wrong_labels_follow_the_paper_rule():
    rng = random.Random(0)
    for label in ["12", "-7", "3.5", "\\frac{4}{3}", "-\\frac{2023}{2024}", "5/6"]:
        for _ in range(20):
            wrong = training.corrupt_label(label, rng)
            assert wrong is not None and wrong != label
    assert training.corrupt_label("x^2+1", rng) is None
    records = [{"index": i % 10, "answer": str(i % 10 + 1)} for i in range(40)]
    changes = training.apply_label_changes(records, {"wrong_label_fraction": 0.6, "wrong_label_seed": 3})
    assert changes == {"chosen": 6, "corrupted": 6}
    by_index: dict[int, set[str]] = {}
    for record in records:
        by_index.setdefault(record["index"], set()).add(record["answer"])
    assert all(len(answers) == 1 for answers in by_index.values())  # the same wrong label for every copy
    assert sum(answers != {str(i + 1)} for i, answers in by_index.items()) == 6
    again = [{"index": i % 10, "answer": str(i % 10 + 1)} for i in range(40)]
    training.apply_label_changes(again, {"wrong_label_fraction": 0.6, "wrong_label_seed": 3})
    assert again == records  # seeded
    override = [{"index": 124, "answer": "12.8"}]
    training.apply_label_changes(override, {"label_override": "12.7"})
    assert override[0]["answer"] == "12.7"
