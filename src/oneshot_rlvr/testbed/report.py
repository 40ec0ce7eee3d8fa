"""reports/testbed.md and .csv: what 1-shot RLVR changed in the testbed, each number with a 95% bootstrap interval.

Four sections, all from the evaluated checkpoints of the Table 1 rows (and the trained rows' training logs and
training sets):

1. decomposition (the paper's Table 15 made for every row, at the checkpoint Table 1 reports): boxed rate,
   accuracy in any format (skill), accuracy as graded (format and skill), share of worked-steps responses, and the
   paired differences to the base model;
2. transfer: graded accuracy per task type against the base model at the last step, on the types the run's
   training examples are and are not;
3. post-saturation: held-out accuracy at the last step against the first evaluated step at which the training reward
   had saturated (`SATURATION_WINDOW` steps with mean reward >= `SATURATION_LEVEL`), paired;
4. the learning verdict of every trained row at its last step (`analysis.learning_verdict`; no checkpoint chosen by
   its test score).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from oneshot_rlvr.io import atomic_write_text, read_jsonl
from oneshot_rlvr.stats import Interval
from oneshot_rlvr.tables.format import write_records_csv
from oneshot_rlvr.tables.metrics import best_checkpoint, load_metrics
from oneshot_rlvr.testbed.analysis import (
    MEASURE_TITLES,
    MEASURES,
    Outcomes,
    difference,
    learning_verdict,
    measure,
    read_outcomes,
    reward_curve,
    saturation_step,
)

SATURATION_LEVEL = 0.9
SATURATION_WINDOW = 3
UNTRAINED = "types not trained on"


class TestbedReportError(ValueError):
    """A row's metrics, training log or training set is missing or malformed; the message names it."""


class Records(list):
    """The report's long-format records: one per number, with its interval and where it came from."""

    def add(self, section: str, row: str, outcomes: Outcomes, name: str, interval: Interval, **extra: Any) -> None:
        self.append(
            {
                "section": section,
                "row": row,
                "step": outcomes.step,
                "measure": name,
                "benchmark": extra.pop("benchmark", "all"),
                "estimate": round(interval.estimate, 2),
                "low": round(interval.low, 2),
                "high": round(interval.high, 2),
                "level": interval.level,
                "problems": interval.problems,
                "compared_with": extra.pop("compared_with", ""),
                "compared_step": extra.pop("compared_step", ""),
                "note": extra.pop("note", ""),
                "metrics_file": extra.pop("metrics_file", ""),
            }
        )


def trained_types(dataset: Path) -> list[str]:
    """The task types of a training set's examples (its `extra_info.type`), in order of first appearance."""
    import pandas as pd
    try:
        frame = pd.read_parquet(dataset)
        return list(dict.fromkeys(str(info["type"]) for info in frame["extra_info"]))
    except (OSError, KeyError, TypeError, ValueError) as error:
        raise TestbedReportError(f"{dataset}: cannot read the task types of the training set ({error})") from None


def _by_step(files: Sequence[Path]) -> list[tuple[int, Path]]:
    return sorted((int(load_metrics(path)["step"]), Path(path)) for path in files)


def _decomposition(records: Records, row: str, path: Path, base: Outcomes) -> None:
    outcomes = read_outcomes(path)
    for name in MEASURES:
        records.add("decomposition", row, outcomes, name, measure(outcomes, name), metrics_file=str(path))
    if outcomes.run != base.run or outcomes.step != base.step:
        for name in ("any_format", "graded"):
            records.add("decomposition", row, outcomes, f"{name} - base", difference(outcomes, base, name),
                        compared_with=base.run, compared_step=base.step, metrics_file=str(path))  # fmt: skip


