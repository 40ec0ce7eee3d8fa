"""Table 3: 1(few)-shot RLVR by MATH500 subject (the example sweep): per row the subjects and MATH500 of the
best-MATH500 checkpoint and AIME24 of the best-AIME24 checkpoint, graded as the paper graded, beside the paper's
numbers; a row run with several seeds shows each seed and the mean and spread across them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from oneshot_rlvr import comparison, manifest
from oneshot_rlvr.config import seed_run_name
from oneshot_rlvr.data import MATH_SUBJECT_CONFIGS
from oneshot_rlvr.io import atomic_write_text, read_jsonl
from oneshot_rlvr.tables.format import (
    SCALE_NOTES,
    compare_cell,
    number_text,
    seed_fields,
    seed_map,
    seeds_section,
    write_records_csv,
)
from oneshot_rlvr.tables.metrics import best_for_benchmark
from oneshot_rlvr.tables.registry import paper_numbers
from oneshot_rlvr.tables.rows import ReportError

# The MATH subjects (the same seven as the MATH train configs), as Table 3's columns.
MATH500_SUBJECTS = MATH_SUBJECT_CONFIGS
TABLE3_COLUMNS = [*MATH500_SUBJECTS, "math500", "aime24"]
TABLE3_TITLES = {
    "algebra": "Alg",
    "counting_and_probability": "C.P.",
    "geometry": "Geo",
    "intermediate_algebra": "I.Alg",
    "number_theory": "N.T.",
    "prealgebra": "Prealg",
    "precalculus": "Precal",
    "math500": "MATH500",
    "aime24": "AIME24",
}


def subject_key(subject: str) -> str:
    """MATH500's subject label as the paper-results key: "Counting & Probability" -> counting_and_probability."""
    return subject.strip().lower().replace(" & ", "_and_").replace(" ", "_")


def subject_accuracies(
    metrics_path: Path, bench: Mapping[str, Any], grader: str
) -> tuple[dict[str, float], str | None]:
    """(subject key -> accuracy, the grader it is under) of MATH500: under `grader` from the graded responses
    beside the metrics file (every response is graded in every mode), else the configured grader's `subjects`."""
    responses = Path(metrics_path).parent / str(bench.get("responses_file") or "math500.jsonl")
    hits: dict[str, list[bool]] = {}
    if responses.is_file():
        for row in read_jsonl(responses):
            verdicts = row.get("by_grader") or {}
            if grader not in verdicts or "subject" not in row:
                hits = {}
                break
            hits.setdefault(subject_key(str(row["subject"])), []).append(bool(verdicts[grader]))
    if hits:
        return {name: 100.0 * sum(found) / len(found) for name, found in hits.items()}, grader
    return {subject_key(name): value for name, value in (bench.get("subjects") or {}).items()}, bench.get("grader")


def _cell_numbers(source: tuple[Path, dict[str, Any]], column: str, grader: str) -> tuple[Any, ...]:
    """(ours under `grader` where the evaluation graded that way, the grader used, the strict value) of a cell."""
    path, metrics = source
    bench = metrics["benchmarks"]["aime24" if column == "aime24" else "math500"]
    if column in ("math500", "aime24"):
        ours, used = comparison.grader_accuracy(bench, grader)
        return ours, used or metrics.get("grader"), bench["accuracy"]
    subjects, used = subject_accuracies(path, bench, grader)
    strict = {subject_key(name): value for name, value in (bench.get("subjects") or {}).items()}
    return subjects.get(column), used or metrics.get("grader"), strict.get(column)


