"""Reports: the paper's tables regenerated from our metrics files, each number beside the paper's.

Every number in a table is read from a `metrics.json` written by `oneshot-rlvr evaluate`; the CSV names the
file each number came from, so a reader can trace it. Paper numbers come from the shipped
`resources/paper_results.csv` (long format, from the paper's tables).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from oneshot_rlvr import comparison, manifest
from oneshot_rlvr.data import ALL_BENCHMARKS, ARC_BENCHMARKS, MATH_BENCHMARKS, MATH_SUBJECT_CONFIGS
from oneshot_rlvr.io import atomic_write_text

COLUMN_TITLES = {
    "math500": "MATH500",
    "aime24": "AIME24",
    "amc23": "AMC23",
    "minerva_math": "Minerva",
    "olympiadbench": "OlympiadBench",
    "aime25": "AIME25",
    "avg": "Avg",
    "arc_e": "ARC-E",
    "arc_c": "ARC-C",
}
TABLE1_COLUMNS = [*MATH_BENCHMARKS, "avg", "arc_e", "arc_c"]
# report.scale: what the reports say about where their numbers come from (the paper's scale has no note).
SCALES = ("paper", "miniature", "testbed")
SCALE_NOTES = {
    "miniature": " — MINIATURE run (tiny random model, few steps and problems; not comparable to the paper)",
    "testbed": " — TESTBED (generated arithmetic, a character-level model built by the workflow; docs/testbed.md)",
}


def table1_columns(averaged: Sequence[str] = MATH_BENCHMARKS, extra: Sequence[str] = ARC_BENCHMARKS) -> list[str]:
    """Table 1's columns for a benchmark set: the averaged benchmarks, their average, then the others."""
    return [*averaged, "avg", *extra]


def is_paper_set(averaged: Sequence[str], extra: Sequence[str]) -> bool:
    return tuple(averaged) == MATH_BENCHMARKS and tuple(extra) == ARC_BENCHMARKS


class ReportError(ValueError):
    """A metrics file is missing or malformed; the message names it."""


def paper_numbers(table: str, model: str | None = None) -> dict[tuple[str, str], float]:
    """(dataset, metric) -> value for one of the paper's tables."""
    text = resources.files("oneshot_rlvr").joinpath("resources/paper_results.csv").read_text()
    numbers = {}
    for row in csv.DictReader(text.splitlines()):
        if row["table"] == table and (model is None or row["model"] == model) and row["value"] not in ("", None):
            numbers[(row["dataset"], row["metric"])] = float(row["value"])
    return numbers


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def load_metrics(path: Path) -> dict[str, Any]:
    """A metrics.json, checked before any number of it reaches a table: `run` a string, `step` a non-negative
    integer, `benchmarks` an object whose "ok" entries carry a numeric `accuracy`, and no NaN or Infinity
    anywhere (json would accept them, and they would be printed as table cells)."""
    try:
        metrics = json.loads(Path(path).read_text(), parse_constant=_no_constant)
    except FileNotFoundError:
        raise ReportError(f"metrics file {path} does not exist") from None
    except json.JSONDecodeError as error:
        raise ReportError(f"metrics file {path} is not valid JSON ({error.msg})") from None
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise ReportError(f"metrics file {path} is not valid JSON ({' '.join(str(error).split())[:120]})") from None
    if not isinstance(metrics, dict):
        raise ReportError(f"metrics file {path}: expected a JSON object")
    for key in ("run", "step", "benchmarks"):
        if key not in metrics:
            raise ReportError(f"metrics file {path} has no key {key!r}")
    if not isinstance(metrics["run"], str):
        raise ReportError(f"metrics file {path}: key 'run' must be a string")
    if not isinstance(metrics["step"], int) or isinstance(metrics["step"], bool) or metrics["step"] < 0:
        raise ReportError(f"metrics file {path}: key 'step' must be a non-negative integer, not {metrics['step']!r}")
    if not isinstance(metrics["benchmarks"], dict):
        raise ReportError(f"metrics file {path}: key 'benchmarks' must be an object")
    for name, bench in metrics["benchmarks"].items():
        if not isinstance(bench, dict):
            raise ReportError(f"metrics file {path}: key 'benchmarks.{name}' must be an object")
        if bench.get("status") == "ok" and not _is_number(bench.get("accuracy")):
            raise ReportError(
                f"metrics file {path}: key 'benchmarks.{name}.accuracy' must be a number, "
                f"not {str(bench.get('accuracy'))[:40]!r}"
            )
    if metrics.get("math_average") is not None and not _is_number(metrics["math_average"]):
        raise ReportError(f"metrics file {path}: key 'math_average' must be a number or null")
    return metrics


