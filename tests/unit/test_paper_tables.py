"""The paper's Tables 4, 5, 9, 13, 16-20 (issue 6): config of their runs, table builders on synthetic metrics, the
`paper` DAG at paper scale, and every table regenerated end to end under the miniature."""

from __future__ import annotations

import csv
import json
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from test_workflow import copy_workflow, job_counts, snakemake

from oneshot_rlvr import config as oc
from oneshot_rlvr import evaluation, figures, icl_examples, paper_tables, prompts, selection
from oneshot_rlvr.artefacts import ArtefactError, parse_artefacts, readme_markdown
from oneshot_rlvr.evaluation import Generation
from oneshot_rlvr.reporting import ReportError

MATH6 = ["math500", "aime24", "amc23", "minerva_math", "olympiadbench", "aime25"]


# ----------------------------------------------------------------------------------------------------------
# Config: every run of the paper, evaluation-only and ICL runs, the miniature
# ----------------------------------------------------------------------------------------------------------


def test_every_table_run_resolves_and_evaluation_only_runs_are_step_0():
    config = oc.load_config()
    for number in paper_tables.TABLES:
        for run in paper_tables.table_runs(number):
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
    for number in paper_tables.TABLES:
        for run in paper_tables.table_runs(number):
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
    benchmarks = {}
    for name in MATH6:
        bench = {
            "status": "ok",
            "accuracy": acc.get(name, 10.0),
            "grader": "default",
            "decoding": "greedy",
            "mean_response_tokens": tokens + MATH6.index(name),
            "pass_at_k": {"1": acc.get(name, 10.0), **({"8": passk[name]} if passk else {"2": 50.0})},
        }
        benchmarks[name] = bench
    path = root / run / f"step{step}" / "metrics.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"run": run, "step": step, "grader": "default", "benchmarks": benchmarks}))
    return path


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
    records = paper_tables.build_table(4, runs, "paper", {"qwen7b_pi1": "abc"})
    cells = _cells(records)
    assert len(records) == len(paper_tables.TABLES[4].rows) * 7
    pi1 = cells[("qwen7b_pi1", "math500")]
    assert pi1["step"] == 40 and pi1["ours"] == 30.0 and pi1["paper"] == 79.2 and pi1["diff"] == -49.2
    assert cells[("qwen7b_pi1", "avg")]["ours"] == 30.0 and pi1["config_hash"] == "abc"
    assert pi1["metrics_file"].endswith("qwen7b_pi1/step40/metrics.json")
    assert cells[("ppo_dsr_sub", "math500")]["ours"] is None
    assert cells[("ppo_dsr_sub", "math500")]["note"] == paper_tables.PPO_NOT_RUN
    assert cells[("ppo_pi1", "avg")]["paper"] == 33.8
    assert "no metrics given" in cells[("llama_pi1", "math500")]["note"]
    markdown = paper_tables.table_markdown(records, 4, "miniature")
    assert markdown.startswith("# Table 4: Other models and algorithms — MINIATURE")
    assert "30.0 (79.2, -49.2)" in markdown and "TRL has no PPO with a verifiable reward" in markdown


