"""Table 1 from metrics files: checkpoint selection, the paper's numbers beside ours, provenance."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from helpers.metrics import write_fake_metrics

from oneshot_rlvr.data import ALL_BENCHMARKS
from oneshot_rlvr.tables import registry, table1
from oneshot_rlvr.tables.metrics import load_metrics
from oneshot_rlvr.tables.rows import ReportError


def write_metrics(path: Path, run: str, step: int, scores: dict[str, float | None]) -> Path:
    benchmarks = {
        name: (
            {"accuracy": value, "grader": "default", "decoding": "greedy"}
            if value is not None
            else {"status": "not run"}
        )
        for name, value in scores.items()
    }
    return write_fake_metrics(path, run, step, benchmarks)


def scores(math: float, arc: float | None = 50.0) -> dict[str, float | None]:
    return {name: (arc if name.startswith("arc") else math) for name in ALL_BENCHMARKS}


def test_paper_numbers_are_the_shipped_table():
    paper = registry.paper_numbers("table1", "Qwen2.5-Math-1.5B")
    assert paper[("pi13", "math500")] == 73.6 and paper[("base", "avg")] == 17.6
    assert ("dsr_sub_format_reward", "arc_e") not in paper


def test_table1_picks_the_best_average_checkpoint(tmp_path):
    files = {
        "base": [write_metrics(tmp_path / "base0.json", "base", 0, scores(10.0))],
        "pi1": [
            write_metrics(tmp_path / "pi1_2.json", "pi1", 2, scores(20.0, arc=90.0)),
            write_metrics(tmp_path / "pi1_4.json", "pi1", 4, scores(30.0, arc=10.0)),
            write_metrics(tmp_path / "pi1_6.json", "pi1", 6, scores(30.0)),
        ],
    }
    records = table1.table1(files, "Qwen2.5-Math-1.5B", "miniature", {"pi1": "abc"})
    pi1 = {r["column"]: r for r in records if r["row"] == "pi1"}
    assert pi1["math500"]["step"] == 4  # best average; the tie with step 6 goes to the earlier step
    assert pi1["arc_e"]["ours"] == 10.0  # ARC from the same checkpoint, not the best ARC
    assert pi1["avg"]["ours"] == 30.0 and pi1["math500"]["paper"] == 72.8
    assert pi1["math500"]["diff"] == pytest.approx(30.0 - 72.8)
    assert pi1["math500"]["metrics_file"] == str(tmp_path / "pi1_4.json")
    md, table_csv = tmp_path / "t.md", tmp_path / "t.csv"
    table1.write_table1(records, "Qwen2.5-Math-1.5B", "miniature", md, table_csv)
    text = md.read_text()
    assert "MINIATURE" in text and "| pi1 | 4 | 30.0 (72.8) |" in text
    rows = list(csv.DictReader(table_csv.open()))
    assert len(rows) == 2 * 9 and {r["config_hash"] for r in rows if r["row"] == "pi1"} == {"abc"}


def test_disabled_benchmark_shows_not_run(tmp_path):
    partial = scores(40.0)
    partial["aime25"] = None
    records = table1.table1(
        {"pi13": [write_metrics(tmp_path / "m.json", "pi13", 2, partial)]}, "Qwen2.5-Math-1.5B", "paper"
    )
    cells = {r["column"]: r for r in records}
    assert cells["aime25"]["ours"] is None and cells["avg"]["ours"] is None
    assert "not run (10.8)" in table1.table1_markdown(records, "Qwen2.5-Math-1.5B", "paper")


def test_bad_metrics_files_are_named(tmp_path):
    with pytest.raises(ReportError, match="does not exist"):
        table1.table1({"pi1": [tmp_path / "missing.json"]}, "Qwen2.5-Math-1.5B", "paper")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(ReportError, match="broken.json"):
        load_metrics(broken)
    keyless = tmp_path / "keyless.json"
    keyless.write_text("{}")
    with pytest.raises(ReportError, match="'run'"):
        load_metrics(keyless)


def test_table1_with_another_benchmark_set(tmp_path):
    """The testbed's columns: its own benchmarks, their average, no ARC, no paper numbers; the reported checkpoint
    is the one with the best average of *those* benchmarks."""
    names = ["add3", "add4", "addsub", "muladd"]

    def testbed(value: float, last: float) -> dict[str, float]:
        return {**{name: value for name in names[:3]}, "muladd": last}

    files = {
        "base": [write_metrics(tmp_path / "b.json", "base", 0, testbed(10.0, 10.0))],
        "pi1": [
            write_metrics(tmp_path / "p5.json", "pi1", 5, testbed(50.0, 90.0)),
            write_metrics(tmp_path / "p10.json", "pi1", 10, testbed(60.0, 10.0)),
        ],
    }
    records = table1.table1(files, "testbed model", "testbed", averaged=names, extra=[])
    assert [r["column"] for r in records if r["row"] == "pi1"] == [*names, "avg"]
    pi1 = {r["column"]: r for r in records if r["row"] == "pi1"}
    assert pi1["avg"]["step"] == 5 and pi1["avg"]["ours"] == 60.0 and pi1["avg"]["paper"] is None
    assert pi1["avg"]["selection"] == "best 4-benchmark average"
    text = table1.table1_markdown(records, "testbed model", "testbed")
    header = "| RL dataset | Size | run | step | add3 | add4 | addsub | muladd | Avg | config |"
    assert "TESTBED" in text and header in text
    row = next(line for line in text.splitlines() if line.startswith("| {π1} |"))  # the first table's
    assert row.startswith("| {π1} | 1 | pi1 | 5 | 50.0") and "60.0" in row and "(" not in row  # no paper numbers
    assert "Decoding: greedy for add3, add4, addsub, muladd." in text
