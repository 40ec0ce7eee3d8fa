"""`oneshot-rlvr plan`: the disk a target's training runs take, from parameter counts and saved steps."""

from __future__ import annotations

import json

from oneshot_rlvr import cli, disk
from oneshot_rlvr import config as oc


def test_parameter_counts_follow_the_architecture(tiny_model):
    """The formula counts the built tiny model exactly (its safetensors headers), and gives the table's count
    for Qwen2.5-Math-1.5B's architecture (config.json: 151,936 tokens, 1,536 wide, 8,960 MLP, 28 layers, 12
    heads, 2 key-value heads, tied embeddings) and for R1-Distill-Qwen-1.5B (the same, untied)."""
    built = json.loads((tiny_model / "config.json").read_text())
    counted = disk.safetensors_parameters(tiny_model)
    assert counted == disk.qwen2_parameters(
        built["vocab_size"], built["hidden_size"], built["intermediate_size"], built["num_hidden_layers"],
        built["num_attention_heads"], built["num_key_value_heads"], tied=built["tie_word_embeddings"],
    )  # fmt: skip
    assert (
        disk.qwen2_parameters(151936, 1536, 8960, 28, 12, 2, tied=True) == disk.HUB_PARAMETERS["Qwen/Qwen2.5-Math-1.5B"]
    )
    assert (
        disk.qwen2_parameters(151936, 1536, 8960, 28, 12, 2, tied=False)
        == disk.HUB_PARAMETERS["deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B"]
    )
    assert (
        disk.qwen2_parameters(152064, 3584, 18944, 28, 28, 4, tied=False) == disk.HUB_PARAMETERS["Qwen/Qwen2.5-Math-7B"]
    )


def test_table1_at_paper_scale():
    """Every checkpoint's fp32 weights plus one AdamW state and FSDP's sharded model copy per run (8 GPUs)."""
    config = oc.load_config()
    rows = [run for run in config["report"]["table1"]["rows"] if run != oc.BASE_RUN]
    estimate = [disk.run_disk(config, run) for run in rows]
    parameters = disk.HUB_PARAMETERS["Qwen/Qwen2.5-Math-1.5B"]
    for run in estimate:
        assert (run.parameters, run.checkpoints) == (parameters, 100)
        assert run.peak == parameters * (4 * 100 + 8 + 4) and run.kept == parameters * (4 + 8 + 4)
    lines = disk.plan_lines("reproduce_table1", estimate)
    assert lines[-2].split()[:4] == ["total", "600", "3.8", "TB"]
    assert disk.run_disk(oc.load_config(overrides=["training.gpus=1"]), "pi1").peak == parameters * (400 + 8)


def test_plan_cli_with_keep_checkpoints_false(capsys):
    args = ["plan", "--run", "pi1", "--run", "dsr_sub", "--config", str(oc.REPO_ROOT / "config" / "tiny.yaml")]
    assert cli.main([*args, "--set", "training.keep_checkpoints=false"]) == 0
    lines = capsys.readouterr().out.splitlines()
    shape = oc.load_config(["config/tiny.yaml"])["tiny_model"]  # the architecture the miniature builds
    tiny = disk.qwen2_parameters(
        shape["vocab_size"], shape["hidden_size"], shape["intermediate_size"], shape["num_hidden_layers"],
        shape["num_attention_heads"], shape["num_key_value_heads"], tied=True,
    )  # fmt: skip
    assert lines[0].startswith("the given runs: 2 training runs")
    assert lines[2].split()[:3] == ["pi1", f"{tiny:,}", "2"]
    assert lines[2].endswith(f"{disk.human_bytes(tiny * (2 * 4 + 8)):>10} {disk.human_bytes(tiny * (4 + 8)):>16}")


def test_a_targets_runs_come_from_snakemakes_dag():
    """`plan <target>` estimates the train_grpo jobs Snakemake's DAG has for the target (Table 1: six runs)."""
    config = oc.load_config()
    rows = [run for run in config["report"]["table1"]["rows"] if run != oc.BASE_RUN]
    assert disk.target_runs("reproduce_table1", config) == rows