def test_table5_and_table9_take_the_best_checkpoint_per_benchmark(tmp_path):
    files = [
        _write(tmp_path, "pi1_abl_pg", 20, {"math500": 70.0, "aime24": 5.0}),
        _write(tmp_path, "pi1_abl_pg", 40, {"math500": 60.0, "aime24": 15.0}),
        _write(tmp_path, "pi1_abl_pg", 60, {"math500": 70.0, "aime24": 15.0}),  # ties: the earlier step
    ]
    cells = _cells(paper_tables.build_table(5, {"pi1_abl_pg": files}, "paper"))
    assert cells[("pi1_abl_pg", "math500")]["step"] == 20 and cells[("pi1_abl_pg", "math500")]["ours"] == 70.0
    assert cells[("pi1_abl_pg", "aime24")]["step"] == 40 and cells[("pi1_abl_pg", "aime24")]["paper"] == 15.4
    assert cells[("pi1_abl_pg", "aime24")]["selection"] == "best AIME24"

    pi1 = [_write(tmp_path, "pi1", 20, {"math500": 80.0}), _write(tmp_path, "pi1", 40, {m: 40.0 for m in MATH6})]
    records = paper_tables.build_table(9, {"pi1": pi1}, "paper")
    cells = _cells(records)
    assert cells[("pi1", "math500")]["ours"] == 80.0 and cells[("pi1", "math500")]["step"] == 20
    assert cells[("pi1", "avg")]["ours"] == 40.0 and cells[("pi1", "best_avg_step")]["ours"] == 40.0
    assert cells[("pi1", "best_avg_step")]["paper"] == 1540.0
    assert "80.0 (74.0, +6.0) [20]" in paper_tables.table_markdown(records, 9, "paper")


def test_fixed_steps_map_to_evaluated_steps():
    assert paper_tables.map_step(20, [2, 4, 20, 40], "paper") == 20
    assert paper_tables.map_step(30, [20, 40], "paper") == 20  # tie: the earlier step
    assert paper_tables.map_step(1500, [2, 4], "miniature") == 2  # 3/4 of 4 steps = 3: a tie, the earlier step
    assert paper_tables.map_step(1600, [2, 4], "miniature") == 4
    assert paper_tables.map_step(100, [2, 4], "miniature") == 2
    assert paper_tables.map_step(10, [2, 4, 6, 8], "miniature", span=20) == 4
    with pytest.raises(ReportError):
        paper_tables.map_step(10, [], "paper")


def test_table13_19_20_use_the_papers_steps_and_metrics(tmp_path):
    ent = [_write(tmp_path, "pi1_abl_ent", s, {"math500": float(s)}) for s in (20, 40)]
    cells = _cells(paper_tables.build_table(13, {"pi1_abl_ent": ent}, "paper"))
    assert cells[("pi1_abl_ent", "math500")]["step"] == 20 and cells[("pi1_abl_ent", "math500")]["paper"] == 63.4
    assert cells[("pi1_abl_ent", "math500")]["paper_step"] == 20

    steps = (100, 1500)
    pi1 = [_write(tmp_path, "pi1", s, {}, tokens=float(s)) for s in steps]
    cells = _cells(paper_tables.build_table(19, {"pi1": pi1}, "paper"))
    assert cells[("pi1@1500", "math500")]["ours"] == 1500.0 and cells[("pi1@1500", "math500")]["paper"] == 740.0
    assert cells[("pi1@100", "avg")]["ours"] == round(100 + sum(range(6)) / 6, 1)

    pass_a = {"aime24": 10.0, "aime25": 20.0, "amc23": 90.0, **{m: 0.0 for m in MATH6[3:5]}, "math500": 0.0}
    pass_b = {"aime24": 40.0, "aime25": 40.0, "amc23": 40.0, **{m: 0.0 for m in MATH6[3:5]}, "math500": 0.0}
    files = [_write(tmp_path, "dsr_sub", 500, {}, passk=pass_a), _write(tmp_path, "dsr_sub", 1000, {}, passk=pass_b)]
    records = paper_tables.build_table(20, {"dsr_sub": files}, "paper")
    cells = _cells(records)
    assert cells[("dsr_sub@highest", "avg")]["ours"] == 40.0 and cells[("dsr_sub@highest", "avg")]["step"] == 500
    assert cells[("dsr_sub@1000", "aime24")]["ours"] == 40.0 and cells[("dsr_sub@1000", "aime24")]["paper"] == 33.3
    assert cells[("dsr_sub@1500", "amc23")]["step"] == 1000  # nearest evaluated step to the paper's 1500
    assert cells[("dsr_sub@500", "amc23")]["decoding"] == "pass@8 of greedy"
    # With fewer samples than 8 the largest k is used, and named.
    few = [_write(tmp_path / "few", "pi1", 500, {})]
    assert _cells(paper_tables.build_table(20, {"pi1": few}, "paper"))[("pi1@500", "aime24")]["decoding"] == (
        "pass@2 of greedy"
    )