def metrics_files(paths: Sequence[Path]) -> list[Path]:
    """Per-step metrics files, with each run index (steps.json of a run evaluated by one job, `evaluation.jobs:
    run`) replaced by the step files it names, so every report reads runs evaluated either way."""
    from oneshot_rlvr.config import RUN_INDEX
    from oneshot_rlvr.evaluation import EvaluationError, read_run_index

    files: list[Path] = []
    for path in paths:
        if Path(path).name != RUN_INDEX:
            files.append(Path(path))
            continue
        try:
            files.extend(read_run_index(Path(path)))
        except EvaluationError as error:
            raise ReportError(str(error)) from None
    return files


def selection_score(
    metrics: Mapping[str, Any], grader: str | None = None, averaged: Sequence[str] | None = None
) -> float | None:
    """The average of the averaged benchmarks (`averaged`, else the metrics' own `average_of`, else the paper's 6
    math benchmarks), or the mean of those that ran when some are switched off; under `grader` when given
    (comparison.grader_accuracy), else under the evaluation's configured grader."""
    names = set(averaged or metrics.get("average_of") or MATH_BENCHMARKS)
    scores = [
        b["accuracy"] if grader is None else comparison.grader_accuracy(b, grader)[0]
        for name, b in metrics["benchmarks"].items()
        if name in names and b.get("status") == "ok"
    ]
    return sum(scores) / len(scores) if scores else None


def best_checkpoint(
    metric_files: Sequence[Path], grader: str | None = None, averaged: Sequence[str] | None = None
) -> tuple[Path, dict[str, Any]]:
    """The checkpoint with the best average (the paper's rule: the 6-benchmark math average); ties go to the
    earlier step."""
    loaded = sorted(((load_metrics(path), Path(path)) for path in metric_files), key=lambda item: item[0]["step"])
    if not loaded:
        raise ReportError("no metrics files given")
    scored = [(selection_score(m, grader, averaged), m, p) for m, p in loaded]
    best = max(scored, key=lambda item: -1.0 if item[0] is None else item[0])
    return best[2], best[1]