def table3(
    rows: Mapping[str, Sequence[Path]],
    model: str,
    scale: str,
    sizes: Mapping[str, int] | None = None,
    examples: Mapping[str, str] | None = None,
    config_hashes: Mapping[str, str] | None = None,
    grader: str = comparison.PAPER_GRADER,
    seeds: Mapping[str, Sequence[int]] | None = None,
) -> list[dict[str, Any]]:
    """Long-format records of Table 3: per row, the MATH500 subjects and MATH500 of the best-MATH500 checkpoint,
    and AIME24 of the best-AIME24 checkpoint (best per benchmark, as the paper's table), chosen and graded under
    `grader` (the paper's) with the configured grader's number beside (`ours_strict`). A cell is compared with
    the paper (`diff`) only when it is under the paper's grader. `seeds`: as in Table 1 (<row>.seed<s> rows)."""
    if not rows:
        raise ReportError("Table 3 needs at least one row")
    paper = paper_numbers("table3", model)
    seed_of = seed_map(seeds, seed_run_name)
    records = []
    for row_name, files in rows.items():
        if not files:
            raise ReportError(f"Table 3 row {row_name!r}: no metrics files given")
        best_math = best_for_benchmark(files, "math500", grader)
        best_aime = best_for_benchmark(files, "aime24", grader)
        group = seed_of.get(row_name, ("", ""))[0] or row_name
        for column in TABLE3_COLUMNS:
            source = best_aime if column == "aime24" else best_math
            ours = used = strict = decoding = step = path = None
            produced = manifest.table_columns(None if source is None else source[1].get("manifest"))
            if source is not None:
                path, step = source[0], source[1]["step"]
                decoding = source[1]["benchmarks"]["aime24" if column == "aime24" else "math500"].get("decoding")
                ours, used, strict = _cell_numbers(source, column, grader)
            compared = compare_cell(ours, paper.get((group, column)))
            if used != grader:
                compared["diff"] = None  # graded otherwise than the paper: shown, not compared
            records.append(
                {
                    "row": row_name,
                    "column": column,
                    **compared,
                    "step": step,
                    "selection": "best AIME24" if column == "aime24" else "best MATH500",
                    "size": (sizes or {}).get(row_name, ""),
                    "examples": (examples or {}).get(row_name, ""),
                    "grader": used,
                    "ours_strict": None if strict is None else round(strict, 1),
                    "decoding": decoding,
                    **seed_fields(row_name, seed_of),
                    "scale": scale,
                    "config_hash": (config_hashes or {}).get(row_name, ""),
                    "metrics_file": "" if path is None else str(path),
                    **produced,
                }
            )
    return records


def table3_markdown(records: Sequence[Mapping[str, Any]], model: str, scale: str) -> str:
    title = f"# Table 3: 1(few)-shot RLVR by MATH500 subject — {model}" + SCALE_NOTES.get(scale, "")
    graders = sorted({str(r["grader"]) for r in records if r["grader"]})
    lines = [
        title,
        "",
        "Each cell: ours (paper). Step: the checkpoint with the best MATH500, which gives the subject columns and",
        "MATH500; AIME24 is its own best checkpoint (step in brackets), as in the paper (best per benchmark).",
        f"Graded as the paper graded ({', '.join(graders) or '–'}; checkpoints chosen under it too); the strict "
        "grader's numbers are the `ours_strict` column of table3.csv. †: graded otherwise (an evaluation without "
        "the paper's grader), shown but not compared with the paper.",
        "",
        "| Dataset | Size | DSR-sub idx | Step | "
        + " | ".join(TABLE3_TITLES[c] for c in TABLE3_COLUMNS)
        + " | config |",
        "|---|---|---|---|" + "---|" * len(TABLE3_COLUMNS) + "---|",
    ]
    by_row: dict[str, dict[str, Mapping[str, Any]]] = {}
    for record in records:
        by_row.setdefault(record["row"], {})[record["column"]] = record
    for row_name, cells in by_row.items():
        math = cells["math500"]
        parts = []
        for column in TABLE3_COLUMNS:
            cell = cells[column]
            paper = number_text(cell["paper"])
            # n/a: the benchmark ran but none of its (limited) problems is from this subject
            ours = "n/a" if cell["ours"] is None and cell["metrics_file"] else number_text(cell["ours"], "not run")
            mark = "†" if cell["ours"] is not None and cell["paper"] is not None and cell["diff"] is None else ""
            text = f"{ours}{mark} ({paper})"
            if column == "aime24" and cell["step"] is not None:
                text += f" [{cell['step']}]"
            parts.append(text)
        step = "–" if math["step"] is None else math["step"]
        lines.append(
            f"| {row_name} | {math['size']} | {math['examples'] or '–'} | {step} | "
            + " | ".join(parts)
            + f" | {math['config_hash']} |"
        )
    lines += ["", *seeds_section(records, lambda column: TABLE3_TITLES.get(column, column))]
    lines += [
        "n/a: no evaluated MATH500 problem of that subject. Sources: the `metrics_file` column of table3.csv.",
        "",
    ]
    return "\n".join(lines)


def write_table3(records: Sequence[Mapping[str, Any]], model: str, scale: str, md_path: Path, csv_path: Path) -> None:
    write_records_csv(records, csv_path)
    atomic_write_text(Path(md_path), table3_markdown(records, model, scale))
