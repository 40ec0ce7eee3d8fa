"""The builder of the paper's generic tables (every table of the registry): one long-format record per row and
column, chosen by the table's selection rule, each number beside the paper's with its interval; the Markdown
report and the CSV. Every cell names the metrics file its number came from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from oneshot_rlvr import comparison, manifest
from oneshot_rlvr.config import seed_run_name
from oneshot_rlvr.io import atomic_write_text
from oneshot_rlvr.tables import table15
from oneshot_rlvr.tables.checkpoints import cell_value, checkpoint_at_step, highest_checkpoint, row_average
from oneshot_rlvr.tables.format import (
    COLUMN_TITLES,
    SCALE_NOTES,
    compare_cell,
    half_width_text,
    number_text,
    seed_fields,
    seed_map,
    seeds_section,
    write_records_csv,
)
from oneshot_rlvr.tables.metrics import best_checkpoint, best_for_benchmark
from oneshot_rlvr.tables.registry import get_table, paper_rows
from oneshot_rlvr.tables.rows import MATH_COLUMNS, Row, Table

TITLES = {**COLUMN_TITLES, **table15.TITLES}


# The columns every record of an accuracy table carries beside `ours` (comparison.py); None where not applicable.
NUMBER_COLUMNS = (
    "ci_low", "ci_high", "n_problems", "n_samples", "significant_vs_paper", "ours_strict", "strict_grader",
    "disagreements",
)  # fmt: skip


def comparable_numbers(
    path: Path,
    metrics: Mapping[str, Any],
    column: str,
    value_columns: Sequence[str],
    theirs: float | None,
    grader: str,
    bootstrap: comparison.Bootstrap,
) -> tuple[float | None, str | None, dict[str, Any]]:
    """(ours under `grader`, that grader, the NUMBER_COLUMNS) of an accuracy cell: a benchmark column, or the
    average when it is the 6-benchmark math average."""
    if column == "avg" and list(value_columns) != list(MATH_COLUMNS):
        values = [comparison.grader_accuracy(metrics["benchmarks"].get(c, {}), grader) for c in value_columns]
        average = None if any(v is None for v, _ in values) else sum(v for v, _ in values) / len(values)  # type: ignore[misc]
        return average, values[0][1], dict.fromkeys(NUMBER_COLUMNS)
    numbers = comparison.cell(path, metrics, column, grader, bootstrap)
    return (
        numbers.value,
        numbers.grader,
        {
            **comparison.interval_fields(numbers.interval),
            "significant_vs_paper": comparison.significant(numbers.interval, theirs),
            "ours_strict": None if numbers.strict is None else round(numbers.strict, 1),
            "strict_grader": numbers.strict_grader,
            "disagreements": numbers.disagreements,
        },
    )


def build_table(
    number: int,
    runs: Mapping[str, Sequence[Path]],
    scale: str,
    config_hashes: Mapping[str, str] | None = None,
    grader: str = comparison.PAPER_GRADER,
    bootstrap: comparison.Bootstrap = comparison.DEFAULT_BOOTSTRAP,
    seeds: Mapping[str, Sequence[int]] | None = None,
) -> list[dict[str, Any]]:
    """Long-format records (one per row and column) of a table from each run's metrics files. Accuracy tables
    are graded and their checkpoints chosen under `grader` (the paper's), with the strict grader's number, the
    disagreements, a bootstrap interval and whether the paper's number lies outside it beside each cell.
    `seeds`: run -> the seeds of a run listing several; each further seed's run (<run>.seed<s>, in `runs`) gets
    rows of its own, named <row>.seed<s>, and every seed's records name the row (`seed_group`) and the seed."""
    table = get_table(number)
    if table.metric == "format_decomposition":
        return table15.build(table, runs, scale, config_hashes, paper_rows(number))
    paper = paper_rows(number)
    records = []
    for row in table.rows:
        listed = (seeds or {}).get(row.run or "", [])
        seed_of = seed_map({row.key: listed} if len(listed) > 1 else {}, seed_run_name)
        for key in seed_of or [row.key]:
            seed = seed_of.get(key, ("", 0))[1]
            seeded = row if key == row.key else _seed_row(row, int(seed))
            row_records = _row_records(table, seeded, runs, scale, config_hashes, grader, bootstrap, paper)
            for record in row_records:
                record.update(seed_fields(key, seed_of))
            records += row_records
    return records


def _seed_row(row: Row, seed: int) -> Row:
    """The row of a further seed: the seed's own run and row key, the same paper row."""
    run = None if row.run is None else seed_run_name(row.run, seed)
    return replace(row, key=seed_run_name(row.key, seed), label=f"{row.label} (seed {seed})", run=run)


def _row_records(
    table: Table,
    row: Row,
    runs: Mapping[str, Sequence[Path]],
    scale: str,
    config_hashes: Mapping[str, str] | None,
    grader: str,
    bootstrap: comparison.Bootstrap,
    paper: Mapping[tuple[str, str, str], Mapping[str, float]],
) -> list[dict[str, Any]]:
    """The records of one row (one per column), its checkpoint(s) chosen by the table's rule."""
    # Checkpoints of an accuracy table are chosen under the paper's grader, for every row (Table 14's \boxed{}
    # share rows take the same checkpoint as their accuracy rows).
    selection_grader = grader if table.metric == "accuracy" else None
    value_columns = list(table.averaged or [c for c in table.columns if c not in ("avg", "best_avg_step")])
    files = list(runs.get(row.run, [])) if row.run else []
    theirs_row = paper.get(row.paper, {})
    base = {"table": table.number, "group": row.group, "row": row.key, "label": row.label, "size": row.size,
            "run": row.run or ""}  # fmt: skip
    if not files:
        reason = row.not_run or f"not run (no metrics given for run {row.run!r})"
        return [
            {**base, "column": column, **compare_cell(None, theirs_row.get(column)), "step": None,
             "paper_step": row.step, "selection": "", "grader": None, "decoding": None, "scale": scale,
             "config_hash": "", "metrics_file": "", "note": reason, **dict.fromkeys(NUMBER_COLUMNS),
             **manifest.table_columns(None)}
            for column in table.columns
        ]  # fmt: skip
    if row.step is not None:
        chosen = checkpoint_at_step(files, row.step, scale, row.span)
        selection = f"step {row.step} of the paper (ours: nearest evaluated step)"
    elif row.highest:
        chosen = highest_checkpoint(files, value_columns, row.metric or table.metric)
        selection = "highest average of the row's columns"
    else:
        chosen = best_checkpoint(files, selection_grader)
        selection = "best 6-benchmark average" if len(files) > 1 else f"the only evaluated step ({chosen[1]['step']})"
    row_metric = row.metric or table.metric
    records = []
    for column in table.columns:
        path, metrics = chosen
        cell_selection = selection
        numbers = dict.fromkeys(NUMBER_COLUMNS)
        if column == "best_avg_step":
            ours, cell_grader, decoding = float(metrics["step"]), None, None
        elif column == "avg":
            # The mean of the row's averaged benchmarks at the row's checkpoint (None if one did not run).
            ours = row_average(metrics, value_columns, row_metric)
            cell_grader, decoding = metrics.get("grader"), f"mean of {len(value_columns)} columns"
        else:
            if table.selection == "best_per_benchmark" and row.step is None and not row.highest:
                found = best_for_benchmark(files, column, selection_grader)
                if found is not None:
                    path, metrics = found
                cell_selection = f"best {TITLES[column]}"
            ours, cell_grader, decoding = cell_value(metrics, column, row_metric)
        if row_metric == "accuracy" and column != "best_avg_step" and ours is not None:
            ours, cell_grader, numbers = comparable_numbers(
                path, metrics, column, value_columns, theirs_row.get(column), grader, bootstrap
            )
        records.append(
            {**base, "column": column, **compare_cell(ours, theirs_row.get(column)), "step": metrics["step"],
             "paper_step": row.step, "selection": cell_selection, "grader": cell_grader, "decoding": decoding,
             "scale": scale, "config_hash": (config_hashes or {}).get(row.run or "", ""), "metrics_file": str(path),
             "note": _icl_note(metrics), **numbers, **manifest.table_columns(metrics.get("manifest"))}
        )  # fmt: skip
    return records


def _icl_note(metrics: Mapping[str, Any]) -> str:
    icl = metrics.get("icl")
    return f"in-context demonstrations: {icl['demonstrations']}" if icl else ""


def table_markdown(records: Sequence[Mapping[str, Any]], number: int, scale: str) -> str:
    table = get_table(number)
    if table.metric == "format_decomposition":
        return table15.markdown(records, table, scale)
    title = f"# Table {number}: {table.title}" + SCALE_NOTES.get(scale, "")
    metric = {"accuracy": "accuracy (%)", "response_tokens": "mean response length (tokens)", "pass_at_8": "pass@8 (%)"}
    sized = any(record.get("size") for record in records)
    lines = [
        title,
        "",
        f"Each cell: ours (paper, difference); {metric[table.metric]}."
        + (
            " Graded as the paper graded (`grader` column of the CSV; the strict grader's number and the disagreements"
            " are there too); ±: half-width of the 95 % bootstrap interval over problems; ns: the paper's number"
            " lies inside it (difference not significant)."
            if table.metric == "accuracy"
            else ""
        )
        + " Step: the checkpoint of the row "
        + (
            "(best per benchmark: each cell's own step in brackets)."
            if table.selection == "best_per_benchmark"
            else "(best 6-benchmark average unless the row names a step; 'a→b': the paper's step a, ours b)."
        ),
        *table.notes,
        "",
        "| Group | Row | "
        + ("Size | " if sized else "")
        + "Run | Step | "
        + " | ".join(TITLES[c] for c in table.columns)
        + " | config |",
        "|---|---|---|---|" + ("---|" if sized else "") + "---|" * len(table.columns) + "---|",
    ]
    by_row: dict[str, list[Mapping[str, Any]]] = {}
    for record in records:
        by_row.setdefault(record["row"], []).append(record)
    for cells in by_row.values():
        first = cells[0]
        if not first["metrics_file"]:
            parts = [f"{first['note']} ({number_text(c['paper'])})" if i == 0 else f"– ({number_text(c['paper'])})"
                     for i, c in enumerate(cells)]  # fmt: skip
            step = "–"
        else:
            parts = []
            for cell in cells:
                spread = half_width_text(cell.get("ci_low"), cell.get("ci_high"))
                text = f"{number_text(cell['ours'])}{spread} ({number_text(cell['paper'])}"
                mark = " ns" if cell.get("significant_vs_paper") is False else ""
                text += f", {cell['diff']:+.1f}{mark})" if cell["diff"] is not None else ")"
                if table.selection == "best_per_benchmark" and cell["column"] not in ("avg", "best_avg_step"):
                    text += f" [{cell['step']}]"
                parts.append(text)
            step = str(first["step"]) if first["paper_step"] is None else f"{first['paper_step']}→{first['step']}"
            if table.selection == "best_per_benchmark":
                step = "per cell"
        lines.append(
            f"| {first['group']} | {first['label']} | "
            + (f"{first.get('size') or '–'} | " if sized else "")
            + f"{first['run'] or '–'} | {step} | "
            + " | ".join(parts)
            + f" | {first['config_hash'] or '–'} |"
        )
    graders = sorted({str(r["grader"]) for r in records if r["grader"]})
    decodings = sorted(
        {str(r["decoding"]) for r in records if r["decoding"] and r["column"] not in ("avg", "best_avg_step")}
    )
    lines += ["", *seeds_section(records, lambda column: TITLES.get(column, column))]
    lines += [
        f"Graders: {', '.join(graders) or '–'}. Decoding: {'; '.join(decodings) or '–'}.",
        f"Sources: the `metrics_file` column of table{number}.csv (one per cell); `config` is the run's config hash.",
        "",
    ]
    return "\n".join(lines)


def write_table(records: Sequence[Mapping[str, Any]], number: int, scale: str, md_path: Path, csv_path: Path) -> None:
    write_records_csv(records, csv_path)
    atomic_write_text(Path(md_path), table_markdown(records, number, scale))
