"""Why fp32 master weights: the share of weights one AdamW step at lr 1e-6 actually changes, per weight dtype.

A randomly initialised Qwen2-architecture model (Qwen2.5-Math-1.5B's layout at a small size, initializer range
0.02), one language-model loss on random tokens, one AdamW step (lr 1e-6, betas (0.9, 0.999), weight decay 0.01,
as the paper), with the weights (and so the AdamW state) in fp32 under bf16 autocast, as our trainer and verl
train, or in bf16, as the trainer loaded the policy before. Prints one SUMMARY line.
Usage: python benchmarks/bench_master_weights.py [--steps N]
"""

from __future__ import annotations

import argparse

import torch
from transformers import Qwen2Config, Qwen2ForCausalLM

SHAPE = dict(
    vocab_size=4096,
    hidden_size=256,
    intermediate_size=512,
    num_hidden_layers=2,
    num_attention_heads=4,
    num_key_value_heads=2,
    tie_word_embeddings=True,
)


def changed_share(weights: torch.dtype, steps: int) -> float:
    torch.manual_seed(0)
    model = Qwen2ForCausalLM(Qwen2Config(**SHAPE)).to(weights)
    before = {name: param.detach().clone() for name, param in model.named_parameters()}
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-6, betas=(0.9, 0.999), weight_decay=0.01)
    generator = torch.Generator().manual_seed(1)
    for _ in range(steps):
        ids = torch.randint(0, SHAPE["vocab_size"], (8, 128), generator=generator)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    changed = sum(int((param.detach() != before[name]).sum()) for name, param in model.named_parameters())
    return changed / sum(param.numel() for param in model.parameters())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1)
    args = parser.parse_args()
    fp32, bf16 = changed_share(torch.float32, args.steps), changed_share(torch.bfloat16, args.steps)
    print(
        f"SUMMARY master_weights steps={args.steps} lr=1e-6 changed_share fp32_under_bf16_autocast={fp32:.4f} "
        f"bf16_weights={bf16:.4f}"
    )


if __name__ == "__main__":
    main()
