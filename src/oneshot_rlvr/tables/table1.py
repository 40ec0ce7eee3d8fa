"""Table 1 (the paper's Tables 8 and 1 combined): the configured rows at their best-average checkpoint, each cell
graded as the paper graded beside the paper's number, with its interval, the strict grader's number, the last
step's number and, for a row run with several seeds, the mean and spread across seeds. Rows carry the paper's
labels and Size column; every cell names its number of problems and samples."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from oneshot_rlvr import comparison, manifest
from oneshot_rlvr.config import seed_run_name
from oneshot_rlvr.data import ARC_BENCHMARKS, MATH_BENCHMARKS
from oneshot_rlvr.io import atomic_write_text
from oneshot_rlvr.tables.format import (
    COLUMN_TITLES,
    SCALE_NOTES,
    compare_cell,
    half_width_text,
    seed_fields,
    seed_map,
    seeds_section,
    write_records_csv,
)
from oneshot_rlvr.tables.metrics import best_checkpoint, last_checkpoint
from oneshot_rlvr.tables.registry import paper_numbers, table1_label, table1_size

TABLE1_COLUMNS = [*MATH_BENCHMARKS, "avg", *ARC_BENCHMARKS]


def table1_columns(averaged: Sequence[str] = MATH_BENCHMARKS, extra: Sequence[str] = ARC_BENCHMARKS) -> list[str]:
    """Table 1's columns for a benchmark set: the averaged benchmarks, their average, then the others."""
    return [*averaged, "avg", *extra]


def is_paper_set(averaged: Sequence[str], extra: Sequence[str]) -> bool:
    return tuple(averaged) == MATH_BENCHMARKS and tuple(extra) == ARC_BENCHMARKS


def table1(
    rows: Mapping[str, Sequence[Path]],
    model: str,
    scale: str,
    config_hashes: Mapping[str, str] | None = None,
    grader: str = comparison.PAPER_GRADER,
    bootstrap: comparison.Bootstrap = comparison.DEFAULT_BOOTSTRAP,
    base_row: str = "base",
    seeds: Mapping[str, Sequence[int]] | None = None,
    averaged: Sequence[str] = MATH_BENCHMARKS,
    extra: Sequence[str] = ARC_BENCHMARKS,
) -> list[dict[str, Any]]:
    """Long-format records of Table 1 (Tab. 8 + Tab. 1): one per row x column (the benchmark set's columns:
    `averaged`, their average, `extra`; the paper's by default).

    `ours` is under `grader` (default the paper's, qwen_eval) at the checkpoint with the best average under it;
    `ours_strict` is the evaluation's configured grader at the same checkpoint. Each cell carries its bootstrap
    interval, whether the paper's number lies outside it, the paired difference to `base_row`, and the same
    number at the last evaluated step (`last_*`), where no selection biases it upward. `seeds`: row -> the
    seeds of a row run with several; its further seeds are the rows <row>.seed<seed> (config.seed_runs), and
    each seed's records name the row (`seed_group`) and the seed, for the mean and spread across seeds.
    """
    seed_of = seed_map(seeds, seed_run_name)
    paper = paper_numbers("table1", model) if is_paper_set(averaged, extra) else {}
    columns = table1_columns(averaged, extra)
    paper_set = is_paper_set(averaged, extra)
    selection = "best 6-benchmark average" if paper_set else f"best {len(averaged)}-benchmark average"
    average_decoding = "mean of the 6 math benchmarks" if paper_set else f"mean of the {len(averaged)} benchmarks"
    cells: dict[str, dict[str, comparison.Cell]] = {}
    chosen: dict[str, tuple[Path, dict[str, Any], Path, dict[str, Any]]] = {}
    for row_name, files in rows.items():
        path, metrics = best_checkpoint(files, grader, averaged)
        last_path, last_metrics = last_checkpoint(files)
        chosen[row_name] = (path, metrics, last_path, last_metrics)
        cells[row_name] = {c: comparison.cell(path, metrics, c, grader, bootstrap, averaged) for c in columns}
    records = []
    for row_name, (path, metrics, last_path, last_metrics) in chosen.items():
        row_manifest = manifest.table_columns(metrics.get("manifest"))
        for column in columns:
            ours = cells[row_name][column]
            last = (
                ours
                if last_path == path
                else comparison.cell(last_path, last_metrics, column, grader, bootstrap, averaged)
            )
            if column == "avg":
                decoding = average_decoding
                disagreements = metrics.get("grader_disagreements")
            else:
                bench = metrics["benchmarks"].get(column, {"status": "not run"})
                decoding = bench.get("decoding", "not run")
                disagreements = bench.get("grader_disagreements")
            group = seed_of.get(row_name, ("", ""))[0]
            theirs = paper.get((group or row_name, column))
            base = cells.get(base_row, {}).get(column) if row_name != base_row else None
            records.append(
                {
                    "row": row_name,
                    "label": table1_label(row_name),
                    "size": table1_size(row_name),
                    "column": column,
                    **compare_cell(ours.value, theirs),
                    **_interval_and_size(ours, metrics, column),
                    "significant_vs_paper": comparison.significant(ours.interval, theirs),
                    **comparison.versus_base(ours, base, bootstrap),
                    "step": metrics["step"],
                    "selection": selection,
                    **seed_fields(row_name, seed_of),
                    "grader": ours.grader,
                    "ours_strict": None if ours.strict is None else round(ours.strict, 1),
                    "strict_grader": ours.strict_grader,
                    # responses the two graders above give different verdicts on
                    "disagreements": ours.disagreements,
                    # verdicts the other grader modes give differently from the configured one
                    "grader_disagreements": ";".join(f"{k}={v}" for k, v in sorted((disagreements or {}).items())),
                    "last_step": last_metrics["step"],
                    "last_ours": None if last.value is None else round(last.value, 1),
                    "last_ci_low": comparison.interval_fields(last.interval)["ci_low"],
                    "last_ci_high": comparison.interval_fields(last.interval)["ci_high"],
                    "decoding": decoding,
                    "scale": scale,
                    "config_hash": (config_hashes or {}).get(row_name, ""),
                    "metrics_file": str(path),
                    **row_manifest,
                }
            )
    return records


