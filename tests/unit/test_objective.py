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


# ----------------------------------------------------------------------------------------------------------
# Gradients: the trainer's loss, through TRL's temperature-scaled log-probs and our aggregation, against an
# independent float64 computation from the model's plain logits (verl's formulas written out).
# ----------------------------------------------------------------------------------------------------------

TEMPERATURE = 0.6


def grpo_trainer(tiny_model, tmp_path, parity_overrides=None):
    from datasets import Dataset
    from transformers import AutoTokenizer
    from trl import GRPOConfig

    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    args = GRPOConfig(
        output_dir=str(tmp_path),
        per_device_train_batch_size=3,
        num_generations=2,
        max_steps=1,
        beta=0.001,
        entropy_coef=0.001,
        epsilon=0.2,
        temperature=TEMPERATURE,
        use_cpu=True,
        bf16=False,  # fp32 compute (TRL's default is bf16 autocast), compared with a float64 reference
        report_to=[],
        gradient_accumulation_steps=2,
        steps_per_generation=2,
        model_init_kwargs={"dtype": "float32"},
    )
    parity = {"objective": "verl", "advantage_epsilon": 1e-6, "kl_clamp": 10.0, "policy_loss_coef": 1.0}
    trainer = training.OneShotGRPOTrainer(
        parity={**parity, **(parity_overrides or {})},
        model=str(tiny_model),
        reward_funcs=[lambda completions, **_: [0.0] * len(completions)],
        args=args,
        train_dataset=Dataset.from_list([{"prompt": "x"}]),
        processing_class=tokenizer,
    )
    trainer.model.train()
    return trainer


def step_batch(vocab: int):
    """6 sequences: equal-length prompts (no padding shifts positions), completions with right padding."""
    generator = torch.Generator().manual_seed(1)
    prompt_ids = torch.randint(3, vocab, (6, 5), generator=generator)
    completion_ids = torch.randint(3, vocab, (6, 7), generator=generator)
    lengths = [7, 3, 5, 1, 6, 2]
    completion_mask = torch.tensor([[1] * n + [0] * (7 - n) for n in lengths])
    advantages = torch.tensor([1.3, -0.7, 0.0, 2.1, -1.5, 0.4])
    shift = torch.randn(6, 7, generator=generator, dtype=torch.float64)
    return prompt_ids, completion_ids, completion_mask, advantages, shift


def reference_logps(model64, prompt_ids, completion_ids, temperature):
    """log pi(a_t) and entropy from the float64 model's plain forward: logits / T, log-softmax, gather."""
    ids = torch.cat([prompt_ids, completion_ids], dim=1)
    logits = model64(input_ids=ids).logits[:, prompt_ids.shape[1] - 1 : -1] / temperature
    logp_all = torch.log_softmax(logits, dim=-1)
    logp = logp_all.gather(-1, completion_ids.unsqueeze(-1)).squeeze(-1)
    entropy = -(logp_all.exp() * logp_all).sum(-1)
    return logp, entropy


def reference_terms(logp, old, ref, entropy, adv, mask, clip=0.2, beta=0.001, ent=0.001, clamp=10.0):
    """verl's per-token terms, token by token (torch float64 so the gradient can be taken)."""
    total = []
    for i in range(logp.shape[0]):
        for t in range(logp.shape[1]):
            if mask[i, t]:
                ratio = torch.exp(logp[i, t] - old[i, t])
                pg = torch.maximum(-adv[i] * ratio, -adv[i] * torch.clamp(ratio, 1 - clip, 1 + clip))
                d = ref[i, t] - logp[i, t]
                kl = torch.clamp(torch.exp(d) - d - 1, -clamp, clamp)
                total.append((i, pg - ent * entropy[i, t] + beta * kl))
    return total