def _transfer(records: Records, row: str, last: Outcomes, path: Path, base: Outcomes, types: list[str]) -> None:
    paired = {"compared_with": base.run, "compared_step": base.step, "metrics_file": str(path)}
    for benchmark in last.benchmarks():
        part, before = last.select([benchmark]), base.select([benchmark])
        note = "trained type" if benchmark in types else "not trained on"
        records.add("transfer", row, last, "graded", measure(part, "graded"), benchmark=benchmark, note=note,
                    metrics_file=str(path))  # fmt: skip
        records.add("transfer", row, last, "graded - base", difference(part, before, "graded"), benchmark=benchmark,
                    note=note, **paired)  # fmt: skip
    untrained = [benchmark for benchmark in last.benchmarks() if benchmark not in types]
    if types and untrained:
        for name in ("any_format", "graded"):
            interval = difference(last.select(untrained), base.select(untrained), name)
            records.add("transfer", row, last, f"{name} - base", interval, benchmark=UNTRAINED,
                        note=f"trained on {', '.join(types)}", **paired)  # fmt: skip


def _post_saturation(records: Records, row: str, log: list[dict], steps: list[tuple[int, Path]]) -> None:
    saturated = saturation_step(reward_curve(log), SATURATION_LEVEL, SATURATION_WINDOW)
    after = [(step, path) for step, path in steps if saturated is not None and step >= saturated]
    last_step, last_path = steps[-1]
    last = read_outcomes(last_path)
    if len(after) < 2:
        reason = "training reward never saturated" if saturated is None else "fewer than 2 evaluated steps from then"
        definition = f"saturation: {SATURATION_WINDOW} steps with mean reward >= {SATURATION_LEVEL}"
        records.add("post-saturation", row, last, "not measured", Interval(0.0, 0.0, 0.0),
                    note=f"{reason} ({definition})", metrics_file=str(last_path))  # fmt: skip
        return
    first_step, first_path = after[0]
    first = read_outcomes(first_path)
    for name in ("any_format", "graded"):
        records.add("post-saturation", row, last, f"{name}: last - first after saturation",
                    difference(last, first, name), compared_with=row, compared_step=first_step,
                    note=f"training reward saturated at step {saturated}", metrics_file=str(last_path))  # fmt: skip


def testbed_report(
    rows: Mapping[str, Sequence[Path]],
    logs: Mapping[str, Path],
    datasets: Mapping[str, Path],
    base: str = "base",
) -> list[dict[str, Any]]:
    """The report's records (one per number). `rows`: each Table 1 row's metrics files; `logs` and `datasets`: the
    collected training log and the training set of each trained row."""
    if base not in rows:
        raise TestbedReportError(f"no metrics of the base row {base!r} (--metrics {base}=PATH)")
    base_outcomes = read_outcomes(best_checkpoint(rows[base])[0])
    records = Records()
    for row, files in rows.items():
        _decomposition(records, row, best_checkpoint(files)[0], base_outcomes)
    for row, files in rows.items():
        if row == base or row not in logs:
            continue
        log = read_jsonl(logs[row])
        if not log:
            raise TestbedReportError(f"{logs[row]}: empty training log")
        steps = _by_step(files)
        last = read_outcomes(steps[-1][1])
        types = trained_types(datasets[row]) if row in datasets else []
        _transfer(records, row, last, steps[-1][1], base_outcomes, types)
        _post_saturation(records, row, log, steps)
        verdict = learning_verdict(log, base_outcomes, last)
        note = (
            f"learned: {verdict.learned}; training reward {verdict.reward_start:.2f} (first 3 steps) -> "
            f"{verdict.reward_end:.2f} (last 3), peak {verdict.reward_peak:.2f}"
        )
        records.add("verdict", row, last, "graded - base", verdict.heldout_difference, compared_with=base,
                    compared_step=base_outcomes.step, note=note, metrics_file=str(steps[-1][1]))  # fmt: skip
    return list(records)


def _text(record: Mapping[str, Any], signed: bool = False) -> str:
    form = "+.1f" if signed else ".1f"
    return f"{record['estimate']:{form}} [{record['low']:{form}}, {record['high']:{form}}]"