def test_report_table_cli_writes_both_files_and_refuses_bad_input(tmp_path):
    eval_dir = tmp_path / "eval"
    _write(eval_dir, "pi1_simplified", 2, {m: 20.0 for m in MATH6})
    _write(eval_dir, "base", 0, {m: 5.0 for m in MATH6})
    md, table = tmp_path / "t18.md", tmp_path / "t18.csv"
    args = ["oneshot-rlvr", "report-table", "--table", "18", "--eval-dir", str(eval_dir), "--md", str(md)]
    args += ["--csv", str(table), "--scale", "miniature", "--config-hash", "base=h0"]
    result = subprocess.run([*args, "--run", "pi1_simplified=2", "--run", "base=0"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(table.open()))
    simplified = next(r for r in rows if r["row"] == "pi1_simplified" and r["column"] == "avg")
    assert simplified["ours"] == "20.0" and simplified["paper"] == "30.0" and simplified["diff"] == "-10.0"
    assert next(r for r in rows if r["row"] == "base")["config_hash"] == "h0"
    assert "MINIATURE" in md.read_text().splitlines()[0]
    bad = subprocess.run([*args, "--run", "pi1_simplified"], capture_output=True, text=True)
    assert bad.returncode == 2 and "RUN=STEP" in bad.stderr
    missing = subprocess.run([*args, "--run", "pi1_simplified=4"], capture_output=True, text=True)
    assert missing.returncode == 2 and "step4/metrics.json does not exist" in missing.stderr
    unknown = subprocess.run([*args[:3], "7", *args[4:]], capture_output=True, text=True)
    assert unknown.returncode == 2 and "no table 7" in unknown.stderr


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


# ----------------------------------------------------------------------------------------------------------
# The DAG: `paper` at paper scale (dry run), every table in the miniature (end to end)
# ----------------------------------------------------------------------------------------------------------

TABLE_TARGETS = [f"reproduce_table{n}" for n in (3, *paper_tables.TABLES)]


def test_paper_dry_run_lists_every_table_and_gpu_resources(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    started = time.monotonic()
    result = snakemake(workdir, "paper", "-n", "--cores", "8")
    elapsed = time.monotonic() - started
    counts = job_counts(result.stdout)
    print(f"paper dry run at paper scale: {counts['total']} jobs in {elapsed:.1f}s")
    assert counts["report_paper_table"] == len(paper_tables.TABLES)
    assert counts["report_table1"] == 1 and counts["report_table3"] == 1 and counts["reports_readme"] == 1
    for number in paper_tables.TABLES:
        assert f"reports/table{number}.md" in result.stdout
    # Every trained run of every table and figure is one training job (shared runs once).
    config = oc.load_config()
    figure_runs = {run for spec in config["figures"].values() for run in [*spec["runs"], spec.get("base")] if run}
    wanted = {run for n in paper_tables.TABLES for run in paper_tables.table_runs(n)} | figure_runs
    trained = wanted | set(config["report"]["table1"]["rows"]) | set(oc.sweep_runs(config))
    trained = {run for run in trained if not oc.is_evaluation_only(config, run)}
    assert counts["train_grpo"] == len(trained)
    evaluated = wanted | trained | {"base"}
    # evaluation.jobs: auto -- configured runs one job per checkpoint, example-set runs (pi11, pi16, the sweep's
    # pi2 ... pi1209) one job per run
    per_run = {run for run in evaluated if oc.evaluation_jobs(config, run) == "run"}
    assert per_run and all(run not in config["runs"] for run in per_run) and "pi2" in per_run
    per_checkpoint = evaluated - per_run
    assert counts["evaluate_checkpoint"] == sum(len(oc.evaluated_steps(config, run)) for run in per_checkpoint)
    assert counts["evaluate_run"] == len(per_run)
    assert "build_tiny_model" not in counts
    # GPU rules ask for GPUs: 8 per training job, 4 per evaluation (the config's gpus).
    train_jobs = result.stdout.split("rule train_grpo:")[1:]
    eval_jobs = result.stdout.split("rule evaluate_checkpoint:")[1:]
    # (each job's block ends where the next job's timestamp line "[...]" starts)
    assert len(train_jobs) == counts["train_grpo"] and all("gpu=8," in job.split("\n[")[0] for job in train_jobs)
    assert len(eval_jobs) == counts["evaluate_checkpoint"] and all("gpu=4," in job.split("\n[")[0] for job in eval_jobs)
    run_jobs = result.stdout.split("rule evaluate_run:")[1:]
    # a whole run's evaluation asks for the per-checkpoint wall time (240 min) once per evaluated step
    assert len(run_jobs) == len(per_run) and all("gpu=4," in job.split("\n[")[0] for job in run_jobs)
    assert all("runtime=24000" in job.split("\n[")[0] for job in run_jobs)
    assert "TARGETS" not in result.stderr


PAPER_E2E_OVERRIDES = {
    # One training step and checkpoint per run, a handful of problems, no ARC: every table's DAG in minutes.
    "training": {"max_steps": 1, "save_steps": 1},
    "models": {
        key: {"training": {"max_steps": 1, "save_steps": 1}}
        for key in ("qwen2.5-math-7b", "llama-3.2-3b-instruct", "deepseek-r1-distill-qwen-1.5b")
    },
    "runs": {
        run: {"training": {"max_steps": 1, "save_steps": 1}} for run in ("qwen7b_pi1_abl_ent", "llama_pi1_abl_ent")
    },
    "evaluation": {
        "benchmarks": {
            "math500": {"limit": 4},
            **{name: {"limit": 2} for name in MATH6[1:]},
            "arc_e": {"enabled": False},
            "arc_c": {"enabled": False},
        }
    },
    "sweep_examples": ["pi1"],
    "tiny_model": {"warm_start_steps": 10},
    # Figure 3's responses at the steps this one-step miniature has (the base model is step 0).
    "figures": {"figure3": {"steps": [0, 1]}},
}


def _expected(metrics: dict, table: int, column: str, row: str | None = None) -> float | None:
    """The value of a cell recomputed from the metrics file it names (under the row's own metric, if any)."""
    spec = paper_tables.TABLES[table]
    metric = next((r.metric for r in spec.rows if r.key == row and r.metric), spec.metric)
    if column == "best_avg_step":
        return float(metrics["step"])
    if column == "avg":
        columns = [c for c in spec.columns if c not in ("avg", "best_avg_step")]
        values = [_expected(metrics, table, c, row) for c in columns]
        return None if None in values else sum(values) / len(values)
    bench = metrics["benchmarks"][column]
    if metric == "boxed_rate":
        return bench["boxed_rate"]
    if metric == "response_tokens":
        return bench["mean_response_tokens"]
    if metric == "pass_at_8":
        return bench["pass_at_k"]["8" if "8" in bench["pass_at_k"] else "2"]
    return bench["accuracy"]


@pytest.mark.slow
def test_miniature_paper_end_to_end(tmp_path, shared_data):
    """`paper` on the miniature: every table (provenance of every cell), every figure (a valid PNG with its
    panels, and a PDF), reports/README.md, and nothing left to do on a second run."""
    from test_figures import png_panels

    workdir = copy_workflow(tmp_path / "wf")
    (workdir / "config" / "paper.yaml").write_text(yaml.safe_dump(PAPER_E2E_OVERRIDES))
    configs = ["config/tiny.yaml", "config/test.yaml", "config/paper.yaml"]
    args = ["paper", "--cores", "2", "--configfile", *configs]
    args += ["--config", f"local_data_dir={shared_data}"]
    started = time.monotonic()
    snakemake(workdir, *args)
    print(f"miniature of paper: {time.monotonic() - started:.0f}s")
    check_every_table(workdir, oc.load_config([workdir / c for c in configs], [f"local_data_dir={shared_data}"]))
    readme = (workdir / "reports" / "README.md").read_text()
    assert all(f"`{target}`" in readme for target in TABLE_TARGETS) and "MINIATURE" in readme
    for name in figures.FIGURE_NAMES:
        assert png_panels(workdir / "reports" / "figures" / f"{name}.png"), name
        assert (workdir / "reports" / "figures" / f"{name}.pdf").read_bytes().startswith(b"%PDF-"), name
        assert f"reports/figures/{name}.png" in readme, name
    again = snakemake(workdir, *args, "-n")
    assert "Nothing to be done" in again.stdout + again.stderr


def check_every_table(workdir: Path, config: dict) -> None:
    """Provenance of every cell of Tables 4-20: the rounded value of the metrics file it names."""
    for number, spec in paper_tables.TABLES.items():
        records = list(csv.DictReader((workdir / "reports" / f"table{number}.csv").open()))
        assert [r["row"] for r in records[:: len(spec.columns)]] == [row.key for row in spec.rows], number
        for record in records:
            if not record["metrics_file"]:  # only the PPO rows are not run
                assert record["note"] == paper_tables.PPO_NOT_RUN and record["ours"] == "", record
                continue
            metrics = json.loads((workdir / record["metrics_file"]).read_text())
            assert metrics["run"] == record["run"] and str(metrics["step"]) == record["step"]
            assert record["scale"] == "miniature" and record["config_hash"] == oc.run_config_hash(config, record["run"])
            expected = _expected(metrics, number, record["column"], record["row"])
            assert float(record["ours"]) == round(expected, 1), (number, record)
        title = (workdir / "reports" / f"table{number}.md").read_text().splitlines()[0]
        assert title.startswith(f"# Table {number}:") and "MINIATURE" in title
    # ICL runs really had demonstrations in their prompts.
    demos = json.loads((workdir / "results/eval/icl_pi1/step0/icl_demonstrations.json").read_text())
    assert demos["demonstrations"] == "pi1_self" and len(demos["items"]) == 1
    prompt = json.loads((workdir / "results/eval/icl_qwen4/step0/math500.jsonl").read_text().splitlines()[0])["prompt"]
    qwen4 = icl_examples.load_demonstrations_set(workdir / config["data_dir"] / icl_examples.RELPATH, "math", 4)
    assert all(question in prompt for question, _ in qwen4)


def test_paper_takes_the_figures_of_the_figures_files(tmp_path):
    """The figures' functions-only file defines FIGURE_ARTEFACTS before paper_inputs.smk is included: `paper` and
    reports/README.md then cover those figures too (the wiring of the figures branch)."""
    workdir = copy_workflow(tmp_path / "wf")
    (workdir / "workflow" / "rules" / "fake_figures.smk").write_text(
        'FIGURE_ARTEFACTS = {"figure1": ["reports/figures/figure1.png", "reports/figures/figure1.pdf"]}\n\n\n'
        "rule fake_figure1:\n"
        "    output:\n"
        '        "reports/figures/figure1.png",\n'
        '        "reports/figures/figure1.pdf",\n'
        "    shell:\n"
        '        "touch {output}"\n'
    )
    snakefile = (workdir / "Snakefile").read_text()
    include = 'include: "workflow/rules/paper_inputs.smk"'
    (workdir / "Snakefile").write_text(
        snakefile.replace(include, 'include: "workflow/rules/fake_figures.smk"\n' + include)
    )
    result = snakemake(workdir, "paper", "-n", "--cores", "2", "--configfile", "config/tiny.yaml")
    assert "rule fake_figure1:" in result.stdout and "reports/figures/figure1.pdf" in result.stdout
    readme_job = result.stdout.split("rule reports_readme:")[1].split("\n[")[0]
    assert "reports/figures/figure1.png" in readme_job and "reports/table20.csv" in readme_job