def _interval_and_size(ours: comparison.Cell, metrics: Mapping[str, Any], column: str) -> dict[str, Any]:
    """The cell's interval columns; without an interval (no responses file), the benchmark's own numbers of
    problems and samples, so every cell still says how many answers it rests on."""
    fields = comparison.interval_fields(ours.interval)
    bench = metrics["benchmarks"].get(column) or {}
    if fields["n_problems"] is None and column != "avg" and bench.get("status") == "ok":
        fields["n_problems"], fields["n_samples"] = bench.get("n_problems"), bench.get("n_samples")
    return fields


def _table1_cell(record: Mapping[str, Any]) -> str:
    """`ours[*] ±h (paper[ ns])`: * a difference to the base row outside its paired interval, ns the paper's
    number inside our interval (the difference to the paper is not significant)."""
    if record["ours"] is None:
        ours = "not run"
    else:
        ours = f"{record['ours']:.1f}" + ("*" if record.get("significant_vs_base") else "")
        ours += half_width_text(record.get("ci_low"), record.get("ci_high"))
    paper = "–" if record["paper"] is None else f"{record['paper']:.1f}"
    if record.get("significant_vs_paper") is False:
        paper += " ns"
    return f"{ours} ({paper})"


def _table1_cell_ours(record: Mapping[str, Any]) -> str:
    """`ours[*] ±h`: a cell without a paper number (another benchmark set than the paper's)."""
    return _table1_cell(record).rsplit(" (", 1)[0]


def _table1_rows(
    by_row: Mapping[str, Mapping[str, Mapping[str, Any]]], step_key: str, cell, columns: Sequence[str]
) -> list[str]:
    lines = []
    for row_name, cells in by_row.items():
        first = next(iter(cells.values()))
        parts = [cell(cells[c]) for c in columns]
        lines.append(
            f"| {first.get('label') or row_name} | {first.get('size') or '–'} | {row_name} | {first[step_key]} | "
            + " | ".join(parts)
            + f" | {first['config_hash']} |"
        )
    return lines


def _problems_row(by_row: Mapping[str, Mapping[str, Mapping[str, Any]]], columns: Sequence[str]) -> list[str]:
    """The table's last row: problems × samples per problem of each column (of the first row that ran it; the
    average: the sum over its benchmarks), so a reader sees how many answers a cell's number rests on."""
    parts = []
    for column in columns:
        found = next((cells[column] for cells in by_row.values() if cells.get(column, {}).get("n_problems")), None)
        if found is None:
            parts.append("–")
        elif column == "avg":
            parts.append(f"{found['n_problems']} problems")
        else:
            parts.append(f"{found['n_problems']}×{found.get('n_samples') or 1}")
    return ["| *problems × samples* | | | | " + " | ".join(parts) + " | |"] if any(p != "–" for p in parts) else []


