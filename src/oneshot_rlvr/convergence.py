"""Table 5's "train converges" column, from each run's training log (results/runs/<run>/train_log.jsonl).

The rule (the paper gives none; docs/fidelity.md): a run converges when its training accuracy (the fraction of
a step's rollouts graded correct against the run's label) averages at least CONVERGED_ACCURACY over the last
WINDOW_FRACTION of its steps (at least one step): it reached a plateau near 100 %, as the paper's YES rows do.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from oneshot_rlvr.io import atomic_write_text
from oneshot_rlvr.tables.paper_rows_analyses import TABLE5_ROWS
from oneshot_rlvr.tables.registry import paper_rows
from oneshot_rlvr.tables.rows import Q15

CONVERGED_ACCURACY = 0.9
WINDOW_FRACTION = 0.1
COLUMNS = ("row", "run", "loss", "label", "steps", "window_steps", "final_accuracy", "converges", "paper")


class ConvergenceError(ValueError):
    """A training log cannot be read as one; the message names the file and row."""


def final_accuracy(rows: Sequence[Mapping[str, Any]]) -> tuple[float, int]:
    """Mean training accuracy over the last WINDOW_FRACTION of the logged steps, and how many steps that is."""
    ordered = sorted(rows, key=lambda row: int(row["step"]))
    window = max(1, math.ceil(WINDOW_FRACTION * len(ordered)))
    tail = [float(row["accuracy"]) for row in ordered[-window:]]
    return sum(tail) / len(tail), window


def table5_convergence(logs: Mapping[str, Sequence[Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """One record per Table 5 row, in the paper's order; a row whose run has no log is left empty."""
    paper = paper_rows(5)
    records = []
    for number, (run, loss, label) in enumerate(TABLE5_ROWS, start=1):
        paper_value = paper.get((Q15, "grpo", f"pi1[loss={loss};label={label}]"), {}).get("train_converges")
        record = {"row": number, "run": run, "loss": loss, "label": label, "steps": None, "window_steps": None,
                  "final_accuracy": None, "converges": None,
                  "paper": None if paper_value is None else bool(paper_value)}  # fmt: skip
        rows = logs.get(run)
        for row in rows or ():
            if not isinstance(row.get("accuracy"), int | float) or isinstance(row.get("accuracy"), bool):
                raise ConvergenceError(f"run {run}: step {row.get('step')} has no numeric 'accuracy'")
        if rows:
            accuracy, window = final_accuracy(rows)
            record.update(steps=len(rows), window_steps=window, final_accuracy=round(accuracy, 4))
            record["converges"] = accuracy >= CONVERGED_ACCURACY
        records.append(record)
    return records


def _yes_no(value: bool | None) -> str:
    return "–" if value is None else ("YES" if value else "NO")


def convergence_markdown(records: Sequence[Mapping[str, Any]], scale: str) -> str:
    title = '# Table 5, "train converges": training accuracy at the end of each ablation run'
    if scale == "miniature":
        title += " (MINIATURE: a few steps of a tiny model; the paper's YES rows are not expected)"
    lines = [
        title,
        "",
        f"Converges: the mean training accuracy of the last {WINDOW_FRACTION:.0%} of the run's steps (at least one) "
        f"is at least {CONVERGED_ACCURACY}. Accuracy is against the run's label (rows 11-13 change it).",
        "",
        "| row | run | loss | label | steps | final accuracy (last steps) | converges | paper |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in records:
        accuracy = "not run" if r["final_accuracy"] is None else f"{r['final_accuracy']:.3f} ({r['window_steps']})"
        lines.append(
            f"| {r['row']} | {r['run']} | {r['loss']} | {r['label']} | {r['steps'] or '–'} | {accuracy} "
            f"| {_yes_no(r['converges'])} | {_yes_no(r['paper'])} |"
        )
    return "\n".join(lines) + "\n"


def write_convergence(records: Sequence[Mapping[str, Any]], scale: str, md_path: Path, csv_path: Path) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    atomic_write_text(Path(csv_path), buffer.getvalue())
    atomic_write_text(Path(md_path), convergence_markdown(records, scale))
