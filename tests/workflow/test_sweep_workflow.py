"""The sweep's DAG (target sweep_1shot): the full range and Table 3 planned at paper scale, and Table 3 of the suite's
miniature end to end, with the released and with a recomputed history."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from helpers.workflow import copy_workflow, job_counts, snakemake

from oneshot_rlvr import config as oc
from oneshot_rlvr import selection
from oneshot_rlvr.tables import table3

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
    # pi1 and pi13 at every 20th step to 2000 in chunks of 5 (evaluation.checkpoints_per_job), plus the base
    assert counts["evaluate_chunk"] == 2 * 20 + 1
    assert counts["report_table3"] == 1 and counts["rank_examples"] == 1 and "collect_history" not in counts
    assert counts["total"] < 4000
    print(f"full-range dry run at paper scale: {counts['total']} jobs in {elapsed:.1f}s")
    # One job per checkpoint for every run is still there, as a switch (not planned here: 123k jobs, minutes).
    overrides = ["sweep_examples=pi1..pi1209", "evaluation.jobs=checkpoint", "evaluation.checkpoints_per_job=1"]
    config = oc.load_config(overrides=overrides)
    assert sum(len(oc.evaluation_targets(config, run)) for run in ["base", *oc.sweep_runs(config)]) == 1209 * 100 + 1


def test_paper_scale_table3_dry_run(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    counts = job_counts(snakemake(workdir, "sweep_1shot", "-n", "--cores", "8").stdout)
    assert counts["train_grpo"] == 14 and counts["evaluate_chunk"] == 2 * 20 + 1  # pi1, pi13 and the base
    assert counts["evaluate_run"] == 12  # the example-set runs without a `runs:` entry
    assert counts["make_dataset"] == 14 and counts["plot_score_distribution"] == 1
    # Our own history: the 500-step DSR-sub run is one more training job, then collected and ranked.
    (workdir / "config" / "rec.yaml").write_text(yaml.safe_dump({"selection": {"history": "recomputed"}}))
    result = snakemake(workdir, "sweep_1shot", "-n", "--cores", "8", "--configfile", "config/rec.yaml")
    counts = job_counts(result.stdout)
    assert counts["train_grpo"] == 15 and counts["collect_history"] == 1 and counts["make_dataset"] == 15
    assert "results/runs/history_dsr_sub/train_done.json" in result.stdout


def _check_table3(workdir: Path, rows: list[str], steps: tuple[int, ...]) -> list[dict[str, str]]:
    table = list(csv.DictReader((workdir / "reports" / "table3.csv").open()))
    assert [r["row"] for r in table[:: len(table3.TABLE3_COLUMNS)]] == rows
    for record in table:
        # ours: graded as the paper graded (qwen_eval, every response is graded in every mode); ours_strict: the
        # configured grader's number
        assert record["grader"] == "qwen_eval", record
        metrics = json.loads((workdir / record["metrics_file"]).read_text())
        assert str(metrics["step"]) == record["step"] and record["scale"] == "miniature"
        bench = metrics["benchmarks"]["aime24" if record["column"] == "aime24" else "math500"]
        if record["column"] in ("math500", "aime24"):
            expected, strict = bench["accuracy_by_grader"]["qwen_eval"], bench["accuracy"]
        else:
            responses = (workdir / record["metrics_file"]).parent / bench["responses_file"]
            hits = [
                bool(row["by_grader"]["qwen_eval"])
                for row in map(json.loads, responses.read_text().splitlines())
                if table3.subject_key(row["subject"]) == record["column"]
            ]
            expected = 100.0 * sum(hits) / len(hits) if hits else None
            subjects = {table3.subject_key(name): value for name, value in bench["subjects"].items()}
            strict = subjects.get(record["column"])
        assert (record["ours"] == "") if expected is None else float(record["ours"]) == round(expected, 1)
        assert (record["ours_strict"] == "") if strict is None else float(record["ours_strict"]) == round(strict, 1)
    for row in rows[1:]:  # the step is the best-MATH500 checkpoint (under the paper's grader)
        scores = {
            step: json.loads((workdir / f"results/eval/{row}/step{step}/metrics.json").read_text())["benchmarks"][
                "math500"
            ]["accuracy_by_grader"]["qwen_eval"]
            for step in steps
        }
        best = max(scores.values())
        math_cell = next(r for r in table if r["row"] == row and r["column"] == "math500")
        assert int(math_cell["step"]) == min(step for step, value in scores.items() if value == best)
    assert (workdir / "reports" / "figures" / "score_distribution.png").read_bytes()[:4] == b"\x89PNG"
    assert (workdir / "reports" / "figures" / "score_distribution.pdf").read_bytes()[:5] == b"%PDF-"
    return table


@pytest.mark.slow
def test_miniature_table3_sweep_end_to_end(miniature, sweep_recomputed):
    """Table 3 of the suite's miniature (sweep_examples pi1..pi2; `paper` includes sweep_1shot), then the sweep
    with a recomputed history in a copy of it."""
    workdir = miniature.workdir
    assert miniature.config()["sweep_examples"] == "pi1..pi2"

    # Released history: pi1 = DSR-sub 124, pi2 = 267, each trained, evaluated at steps 1 and 2, best MATH500 kept.
    table = _check_table3(workdir, ["base", "pi1", "pi2"], (1, 2))
    assert [r["examples"] for r in table[9::9]] == ["124", "267"]
    assert next(r for r in table if r["row"] == "pi1" and r["column"] == "math500")["paper"] == "74.0"
    markdown = (workdir / "reports" / "table3.md").read_text()
    assert "MINIATURE" in markdown and "| pi2 | 1 | 267 |" in markdown and "(70.6)" in markdown
    manifest = (workdir / "results" / "sweep" / "table3_metrics.txt").read_text().split()
    # pi1 (a `runs:` entry) and the base model are evaluated in chunks of checkpoints (config/tiny.yaml: 2 per job),
    # pi2 (only in the sweep) by one job for the run
    assert manifest == [
        "base=results/eval/base/steps0-0.json",
        "pi1=results/eval/pi1/steps1-2.json",
        "pi2=results/eval/pi2/steps.json",
    ]
    index = json.loads((workdir / "results" / "eval" / "pi2" / "steps.json").read_text())
    assert [(entry["step"], entry["metrics"]) for entry in index["steps"]] == [
        (1, "step1/metrics.json"),
        (2, "step2/metrics.json"),
    ]
    assert not list((workdir / "logs" / "evaluate_chunk").glob("pi2/*"))
    assert (workdir / "logs" / "evaluate_run" / "pi2.log").exists()
    assert not (workdir / "results" / "runs" / oc.HISTORY_RUN).exists()  # released: no history run

    # Recomputed history: the DSR-sub history run (2 steps) records it, its last checkpoint's history is ranked,
    # and the sweep's sets are chosen from that ranking. In a copy (started when the miniature finished,
    # helpers/sweep_recomputed.py): the ranking changes, the miniature must not.
    workdir = sweep_recomputed.workdir
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
    frame = pd.read_parquet(workdir / "results" / "datasets" / "pi1_to_pi2.parquet")
    indices = frame["extra_info"].map(lambda info: info["index"]).tolist()
    assert indices == [ranking["index"][0]] * 64 + [ranking["index"][1]] * 64
    table = _check_table3(workdir, ["base", "pi1_to_pi2"], (2,))
    assert table[9]["size"] == "2" and table[9]["paper"] == ""

    again = snakemake(workdir, *sweep_recomputed.args, "-n")
    assert "Nothing to be done" in again.stdout + again.stderr
