"""Sweeps over examples (sweep_examples, target sweep_1shot): names and ranges, derived runs, Table 3, the DAG."""

from __future__ import annotations

import csv
import json
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from test_workflow import copy_workflow, job_counts, snakemake

from oneshot_rlvr import config as oc
from oneshot_rlvr import reporting, selection

TABLE3_SET = ["pi1", "pi2", "pi4", "pi7", "pi11", "pi13", "pi16", "pi17"]
TABLE3_SET += ["pi605", "pi606", "pi1201", "pi1207", "pi1208", "pi1209"]


# ----------------------------------------------------------------------------------------------------------
# Names, ranges and derived runs
# ----------------------------------------------------------------------------------------------------------


def test_sweep_ranges_and_lists():
    assert oc.parse_sweep("pi1..pi3") == ["pi1", "pi2", "pi3"]
    assert len(oc.parse_sweep("pi1..pi1209")) == 1209 and oc.parse_sweep("pi1..pi1209")[-1] == "pi1209"
    assert oc.parse_sweep("pi605") == ["pi605"]
    mixed = ["pi1..pi2", "pi2", "pi1_pi13", "pi1_to_pi16", "random16", "dsr_sub", " pi1209 "]
    assert oc.parse_sweep(mixed) == ["pi1", "pi2", "pi1_pi13", "pi1_to_pi16", "random16", "dsr_sub", "pi1209"]
    for bad in ("pi3..pi1", "pi0..pi2", "foo", "pi1..", "pi1-pi3"):
        with pytest.raises(oc.ConfigError, match="sweep_examples"):
            oc.parse_sweep(bad)
    for name in ("pi1", "pi1_pi13", "pi1_to_pi16", "random16", "dsr_sub", "math_train"):
        assert oc.is_example_set(name)
    for name in ("pi", "random", "pi1_to_", "dsr_sub_format_reward", "history_dsr_sub"):
        assert not oc.is_example_set(name)


def test_default_sweep_is_table3_and_runs_are_derived():
    config = oc.load_config()
    assert oc.sweep_runs(config) == TABLE3_SET == list(oc.TABLE3_EXAMPLES)
    # pi605 has no `runs:` entry: it is derived from its name, with the shared training settings.
    assert "pi605" not in config["runs"]
    spec = oc.training_spec(config, "pi605")
    assert spec["dataset"] == "pi605" and spec["max_steps"] == 2000 and spec["save_steps"] == 20
    assert oc.evaluated_steps(config, "pi605") == list(range(20, 2001, 20))
    # pi1 is a configured run with the same dataset: the sweep reuses it.
    assert oc.training_spec(config, "pi1")["dataset"] == "pi1"
    # The history run: full DSR-sub for selection.history_steps (the paper's 500).
    history = oc.training_spec(config, oc.HISTORY_RUN)
    assert history["dataset"] == "dsr_sub" and history["max_steps"] == 500 and oc.history_step(config) == 500
    tiny = oc.load_config(["config/tiny.yaml"], ["selection.history_steps=3"])
    assert oc.saved_steps(oc.training_spec(tiny, oc.HISTORY_RUN)) == [2, 3] and oc.history_step(tiny) == 3
    with pytest.raises(oc.ConfigError, match="unknown run 'nonsense'"):
        oc.training_spec(config, "nonsense")


def test_sweep_refuses_a_run_named_like_another_example_set():
    config = oc.load_config(overrides=["runs.pi2.dataset=pi13", "sweep_examples=[pi2]"])
    with pytest.raises(oc.ConfigError, match="runs.pi2.dataset"):
        oc.sweep_runs(config)
    with pytest.raises(oc.ConfigError, match="sweep_examples"):
        oc.load_config(overrides=["sweep_examples=[pi1, pi1x]"])


# ----------------------------------------------------------------------------------------------------------
# Table 3 from metrics files
# ----------------------------------------------------------------------------------------------------------

SUBJECTS = ["Algebra", "Counting & Probability", "Geometry", "Intermediate Algebra", "Number Theory"]
SUBJECTS += ["Prealgebra", "Precalculus"]


def _metrics(path: Path, run: str, step: int, math500: float, aime24: float, offset: float) -> Path:
    subjects = {name: round(math500 + offset * number, 3) for number, name in enumerate(SUBJECTS)}
    payload = {
        "run": run,
        "step": step,
        "grader": "default",
        "benchmarks": {
            "math500": {"status": "ok", "accuracy": math500, "subjects": subjects, "grader": "default"},
            "aime24": {"status": "ok", "accuracy": aime24, "subjects": {}, "decoding": "avg@8, T=0.6"},
        },
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload))
    return path


