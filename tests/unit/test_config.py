"""Config loading, validation and the resolved training configuration (`show-config`)."""

from __future__ import annotations

import json

import pytest
from helpers.commands import cli_here

from oneshot_rlvr import config as oc
from oneshot_rlvr import paths
from oneshot_rlvr.training import resolved_training_config


def test_default_and_tiny_configs_validate():
    paper = oc.load_config()
    tiny = oc.load_config([oc.REPO_ROOT / "config" / "tiny.yaml"])
    assert paper["base_model"] == "qwen2.5-math-1.5b"
    assert tiny["base_model"] == "tiny"
    table1 = {"math_train", "dsr_sub", "dsr_sub_format_reward", "pi1", "pi13", "pi1_pi13"}
    assert table1 <= set(paper["runs"]) and set(paper["report"]["table1"]["rows"]) == {"base", *table1}
    # Every run of the paper's experiments (README "Every experiment of the paper") is configured.
    assert {"pi1_abl_ent", "qwen7b_pi1", "llama_base", "r1distill_pi1_to_pi16", "icl_qwen4", "pi1_simplified"} <= set(
        paper["runs"]
    )
    assert {"qwen2.5-1.5b", "qwen2.5-math-1.5b-instruct"} <= set(paper["models"])


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("training.learning_rate=-1", "training.learning_rate"),
        ("evaluation.backend=tensorrt", "evaluation.backend"),
        ("runs.pi1.dataset=not_a_set", "runs.pi1.dataset"),
        ("training.lr=1", "training.lr"),
        ("base_model=gpt5", "base_model"),
    ],
)
def test_invalid_values_name_the_key(override, key):
    with pytest.raises(oc.ConfigError, match=f"'{key}'"):
        oc.load_config(overrides=[override])


def test_schema_errors_name_the_key_and_what_it_allows_not_the_schema():
    """A typo names the unknown key itself, the closest allowed key and the keys allowed there; a value that fits
    none of a key's alternatives gets the key's description; the schema itself is never printed."""
    with pytest.raises(oc.ConfigError) as typo:
        oc.load_config(overrides=["training.max_stepz=3"])
    message = str(typo.value)
    assert message.startswith("invalid config key 'training.max_stepz': unknown key; did you mean 'max_steps'?")
    assert "allowed here: seed, max_steps, save_steps" in message and "keep_checkpoints" in message
    assert "\n" not in message and "properties" not in message and len(message) < 1200
    with pytest.raises(oc.ConfigError, match=r"^invalid config key 'runs\.pi1\.datset': unknown key; did you mean"):
        oc.load_config(overrides=["runs.pi1.datset=pi1"])
    with pytest.raises(oc.ConfigError) as sweep:
        oc.load_config(overrides=["sweep_examples=[foo]"])
    assert str(sweep.value) == (
        "invalid config key 'sweep_examples': ['foo'] is not allowed; expected example sweep (sweep_1shot); "
        "example-set names and/or ranges like pi1..pi1209"
    )


def test_command_line_null_is_none_where_the_schema_allows_null():
    """`snakemake --config local_data_dir=null`: Snakemake passes the string "null"; it becomes None (no local
    copy), as YAML would read it. Where the schema wants a string only, the string stays."""
    config = {"local_data_dir": "null", "data_dir": "null"}
    oc.apply_command_line_types(config, {"local_data_dir": "null", "data_dir": "null"})
    assert config == {"local_data_dir": None, "data_dir": "null"}
    config = {"local_data_dir": "../shared/data"}
    oc.apply_command_line_types(config, {"local_data_dir": "../shared/data"})
    assert config == {"local_data_dir": "../shared/data"}


def test_unknown_run_is_named():
    with pytest.raises(oc.ConfigError, match="unknown run 'no_such_run'"):
        oc.training_spec(oc.load_config(), "no_such_run")


def test_saved_and_evaluated_steps():
    config = oc.load_config()
    steps = oc.evaluated_steps(config, "pi1")
    assert steps[:2] == [20, 40] and steps[-1] == 2000 and len(steps) == 100
    assert oc.evaluated_steps(config, oc.BASE_RUN) == [0]
    assert oc.saved_steps({"save_steps": 3, "max_steps": 7}) == [3, 6, 7]
    with pytest.raises(oc.ConfigError, match="evaluation.steps"):
        oc.evaluated_steps(oc.load_config(overrides=["evaluation.steps=[15]"]), "pi1")


def test_run_overrides_merge_over_shared_training():
    spec = oc.training_spec(oc.load_config(), "dsr_sub_format_reward")
    assert spec["reward"] == "format" and spec["learning_rate"] == 1e-6 and spec["dataset"] == "dsr_sub"


