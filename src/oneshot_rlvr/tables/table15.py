"""Table 15 (the gain is not just \\boxed{}): the π1 run's MATH500 responses at the paper's steps, decomposed into
the share of responses with \\boxed{}, the accuracy in any format (the Qwen2.5-Math grader, the paper's
"Acc. (Qwen-Eval)") and the accuracy as strictly graded (the last \\boxed{} only), each with a bootstrap interval
over problems. The measures are the testbed's (testbed.analysis), read from the graded responses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from oneshot_rlvr import manifest
from oneshot_rlvr.tables.checkpoints import checkpoint_at_step
from oneshot_rlvr.tables.format import SCALE_NOTES, compare_cell, half_width_text, number_text
from oneshot_rlvr.tables.metrics import load_metrics
from oneshot_rlvr.tables.rows import ReportError, Table
from oneshot_rlvr.testbed.analysis import AnalysisError, measure, read_outcomes

BENCHMARK = "math500"
MEASURED = ("boxed", "any_format", "graded")  # testbed.analysis measures
TITLES = {
    "boxed": "\\boxed{} share",
    "any_format": "Acc. any format (qwen_eval)",
    "graded": "Acc. strict (last \\boxed{})",
    "judge": "Acc. (QwQ-32B judge)",
    "judge_disagreement": "Judge disagreement",
}
JUDGE_NOT_RUN = "not run (needs the QwQ-32B judge)"


def build(
    table: Table,
    runs: Mapping[str, Sequence[Path]],
    scale: str,
    config_hashes: Mapping[str, str] | None,
    paper: Mapping[tuple[str, str, str], Mapping[str, float]],
) -> list[dict[str, Any]]:
    """One record per step row and column; a step row whose run has no metrics says so in every cell."""
    records = []
    for row in table.rows:
        files = list(runs.get(row.run or "", []))
        theirs = paper.get(row.paper, {})
        base = {"table": table.number, "group": row.group, "row": row.key, "label": row.label, "run": row.run or ""}
        chosen = None
        if files:
            chosen = (
                checkpoint_at_step(files, row.step, scale, row.span) if row.step else (files[0], load_metrics(files[0]))
            )
        outcomes = None
        if chosen is not None:
            try:
                outcomes = read_outcomes(chosen[0], [BENCHMARK])
            except AnalysisError as error:
                raise ReportError(f"Table 15 row {row.key}: {error}") from None
        for column in table.columns:
            interval = measure(outcomes, column) if outcomes is not None and column in MEASURED else None
            note = (
                JUDGE_NOT_RUN
                if column.startswith("judge")
                else ("" if chosen else f"not run (no metrics for {row.run})")
            )
            records.append(
                {
                    **base,
                    "column": column,
                    **compare_cell(None if interval is None else interval.estimate, theirs.get(column)),
                    "ci_low": None if interval is None else round(interval.low, 1),
                    "ci_high": None if interval is None else round(interval.high, 1),
                    "n_problems": None if interval is None else interval.problems,
                    "step": None if chosen is None else chosen[1]["step"],
                    "paper_step": row.step or 0,
                    "scale": scale,
                    "config_hash": (config_hashes or {}).get(row.run or "", ""),
                    "metrics_file": "" if chosen is None else str(chosen[0]),
                    "note": note,
                    **manifest.table_columns(None if chosen is None else chosen[1].get("manifest")),
                }
            )
    return records


def markdown(records: Sequence[Mapping[str, Any]], table: Table, scale: str) -> str:
    """Rows are the paper's steps ("paper step → ours"), columns the measures: ours ±h (paper)."""
    lines = [
        f"# Table {table.number}: {table.title}" + SCALE_NOTES.get(scale, ""),
        "",
        "Each cell: ours ±h (paper); ±: half-width of the 95 % bootstrap interval over MATH500 problems.",
        *table.notes,
        "",
        "| Step | Run | " + " | ".join(TITLES[c] for c in table.columns) + " |",
        "|---|---|" + "---|" * len(table.columns),
    ]
    by_row: dict[str, list[Mapping[str, Any]]] = {}
    for record in records:
        by_row.setdefault(record["row"], []).append(record)
    for cells in by_row.values():
        first = cells[0]
        step = f"{first['paper_step']}→{first['step']}" if first["step"] is not None else f"{first['paper_step']}→–"
        parts = []
        for cell in cells:
            ours = number_text(cell["ours"], "not run")
            if cell["ours"] is not None:
                ours += half_width_text(cell["ci_low"], cell["ci_high"])
            parts.append(f"{ours} ({number_text(cell['paper'])})")
        lines.append(f"| {step} | {first['run'] or '–'} | " + " | ".join(parts) + " |")
    lines += ["", "Sources: the `metrics_file` column of table15.csv (the graded MATH500 responses beside it).", ""]
    return "\n".join(lines)