def _decomposition_lines(records: Sequence[Mapping[str, Any]]) -> list[str]:
    titles = [MEASURE_TITLES[name] for name in MEASURES] + ["any format − base", "graded − base"]
    lines = ["| row | step | " + " | ".join(titles) + " |", "|---|---|" + "---|" * len(titles)]
    for row in dict.fromkeys(r["row"] for r in records):
        cells = {r["measure"]: r for r in records if r["row"] == row}
        values = [_text(cells[name]) for name in MEASURES]
        values += [_text(cells[key], True) if key in cells else "–" for key in ("any_format - base", "graded - base")]
        lines.append(f"| {row} | {cells['graded']['step']} | " + " | ".join(values) + " |")
    return lines


def _transfer_lines(records: Sequence[Mapping[str, Any]]) -> list[str]:
    benchmarks = list(dict.fromkeys(r["benchmark"] for r in records if r["benchmark"] != UNTRAINED))
    header = "| row | step | " + " | ".join(benchmarks) + f" | {UNTRAINED}: any format − base | graded − base |"
    lines = [header, "|---|---|" + "---|" * (len(benchmarks) + 2)]
    for row in dict.fromkeys(r["row"] for r in records):
        mine = {(r["benchmark"], r["measure"]): r for r in records if r["row"] == row}
        cells = []
        for benchmark in benchmarks:
            value, delta = mine[(benchmark, "graded")], mine[(benchmark, "graded - base")]
            mark = "*" if value["note"] == "trained type" else ""
            cells.append(f"{value['estimate']:.1f}{mark} ({_text(delta, True)})")
        for name in ("any_format - base", "graded - base"):
            cells.append(_text(mine[(UNTRAINED, name)], True) if (UNTRAINED, name) in mine else "–")
        step = next(iter(mine.values()))["step"]
        lines.append(f"| {row} | {step} | " + " | ".join(cells) + " |")
    return [*lines, "", "Cells: graded accuracy (difference to the base [interval]); * = a type the run trained on."]


def report_markdown(records: Sequence[Mapping[str, Any]]) -> str:
    def section(name: str) -> list[Mapping[str, Any]]:
        return [r for r in records if r["section"] == name]

    lines = [
        "# The CPU testbed: format, skill, transfer and post-saturation of 1-shot RLVR",
        "",
        "Every number: estimate [95% bootstrap interval], in percent or points, resampling problems (stratified by",
        "task type); differences are paired on the same problems. docs/testbed.md explains the measures.",
        "",
        "## 1. Decomposition at the checkpoint Table 1 reports (the paper's Table 15, for every row)",
        "",
        *_decomposition_lines(section("decomposition")),
        "",
        "## 2. Transfer: graded accuracy per task type at the last step, against the base model",
        "",
        *(_transfer_lines(section("transfer")) if section("transfer") else ["(no trained rows)"]),
        "",
        "## 3. Post-saturation: does held-out accuracy keep rising after the training reward saturates?",
        "",
    ]
    for r in section("post-saturation"):
        if r["measure"] == "not measured":
            lines.append(f"- {r['row']}: not measured ({r['note']})")
        else:
            lines.append(f"- {r['row']}, {r['measure'].replace(' - ', ' − ')} (step {r['step']} − step "
                         f"{r['compared_step']}): {_text(r, True)} points; {r['note']}")  # fmt: skip
    lines += ["", "## 4. Learning verdict at the last step", ""]
    lines.append("Learned = training reward rose by >= 0.2 and held-out graded accuracy rose with a paired interval")
    lines += ["above 0 (the predicate of tests/integration/test_testbed_learning.py).", ""]
    for r in section("verdict"):
        lines.append(f"- {r['row']} (step {r['step']}): graded − base {_text(r, True)} points; {r['note']}")
    lines += ["", "Sources: the `metrics_file` column of testbed.csv.", ""]
    return "\n".join(lines)


def write_report(records: Sequence[Mapping[str, Any]], md_path: Path, csv_path: Path) -> None:
    write_records_csv(records, csv_path)
    atomic_write_text(Path(md_path), report_markdown(records))
