"""Precision of the training path: fp32 master weights with bf16 autocast on every path, verl's FSDP policy.

The CPU takes the GPU's precision path: the policy is loaded in fp32 and `bf16: true` turns on bf16 autocast
whatever the device, so a real training step on the CPU shows what a GPU run keeps (trainable weights and
AdamW state in fp32, an lr-1e-6 step that moves nearly every weight). Under FSDP, the mixed-precision policy
our trainer hands to accelerate is resolved here from the shipped workflow/accelerate/fsdp.yaml through
accelerate's own launcher code.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.training import tiny_spec

from oneshot_rlvr import config as oc
from oneshot_rlvr import training


@pytest.mark.parametrize("use_cpu", [False, True])
@pytest.mark.parametrize("bf16", [True, False])
def test_policy_is_loaded_in_fp32_whatever_bf16_says(tmp_path, bf16, use_cpu):
    """The decision a GPU run takes (use_cpu=False) and the CPU's are the same: fp32 weights, autocast = bf16."""
    spec = {**oc.training_spec(oc.load_config(), "pi1"), "bf16": bf16}
    kwargs = training.grpo_config_kwargs(spec, tmp_path, world_size=8, use_cpu=use_cpu)
    assert kwargs["model_init_kwargs"] == {"dtype": "float32"}
    assert kwargs["bf16"] is bf16
    assert training.precision(spec)["policy_dtype"] == "float32"
    assert training.precision(spec)["autocast"] == ("bf16" if bf16 else "no")


@pytest.fixture(scope="module")
def stepped_trainer(tiny_model, shared_data, tmp_path_factory):
    """One real training step at lr 1e-6 with bf16 on, on the CPU: (trainer, weights before, checkpoint)."""
    from transformers import AutoTokenizer
    from trl import GRPOConfig

    from oneshot_rlvr import data

    folder = tmp_path_factory.mktemp("precision")
    spec = tiny_spec(tiny_model, max_steps=1, bf16=True, learning_rate=1.0e-6, first_update_lr_zero=False)
    dataset = folder / "dsr_sub.parquet"
    data.load_dsr_sub(shared_data).head(4).to_parquet(dataset)
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    tokenizer.padding_side = "left"
    records = training.load_training_records(dataset)
    args = GRPOConfig(**training.grpo_config_kwargs(spec, folder / "checkpoints", use_cpu=True))
    trainer = training.build_trainer(spec, args, records, tokenizer)
    before = {name: param.detach().clone() for name, param in trainer.model.named_parameters()}
    trainer.train()
    return trainer, before, folder / "checkpoints" / "checkpoint-1"


def test_fp32_master_weights_and_optimizer_state_under_bf16_autocast(stepped_trainer):
    import torch

    trainer, before, _ = stepped_trainer
    assert trainer.accelerator.mixed_precision == "bf16" and trainer.accelerator.native_amp  # autocast is on
    assert {param.dtype for param in trainer.model.parameters()} == {torch.float32}
    state = [value for entry in trainer.optimizer.state.values() for value in entry.values() if value.dim() > 0]
    assert state and {value.dtype for value in state} == {torch.float32}  # exp_avg, exp_avg_sq
    # At lr 1e-6 AdamW moves each weight by about 1e-6: visible in fp32 (bf16 weights of scale 0.02 would round
    # almost every such update away).
    # Weights whose gradient is tiny (embedding rows of tokens the step never scored) may not move.
    moved = {name: (param.detach() != before[name]) for name, param in trainer.model.named_parameters()}
    assert all(bool(mask.any()) for mask in moved.values())  # every tensor
    assert sum(int(mask.sum()) for mask in moved.values()) / sum(mask.numel() for mask in moved.values()) > 0.9


def test_checkpoint_of_a_bf16_run_keeps_fp32_weights_and_says_bf16(stepped_trainer):
    from safetensors.torch import load_file

    _, _, checkpoint = stepped_trainer
    import torch

    assert {tensor.dtype for tensor in load_file(checkpoint / "model.safetensors").values()} == {torch.float32}
    assert json.loads((checkpoint / "config.json").read_text())["dtype"] == "bfloat16"  # evaluation loads bf16
    assert (checkpoint / training.COMPLETE_MARKER).exists()


def launcher_environment(config_file: Path) -> dict[str, str]:
    """The FSDP_* / ACCELERATE_* environment `accelerate launch --config_file <file>` gives each process."""
    from accelerate.commands.launch import _validate_launch_command, launch_command_parser
    from accelerate.utils.launch import prepare_multi_gpu_env

    argv = ["--config_file", str(config_file), "--num_processes", "8", "-m", "oneshot_rlvr.cli", "train"]
    args, _, _ = _validate_launch_command(launch_command_parser().parse_args(argv))
    return {key: value for key, value in prepare_multi_gpu_env(args).items() if key.startswith(("FSDP", "ACCELERATE"))}


def test_fsdp_policy_is_verls_param_bf16_reduce_fp32(monkeypatch):
    import torch
    from accelerate.utils import FullyShardedDataParallelPlugin

    env = launcher_environment(oc.REPO_ROOT / "workflow" / "accelerate" / "fsdp.yaml")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert env["ACCELERATE_MIXED_PRECISION"] == "bf16" and env["FSDP_STATE_DICT_TYPE"] == "SHARDED_STATE_DICT"
    plugin = training.grpo_config.fsdp_plugin_with_verl_policy()
    plugin.set_mixed_precision(env["ACCELERATE_MIXED_PRECISION"])  # what accelerate's state does next
    policy = plugin.mixed_precision_policy
    assert plugin.fsdp_version == 2
    assert (policy.param_dtype, policy.reduce_dtype) == (torch.bfloat16, torch.float32)
    # What accelerate resolves by itself from the same file: bf16 gradient reduction.
    stock = FullyShardedDataParallelPlugin()
    stock.set_mixed_precision(env["ACCELERATE_MIXED_PRECISION"])
    assert stock.mixed_precision_policy.reduce_dtype == torch.bfloat16


def test_trainer_hands_the_policy_to_accelerate(stepped_trainer, monkeypatch):
    import torch

    trainer, _, _ = stepped_trainer
    for key, value in launcher_environment(oc.REPO_ROOT / "workflow" / "accelerate" / "fsdp.yaml").items():
        monkeypatch.setenv(key, value)
    plugin = trainer._build_accelerator_args()["fsdp_plugin"]
    assert plugin.mixed_precision_policy.reduce_dtype == torch.float32
    monkeypatch.setenv("ACCELERATE_USE_FSDP", "false")
    assert trainer._build_accelerator_args()["fsdp_plugin"] is None  # no FSDP: nothing to set
