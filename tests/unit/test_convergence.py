"""Table 5's "train converges" column: the rule over the last 10 % of a run's training log, beside the paper's."""

from __future__ import annotations

import csv
import json

from oneshot_rlvr import convergence
from oneshot_rlvr.cli import main


def log_rows(run: str, accuracies: list[float]) -> list[dict]:
    return [{"run": run, "step": step, "accuracy": value} for step, value in enumerate(accuracies, start=1)]


def test_the_last_tenth_of_the_steps_decides():
    # 20 steps: the window is the last 2; a late plateau counts, an early one that is lost does not.
    late = [0.0] * 18 + [1.0, 1.0]
    lost = [1.0] * 18 + [1.0, 0.75]
    assert convergence.final_accuracy(log_rows("a", late)) == (1.0, 2)
    assert convergence.final_accuracy(log_rows("a", lost)) == (0.875, 2)
    assert convergence.final_accuracy(log_rows("a", [0.95] * 3)) == (0.95, 1)  # at least one step
    records = convergence.table5_convergence({"pi1": log_rows("pi1", late), "pi1_abl_none": log_rows("x", lost)})
    by_run = {r["run"]: r for r in records}
    assert [r["row"] for r in records] == list(range(1, 14))
    assert by_run["pi1"]["converges"] is True and by_run["pi1_abl_none"]["converges"] is False
    assert by_run["pi1_abl_pg"]["converges"] is None  # no log: not run
    # The paper's column, from the shipped paper results: NO for rows 1, 8, 9, 10, 13.
    assert [r["row"] for r in records if r["paper"] is False] == [1, 8, 9, 10, 13]


def test_cli_writes_the_table_and_names_a_bad_log(tmp_path, capsys):
    log = tmp_path / "train_log.jsonl"
    rows = log_rows("pi1", [0.25] * 9 + [0.95]) + log_rows("pi1_label_4", [0.5] * 10)
    log.write_text("".join(json.dumps(row) + "\n" for row in rows))
    args = ["table5-convergence", "--log", str(log), "--md", str(tmp_path / "t.md"), "--csv", str(tmp_path / "t.csv")]
    assert main(args) == 0
    assert "Table 5 train converges: 1 of 2 runs" in capsys.readouterr().out
    table = {r["run"]: r for r in csv.DictReader((tmp_path / "t.csv").open())}
    pi1 = table["pi1"]
    assert (pi1["converges"], pi1["final_accuracy"], pi1["paper"]) == ("True", "0.95", "True")
    assert table["pi1_label_4"]["converges"] == "False" and table["pi1_abl_pg"]["steps"] == ""
    assert "| 5 | pi1 | pg+wd+kl+ent | 12.8 | 10 | 0.950 (1) | YES | YES |" in (tmp_path / "t.md").read_text()
    log.write_text(json.dumps({"run": "pi1", "step": 1, "accuracy": "high"}) + "\n")
    assert main(args) == 2
    assert f"{log}: run pi1: step 1 has no numeric 'accuracy'" in capsys.readouterr().err
