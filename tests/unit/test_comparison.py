"""Numbers a reviewer can compare: Table 1 under the paper's grader beside the strict one, intervals and
significance marks, the last step, seeds (config, table, dry run) and the manifest of every metrics.json."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import pytest
import yaml
from helpers.workflow import copy_workflow, job_counts, snakemake

from oneshot_rlvr import cli, comparison, config, manifest
from oneshot_rlvr.data import ALL_BENCHMARKS, MATH_BENCHMARKS
from oneshot_rlvr.evaluation import benchmark_metrics, grade_rows
from oneshot_rlvr.tables import builder, table1

# Responses the graders judge differently (grading is real): no box, 4/3 to 4 digits, a 1e-6 relative error and
# a fraction for a percentage are right under qwen_eval (the paper's grader) and wrong under `default`.
DISAGREEING = [
    ("So the answer is 12.", "12"),
    ("\\boxed{1.3333}", "\\frac{4}{3}"),
    ("\\boxed{1000001}", "1000000"),
    ("we get 0.5", "50\\%"),
    ("\\boxed{12}", "12"),
    ("\\boxed{7}", "12"),
]


def write_evaluation(folder: Path, run: str, step: int, responses: dict[str, list[tuple[str, str]]]) -> Path:
    """An evaluation folder as `oneshot-rlvr evaluate` writes it: graded .jsonl per benchmark, metrics.json."""
    folder.mkdir(parents=True, exist_ok=True)
    summary = {}
    for name in ALL_BENCHMARKS:
        if name not in responses:
            summary[name] = {"status": "not run"}
            continue
        rows = [
            {
                "id": f"{name}-{i}",
                "sample": 0,
                "response": r,
                "answer": a,
                "response_tokens": 3,
                "finish_reason": "stop",
            }
            for i, (r, a) in enumerate(responses[name])
        ]
        grade_rows(rows, False, "default", workers=1)
        (folder / f"{name}.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
        summary[name] = {
            "status": "ok",
            "grader": "default",
            "decoding": "greedy",
            "responses_file": f"{name}.jsonl",
            **benchmark_metrics(rows, 1, "default"),
        }
    metrics = {"run": run, "step": step, "grader": "default", "benchmarks": summary}
    (folder / "metrics.json").write_text(json.dumps(metrics))
    return folder / "metrics.json"


def all_math(responses: list[tuple[str, str]]) -> dict[str, list[tuple[str, str]]]:
    return {name: responses for name in MATH_BENCHMARKS}


def records_by(records, row):
    return {r["column"]: r for r in records if r["row"] == row}


def test_table1_grades_as_the_paper_with_the_strict_number_and_disagreements_beside(tmp_path):
    base = write_evaluation(tmp_path / "base", "base", 0, all_math([("\\boxed{7}", "12")] * 6))
    pi1 = write_evaluation(tmp_path / "pi1", "pi1", 2, all_math(DISAGREEING))
    records = table1.table1({"base": [base], "pi1": [pi1]}, "Qwen2.5-Math-1.5B", "miniature")
    cells = records_by(records, "pi1")
    math = cells["math500"]
    assert (math["ours"], math["grader"], math["ours_strict"], math["strict_grader"]) == (
        83.3,
        "qwen_eval",
        16.7,
        "default",
    )
    assert math["disagreements"] == 4 and math["grader_disagreements"] == "deepscaler=0;qwen_eval=4"
    assert cells["avg"]["ours"] == 83.3 and cells["avg"]["disagreements"] == 24  # summed over the 6 benchmarks
    assert (math["n_problems"], math["n_samples"]) == (6, 1) and math["ci_low"] < 83.3 <= math["ci_high"] == 100.0
    assert math["paper"] == 72.8 and math["significant_vs_paper"] is False  # 72.8 is inside a 6-problem interval
    assert math["diff_base"] == 83.3 and math["significant_vs_base"] is True  # paired: 5 of 6 problems gained
    assert cells["arc_e"]["ours"] is None and cells["arc_e"]["ci_low"] is None
    # The strict grader's view: the same cells under `default` when asked for.
    strict = records_by(table1.table1({"pi1": [pi1]}, "Qwen2.5-Math-1.5B", "paper", grader="default"), "pi1")
    assert strict["math500"]["ours"] == 16.7 and strict["math500"]["disagreements"] == 0


def test_markdown_and_csv_show_intervals_marks_the_strict_table_and_the_last_step(tmp_path):
    right = [("\\boxed{12}", "12")] * 40
    base = write_evaluation(tmp_path / "base", "base", 0, all_math([("\\boxed{7}", "12")] * 40))
    best = write_evaluation(tmp_path / "s2", "pi1", 2, all_math(right))
    last = write_evaluation(tmp_path / "s4", "pi1", 4, all_math(right[:20] + [("\\boxed{7}", "12")] * 20))
    md, table_csv = tmp_path / "t1.md", tmp_path / "t1.csv"
    code = cli.main(["report-table1", "--metrics", f"base={base}", "--metrics", f"pi1={last}", "--metrics",
                     f"pi1={best}", "--md", str(md), "--csv", str(table_csv), "--resamples", "2000"])  # fmt: skip
    assert code == 0
    rows = {(r["row"], r["column"]): r for r in csv.DictReader(table_csv.open())}
    cell = rows[("pi1", "math500")]
    assert (cell["step"], cell["ours"], cell["ci_low"], cell["ci_high"]) == ("2", "100.0", "100.0", "100.0")
    assert cell["significant_vs_paper"] == "True" and cell["significant_vs_base"] == "True"
    assert cell["last_step"] == "4" and cell["last_ours"] == "50.0"
    assert float(cell["last_ci_low"]) < 50 < float(cell["last_ci_high"])
    assert rows[("base", "math500")]["significant_vs_paper"] == "True"  # 0 is far from the paper's 36.0
    text = md.read_text()
    assert "| pi1 | 2 | 100.0* ±0.0 (72.8) |" in text
    assert "Strict grader (default)" in text and "| pi1 | 2 | 100.0 [0] |" in text
    assert "At the last evaluated step" in text and "| pi1 | 4 | 50.0 ±" in text


def test_a_difference_inside_the_interval_is_marked_not_significant(tmp_path):
    near = [("\\boxed{12}", "12")] * 7 + [("\\boxed{7}", "12")] * 3  # 70 % of 10 problems; the paper's 72.8
    metrics = write_evaluation(tmp_path / "e", "pi1", 2, all_math(near))
    records = table1.table1({"pi1": [metrics]}, "Qwen2.5-Math-1.5B", "paper")
    cell = records_by(records, "pi1")["math500"]
    assert cell["significant_vs_paper"] is False and cell["diff"] == pytest.approx(-2.8)
    assert "70.0 ±" in table1.table1_markdown(records, "Qwen2.5-Math-1.5B", "paper")
    assert "(72.8 ns)" in table1.table1_markdown(records, "Qwen2.5-Math-1.5B", "paper")


def test_seed_rows_get_a_mean_and_spread(tmp_path):
    files = {}
    for seed, right in ((1, 6), (2, 4), (3, 5)):
        name = "pi1" if seed == 1 else f"pi1.seed{seed}"
        answers = [("\\boxed{12}", "12")] * right + [("\\boxed{7}", "12")] * (10 - right)
        files[name] = [write_evaluation(tmp_path / name, name, 2, all_math(answers))]
    records = table1.table1(files, "Qwen2.5-Math-1.5B", "paper", seeds={"pi1": [1, 2, 3]})
    assert {r["row"]: (r["seed_group"], r["seed"]) for r in records} == {
        "pi1": ("pi1", 1), "pi1.seed2": ("pi1", 2), "pi1.seed3": ("pi1", 3)}  # fmt: skip
    assert records_by(records, "pi1.seed2")["math500"]["paper"] == 72.8  # every seed beside the run's paper number
    summary = {s["column"]: s for s in comparison.seed_summaries(records)}["math500"]
    assert (summary["mean"], summary["sd"], summary["per_seed"]) == (50.0, 10.0, "60.0;40.0;50.0")
    assert "| pi1 | MATH500 | 1,2,3 | 50.0 | 10.0 | 60.0;40.0;50.0 |" in table1.table1_markdown(
        records, "Qwen2.5-Math-1.5B", "paper"
    )


def seeded_config(tmp_path: Path) -> Path:
    path = tmp_path / "seeds.yaml"
    path.write_text(yaml.safe_dump({"runs": {"pi1": {"dataset": "pi1", "seeds": [3, 1, 2]}}}))
    return path


def test_seeds_expand_into_runs_with_their_own_seed(tmp_path):
    loaded = config.load_config([seeded_config(tmp_path)])
    assert [n for n in config.run_names(loaded) if n.startswith("pi1")][:3] == ["pi1", "pi1.seed1", "pi1.seed2"]
    assert config.training_spec(loaded, "pi1")["seed"] == 3  # the first seed keeps the run's name
    assert config.training_spec(loaded, "pi1.seed2")["seed"] == 2
    assert config.training_spec(loaded, "pi1.seed2")["dataset"] == "pi1"
    assert config.evaluation_jobs(loaded, "pi1.seed2") == "checkpoint"
    with pytest.raises(config.ConfigError, match="unknown run 'pi1.seed7'"):
        config.training_spec(loaded, "pi1.seed7")
    assert config.seed_runs(config.load_config(), "pi1") == ["pi1"]  # default: one seed, as before
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"runs": {"base2": {"model": "tiny", "seeds": [1, 2]}}}))
    with pytest.raises(config.ConfigError, match="runs.base2.seeds"):
        config.load_config([bad])


def test_seeds_dry_run_plans_one_training_and_evaluation_per_seed(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    files = [workdir / "config" / name for name in ("tiny.yaml", "seeds.yaml")]
    files[1].write_text(seeded_config(tmp_path).read_text())
    seeded = snakemake(workdir, "reproduce_table1", "-n", "-p", "--configfile", *map(str, files))
    counts = job_counts(seeded.stdout)
    # What the config asks for: Table 1's rows with pi1's further seeds, each its own training and evaluations.
    loaded = config.load_config(files)
    runs = [name for row in loaded["report"]["table1"]["rows"] for name in config.seed_runs(loaded, row)]
    assert {"pi1.seed1", "pi1.seed2"} <= set(runs)
    trained = [run for run in runs if not config.is_evaluation_only(loaded, run)]
    assert counts["train_grpo"] == len(trained)
    # (config/tiny.yaml: a run's checkpoints in chunks of 2, one evaluate_chunk job each)
    assert counts["evaluate_chunk"] == sum(len(config.evaluation_chunks(loaded, run)) for run in runs)
    assert sum(len(config.evaluated_steps(loaded, run)) for run in runs) > counts["evaluate_chunk"]
    assert "results/runs/pi1.seed2/train_done.json" in seeded.stdout
    assert "--seeds pi1=3,1,2" in seeded.stdout and "--grader qwen_eval" in seeded.stdout


def test_manifest_fields_and_the_manifest_command(tmp_path, capsys):
    data = tmp_path / "data"
    (data / "benchmarks" / "math500").mkdir(parents=True)
    (data / "benchmarks" / "math500" / "test.jsonl").write_text('{"problem": "1+1", "answer": "2"}\n')
    from oneshot_rlvr.evaluation import evaluation_manifest

    spec = {"grader": "default", "seed": 0, "benchmarks": {n: {"enabled": n == "math500"} for n in ALL_BENCHMARKS}}
    found = evaluation_manifest("results/runs/pi1/checkpoints/checkpoint-2", spec, data, 12.5)
    assert set(manifest.FIELDS) <= set(found)
    assert {"torch", "transformers", "trl", "vllm", "snakemake", "sympy", "math-verify"} <= set(found["packages"])
    assert found["packages"]["torch"] != "not installed" and found["device"]["kind"] in ("cpu", "cuda")
    assert len(found["git_commit"]) == 40 and isinstance(found["git_dirty"], bool)  # the checkout the code ran from
    assert found["seeds"] == {"evaluation": 0, "training": "unknown"} and found["config_hash"] == config.spec_hash(spec)
    assert list(found["data_checksums"]) == ["math500"] and len(found["data_checksums"]["math500"]) == 64
    assert (found["grader"], found["wall_time_s"]) == ("default", 12.5)
    # Outside a git checkout (an installed wheel): "unknown", not a failure.
    assert manifest.git_state(tmp_path) == ("unknown", "unknown")
    # The training seed comes from the run's train_done.json.
    checkpoint = tmp_path / "runs" / "pi1" / "checkpoints" / "checkpoint-2"
    checkpoint.mkdir(parents=True)
    (tmp_path / "runs" / "pi1" / "train_done.json").write_text(json.dumps({"seed": 7}))
    assert manifest.training_seed(str(checkpoint)) == 7

    metrics = tmp_path / "metrics.json"
    metrics.write_text(json.dumps({"run": "pi1", "step": 2, "benchmarks": {}, "manifest": found}))
    assert cli.main(["manifest", str(metrics)]) == 0
    printed = capsys.readouterr().out
    assert f"git_commit: {found['git_commit']}" in printed and "  math500: " in printed and "  trl: " in printed
    assert cli.main(["manifest", "--json", str(metrics)]) == 0
    assert json.loads(capsys.readouterr().out)["config_hash"] == found["config_hash"]
    metrics.write_text(json.dumps({"run": "pi1", "step": 2, "benchmarks": {}}))
    assert cli.main(["manifest", str(metrics)]) == 2
    assert "has no 'manifest'" in capsys.readouterr().err


def test_manifest_command_runs_as_a_console_script(tmp_path):
    metrics = tmp_path / "metrics.json"
    metrics.write_text(json.dumps({"manifest": {"git_commit": "unknown", "packages": {"torch": "2"}}}))
    result = subprocess.run(["oneshot-rlvr", "manifest", str(metrics)], capture_output=True, text=True, check=True)
    assert result.stdout.splitlines()[:3] == [f"# {metrics}", "packages:", "  torch: 2"]


def test_the_other_accuracy_tables_compare_the_same_way(tmp_path):

    metrics = write_evaluation(tmp_path / "pi1", "pi1", 2, all_math(DISAGREEING))
    records = builder.build_table(18, {"pi1": [metrics]}, "paper", bootstrap=comparison.Bootstrap(2000))
    cells = records_by(records, "pi1")
    assert (cells["math500"]["ours"], cells["math500"]["ours_strict"], cells["math500"]["disagreements"]) == (
        83.3, 16.7, 4)  # fmt: skip
    assert cells["avg"]["n_problems"] == 36 and cells["avg"]["ci_low"] < 83.3 < cells["avg"]["ci_high"]
    assert records_by(records, "base")["math500"]["ci_low"] is None  # not run: the same columns, empty
    table_md = builder.table_markdown(records, 18, "paper")
    assert "83.3 ±" in table_md and " ns)" in table_md
    # pass@8 and response-length tables keep their metric (no grader comparison there).
    lengths = records_by(
        builder.build_table(19, {"dsr_sub_format_reward": [metrics]}, "paper"), "dsr_sub_format_reward"
    )
    assert lengths["math500"]["ours"] == 3.0 and lengths["math500"]["ci_low"] is None


def test_bad_report_input_is_one_line_exit_2(tmp_path, capsys):
    metrics = write_evaluation(tmp_path / "e", "pi1", 2, {"math500": DISAGREEING})
    out = ["--md", str(tmp_path / "t.md"), "--csv", str(tmp_path / "t.csv")]
    assert cli.main(["report-table1", "--metrics", f"pi1={metrics}", "--seeds", "pi1=1,x", *out]) == 2
    assert "--seeds pi1=1,x: comma-separated integers" in capsys.readouterr().err
    assert not (tmp_path / "t.md").exists()
    assert cli.main(["manifest", str(tmp_path / "missing.json")]) == 2
    assert capsys.readouterr().err.strip().endswith("missing.json does not exist")
    broken = tmp_path / "b" / "metrics.json"
    broken.parent.mkdir()
    broken.write_text(metrics.read_text())
    (broken.parent / "math500.jsonl").write_text('{"id": "1", "correct": true}\n{broken\n')
    assert cli.main(["report-table1", "--metrics", f"pi1={broken}", *out]) == 2
    assert "math500.jsonl:2: malformed JSON line" in capsys.readouterr().err
