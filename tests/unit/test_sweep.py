"""Sweeps over examples (sweep_examples, target sweep_1shot): names and ranges, derived runs, Table 3 from metrics
files. The DAG: tests/workflow/test_sweep_workflow.py."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from helpers.commands import cli_here
from helpers.metrics import write_fake_metrics

from oneshot_rlvr import config as oc
from oneshot_rlvr.tables import registry, table3

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
    tiny = oc.load_config(["config/tiny.yaml"], ["selection.history_steps=3", "training.save_steps=2"])
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
    benchmarks = {
        "math500": {"accuracy": math500, "subjects": subjects, "grader": "default"},
        "aime24": {"accuracy": aime24, "subjects": {}, "decoding": "avg@8, T=0.6"},
    }
    return write_fake_metrics(path, run, step, benchmarks)


def test_table3_takes_the_best_checkpoint_per_benchmark(tmp_path):
    base = _metrics(tmp_path / "base/step0/metrics.json", "base", 0, 36.0, 6.7, 0.5)
    pi1 = [
        _metrics(tmp_path / "pi1/step20/metrics.json", "pi1", 20, 60.0, 20.0, 1.0),
        _metrics(tmp_path / "pi1/step40/metrics.json", "pi1", 40, 70.0, 10.0, 2.0),
        _metrics(tmp_path / "pi1/step60/metrics.json", "pi1", 60, 70.0, 15.0, 3.0),  # tie: the earlier step wins
    ]
    # graded with the configured grader (these files hold no other): compared with the paper only when asked to
    records = table3.table3(
        {"base": [base], "pi1": pi1}, "Qwen2.5-Math-1.5B", "paper", {"pi1": 1}, {"pi1": "124"}, grader="default"
    )
    cells = {(r["row"], r["column"]): r for r in records}
    assert len(records) == 2 * 9
    assert cells[("pi1", "math500")]["ours"] == 70.0 and cells[("pi1", "math500")]["step"] == 40
    assert cells[("pi1", "number_theory")]["ours"] == 78.0  # subjects of the best-MATH500 checkpoint (step 40)
    assert cells[("pi1", "aime24")]["ours"] == 20.0 and cells[("pi1", "aime24")]["step"] == 20
    assert cells[("pi1", "aime24")]["selection"] == "best AIME24"
    assert cells[("pi1", "math500")]["paper"] == 74.0 and cells[("pi1", "math500")]["diff"] == -4.0
    assert cells[("base", "algebra")]["paper"] == 37.1 and cells[("pi1", "precalculus")]["paper"] == 64.3
    assert cells[("pi1", "math500")]["metrics_file"].endswith("pi1/step40/metrics.json")
    markdown = table3.table3_markdown(records, "Qwen2.5-Math-1.5B", "paper")
    assert "| pi1 | 1 | 124 | 40 | 70.0 (88.7) |" in markdown and "20.0 (16.7) [20]" in markdown

    # The CLI reads the ROW=PATH manifest a long sweep needs.
    manifest = tmp_path / "manifest.txt"
    manifest.write_text(
        "".join(f"{row}={path}\n" for row, paths in {"base": [base], "pi1": pi1}.items() for path in paths)
    )
    md, table = tmp_path / "t3.md", tmp_path / "t3.csv"
    result = cli_here("report-table3", "--metrics-file", manifest, "--md", md, "--csv", table)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(table.open()))
    assert [r["row"] for r in rows[::9]] == ["base", "pi1"] and rows[9]["size"] == "1" and rows[0]["size"] == "0"
    bad = cli_here("report-table3", "--metrics", "pi1", "--md", md, "--csv", table)
    assert bad.returncode == 2 and "ROW=PATH" in bad.stderr


def test_paper_numbers_of_table3_cover_the_sweep():
    paper = registry.paper_numbers("table3", "Qwen2.5-Math-1.5B")
    for name in TABLE3_SET + ["base", "pi1_to_pi16", "pi1_pi13"]:
        assert all((name, column) in paper for column in table3.TABLE3_COLUMNS), name
    # The paper's check: subject scores weighted by the MATH500 subject counts give the MATH500 column.
    counts = {"algebra": 124, "counting_and_probability": 38, "geometry": 41, "intermediate_algebra": 97}
    counts |= {"number_theory": 62, "prealgebra": 82, "precalculus": 56}
    weighted = sum(paper[("pi1", subject)] * n for subject, n in counts.items()) / 500
    assert weighted == pytest.approx(paper[("pi1", "math500")], abs=0.1)