@pytest.mark.parametrize("aggregation", ["micro_batch_mean", "verl"])
def test_trainer_gradient_equals_independent_reference(tiny_model, tmp_path, aggregation):
    """The gradient our trainer backpropagates over a step of 2 micro-batches (TRL's fused, temperature-scaled
    log-probs; our objective; our aggregation) equals the gradient of verl's loss computed independently in
    float64 from the model's plain logits: micro_batch_mean = the mean over the 2 micro-batches of their token
    means; verl = sum over verl's token-budgeted micro-batches of (B_mb / B) x their token mean."""
    from transformers import AutoModelForCausalLM

    from oneshot_rlvr.training.microbatches import balanced_partitions, micro_batch_count, verl_sequence_weights

    budget = 20  # 6 sequences of 6 to 12 tokens (54 in all): 3 verl micro-batches, not TRL's 2 micro-batches of 3
    trainer = grpo_trainer(tiny_model, tmp_path, {"loss_aggregation": aggregation, "micro_batch_max_tokens": budget})
    model = trainer.model
    model64 = AutoModelForCausalLM.from_pretrained(tiny_model, dtype=torch.float64)  # plain HF forward, fp64
    prompt_ids, completion_ids, mask, adv, shift = step_batch(model.config.vocab_size)
    with torch.no_grad():
        logp0, _ = reference_logps(model64, prompt_ids, completion_ids, TEMPERATURE)
    old, ref = logp0 + 0.15 * shift, logp0 + 0.5 * shift.flip(0)  # ratios off 1 (some clip), a real KL
    lengths = (prompt_ids.shape[1] + mask.sum(1)).tolist()
    parts = micro_batch_count(lengths, budget)
    weights = torch.tensor(verl_sequence_weights(lengths, mask.sum(1).tolist(), budget))

    # Ours: TRL's loop over 2 micro-batches of 3, gradients accumulated.
    model.zero_grad()
    for rows in (slice(0, 3), slice(3, 6)):
        inputs = {
            "prompt_ids": prompt_ids[rows],
            "prompt_mask": torch.ones_like(prompt_ids[rows]),
            "completion_ids": completion_ids[rows],
            "completion_mask": mask[rows],
            "advantages": adv[rows],
            "old_per_token_logps": old[rows].float(),
            "ref_per_token_logps": ref[rows].float(),
        }
        if aggregation == "verl":
            inputs[trainer_module().LOSS_WEIGHTS] = weights[rows]
        trainer._compute_loss(model, inputs).backward()
    ours = {name: param.grad.double() for name, param in model.named_parameters()}

    # Reference: float64, plain forward, verl's aggregation written out.
    logp, entropy = reference_logps(model64, prompt_ids, completion_ids, TEMPERATURE)
    terms = reference_terms(logp, old, ref, entropy, adv.double(), mask)
    if aggregation == "verl":
        groups = balanced_partitions(lengths, parts)
        assert len(groups) == 3
    else:
        groups = [[0, 1, 2], [3, 4, 5]]
    loss = sum(
        (len(group) / 6) * torch.stack([value for i, value in terms if i in group]).mean() for group in groups
    )
    loss.backward()
    for name, param in model64.named_parameters():
        assert param.grad is not None, name
        relative = (ours[name] - param.grad).norm() / param.grad.norm().clamp(min=1e-30)
        assert relative < 1e-4, (name, float(relative))
    # The check has teeth: without the temperature the reference gradient is far from ours.
    model64.zero_grad()
    logp1, entropy1 = reference_logps(model64, prompt_ids, completion_ids, 1.0)
    wrong = reference_terms(logp1, old, ref, entropy1, adv.double(), mask)
    sum((len(g) / 6) * torch.stack([v for i, v in wrong if i in g]).mean() for g in groups).backward()
    head = "model.embed_tokens.weight"
    assert (ours[head] - dict(model64.named_parameters())[head].grad).norm() > 1e-2 * ours[head].norm()


def trainer_module():
    from oneshot_rlvr.training import trainer

    return trainer


def test_verl_micro_batches_are_balanced_and_weighted_by_sequence_share():
    from oneshot_rlvr.training.microbatches import balanced_partitions, micro_batch_count, verl_sequence_weights

    rng = random.Random(0)
    for _ in range(200):
        lengths = [rng.randint(1, 4096) for _ in range(rng.randint(1, 64))]
        parts = rng.randint(1, len(lengths))
        groups = balanced_partitions(lengths, parts)
        assert sorted(i for group in groups for i in group) == list(range(len(lengths)))
        assert len(groups) == parts and all(groups)
        sums = [sum(lengths[i] for i in group) for group in groups]
        assert max(sums) - min(sums) <= max(lengths)  # largest differencing: spread within one sequence
    # The paper's step on one of 8 GPUs: 128 sequences of up to 4,096 tokens, a 24,000-token budget.
    lengths = [rng.randint(300, 4096) for _ in range(128)]
    response = [length - 250 for length in lengths]
    parts = micro_batch_count(lengths, 24000)
    assert parts == -(-sum(lengths) // 24000)
    weights = verl_sequence_weights(lengths, response, 24000)
    # Each micro-batch's shares B_mb / B add up to 1 over the step; inside a micro-batch every token weighs the same.
    assert sum(w * t for w, t in zip(weights, response, strict=True)) == pytest.approx(1.0)
    for group in balanced_partitions(lengths, parts):
        assert len({weights[i] for i in group}) == 1
        assert weights[group[0]] * sum(response[i] for i in group) == pytest.approx(len(group) / 128)
