"""The Snakemake DAG itself: paper-scale dry run, config validation, and Table 1 of the miniature end to end."""

from __future__ import annotations

import csv
import hashlib
import json

import pytest
import yaml
from helpers.workflow import copy_workflow, job_counts, snakemake


def test_paper_scale_dry_run_lists_every_job(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    result = snakemake(workdir, "reproduce_table1", "-n", "--cores", "8")
    counts = job_counts(result.stdout)
    assert counts["train_grpo"] == 6
    # every 20th step to 2000 in chunks of 5 checkpoints (evaluation.checkpoints_per_job), plus the base model
    assert counts["evaluate_chunk"] == 6 * 20 + 1 and "evaluate_checkpoint" not in counts
    assert counts["make_dataset"] == 5 and counts["fetch_data"] == 1
    assert "build_tiny_model" not in counts  # the paper's model comes from the hub


def test_invalid_config_stops_with_the_key_named(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    (workdir / "config" / "bad.yaml").write_text(yaml.safe_dump({"training": {"learning_rate": -1.0}}))
    result = snakemake(workdir, "reproduce_table1", "-n", "--configfile", "config/bad.yaml", check=False)
    assert result.returncode != 0
    assert "learning_rate" in result.stdout + result.stderr


@pytest.mark.slow
def test_miniature_reproduce_table1_end_to_end(miniature):
    """Table 1 of the suite's miniature (reproduce_table1 is part of its `paper`)."""
    workdir = miniature.workdir
    args = miniature.args("reproduce_table1")

    table = list(csv.DictReader((workdir / "reports" / "table1.csv").open()))
    rows = ["base", "math_train", "dsr_sub", "dsr_sub_format_reward", "pi1", "pi13", "pi1_pi13"]
    columns = ["math500", "aime24", "amc23", "minerva_math", "olympiadbench", "aime25", "avg", "arc_e", "arc_c"]
    assert [r["row"] for r in table[:: len(columns)]] == rows
    assert all([r["column"] for r in table[i * 9 : i * 9 + 9]] == columns for i in range(len(rows)))

    def accuracy(bench, grader):
        return bench["accuracy_by_grader"].get(grader, bench["accuracy"])

    for record in table:
        # Provenance: every number is the rounded value of the metrics file it names: `ours` under the paper's
        # grader (qwen_eval; ARC: letter), `ours_strict` under the configured one.
        metrics = json.loads((workdir / record["metrics_file"]).read_text())
        assert str(metrics["step"]) == record["step"]
        for key, grader in (("ours", "qwen_eval"), ("ours_strict", "default")):
            if record["column"] == "avg":
                expected = sum(accuracy(metrics["benchmarks"][c], grader) for c in columns[:6]) / 6
            else:
                expected = accuracy(metrics["benchmarks"][record["column"]], grader)
            assert float(record[key]) == round(expected, 1)
        assert float(record["ci_low"]) <= float(record["ours"]) <= float(record["ci_high"])
        assert int(record["n_problems"]) > 0 and record["git_commit"] == metrics["manifest"]["git_commit"]
        assert record["scale"] == "miniature"
        assert record["step"] in (("0",) if record["row"] == "base" else ("1", "2"))
        assert record["last_step"] == ("0" if record["row"] == "base" else "2")
    # Every metrics.json records what produced it.
    produced = json.loads((workdir / table[0]["metrics_file"]).read_text())["manifest"]
    assert {"packages", "python", "device", "git_commit", "git_dirty", "seeds", "config_hash"} <= set(produced)
    assert set(produced["data_checksums"]) == set(columns) - {"avg"} and produced["wall_time_s"] > 0
    assert (
        produced["data_checksums"]["math500"]
        == hashlib.sha256(
            (workdir / "resources" / "data" / "benchmarks" / "math500" / "test.jsonl").read_bytes()
        ).hexdigest()
    )
    trained = json.loads((workdir / [r for r in table if r["row"] == "pi1"][0]["metrics_file"]).read_text())
    assert trained["manifest"]["seeds"] == {"evaluation": 0, "training": 1}
    markdown = (workdir / "reports" / "table1.md").read_text()
    assert "MINIATURE" in markdown and "| pi13 |" in markdown
    assert "(73.6)" in markdown  # the paper's pi13 MATH500 beside ours

    # The ranking, the training history and the logs are where the README says.
    ranking = (workdir / "results" / "selection" / "ranking.tsv").read_text().splitlines()
    assert ranking[0].split("\t") == ["rank", "index", "score"] and ranking[1].split("\t")[1] == "124"
    history = json.loads((workdir / "results/runs/pi1/checkpoints/checkpoint-2/history.json").read_text())
    assert list(history) == ["124"] and len(history["124"]) == 2
    assert (workdir / "logs" / "train_grpo" / "pi1.log").exists()
    # Disk: only the newest checkpoint keeps the optimizer state; the older one keeps the model it was evaluated on.
    checkpoints = workdir / "results" / "runs" / "pi1" / "checkpoints"
    assert not (checkpoints / "checkpoint-1" / "optimizer.pt").exists()
    assert (checkpoints / "checkpoint-1" / "model.safetensors").exists()
    assert (checkpoints / "checkpoint-2" / "optimizer.pt").exists()
    # TensorBoard: every evaluated checkpoint's accuracies beside TRL's training curves.
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(checkpoints / "runs" / "evaluation"))
    events.Reload()
    step2 = json.loads((workdir / "results/eval/pi1/step2/metrics.json").read_text())
    math500 = {event.step: event.value for event in events.Scalars("eval/math500")}
    assert math500 == {1: pytest.approx(math500[1]), 2: pytest.approx(step2["benchmarks"]["math500"]["accuracy"])}
    assert (workdir / "benchmarks" / "rules" / "train_grpo" / "pi1.tsv").exists()

    # A second run has nothing to do.
    again = snakemake(workdir, *args, "-n")
    assert "Nothing to be done" in again.stdout + again.stderr


def test_a_target_names_its_reports_at_the_end(miniature, tmp_path):
    """The Snakefile's onsuccess: after a target is built, the console says where its tables are."""
    workdir = miniature.clone(tmp_path / "wf")
    (workdir / "reports" / "table1.md").unlink()
    built = snakemake(workdir, *miniature.args("reproduce_table1"))
    lines = built.stderr.splitlines()
    assert "  reports/table1.md" in lines and "  reports/table1.csv" in lines, built.stderr[-3000:]