def _decoding_line(records: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """`Decoding: greedy for a, b; avg@4, T=0.6 for c` from the records' decoding labels, in column order."""
    by_label: dict[str, list[str]] = {}
    for column in columns:
        labels = [r["decoding"] for r in records if r["column"] == column and r["decoding"] != "not run"]
        if column != "avg" and labels:
            by_label.setdefault(str(labels[0]), []).append(COLUMN_TITLES.get(column, column))
    return "Decoding: " + "; ".join(f"{label} for {', '.join(names)}" for label, names in by_label.items()) + "."


def table1_markdown(records: Sequence[Mapping[str, Any]], model: str, scale: str) -> str:
    columns = list(dict.fromkeys(record["column"] for record in records)) or TABLE1_COLUMNS
    averaged = columns[: columns.index("avg")] if "avg" in columns else columns
    extra = columns[columns.index("avg") + 1 :] if "avg" in columns else []
    paper_set = is_paper_set(averaged, extra)
    title = f"# Table 1 (Tab. 8 + Tab. 1): {model}" + SCALE_NOTES.get(scale, "")
    header = (
        "| RL dataset | Size | run | step | " + " | ".join(COLUMN_TITLES.get(c, c) for c in columns) + " | config |"
    )
    rule = "|---|---|---|---|" + "---|" * len(columns) + "---|"
    by_row: dict[str, dict[str, Mapping[str, Any]]] = {}
    for record in records:
        by_row.setdefault(record["row"], {})[record["column"]] = record
    graders = sorted({str(r["grader"]) for r in records if r["grader"]})
    stricts = sorted({str(r.get("strict_grader")) for r in records if r.get("strict_grader")})
    if paper_set:
        explanation = [
            "Each cell: ours (paper). Checkpoint: the one with the best 6-benchmark math average; ARC uses the same "
            "one.",
            "Decoding: greedy for MATH500, Minerva, OlympiadBench, ARC; avg@n at T=0.6 for AIME24, AMC23, AIME25.",
            f"Graded as the paper ({', '.join(graders) or '–'}); ±: half-width of the 95 % bootstrap interval over "
            "problems (the 6-benchmark average: resampled within each benchmark; bounds in table1.csv); ns: the "
            "paper's number lies inside our interval (difference not significant); *: differs significantly from "
            "the base row (paired bootstrap). The best checkpoint's maximum is biased upward: see the last-step "
            "table.",
        ]
    else:  # another benchmark set (the testbed's): no paper numbers
        others = f"; {', '.join(extra)} use the same one" if extra else ""
        explanation = [
            f"Each cell: ours. Checkpoint: the one with the best average of the {len(averaged)} benchmarks "
            f"{', '.join(averaged)}{others}.",
            _decoding_line(records, columns),
            f"Graded with {', '.join(graders) or '–'}; ±: half-width of the 95 % bootstrap interval over problems "
            "(the average: resampled within each benchmark; bounds in table1.csv); *: differs significantly from "
            "the base row (paired bootstrap). The best checkpoint's maximum is biased upward: see the last-step "
            "table.",
        ]
    explanation.append(
        "RL dataset: the paper's row label; Size: the number of training examples (|dataset|); run: our run; last "
        "row: the problems × samples per problem each cell's number rests on."
    )
    lines = [
        title,
        "",
        *explanation,
        "",
        header,
        rule,
        *_table1_rows(by_row, "step", _table1_cell if paper_set else _table1_cell_ours, columns),
        *_problems_row(by_row, columns),
        "",
    ]
    if any(r.get("ours_strict") is not None for r in records):

        def strict(record: Mapping[str, Any]) -> str:
            if record.get("ours_strict") is None:
                return "not run"
            count = record.get("disagreements")
            return f"{record['ours_strict']:.1f}" + ("" if count is None else f" [{count}]")

        lines += [
            f"Strict grader ({', '.join(stricts)}) at the same checkpoints; [n]: responses on which it and "
            f"{', '.join(graders)} disagree.",
            "",
            header,
            rule,
            *_table1_rows(by_row, "step", strict, columns),
            "",
        ]
    if any(r.get("last_step") is not None for r in records):

        def last(record: Mapping[str, Any]) -> str:
            if record.get("last_ours") is None:
                return "not run"
            return f"{record['last_ours']:.1f}" + half_width_text(record.get("last_ci_low"), record.get("last_ci_high"))

        lines += [
            "At the last evaluated step (a fixed step, no best-checkpoint selection), graded as above "
            f"({', '.join(graders)}).",
            "",
            header,
            rule,
            *_table1_rows(by_row, "last_step", last, columns),
            "",
        ]
    lines += seeds_section(records, lambda column: COLUMN_TITLES.get(column, column))
    lines += [
        f"Graders: {', '.join(graders)}. Sources: the `metrics_file` column of table1.csv; what produced each "
        "number (versions, device, commit, seeds, data checksums): `oneshot-rlvr manifest <metrics_file>`.",
        "",
    ]
    totals: dict[str, int] = {}
    for record in records:
        if record["column"] == "avg":
            for item in filter(None, str(record.get("grader_disagreements") or "").split(";")):
                mode, _, count = item.partition("=")
                totals[mode] = totals.get(mode, 0) + int(count)
    if totals:
        counts = ", ".join(f"{mode} {count}" for mode, count in sorted(totals.items()))
        lines += [
            f"Grader provenance: every response is graded under all modes; on the "
            f"{'6 math' if paper_set else len(averaged)} benchmarks of the reported "
            f"checkpoints the other modes disagree with the configured grader on {counts} verdicts "
            "(per cell: the `grader_disagreements` column of table1.csv).",
            "",
        ]
    return "\n".join(lines)


def write_table1(records: Sequence[Mapping[str, Any]], model: str, scale: str, md_path: Path, csv_path: Path) -> None:
    write_records_csv(records, csv_path)
    atomic_write_text(Path(md_path), table1_markdown(records, model, scale))