def test_table3_takes_the_best_checkpoint_per_benchmark(tmp_path):
    base = _metrics(tmp_path / "base/step0/metrics.json", "base", 0, 36.0, 6.7, 0.5)
    pi1 = [
        _metrics(tmp_path / "pi1/step20/metrics.json", "pi1", 20, 60.0, 20.0, 1.0),
        _metrics(tmp_path / "pi1/step40/metrics.json", "pi1", 40, 70.0, 10.0, 2.0),
        _metrics(tmp_path / "pi1/step60/metrics.json", "pi1", 60, 70.0, 15.0, 3.0),  # tie: the earlier step wins
    ]
    records = reporting.table3({"base": [base], "pi1": pi1}, "Qwen2.5-Math-1.5B", "paper", {"pi1": 1}, {"pi1": "124"})
    cells = {(r["row"], r["column"]): r for r in records}
    assert len(records) == 2 * 9
    assert cells[("pi1", "math500")]["ours"] == 70.0 and cells[("pi1", "math500")]["step"] == 40
    assert cells[("pi1", "number_theory")]["ours"] == 78.0  # subjects of the best-MATH500 checkpoint (step 40)
    assert cells[("pi1", "aime24")]["ours"] == 20.0 and cells[("pi1", "aime24")]["step"] == 20
    assert cells[("pi1", "aime24")]["selection"] == "best AIME24"
    assert cells[("pi1", "math500")]["paper"] == 74.0 and cells[("pi1", "math500")]["diff"] == -4.0
    assert cells[("base", "algebra")]["paper"] == 37.1 and cells[("pi1", "precalculus")]["paper"] == 64.3
    assert cells[("pi1", "math500")]["metrics_file"].endswith("pi1/step40/metrics.json")
    markdown = reporting.table3_markdown(records, "Qwen2.5-Math-1.5B", "paper")
    assert "| pi1 | 1 | 124 | 40 | 70.0 (88.7) |" in markdown and "20.0 (16.7) [20]" in markdown

    # The CLI reads the ROW=PATH manifest a long sweep needs.
    manifest = tmp_path / "manifest.txt"
    manifest.write_text(
        "".join(f"{row}={path}\n" for row, paths in {"base": [base], "pi1": pi1}.items() for path in paths)
    )
    md, table = tmp_path / "t3.md", tmp_path / "t3.csv"
    result = subprocess.run(
        ["oneshot-rlvr", "report-table3", "--metrics-file", str(manifest), "--md", str(md), "--csv", str(table)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(table.open()))
    assert [r["row"] for r in rows[::9]] == ["base", "pi1"] and rows[9]["size"] == "1" and rows[0]["size"] == "0"
    bad = subprocess.run(
        ["oneshot-rlvr", "report-table3", "--metrics", "pi1", "--md", str(md), "--csv", str(table)],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "ROW=PATH" in bad.stderr


def test_paper_numbers_of_table3_cover_the_sweep():
    paper = reporting.paper_numbers("table3", "Qwen2.5-Math-1.5B")
    for name in TABLE3_SET + ["base", "pi1_to_pi16", "pi1_pi13"]:
        assert all((name, column) in paper for column in reporting.TABLE3_COLUMNS), name
    # The paper's check: subject scores weighted by the MATH500 subject counts give the MATH500 column.
    counts = {"algebra": 124, "counting_and_probability": 38, "geometry": 41, "intermediate_algebra": 97}
    counts |= {"number_theory": 62, "prealgebra": 82, "precalculus": 56}
    weighted = sum(paper[("pi1", subject)] * n for subject, n in counts.items()) / 500
    assert weighted == pytest.approx(paper[("pi1", "math500")], abs=0.1)


# ----------------------------------------------------------------------------------------------------------
# The DAG: full range dry run, paper scale, miniature end to end
# ----------------------------------------------------------------------------------------------------------


def test_full_range_sweep_dry_run_at_paper_scale(tmp_path):
    """pi1..pi1209 at paper scale (100 checkpoints per run): one training job per run, and one evaluation job per
    example-set run (evaluation.jobs: auto), so ~3.8k jobs instead of the 123k of one job per checkpoint."""
    workdir = copy_workflow(tmp_path / "wf")
    started = time.monotonic()
    result = snakemake(
        workdir, "sweep_1shot", "-n", "--quiet", "rules", "--cores", "8", "--config", "sweep_examples=pi1..pi1209"
    )
    elapsed = time.monotonic() - started
    counts = job_counts(result.stdout)
    assert counts["train_grpo"] == 1209 and counts["make_dataset"] == 1209
    # pi1 and pi13 have `runs:` entries (Table 1 shares them): one job per checkpoint; the 1,207 others one per run
    assert counts["evaluate_run"] == 1207
    assert counts["evaluate_checkpoint"] == 2 * 100 + 1  # pi1 and pi13 at every 20th step to 2000, plus the base
    assert counts["report_table3"] == 1 and counts["rank_examples"] == 1 and "collect_history" not in counts
    assert counts["total"] < 4000
    print(f"full-range dry run at paper scale: {counts['total']} jobs in {elapsed:.1f}s")
    # One job per checkpoint for every run is still there, as a switch (not planned here: 123k jobs, minutes).
    config = oc.load_config(overrides=["sweep_examples=pi1..pi1209", "evaluation.jobs=checkpoint"])
    assert sum(len(oc.evaluation_targets(config, run)) for run in ["base", *oc.sweep_runs(config)]) == 1209 * 100 + 1


def test_paper_scale_table3_dry_run(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    counts = job_counts(snakemake(workdir, "sweep_1shot", "-n", "--cores", "8").stdout)
    assert counts["train_grpo"] == 14 and counts["evaluate_checkpoint"] == 2 * 100 + 1  # pi1, pi13 and the base
    assert counts["evaluate_run"] == 12  # the example-set runs without a `runs:` entry
    assert counts["make_dataset"] == 14 and counts["plot_score_distribution"] == 1
    # Our own history: the 500-step DSR-sub run is one more training job, then collected and ranked.
    (workdir / "config" / "rec.yaml").write_text(yaml.safe_dump({"selection": {"history": "recomputed"}}))
    result = snakemake(workdir, "sweep_1shot", "-n", "--cores", "8", "--configfile", "config/rec.yaml")
    counts = job_counts(result.stdout)
    assert counts["train_grpo"] == 15 and counts["collect_history"] == 1 and counts["make_dataset"] == 15
    assert "results/runs/history_dsr_sub/train_done.json" in result.stdout


E2E_OVERRIDES = {
    "evaluation": {
        "benchmarks": {
            "math500": {"limit": 14},
            "aime24": {"limit": 2, "n_samples": 2},
            **{
                name: {"enabled": False}
                for name in ("amc23", "minerva_math", "olympiadbench", "aime25", "arc_e", "arc_c")
            },
        }
    },
    "selection": {"history_steps": 2},
    "sweep_examples": "pi1..pi2",
    "tiny_model": {"warm_start_steps": 10},
}


def _check_table3(workdir: Path, rows: list[str], steps: tuple[int, ...]) -> list[dict[str, str]]:
    table = list(csv.DictReader((workdir / "reports" / "table3.csv").open()))
    assert [r["row"] for r in table[:: len(reporting.TABLE3_COLUMNS)]] == rows
    for record in table:
        metrics = json.loads((workdir / record["metrics_file"]).read_text())
        assert str(metrics["step"]) == record["step"] and record["scale"] == "miniature"
        bench = metrics["benchmarks"]["aime24" if record["column"] == "aime24" else "math500"]
        if record["column"] in ("math500", "aime24"):
            expected = bench["accuracy"]
        else:
            subjects = {reporting.subject_key(name): value for name, value in bench["subjects"].items()}
            expected = subjects.get(record["column"])
        assert (record["ours"] == "") if expected is None else float(record["ours"]) == round(expected, 1)
    for row in rows[1:]:  # the step is the best-MATH500 checkpoint
        scores = {
            step: json.loads((workdir / f"results/eval/{row}/step{step}/metrics.json").read_text())["benchmarks"][
                "math500"
            ]["accuracy"]
            for step in steps
        }
        best = max(scores.values())
        math_cell = next(r for r in table if r["row"] == row and r["column"] == "math500")
        assert int(math_cell["step"]) == min(step for step, value in scores.items() if value == best)
    assert (workdir / "reports" / "figures" / "score_distribution.png").read_bytes()[:4] == b"\x89PNG"
    assert (workdir / "reports" / "figures" / "score_distribution.pdf").read_bytes()[:5] == b"%PDF-"
    return table


@pytest.mark.slow
def test_miniature_table3_sweep_end_to_end(tmp_path, shared_data):
    workdir = copy_workflow(tmp_path / "wf")
    (workdir / "config" / "sweep.yaml").write_text(yaml.safe_dump(E2E_OVERRIDES))
    configs = ["config/tiny.yaml", "config/test.yaml", "config/sweep.yaml"]
    local = ["--config", f"local_data_dir={shared_data}"]
    args = ["sweep_1shot", "--cores", "2", "--configfile", *configs, *local]
    started = time.monotonic()
    snakemake(workdir, *args)
    released_s = time.monotonic() - started

    # Released history: pi1 = DSR-sub 124, pi2 = 267, each trained, evaluated at steps 1 and 2, best MATH500 kept.
    table = _check_table3(workdir, ["base", "pi1", "pi2"], (1, 2))
    assert [r["examples"] for r in table[9::9]] == ["124", "267"]
    assert next(r for r in table if r["row"] == "pi1" and r["column"] == "math500")["paper"] == "74.0"
    markdown = (workdir / "reports" / "table3.md").read_text()
    assert "MINIATURE" in markdown and "| pi2 | 1 | 267 |" in markdown and "(70.6)" in markdown
    manifest = (workdir / "results" / "sweep" / "table3_metrics.txt").read_text().split()
    # pi1 (a `runs:` entry) is evaluated one job per checkpoint, pi2 (only in the sweep) by one job for the run
    assert manifest == ["base=results/eval/base/step0/metrics.json"] + [
        f"pi1=results/eval/pi1/step{step}/metrics.json" for step in (1, 2)
    ] + ["pi2=results/eval/pi2/steps.json"]
    index = json.loads((workdir / "results" / "eval" / "pi2" / "steps.json").read_text())
    assert [(entry["step"], entry["metrics"]) for entry in index["steps"]] == [
        (1, "step1/metrics.json"),
        (2, "step2/metrics.json"),
    ]
    assert not list((workdir / "logs" / "evaluate_checkpoint").glob("pi2/*"))
    assert (workdir / "logs" / "evaluate_run" / "pi2.log").exists()
    assert not (workdir / "results" / "runs" / oc.HISTORY_RUN).exists()  # released: no history run

    # Recomputed history: the DSR-sub history run (2 steps) records it, its last checkpoint's history is ranked,
    # and the sweep's sets are chosen from that ranking.
    # (One checkpoint per run here, to keep the test short.)
    recomputed = {"selection": {"history": "recomputed"}, "sweep_examples": ["pi1_to_pi2"]}
    recomputed["training"] = {"save_steps": 2}
    (workdir / "config" / "rec.yaml").write_text(yaml.safe_dump(recomputed))
    rec_args = ["sweep_1shot", "--cores", "2", "--configfile", *configs, "config/rec.yaml", *local]
    started = time.monotonic()
    snakemake(workdir, *rec_args)
    recomputed_s = time.monotonic() - started
    done = json.loads((workdir / "results" / "runs" / oc.HISTORY_RUN / "train_done.json").read_text())
    assert done["steps"] == [2]
    recorded = json.loads(
        (workdir / f"results/runs/{oc.HISTORY_RUN}/checkpoints/checkpoint-2/history.json").read_text()
    )
    collected = json.loads((workdir / "results" / "selection" / "history_recomputed.json").read_text())
    assert collected == recorded and list(collected) == list(recorded) and len(collected) >= 2
    ranking = selection.read_ranking(workdir / "results" / "selection" / "ranking.tsv")
    assert sorted(ranking["index"]) == sorted(int(key) for key in recorded)
    assert list(ranking["index"]) == list(selection.rank_examples(recorded)["index"])
    import pandas as pd

    frame = pd.read_parquet(workdir / "results" / "datasets" / "pi1_to_pi2.parquet")
    indices = frame["extra_info"].map(lambda info: info["index"]).tolist()
    assert indices == [ranking["index"][0]] * 64 + [ranking["index"][1]] * 64
    table = _check_table3(workdir, ["base", "pi1_to_pi2"], (2,))
    assert table[9]["size"] == "2" and table[9]["paper"] == ""

    again = snakemake(workdir, *rec_args, "-n")
    assert "Nothing to be done" in again.stdout + again.stderr
    print(f"miniature sweep: released {released_s:.0f}s, recomputed {recomputed_s:.0f}s")