def last_checkpoint(metric_files: Sequence[Path]) -> tuple[Path, dict[str, Any]]:
    """The checkpoint of the last evaluated step: a fixed step, free of the best-checkpoint selection's bias."""
    loaded = [(load_metrics(path), Path(path)) for path in metric_files]
    if not loaded:
        raise ReportError("no metrics files given")
    metrics, path = max(loaded, key=lambda item: item[0]["step"])
    return path, metrics


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
    from oneshot_rlvr.config import seed_run_name

    seed_of = {}
    for group, listed in (seeds or {}).items():
        for number, seed in enumerate(listed):
            seed_of[group if number == 0 else seed_run_name(group, seed)] = (group, int(seed))
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
            group, seed = seed_of.get(row_name, ("", ""))
            theirs = paper.get((group or row_name, column))
            base = cells.get(base_row, {}).get(column) if row_name != base_row else None
            records.append(
                {
                    "row": row_name,
                    "column": column,
                    **compare_cell(ours.value, theirs),
                    **comparison.interval_fields(ours.interval),
                    "significant_vs_paper": comparison.significant(ours.interval, theirs),
                    **comparison.versus_base(ours, base, bootstrap),
                    "step": metrics["step"],
                    "selection": selection,
                    "seed_group": group,
                    "seed": seed,
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


def compare_cell(ours: float | None, theirs: float | None) -> dict[str, float | None]:
    """Our number rounded as the paper rounds (0.1), the paper's, and the difference (None where one is missing)."""
    rounded = None if ours is None else round(ours, 1)
    return {
        "ours": rounded,
        "paper": theirs,
        "diff": None if rounded is None or theirs is None else round(rounded - theirs, 1),
    }


def _cell(value: float | None) -> str:
    return "not run" if value is None else f"{value:.1f}"


def half_width_text(low: Any, high: Any) -> str:
    return "" if low is None or high is None or low == "" else f" ±{(float(high) - float(low)) / 2:.1f}"


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
        lines.append(f"| {row_name} | {first[step_key]} | " + " | ".join(parts) + f" | {first['config_hash']} |")
    return lines


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
    header = "| RL dataset | step | " + " | ".join(COLUMN_TITLES.get(c, c) for c in columns) + " | config |"
    rule = "|---|---|" + "---|" * len(columns) + "---|"
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
    lines = [
        title,
        "",
        *explanation,
        "",
        header,
        rule,
        *_table1_rows(by_row, "step", _table1_cell if paper_set else _table1_cell_ours, columns),
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
    seeds = comparison.seed_summaries(records)
    if seeds:
        lines += ["Across seeds: mean, standard deviation (sd) and per-seed values of `ours`.", "",
                  "| run | column | seeds | mean | sd | per seed |", "|---|---|---|---|---|---|"]  # fmt: skip
        for item in seeds:
            mean = "–" if item["mean"] is None else f"{item['mean']:.1f}"
            sd = "–" if item["sd"] is None else f"{item['sd']:.1f}"
            title = COLUMN_TITLES.get(item["column"], item["column"])
            lines.append(f"| {item['run']} | {title} | {item['seeds']} | {mean} | {sd} | {item['per_seed']} |")
        lines.append("")
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


def write_records_csv(records: Sequence[Mapping[str, Any]], csv_path: Path) -> None:
    """A table's long-format records as CSV (one column per record key), written atomically."""
    fields = list(records[0].keys()) if records else ["row", "column"]
    lines = [",".join(fields)]
    for record in records:
        lines.append(",".join(_csv_field(record[field]) for field in fields))
    atomic_write_text(Path(csv_path), "\n".join(lines) + "\n")


def write_table1(records: Sequence[Mapping[str, Any]], model: str, scale: str, md_path: Path, csv_path: Path) -> None:
    write_records_csv(records, csv_path)
    atomic_write_text(Path(md_path), table1_markdown(records, model, scale))


def _csv_field(value: Any) -> str:
    text = "" if value is None else str(value)
    if any(ch in text for ch in ',"\n'):
        text = '"' + text.replace('"', '""') + '"'
    return text


__all__ = ["ALL_BENCHMARKS", "best_checkpoint", "paper_numbers", "table1", "write_table1"]


# ----------------------------------------------------------------------------------------------------------
# Table 3: 1(few)-shot performance by MATH500 subject (the example sweep)
# ----------------------------------------------------------------------------------------------------------

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


def best_for_benchmark(
    metric_files: Sequence[Path], benchmark: str, grader: str | None = None
) -> tuple[Path, dict[str, Any]] | None:
    """The checkpoint with the best accuracy on one benchmark (Table 3's rule); ties go to the earlier step.
    Under `grader` when given (comparison.grader_accuracy), else under the configured grader."""
    best: tuple[float, int, Path, dict[str, Any]] | None = None
    for path in metric_files:
        metrics = load_metrics(path)
        bench = metrics["benchmarks"].get(benchmark, {})
        if bench.get("status") != "ok":
            continue
        accuracy = bench["accuracy"] if grader is None else comparison.grader_accuracy(bench, grader)[0]
        key = (accuracy, -int(metrics["step"]))
        if best is None or key > (best[0], -best[1]):
            best = (accuracy, int(metrics["step"]), Path(path), metrics)
    return None if best is None else (best[2], best[3])


def table3(
    rows: Mapping[str, Sequence[Path]],
    model: str,
    scale: str,
    sizes: Mapping[str, int] | None = None,
    examples: Mapping[str, str] | None = None,
    config_hashes: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Long-format records of Table 3: per row, the MATH500 subjects and MATH500 of the best-MATH500 checkpoint,
    and AIME24 of the best-AIME24 checkpoint (best per benchmark, as the paper's table)."""
    if not rows:
        raise ReportError("Table 3 needs at least one row")
    paper = paper_numbers("table3", model)
    records = []
    for row_name, files in rows.items():
        if not files:
            raise ReportError(f"Table 3 row {row_name!r}: no metrics files given")
        best_math = best_for_benchmark(files, "math500")
        best_aime = best_for_benchmark(files, "aime24")
        for column in TABLE3_COLUMNS:
            source = best_aime if column == "aime24" else best_math
            ours = grader = decoding = step = path = None
            produced = manifest.table_columns(None if source is None else source[1].get("manifest"))
            if source is not None:
                path, metrics = source
                step = metrics["step"]
                bench = metrics["benchmarks"]["aime24" if column == "aime24" else "math500"]
                grader, decoding = bench.get("grader"), bench.get("decoding")
                if column in ("math500", "aime24"):
                    ours = bench["accuracy"]
                else:
                    subjects = {subject_key(name): value for name, value in (bench.get("subjects") or {}).items()}
                    ours = subjects.get(column)
            theirs = paper.get((row_name, column))
            records.append(
                {
                    "row": row_name,
                    "column": column,
                    **compare_cell(ours, theirs),
                    "step": step,
                    "selection": "best AIME24" if column == "aime24" else "best MATH500",
                    "size": (sizes or {}).get(row_name, ""),
                    "examples": (examples or {}).get(row_name, ""),
                    "grader": grader,
                    "decoding": decoding,
                    "scale": scale,
                    "config_hash": (config_hashes or {}).get(row_name, ""),
                    "metrics_file": "" if path is None else str(path),
                    **produced,
                }
            )
    return records


def table3_markdown(records: Sequence[Mapping[str, Any]], model: str, scale: str) -> str:
    title = f"# Table 3: 1(few)-shot RLVR by MATH500 subject — {model}" + SCALE_NOTES.get(scale, "")
    lines = [
        title,
        "",
        "Each cell: ours (paper). Step: the checkpoint with the best MATH500, which gives the subject columns and",
        "MATH500; AIME24 is its own best checkpoint (step in brackets), as in the paper (best per benchmark).",
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
            paper = "–" if cell["paper"] is None else _cell(cell["paper"])
            # n/a: the benchmark ran but none of its (limited) problems is from this subject
            ours = "n/a" if cell["ours"] is None and cell["metrics_file"] else _cell(cell["ours"])
            text = f"{ours} ({paper})"
            if column == "aime24" and cell["step"] is not None:
                text += f" [{cell['step']}]"
            parts.append(text)
        step = "–" if math["step"] is None else math["step"]
        lines.append(
            f"| {row_name} | {math['size']} | {math['examples'] or '–'} | {step} | "
            + " | ".join(parts)
            + f" | {math['config_hash']} |"
        )
    lines += [
        "",
        "n/a: no evaluated MATH500 problem of that subject. Sources: the `metrics_file` column of table3.csv.",
        "",
    ]
    return "\n".join(lines)


def write_table3(records: Sequence[Mapping[str, Any]], model: str, scale: str, md_path: Path, csv_path: Path) -> None:
    write_records_csv(records, csv_path)
    atomic_write_text(Path(md_path), table3_markdown(records, model, scale))