@pytest.mark.parametrize("run", ["pi1", "pi13", "pi1_pi13", "dsr_sub", "math_train"])
def test_show_config_matches_the_paper(run):
    """The released verl recipe for Qwen2.5-Math-1.5B (reference-implementation.md §0-§1)."""
    resolved = resolved_training_config(oc.training_spec(oc.load_config(), run), world_size=8)
    trl = resolved["trl"]
    assert resolved["model"] == "Qwen/Qwen2.5-Math-1.5B"
    assert resolved["prompts_per_step"] == 128
    assert resolved["completions_per_step"] == 1024
    assert resolved["optimizer_steps_per_rollout"] == 1
    assert resolved["total_steps"] == 2000 and resolved["save_every"] == 20
    assert resolved["max_prompt_length"] == 1024
    assert trl["num_generations"] == 8
    assert trl["per_device_train_batch_size"] * trl["gradient_accumulation_steps"] * 8 == 1024
    assert trl["steps_per_generation"] == trl["gradient_accumulation_steps"]
    assert trl["num_iterations"] == 1
    assert trl["learning_rate"] == 1e-6 and trl["lr_scheduler_type"] == "constant" and trl["warmup_steps"] == 0
    assert (trl["adam_beta1"], trl["adam_beta2"], trl["weight_decay"]) == (0.9, 0.999, 0.01)
    assert trl["max_grad_norm"] == 1.0 and trl["epsilon"] == 0.2
    assert trl["beta"] == 0.001 and trl["entropy_coef"] == 0.001
    assert trl["temperature"] == 0.6 and trl["top_p"] == 1.0
    assert trl["max_completion_length"] == 3072
    assert trl["scale_rewards"] == "group" and trl["mask_truncated_completions"] is False
    assert trl["bf16"] is True and trl["use_vllm"] is True and trl["vllm_mode"] == "colocate"


def test_show_config_cli_prints_json():
    shown = cli_here("show-config", "--run", "pi1")
    assert shown.returncode == 0, shown.stderr
    resolved = json.loads(shown.stdout)
    assert resolved["run"] == "pi1" and resolved["trl"]["beta"] == 0.001


def test_cli_error_is_one_line_naming_the_key():
    result = cli_here("show-config", "--run", "pi1", "--set", "training.temperature=0")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "training.temperature" in result.stderr


@pytest.mark.parametrize(
    ("model", "steps", "response"),
    [
        ("qwen2.5-math-1.5b", 2000, 3072),
        ("qwen2.5-math-7b", 1000, 3072),
        ("llama-3.2-3b-instruct", 1000, 3072),
        ("deepseek-r1-distill-qwen-1.5b", 1200, 8192),
    ],
)
def test_show_config_per_paper_model(model, steps, response):
    """Per-model settings of [P B.4]; everything else is the shared recipe."""
    config = oc.load_config(overrides=[f"runs.probe={{dataset: pi1, model: {model}}}"])
    resolved = resolved_training_config(oc.training_spec(config, "probe"), world_size=8)
    assert resolved["total_steps"] == steps and resolved["trl"]["max_completion_length"] == response
    assert resolved["completions_per_step"] == 1024 and resolved["trl"]["learning_rate"] == 1e-6
    assert resolved["trl"]["beta"] == 0.001 and resolved["trl"]["entropy_coef"] == 0.001


def test_deep_merge_shares_nothing_mutable_with_its_inputs():
    base = {"a": {"b": [1, {"c": 2}], "d": 1.5}, "e": "x"}
    override = {"a": {"d": 3}, "f": [[1]]}
    merged = oc.deep_merge(base, override)
    assert merged == {"a": {"b": [1, {"c": 2}], "d": 3}, "e": "x", "f": [[1]]}
    merged["a"]["b"][1]["c"] = 9
    merged["f"][0].append(2)
    assert base["a"]["b"][1]["c"] == 2 and override["f"] == [[1]]


def test_evaluation_jobs_auto_gives_example_set_runs_one_job_per_run():
    config = oc.load_config()
    assert config["evaluation"]["jobs"] == "auto"
    # configured runs (Table 1's pi1 included) and the base models: one job per checkpoint
    for run in ("base", "pi1", "pi13", "dsr_sub", "qwen7b_base"):
        assert oc.evaluation_jobs(config, run) == "checkpoint"
    # in chunks of evaluation.checkpoints_per_job (5 at paper scale) consecutive checkpoints
    assert oc.evaluation_targets(config, "pi1") == [
        paths.chunk_index("pi1", first, first + 80) for first in range(20, 2001, 100)
    ]
    assert oc.evaluation_targets(config, "base") == ["results/eval/base/steps0-0.json"]
    # runs without an entry (sweep examples, unions, ranges, the history run): one job for the run
    for run in ("pi2", "pi1209", "pi1_to_pi16", oc.HISTORY_RUN):
        assert oc.evaluation_jobs(config, run) == "run"
    assert oc.evaluation_targets(config, "pi2") == ["results/eval/pi2/steps.json"]
    with pytest.raises(oc.ConfigError, match="unknown run 'nonsense'"):
        oc.evaluation_jobs(config, "nonsense")


