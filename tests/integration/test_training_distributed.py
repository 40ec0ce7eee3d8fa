"""Training with 2 processes on the CPU (torchrun, gloo): what one process alone cannot show.

* FSDP checkpoints: accelerate enables FSDP only on GPUs, so tests/unit/workers/fsdp_checkpoint.py shards the tiny
  model with FSDP2 itself (as accelerate's fsdp2_prepare_model does, with our mixed-precision policy) and
  saves through our trainer's calls: the sharded files the Trainer resumes from and the consolidated Hugging
  Face model, checked and marked complete. Here our evaluation's model loader reads the consolidated model.
* The advantage override and its per-process slice (tests/unit/workers/advantage_slicing.py): a real training step
  of our trainer on 2 processes, checked against an independent computation over both processes' rewards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

# Trains or downloads for tens of seconds: outside the fast unit loop (`-m 'not slow'`).
pytestmark = pytest.mark.slow

WORKERS = Path(__file__).resolve().parent / "workers"


def run_two_processes(script: str, *args: str) -> None:
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    result = subprocess.run(
        [*command, str(WORKERS / script), *args], capture_output=True, text=True, env=env, timeout=600
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_fsdp_checkpoint_holds_a_consolidated_model_evaluation_loads(tiny_model, tmp_path):
    from safetensors.torch import load_file

    from oneshot_rlvr import evaluation, training

    run_two_processes("fsdp_checkpoint.py", str(tiny_model), str(tmp_path))
    result = json.loads((tmp_path / "result.json").read_text())
    # fp32 master weights and gradients under the bf16 compute policy; the step moved every tensor.
    assert result["master_dtypes"] == ["torch.float32"] and result["grad_dtypes"] == ["torch.float32"]
    assert result["changed_by_the_step"] == 1.0
    # The consolidated model is the full set of trained weights, in fp32, beside the sharded resume files.
    assert result["consolidated_equals_params"] and result["missing_from_consolidated"] == []
    assert result["saved_dtypes"] == ["torch.float32"]
    assert {"model.safetensors", "config.json", "generation_config.json", "tokenizer.json"} <= set(result["files"])
    assert "pytorch_model_fsdp_0" in result["files"]
    assert result["resume_restores_the_shards"]
    checkpoint = tmp_path / "checkpoint-1"
    assert [step for step, _ in training.complete_checkpoints(tmp_path)] == [1]  # verified, then marked
    assert json.loads((checkpoint / "config.json").read_text())["dtype"] == "bfloat16"

    generator = evaluation.TransformersGenerator(str(checkpoint), batch_size=2, stop_strings=["<|im_end|>"])
    saved = load_file(checkpoint / "model.safetensors")
    loaded = generator.model.state_dict()
    assert all(np.array_equal(loaded[name].numpy(), tensor.numpy()) for name, tensor in saved.items())
    outputs = generator.generate(["1 + 1 =", "2 + 2 ="], temperature=0.0, top_p=1.0, max_new_tokens=4, seed=0)
    assert len(outputs) == 2 and all(output.tokens >= 1 for output in outputs)


def test_advantages_and_loss_weights_per_process(tiny_model, tmp_path):
    """Each process's advantages are its own slice of verl's group advantages over all processes' rewards (a
    group straddles the two processes), and its verl loss weights use the micro-batch count agreed across them."""
    run_two_processes("advantage_slicing.py", str(tiny_model), str(tmp_path))
    ranks = [json.loads((tmp_path / f"rank{rank}.json").read_text()) for rank in (0, 1)]
    rewards = np.array(ranks[0]["rewards_local"] + ranks[1]["rewards_local"])
    prompts = ranks[0]["prompts"] + ranks[1]["prompts"]
    local = len(ranks[0]["advantages"])
    assert len(rewards) == 12 and local == 6
    groups = rewards.reshape(-1, 4)
    assert all(prompts[i] == prompts[i - i % 4] for i in range(12))  # groups of 4 consecutive completions
    assert prompts[4] == prompts[7]  # the second group straddles the processes
    expected = ((groups - groups.mean(1, keepdims=True)) / (groups.std(1, ddof=1, keepdims=True) + 1e-6)).ravel()
    assert np.abs(expected).max() > 0.5  # unequal rewards within groups: the check has teeth
    for rank, record in enumerate(ranks):
        assert record["advantages"] == pytest.approx(expected[rank * local : (rank + 1) * local].tolist(), abs=1e-5)
    # verl's loss weights: the micro-batch count is the largest over the processes; each process's weights
    # make its micro-batches' shares (B_mb / B) sum to 1.
    assert ranks[0]["parts_local"] != ranks[1]["parts_local"]
    agreed = max(record["parts_local"] for record in ranks)
    for record in ranks:
        assert record["parts_used"] == agreed
        shares = sum(w * t for w, t in zip(record["loss_weights"], record["response_tokens"], strict=True))
        assert shares == pytest.approx(1.0, rel=1e-6)
