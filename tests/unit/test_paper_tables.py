"""The paper's Tables 4, 5, 9, 13, 16-20: config of their runs, in-context demonstrations, table builders on
synthetic metrics, the report-table command and reports/README.md. The `paper` DAG is tested in
tests/workflow/test_paper_workflow.py."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest
from helpers.commands import cli_here
from helpers.metrics import write_fake_metrics

from oneshot_rlvr import config as oc
from oneshot_rlvr import evaluation, prompts, selection
from oneshot_rlvr.artefacts import ArtefactError, parse_artefacts, readme_markdown
from oneshot_rlvr.evaluation import Generation
from oneshot_rlvr.tables import builder, registry
from oneshot_rlvr.tables.checkpoints import map_step
from oneshot_rlvr.tables.rows import PPO_NOT_RUN, ReportError

MATH6 = ["math500", "aime24", "amc23", "minerva_math", "olympiadbench", "aime25"]


# ----------------------------------------------------------------------------------------------------------
# Config: every run of the paper, evaluation-only and ICL runs, the miniature
# ----------------------------------------------------------------------------------------------------------


def test_every_table_run_resolves_and_evaluation_only_runs_are_step_0():
    config = oc.load_config()
    for number in registry.TABLES:
        for run in registry.table_runs(number):
            assert oc.evaluated_steps(config, run), run  # resolvable: configured or derived
    assert oc.model_key(config, "qwen7b_pi1") == "qwen2.5-math-7b"
    assert oc.training_spec(config, "qwen7b_pi1")["max_steps"] == 1000  # the model's override [P B.4]
    for run in ("qwen7b_base", "llama_base", "r1distill_base", "qwen15b_base", "instruct_base", "icl_pi1"):
        assert oc.is_evaluation_only(config, run) and oc.evaluated_steps(config, run) == [0]
        with pytest.raises(oc.ConfigError, match="evaluation-only"):
            oc.training_spec(config, run)
    assert oc.model_key(config, "icl_pi1") == config["base_model"]
    assert oc.evaluation_spec(config, "qwen7b_icl_qwen4")["icl"] == {
        "demonstrations": "qwen_math4",
        "files": [f"{config['data_dir']}/icl/qwen_eval_examples.jsonl"],
    }
    assert oc.icl_inputs(config, "icl_pi1") == ["results/datasets/pi1.parquet"]
    assert "icl" not in oc.evaluation_spec(config, "pi1")  # other runs' evaluation fingerprints are unchanged
    # Table 13's entropy-only runs save every 2 steps so the paper's steps 4 and 10 exist.
    assert {4, 10} <= set(oc.evaluated_steps(config, "llama_pi1_abl_ent"))
    assert oc.training_spec(config, "pi1_abl_ent")["policy_loss"] is False
    assert oc.training_spec(config, "dsr_sub_wrong90")["wrong_label_fraction"] == 0.9
    assert oc.training_spec(config, "pi1_simplified")["dataset"] == "pi1_simplified"
    assert oc.run_config_hash(config, "qwen7b_base") != oc.run_config_hash(config, "base")


@pytest.mark.parametrize(
    ("run", "message"),
    [
        ({}, "needs a 'dataset'"),
        ({"dataset": "pi1", "icl": "pi1_self"}, "runs.bad.icl"),
        ({"model": "qwen2.5-math-7b", "training": {"max_steps": 2}}, "runs.bad.training"),
        ({"icl": "pi7_self"}, "runs.bad.icl"),
    ],
)
def test_bad_runs_are_refused_naming_the_key(run, message):
    with pytest.raises(oc.ConfigError, match=message):
        oc.load_config(overrides=[f"runs.bad={json.dumps(run)}"])


def test_miniature_puts_every_model_on_the_tiny_model():
    tiny = oc.load_config(["config/tiny.yaml"])
    for number in registry.TABLES:
        for run in registry.table_runs(number):
            spec = oc.evaluation_spec(tiny, run)
            assert spec["model"]["path"] == "results/models/tiny" and spec["model"]["build"], run
            assert spec["max_new_tokens"] <= 24 and spec["runtime_min"] <= 30, run
            assert all(b.get("n_samples", 1) <= 2 for b in spec["benchmarks"].values()), run
            if not oc.is_evaluation_only(tiny, run):
                assert oc.training_spec(tiny, run)["max_steps"] <= 4, run


def test_pi1_simplified_example_set():
    frame = selection.make_dataset("pi1_simplified", pd.DataFrame(), None, 128)
    assert len(frame) == 128 and not selection.needs_ranking("pi1_simplified")
    assert selection.set_size("pi1_simplified") == 1 and oc.is_example_set("pi1_simplified")
    row = frame.iloc[0]
    assert row["prompt"][0]["content"].startswith("Calculate ∛2048 Let's think step by step")
    assert row["reward_model"]["ground_truth"] == "12.8" and row["extra_info"]["index"] == -1


# ----------------------------------------------------------------------------------------------------------
# In-context demonstrations (Table 16)
# ----------------------------------------------------------------------------------------------------------


def test_icl_prompt_puts_demonstrations_before_the_problem(tmp_path):
    plain = prompts.eval_prompt("What is 2+3?", "qwen25-math-cot")
    shots = prompts.ICL_SETS["math4_standin"]
    with_shots = prompts.eval_prompt("What is 2+3?", "qwen25-math-cot", demonstrations=shots)
    assert len(shots) == 4 and len(prompts.ICL_SETS["math1_standin"]) == 1
    body = with_shots.split("<|im_start|>user\n")[1]
    positions = [body.index(question.strip()) for question, _ in shots] + [body.index("What is 2+3?")]
    assert positions == sorted(positions) and body.count(prompts.ICL_SEPARATOR) == 4
    assert with_shots.startswith(plain.split("What is 2+3?")[0])
    good = tmp_path / "demos.jsonl"
    good.write_text(json.dumps({"question": "q", "response": "a \\boxed{1}"}) + "\n")
    assert prompts.load_demonstrations(good) == [("q", "a \\boxed{1}")]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "q"}\n')
    with pytest.raises(ValueError, match="bad.jsonl:1"):
        prompts.load_demonstrations(bad)


class _EchoGenerator:
    def __init__(self):
        self.prompts = []

    def generate(self, prompts_, temperature, top_p, max_new_tokens, seed):
        self.prompts += list(prompts_)
        return [Generation("So x = 12.8. \\boxed{12.8}<|im_end|>junk", 9, "stop") for _ in prompts_]


def test_pi1_self_demonstration_is_generated_by_the_model(tmp_path):
    parquet = tmp_path / "pi1.parquet"
    selection.make_dataset("pi1_simplified", pd.DataFrame(), None, 2).to_parquet(parquet)
    generator = _EchoGenerator()
    icl = {"demonstrations": "pi1_self", "files": [str(parquet)]}
    stops = prompts.stop_strings("qwen25-math-cot")
    demos = evaluation.resolve_demonstrations(icl, generator, "qwen25-math-cot", stops, 24, 0)
    # The question without the training instruction suffix; the response cut at the stop string.
    assert demos == [("Calculate ∛2048", "So x = 12.8. \\boxed{12.8}")]
    assert generator.prompts == [prompts.eval_prompt("Calculate ∛2048", "qwen25-math-cot")]
    standin = {"demonstrations": "math1_standin", "files": []}
    assert evaluation.resolve_demonstrations(standin, None, "qwen25-math-cot", stops, 24, 0) == list(
        prompts.ICL_SETS["math1_standin"]
    )
    with pytest.raises(evaluation.EvaluationError, match="pi1 example-set parquet"):
        evaluation.resolve_demonstrations({"demonstrations": "pi1_self"}, generator, "qwen25-math-cot", stops, 24, 0)


# ----------------------------------------------------------------------------------------------------------
# Table builders on synthetic metrics files
# ----------------------------------------------------------------------------------------------------------


def _write(root: Path, run: str, step: int, acc: dict[str, float], tokens: float = 100.0, passk=None) -> Path:
    """A metrics.json like `oneshot-rlvr evaluate` writes (the fields the tables read)."""
    benchmarks = {
        name: {
            "accuracy": acc.get(name, 10.0),
            "grader": "default",
            "decoding": "greedy",
            "mean_response_tokens": tokens + MATH6.index(name),
            "pass_at_k": {"1": acc.get(name, 10.0), **({"8": passk[name]} if passk else {"2": 50.0})},
        }
        for name in MATH6
    }
    return write_fake_metrics(root / run / f"step{step}" / "metrics.json", run, step, benchmarks)


def _cells(records):
    return {(r["row"], r["column"]): r for r in records}


def test_table4_takes_the_best_average_and_marks_ppo_not_run(tmp_path):
    runs = {
        "qwen7b_base": [_write(tmp_path, "qwen7b_base", 0, {"math500": 50.0})],
        "qwen7b_pi1": [
            _write(tmp_path, "qwen7b_pi1", 20, {"math500": 90.0}),  # best MATH500, lower average
            _write(tmp_path, "qwen7b_pi1", 40, {m: 30.0 for m in MATH6}),
        ],
    }
    records = builder.build_table(4, runs, "paper", {"qwen7b_pi1": "abc"})
    cells = _cells(records)
    assert len(records) == len(registry.TABLES[4].rows) * 7
    pi1 = cells[("qwen7b_pi1", "math500")]
    assert pi1["step"] == 40 and pi1["ours"] == 30.0 and pi1["paper"] == 79.2 and pi1["diff"] == -49.2
    assert cells[("qwen7b_pi1", "avg")]["ours"] == 30.0 and pi1["config_hash"] == "abc"
    assert pi1["metrics_file"].endswith("qwen7b_pi1/step40/metrics.json")
    assert cells[("ppo_dsr_sub", "math500")]["ours"] is None
    assert cells[("ppo_dsr_sub", "math500")]["note"] == PPO_NOT_RUN
    assert cells[("ppo_pi1", "avg")]["paper"] == 33.8
    assert "no metrics given" in cells[("llama_pi1", "math500")]["note"]
    markdown = builder.table_markdown(records, 4, "miniature")
    assert markdown.startswith("# Table 4: Other models and algorithms — MINIATURE")
    assert "30.0 (79.2, -49.2)" in markdown and "TRL has no PPO with a verifiable reward" in markdown


def test_table5_and_table9_take_the_best_checkpoint_per_benchmark(tmp_path):
    files = [
        _write(tmp_path, "pi1_abl_pg", 20, {"math500": 70.0, "aime24": 5.0}),
        _write(tmp_path, "pi1_abl_pg", 40, {"math500": 60.0, "aime24": 15.0}),
        _write(tmp_path, "pi1_abl_pg", 60, {"math500": 70.0, "aime24": 15.0}),  # ties: the earlier step
    ]
    cells = _cells(builder.build_table(5, {"pi1_abl_pg": files}, "paper"))
    assert cells[("pi1_abl_pg", "math500")]["step"] == 20 and cells[("pi1_abl_pg", "math500")]["ours"] == 70.0
    assert cells[("pi1_abl_pg", "aime24")]["step"] == 40 and cells[("pi1_abl_pg", "aime24")]["paper"] == 15.4
    assert cells[("pi1_abl_pg", "aime24")]["selection"] == "best AIME24"

    pi1 = [_write(tmp_path, "pi1", 20, {"math500": 80.0}), _write(tmp_path, "pi1", 40, {m: 40.0 for m in MATH6})]
    records = builder.build_table(9, {"pi1": pi1}, "paper")
    cells = _cells(records)
    assert cells[("pi1", "math500")]["ours"] == 80.0 and cells[("pi1", "math500")]["step"] == 20
    assert cells[("pi1", "avg")]["ours"] == 40.0 and cells[("pi1", "best_avg_step")]["ours"] == 40.0
    assert cells[("pi1", "best_avg_step")]["paper"] == 1540.0
    assert "80.0 (74.0, +6.0) [20]" in builder.table_markdown(records, 9, "paper")


def test_fixed_steps_map_to_evaluated_steps():
    assert map_step(20, [2, 4, 20, 40], "paper") == 20
    assert map_step(30, [20, 40], "paper") == 20  # tie: the earlier step
    assert map_step(1500, [2, 4], "miniature") == 2  # 3/4 of 4 steps = 3: a tie, the earlier step
    assert map_step(1600, [2, 4], "miniature") == 4
    assert map_step(100, [2, 4], "miniature") == 2
    assert map_step(10, [2, 4, 6, 8], "miniature", span=20) == 4
    with pytest.raises(ReportError):
        map_step(10, [], "paper")


def test_table13_19_20_use_the_papers_steps_and_metrics(tmp_path):
    ent = [_write(tmp_path, "pi1_abl_ent", s, {"math500": float(s)}) for s in (20, 40)]
    cells = _cells(builder.build_table(13, {"pi1_abl_ent": ent}, "paper"))
    assert cells[("pi1_abl_ent", "math500")]["step"] == 20 and cells[("pi1_abl_ent", "math500")]["paper"] == 63.4
    assert cells[("pi1_abl_ent", "math500")]["paper_step"] == 20

    steps = (100, 1500)
    pi1 = [_write(tmp_path, "pi1", s, {}, tokens=float(s)) for s in steps]
    cells = _cells(builder.build_table(19, {"pi1": pi1}, "paper"))
    assert cells[("pi1@1500", "math500")]["ours"] == 1500.0 and cells[("pi1@1500", "math500")]["paper"] == 740.0
    assert cells[("pi1@100", "avg")]["ours"] == round(100 + sum(range(6)) / 6, 1)

    pass_a = {"aime24": 10.0, "aime25": 20.0, "amc23": 90.0, **{m: 0.0 for m in MATH6[3:5]}, "math500": 0.0}
    pass_b = {"aime24": 40.0, "aime25": 40.0, "amc23": 40.0, **{m: 0.0 for m in MATH6[3:5]}, "math500": 0.0}
    files = [_write(tmp_path, "dsr_sub", 500, {}, passk=pass_a), _write(tmp_path, "dsr_sub", 1000, {}, passk=pass_b)]
    records = builder.build_table(20, {"dsr_sub": files}, "paper")
    cells = _cells(records)
    assert cells[("dsr_sub@highest", "avg")]["ours"] == 40.0 and cells[("dsr_sub@highest", "avg")]["step"] == 500
    assert cells[("dsr_sub@1000", "aime24")]["ours"] == 40.0 and cells[("dsr_sub@1000", "aime24")]["paper"] == 33.3
    assert cells[("dsr_sub@1500", "amc23")]["step"] == 1000  # nearest evaluated step to the paper's 1500
    assert cells[("dsr_sub@500", "amc23")]["decoding"] == "pass@8 of greedy"
    # With fewer samples than 8 the largest k is used, and named.
    few = [_write(tmp_path / "few", "pi1", 500, {})]
    assert _cells(builder.build_table(20, {"pi1": few}, "paper"))[("pi1@500", "aime24")]["decoding"] == (
        "pass@2 of greedy"
    )


def test_report_table_cli_writes_both_files_and_refuses_bad_input(tmp_path):
    eval_dir = tmp_path / "eval"
    _write(eval_dir, "pi1_simplified", 2, {m: 20.0 for m in MATH6})
    _write(eval_dir, "base", 0, {m: 5.0 for m in MATH6})
    md, table = tmp_path / "t18.md", tmp_path / "t18.csv"
    args = ["report-table", "--table", "18", "--eval-dir", str(eval_dir), "--md", str(md)]
    args += ["--csv", str(table), "--scale", "miniature", "--config-hash", "base=h0"]
    result = cli_here(*args, "--run", "pi1_simplified=2", "--run", "base=0")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(table.open()))
    simplified = next(r for r in rows if r["row"] == "pi1_simplified" and r["column"] == "avg")
    assert simplified["ours"] == "20.0" and simplified["paper"] == "30.0" and simplified["diff"] == "-10.0"
    assert next(r for r in rows if r["row"] == "base")["config_hash"] == "h0"
    assert "MINIATURE" in md.read_text().splitlines()[0]
    bad = cli_here(*args, "--run", "pi1_simplified")
    assert bad.returncode == 2 and "RUN=STEP" in bad.stderr
    missing = cli_here(*args, "--run", "pi1_simplified=4")
    assert missing.returncode == 2 and "step4/metrics.json does not exist" in missing.stderr
    unknown = cli_here(*args[:2], "8", *args[3:])
    assert unknown.returncode == 2 and "--table: invalid choice: 8" in unknown.stderr


def test_reports_readme_lists_artefacts(tmp_path):
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "table4.md").write_text("x")
    files = ["reports/table4.md", "reports/table4.csv"]
    entries = parse_artefacts(json.dumps([{"target": "reproduce_table4", "files": files, "inputs": "runs a"}]))
    text = readme_markdown(entries, "miniature", tmp_path)
    assert "MINIATURE" in text and "| `reproduce_table4` | [reports/table4.md](table4.md) |" in text
    assert "not built yet" in text.splitlines()[-1] and "UTC" in text.splitlines()[-2]
    for bad in ("[{]", "{}", '[{"target": "x", "files": []}]'):
        with pytest.raises(ArtefactError):
            parse_artefacts(bad)