def test_checkpoints_per_job_covers_every_evaluated_step_once_and_is_not_in_the_spec():
    """`evaluation.checkpoints_per_job`: a run's evaluated steps in consecutive chunks, one job each; 1 is one job
    per checkpoint (each step's metrics.json); the spec (and so every finished evaluation) does not change."""
    config = oc.load_config()
    assert oc.checkpoints_per_job(config) == 5
    configured = [oc.BASE_RUN, *oc.run_names(config)]
    for run in configured:
        chunks = oc.evaluation_chunks(config, run)
        assert [step for chunk in chunks for step in chunk] == oc.evaluated_steps(config, run), run
        assert all(len(chunk) == 5 for chunk in chunks[:-1]) and 1 <= len(chunks[-1]) <= 5, run
        for chunk in chunks:
            assert oc.chunk_steps(config, run, chunk[0], chunk[-1]) == chunk
    single = oc.load_config(overrides=["evaluation.checkpoints_per_job=1"])
    assert oc.evaluation_targets(single, "pi1") == [paths.metrics("pi1", step) for step in range(20, 2001, 20)]
    assert oc.evaluation_targets(single, "base") == ["results/eval/base/step0/metrics.json"]
    uneven = oc.load_config(overrides=["evaluation.checkpoints_per_job=7"])
    assert oc.evaluation_chunks(uneven, "pi1")[-1] == [1980, 2000]  # 100 steps: 14 chunks of 7, then 2
    for other in (single, uneven):
        assert all(oc.evaluation_spec(other, run) == oc.evaluation_spec(config, run) for run in configured)
    # a chunk of another size is no job of this config; the message names the key and the chunks there are
    with pytest.raises(oc.ConfigError, match=r"checkpoints_per_job: 5.*steps20-100\.json"):
        oc.chunk_steps(config, "pi1", 20, 140)
    # Figure 3's chosen steps: the chunks holding them, each once
    assert oc.step_targets(config, "pi1", [20, 40, 500]) == [
        paths.chunk_index("pi1", 20, 100),
        paths.chunk_index("pi1", 420, 500),
    ]
    assert oc.step_targets(single, "pi1", [20, 500]) == [paths.metrics("pi1", 20), paths.metrics("pi1", 500)]
    assert oc.step_targets(config, "pi2", [20]) == [paths.run_index("pi2")]
    with pytest.raises(oc.ConfigError, match="checkpoints_per_job"):
        oc.load_config(overrides=["evaluation.checkpoints_per_job=0"])


@pytest.mark.parametrize("mode", ["checkpoint", "run"])
def test_evaluation_jobs_switch_applies_to_every_run_and_not_to_the_spec(mode):
    auto = oc.load_config()
    config = oc.load_config(overrides=[f"evaluation.jobs={mode}"])
    assert {oc.evaluation_jobs(config, run) for run in ("base", "pi1", "pi2", "icl_pi1")} == {mode}
    expected = ["results/eval/pi1/steps.json"] if mode == "run" else oc.evaluation_targets(auto, "pi1")
    assert oc.evaluation_targets(config, "pi1") == expected
    # scheduling is not part of how a checkpoint is evaluated: same spec, so finished evaluations are reused
    assert oc.evaluation_spec(config, "pi1") == oc.evaluation_spec(auto, "pi1")
    with pytest.raises(oc.ConfigError, match="evaluation.jobs"):
        oc.load_config(overrides=["evaluation.jobs=benchmark"])


def test_training_threads_schedule_the_job_and_stay_out_of_the_spec():
    """`training.threads` sets a training job's CPU threads (per model or run like every training key) without
    changing the run's training spec, so its fingerprint and finished checkpoints stay valid."""
    paper = oc.load_config()
    tiny = oc.load_config([oc.REPO_ROOT / "config" / "tiny.yaml"])
    assert oc.training_threads(paper, "pi1") == 2 and oc.training_threads(tiny, "pi1") == 1
    override = oc.load_config(overrides=["runs.pi1.training.threads=4"])
    assert oc.training_threads(override, "pi1") == 4 and oc.training_threads(override, "pi13") == 2
    assert "threads" not in oc.training_spec(override, "pi1")
    assert oc.training_spec(override, "pi1") == oc.training_spec(paper, "pi1")
    with pytest.raises(oc.ConfigError, match="'training.threads'"):
        oc.load_config(overrides=["training.threads=0"])
