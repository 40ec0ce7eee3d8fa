"""Worker of tests/test_training_distributed.py (2 processes, gloo, CPU): our trainer's advantage override, its
per-process slice and verl's loss weights, recorded at the first generation batch of a real training step.

Each process writes <out>/rank<r>.json: the rewards of its own completions, the prompts, the advantages the loss
will use, the loss weights, each sequence's length and response tokens, and the micro-batch count it computed
alone. The reward depends on the completion text only (no grader), so groups have unequal rewards.
Usage: torchrun --nproc_per_node 2 advantage_slicing.py MODEL_DIR OUT_DIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from datasets import Dataset
from transformers import AutoTokenizer
from trl import GRPOConfig

from oneshot_rlvr.training.microbatches import micro_batch_count
from oneshot_rlvr.training.trainer import LOSS_WEIGHTS, OneShotGRPOTrainer

RECORD: dict = {"rewards_local": []}


def text_reward(completions, **_) -> list[float]:
    """A deterministic reward with unequal values inside a group: the completion's length modulo 3."""
    rewards = [float(len(completion[0]["content"]) % 3) for completion in completions]
    RECORD["rewards_local"].extend(rewards)
    return rewards


class RecordingTrainer(OneShotGRPOTrainer):
    def _generate_and_score_completions(self, inputs):
        output = super()._generate_and_score_completions(inputs)
        if "advantages" not in RECORD:
            prompt, completion = output["prompt_mask"].sum(1), output["completion_mask"].sum(1)
            RECORD.update(
                advantages=output["advantages"].tolist(),
                prompts=[  # without the left padding, which differs between processes
                    [token for token, keep in zip(ids, mask, strict=True) if keep]
                    for ids, mask in zip(output["prompt_ids"].tolist(), output["prompt_mask"].tolist(), strict=True)
                ],
                loss_weights=output[LOSS_WEIGHTS].tolist(),
                lengths=(prompt + completion).tolist(),
                response_tokens=completion.tolist(),
                parts_local=micro_batch_count((prompt + completion).tolist(), self.parity["micro_batch_max_tokens"]),
            )
        return output

    def _agreed_micro_batch_count(self, parts: int) -> int:
        agreed = super()._agreed_micro_batch_count(parts)
        RECORD.setdefault("parts_used", agreed)
        return agreed


def main(model_dir: str, out_dir: str) -> None:
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    tokenizer.padding_side = "left"
    args = GRPOConfig(
        output_dir=str(Path(out_dir) / "checkpoints"),
        per_device_train_batch_size=3,
        steps_per_generation=2,
        gradient_accumulation_steps=2,
        num_generations=4,
        max_steps=1,
        max_completion_length=12,
        learning_rate=1e-6,
        beta=0.001,
        seed=3,
        use_cpu=True,
        report_to=[],
        save_strategy="no",
        disable_tqdm=True,
        model_init_kwargs={"dtype": "float32"},
    )
    parity = {
        "objective": "verl",
        "advantage_epsilon": 1e-6,
        "kl_clamp": 10.0,
        "policy_loss_coef": 1.0,
        "loss_aggregation": "verl",
        "micro_batch_max_tokens": 450,  # small: several micro-batches per process, a different count on each
    }
    # Prompts of very different lengths, so the two processes' batches differ in size.
    prompts = [{"prompt": [{"role": "user", "content": "add " * (1 + 15 * i) + str(i)}]} for i in range(12)]
    trainer = RecordingTrainer(
        parity=parity,
        model=model_dir,
        reward_funcs=[text_reward],
        args=args,
        train_dataset=Dataset.from_list(prompts),
        processing_class=tokenizer,
    )
    trainer.train()
    rank = trainer.accelerator.process_index
    (Path(out_dir) / f"rank{rank}.json").write_text(json.dumps({"rank": rank, **RECORD}))


if __name__ == "__main__":
    main(*sys.argv[1:3])
