"""The paper's Tables 4, 5, 9, 13, 16, 17, 18, 19 and 20: which runs each needs, how it picks checkpoints, and its
report (Markdown and CSV, ours beside the paper's number and the difference).

One registry (`TABLES`) drives the Snakemake inputs (`table_runs`), the report and the tests, so a run shared by
several tables (pi1 is in seven) is one run with one set of files. Selection rules follow the paper
(reference/paper.md §2): the best 6-benchmark average checkpoint (Tables 4, 13, 16, 17, 18), the best checkpoint per
benchmark (Tables 5 and 9), and fixed steps (Table 13's entropy-only rows, Tables 19 and 20) mapped to the nearest
evaluated step (`map_step`). Every cell names the metrics file its number came from.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from oneshot_rlvr import comparison, manifest
from oneshot_rlvr.data import MATH_BENCHMARKS
from oneshot_rlvr.io import atomic_write_text
from oneshot_rlvr.reporting import (
    COLUMN_TITLES,
    ReportError,
    best_checkpoint,
    best_for_benchmark,
    compare_cell,
    half_width_text,
    load_metrics,
    write_records_csv,
)

# Why the PPO rows of Tables 4 and 17 have no numbers (docs/fidelity.md).
PPO_NOT_RUN = "not run (TRL has no PPO with a verifiable reward)"

Q15, Q7 = "Qwen2.5-Math-1.5B", "Qwen2.5-Math-7B"
LLAMA, R1 = "Llama-3.2-3B-Instruct", "DeepSeek-R1-Distill-Qwen-1.5B"
PASS_COLUMNS = ("aime24", "aime25", "amc23")
MATH_COLUMNS = tuple(MATH_BENCHMARKS)
TITLES = {**COLUMN_TITLES, "best_avg_step": "Best Avg Step"}


@dataclass(frozen=True)
class Row:
    """One row of a table: our run (None: not run, with `not_run` saying why) and the paper's row key."""

    key: str  # unique within the table (the CSV's `row`)
    group: str  # model and algorithm heading
    label: str  # as printed
    run: str | None
    paper: tuple[str, str, str]  # (model, algorithm, dataset) in the paper-results CSVs
    step: int | None = None  # the paper's fixed step (None: the table's selection rule)
    span: int = 2000  # the paper run's length, to place `step` proportionally in a miniature run
    highest: bool = False  # Table 20: the checkpoint with the highest average of the metric
    not_run: str = ""
    metric: str | None = None  # this row's metric when not the table's (Table 14's \boxed{} shares)


@dataclass(frozen=True)
class Table:
    number: int
    title: str
    columns: tuple[str, ...]
    selection: str  # best_avg | best_per_benchmark
    metric: str  # accuracy | response_tokens | pass_at_8
    rows: tuple[Row, ...]
    notes: tuple[str, ...] = ()


def set_label(dataset: str) -> str:
    """Example-set names as the paper prints them: pi1_pi13 -> {π1,π13}, pi1_to_pi16 -> {π1,…,π16}."""
    fixed = {
        "base": "NA",
        "dsr_sub": "DSR-sub",
        "math_train": "MATH",
        "dsr_sub_format_reward": "Format reward (DSR-sub)",
        "random16": "Random 16",
        "pi1_simplified": "Simplified {π′1}",
    }
    if dataset in fixed:
        return fixed[dataset]
    if "_to_" in dataset:
        first, last = dataset.split("_to_")
        return "{π" + first[2:] + ",…,π" + last[2:] + "}"
    return "{" + ",".join("π" + part[2:] for part in dataset.split("_")) + "}"


def _model_rows(prefix: str, group: str, model: str, datasets: Sequence[str]) -> list[Row]:
    return [Row(f"{prefix}{d}", group, set_label(d), f"{prefix}{d}", (model, "grpo", d)) for d in datasets]


def _table4() -> Table:
    rows = _model_rows(
        "qwen7b_",
        "Qwen2.5-Math-7B + GRPO",
        Q7,
        ["base", "dsr_sub", "dsr_sub_format_reward", "pi1", "pi1_pi13", "pi1_pi2_pi13_pi1209", "random16"]
        + ["pi1_to_pi16"],
    )
    rows += _model_rows(
        "llama_", "Llama-3.2-3B-Instruct + GRPO", LLAMA, ["base", "dsr_sub", "pi1", "pi1_pi13", "pi1_pi2_pi13_pi1209"]
    )
    ppo = "Qwen2.5-Math-1.5B + PPO"
    rows += [
        Row("ppo_base", ppo, "NA", "base", (Q15, "ppo", "base")),
        Row("ppo_dsr_sub", ppo, "DSR-sub", None, (Q15, "ppo", "dsr_sub"), not_run=PPO_NOT_RUN),
        Row("ppo_pi1", ppo, "{π1}", None, (Q15, "ppo", "pi1"), not_run=PPO_NOT_RUN),
    ]
    rows += _model_rows(
        "r1distill_",
        "DeepSeek-R1-Distill-Qwen-1.5B + GRPO",
        R1,
        ["base", "dsr_sub", "pi1", "pi1_pi2_pi13_pi1209", "pi1_to_pi16"],
    )
    return Table(
        4,
        "Other models and algorithms",
        (*MATH_COLUMNS, "avg"),
        "best_avg",
        "accuracy",
        tuple(rows),
        (
            "The paper's R1-Distill numbers are at 32k evaluation length; ours use the model's `evaluation` block.",
            "The PPO row NA is the base model (run `base`).",
        ),
    )


TABLE5_ROWS = (
    ("pi1_abl_none", "none", "12.8"),
    ("pi1_abl_pg", "pg", "12.8"),
    ("pi1_abl_pg_wd", "pg+wd", "12.8"),
    ("pi1_abl_pg_wd_kl", "pg+wd+kl", "12.8"),
    ("pi1", "pg+wd+kl+ent", "12.8"),
    ("pi1_ent003", "pg+wd+kl+ent0.003", "12.8"),
    ("pi1_abl_pg_ent", "pg+ent", "12.8"),
    ("pi1_abl_wd_kl", "wd+kl", "12.8"),
    ("pi1_abl_wd_kl_ent", "wd+kl+ent", "12.8"),
    ("pi1_abl_ent", "ent", "12.8"),
    ("pi1_label_12_7", "pg+wd+kl+ent", "12.7"),
    ("pi1_label_4", "pg+wd+kl+ent", "4"),
    ("pi1_label_9292725", "pg+wd+kl+ent", "9292725"),
)


def _table5() -> Table:
    rows = tuple(
        Row(run, "Qwen2.5-Math-1.5B, {π1}", f"{number}. loss {loss}, label {label}", run,
            (Q15, "grpo", f"pi1[loss={loss};label={label}]"))
        for number, (run, loss, label) in enumerate(TABLE5_ROWS, start=1)
    )  # fmt: skip
    return Table(
        5,
        "Loss and label ablations",
        ("math500", "aime24"),
        "best_per_benchmark",
        "accuracy",
        rows,
        ("pg = policy loss, wd = weight decay, kl = KL loss, ent = entropy loss (coefficient 0.001 unless noted).",),
    )


def _table9() -> Table:
    datasets = ["base", "math_train", "dsr_sub", "pi1", "pi2", "pi13", "pi1201", "pi1209", "pi1_pi13"]
    datasets += ["pi1_pi2_pi13_pi1209"]
    rows = tuple(Row(d, "Qwen2.5-Math-1.5B", set_label(d), d, (Q15, "grpo", d)) for d in datasets)
    return Table(
        9,
        "Best value per benchmark",
        (*MATH_COLUMNS, "avg", "best_avg_step"),
        "best_per_benchmark",
        "accuracy",
        rows,
        ("Avg is the best average (Table 8's checkpoint); Best Avg Step is its step.",),
    )


def _table13() -> Table:
    def ent(prefix: str, group: str, model: str, step: int) -> Row:
        return Row(
            f"{prefix}pi1_abl_ent",
            group,
            f"+ entropy loss, {step} steps",
            f"{prefix}pi1_abl_ent",
            (model, "grpo", f"pi1[entropy_only;step={step}]"),
            step=step,
            span=20,  # our entropy-only runs of Llama and the 7B train 20 steps (config.yaml); the 1.5B's step 20
        )

    fmt = "dsr_sub_format_reward"
    rows = (
        Row("base", Q15, "Qwen2.5-Math-1.5B", "base", (Q15, "grpo", "base")),
        ent("", Q15, Q15, 20),
        Row(fmt, Q15, "Format reward", fmt, (Q15, "grpo", fmt)),
        Row("llama_base", LLAMA, LLAMA, "llama_base", (LLAMA, "grpo", "base")),
        ent("llama_", LLAMA, LLAMA, 10),
        Row("qwen7b_base", Q7, Q7, "qwen7b_base", (Q7, "grpo", "base")),
        ent("qwen7b_", Q7, Q7, 4),
        Row(f"qwen7b_{fmt}", Q7, "Format reward", f"qwen7b_{fmt}", (Q7, "grpo", fmt)),
    )
    return Table(
        13,
        "Entropy-loss-only training with {π1}",
        (*MATH_COLUMNS, "avg"),
        "best_avg",
        "accuracy",
        rows,
        ("Entropy-only rows: the paper's step; format-reward rows: the best 6-benchmark average checkpoint.",),
    )


def _table16() -> Table:
    rows = []
    for prefix, model in (("", Q15), ("qwen7b_", Q7)):
        base = "base" if not prefix else f"{prefix}base"
        rows += [
            Row(base, model, "NA", base, (model, "none", "base")),
            Row(f"{prefix}pi1", model, "{π1}, RLVR", f"{prefix}pi1", (model, "rlvr", "pi1")),
            Row(f"{prefix}icl_pi1", model, "{π1}, in-context", f"{prefix}icl_pi1", (model, "icl", "pi1")),
            Row(f"{prefix}icl_qwen4", model, "Qwen official 4 examples, in-context", f"{prefix}icl_qwen4",
                (model, "icl", "qwen_official_4")),
            Row(f"{prefix}icl_qwen1", model, "Qwen official Example 1, in-context", f"{prefix}icl_qwen1",
                (model, "icl", "qwen_official_1")),
        ]  # fmt: skip
    return Table(
        16,
        "In-context learning vs 1-shot RLVR",
        (*MATH_COLUMNS, "avg"),
        "best_avg",
        "accuracy",
        tuple(rows),
        (
            "In-context rows: the base model at step 0 with demonstrations before each problem. {π1}: π1 with a "
            "response the model generates itself. Qwen official: the first 4 (Example 1: the first) of the MATH "
            "few-shot list of the Qwen2.5-Math evaluation (the data folder's icl/qwen_eval_examples.jsonl), joined "
            "into the one user turn as that evaluation does (docs/fidelity.md).",
        ),
    )


def _table14() -> Table:
    runs = (
        ("base", "NA", "base"),
        ("dsr_sub", "DSR-sub, outcome, + entropy", "dsr_sub"),
        ("dsr_sub_format_reward", "DSR-sub, format, + entropy", "dsr_sub[format;ent]"),
        ("dsr_sub_format_reward_noent", "DSR-sub, format, no entropy", "dsr_sub[format;noent]"),
        ("pi1", "{π1}, outcome, + entropy", "pi1"),
        ("pi1_abl_pg_wd_kl", "{π1}, outcome, no entropy", "pi1[outcome;noent]"),
        ("pi1_format_reward", "{π1}, format, + entropy", "pi1[format;ent]"),
        ("pi1_format_reward_noent", "{π1}, format, no entropy", "pi1[format;noent]"),
    )
    rows = []
    for run, label, dataset in runs:
        rows += [
            Row(run, Q15, label, run, (Q15, "grpo", dataset)),
            Row(f"{run}:boxed", Q15, f"{label}: \\boxed{{}} share (%)", run, (Q15, "grpo", f"{dataset}:boxed"),
                metric="boxed_rate"),
        ]  # fmt: skip
    return Table(
        14,
        "Format reward vs outcome reward",
        (*MATH_COLUMNS, "avg"),
        "best_avg",
        "accuracy",
        tuple(rows),
        (
            "Each run has two rows at its best 6-benchmark-average checkpoint: accuracy, and the share of responses "
            "with a \\boxed{} answer (the paper's bracketed percentages). {π1} outcome without entropy is Table 5's "
            "pg+wd+kl run (pi1_abl_pg_wd_kl).",
        ),
    )


def _table17() -> Table:
    grpo, ppo = "GRPO", "PPO"
    rows = []
    for run, dataset, rate in (
        ("dsr_sub", "dsr_sub", 0),
        ("dsr_sub_wrong60", "dsr_sub", 60),
        ("dsr_sub_wrong90", "dsr_sub", 90),
        ("pi1", "pi1", 0),
    ):
        key = f"{dataset}[label_error={rate}%]"
        label = f"{set_label(dataset)}, {rate}% wrong labels"
        rows.append(Row(run, grpo, label, run, (Q15, "grpo", key)))
        rows.append(Row(f"ppo_{run}", ppo, label, None, (Q15, "ppo", key), not_run=PPO_NOT_RUN))
    rows.sort(key=lambda row: row.group != grpo)
    return Table(17, "Random wrong labels in DSR-sub", (*MATH_COLUMNS, "avg"), "best_avg", "accuracy", tuple(rows))


def _table18() -> Table:
    rows = tuple(
        Row(d, Q15, set_label(d), d, (Q15, "grpo", d))
        for d in ("base", "pi1", "pi1_simplified", "dsr_sub_format_reward")
    )
    return Table(
        18,
        'Simplified prompt π′1 = "Calculate ∛2048"',
        (*MATH_COLUMNS, "avg"),
        "best_avg",
        "accuracy",
        rows,
        ('π′1: "Calculate ∛2048" with DSR-sub\'s instruction suffix, label 12.8 (the paper gives neither).',),
    )


def _table19() -> Table:
    fmt = "dsr_sub_format_reward"
    rows = [Row(fmt, Q15, "Format reward (DSR-sub)", fmt, (Q15, "grpo", fmt))]
    for run, name in (("pi1", "1-shot π1"), ("dsr_sub", "DSR-sub")):
        rows += [
            Row(f"{run}@{step}", Q15, f"{name}, step {step}", run, (Q15, "grpo", f"{run}[step={step}]"), step=step)
            for step in (100, 1500)
        ]
    return Table(
        19,
        "Average response length on the evaluation sets (tokens)",
        (*MATH_COLUMNS, "avg"),
        "best_avg",
        "response_tokens",
        tuple(rows),
        ("Format reward: the best 6-benchmark average checkpoint (the paper does not say which step).",),
    )


def _table20() -> Table:
    fmt = "dsr_sub_format_reward"

    def at(run: str, name: str, step: int) -> Row:
        return Row(f"{run}@{step}", Q15, f"{name} step {step}", run, (Q15, "grpo", f"{run}[step={step}]"), step=step)

    def top(run: str, name: str) -> Row:
        return Row(f"{run}@highest", Q15, f"{name} (highest)", run, (Q15, "grpo", f"{run}[highest]"), highest=True)

    rows = (
        Row("base", Q15, "Base", "base", (Q15, "grpo", "base")),
        top(fmt, "Format reward"),
        top("dsr_sub", "DSR-sub"),
        at("dsr_sub", "DSR-sub", 500),
        at("dsr_sub", "DSR-sub", 1000),
        at("dsr_sub", "DSR-sub", 1500),
        at("pi1", "1-shot π1", 500),
        top("pi1", "1-shot π1"),
        at("pi1", "1-shot π1", 1500),
    )
    return Table(
        20,
        "True pass@8",
        (*PASS_COLUMNS, "avg"),
        "best_avg",
        "pass_at_8",
        rows,
        (
            "pass@8: unbiased pass@k over the avg@n samples of the benchmark (n = 8 at paper scale; with fewer "
            "samples the largest k available, named in the decoding column). Highest: the checkpoint with the "
            "best 3-benchmark pass@8 average.",
        ),
    )


TABLES: dict[int, Table] = {
    t.number: t
    for t in (
        _table4(),
        _table5(),
        _table9(),
        _table13(),
        _table14(),
        _table16(),
        _table17(),
        _table18(),
        _table19(),
        _table20(),
    )  # fmt: skip
}


def get_table(number: int) -> Table:
    if int(number) not in TABLES:
        raise ReportError(f"no table {number} in the registry; tables: {', '.join(map(str, TABLES))}")
    return TABLES[int(number)]


def table_runs(number: int, known: Sequence[str] | None = None) -> list[str]:
    """The runs a table needs, in row order, each once; with `known`, only those (the others show as not run)."""
    runs = [row.run for row in get_table(number).rows if row.run is not None]
    if known is not None:
        runs = [run for run in runs if run in known]
    return list(dict.fromkeys(runs))


# ----------------------------------------------------------------------------------------------------------
# Paper numbers
# ----------------------------------------------------------------------------------------------------------


def paper_rows(table: int) -> dict[tuple[str, str, str], dict[str, float]]:
    """(model, algorithm, dataset) -> {metric: value} for one table, from the shipped paper-results CSVs
    (`paper_results.csv`, a copy of the project's results; `paper_results_extra.csv`, the rest of reference §2)."""
    numbers: dict[tuple[str, str, str], dict[str, float]] = {}
    for name in ("paper_results.csv", "paper_results_extra.csv"):
        text = resources.files("oneshot_rlvr").joinpath(f"resources/{name}").read_text()
        for row in csv.DictReader(text.splitlines()):
            if row["table"] == f"table{table}" and row["value"] not in ("", None):
                key = (row["model"], row["algorithm"], row["dataset"])
                numbers.setdefault(key, {})[row["metric"]] = float(row["value"])
    return numbers


# ----------------------------------------------------------------------------------------------------------
# Checkpoint choice and cell values
# ----------------------------------------------------------------------------------------------------------


def map_step(paper_step: int, steps: Sequence[int], scale: str, span: int = 2000) -> int:
    """Our step for a step the paper reports: the step itself when evaluated; at paper scale else the nearest
    evaluated step; in a miniature, the same fraction of training (paper_step / span of our last step), then the
    nearest evaluated step. Ties go to the earlier step."""
    if not steps:
        raise ReportError("no evaluated steps")
    if paper_step in steps:
        return paper_step
    target = paper_step if scale == "paper" else paper_step / span * max(steps)
    return min(sorted(steps), key=lambda step: abs(step - target))


def pass_k_label(bench: Mapping[str, Any]) -> tuple[str, float] | None:
    """pass@8 when the benchmark drew 8 or more samples, else pass@k with the largest k it has."""
    table = bench.get("pass_at_k") or {}
    if not table:
        return None
    key = "8" if "8" in table else str(max((int(k) for k in table if int(k) <= 8), default=min(map(int, table))))
    return key, float(table[key])


def cell_value(metrics: Mapping[str, Any], column: str, metric: str) -> tuple[float | None, str | None, str | None]:
    """(value, grader, decoding) of one benchmark column of a metrics file under a table's metric."""
    bench = metrics["benchmarks"].get(column, {})
    if bench.get("status") != "ok":
        return None, None, "not run"
    decoding = bench.get("decoding")
    if metric == "accuracy":
        return float(bench["accuracy"]), bench.get("grader"), decoding
    if metric == "response_tokens":
        return float(bench["mean_response_tokens"]), bench.get("grader"), decoding
    if metric == "boxed_rate":
        return float(bench["boxed_rate"]), bench.get("grader"), decoding
    if metric == "pass_at_8":
        found = pass_k_label(bench)
        if found is None:
            return None, bench.get("grader"), decoding
        return found[1], bench.get("grader"), f"pass@{found[0]} of {decoding}"
    raise ReportError(f"unknown table metric {metric!r}")


def row_average(metrics: Mapping[str, Any], columns: Sequence[str], metric: str) -> float | None:
    values = [cell_value(metrics, column, metric)[0] for column in columns]
    return None if any(v is None for v in values) else sum(values) / len(values)  # type: ignore[arg-type]


def _highest(files: Sequence[Path], columns: Sequence[str], metric: str) -> tuple[Path, dict[str, Any]]:
    """The checkpoint with the best average of the metric over the columns (Table 20's "highest"); ties: earlier."""
    loaded = sorted(((load_metrics(path), Path(path)) for path in files), key=lambda item: item[0]["step"])
    scored = [(row_average(m, columns, metric), m, p) for m, p in loaded]
    best = max(scored, key=lambda item: -1.0 if item[0] is None else item[0])
    return best[2], best[1]


def _at_step(files: Sequence[Path], paper_step: int, scale: str, span: int) -> tuple[Path, dict[str, Any]]:
    loaded = {int(m["step"]): (Path(p), m) for p in files for m in [load_metrics(p)]}
    return loaded[map_step(paper_step, list(loaded), scale, span)]


# ----------------------------------------------------------------------------------------------------------
# Records, Markdown, CSV
# ----------------------------------------------------------------------------------------------------------


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
) -> list[dict[str, Any]]:
    """Long-format records (one per row and column) of a table from each run's metrics files. Accuracy tables
    are graded and their checkpoints chosen under `grader` (the paper's), with the strict grader's number, the
    disagreements, a bootstrap interval and whether the paper's number lies outside it beside each cell."""
    table = get_table(number)
    # Checkpoints of an accuracy table are chosen under the paper's grader, for every row (Table 14's \boxed{}
    # share rows take the same checkpoint as their accuracy rows).
    selection_grader = grader if table.metric == "accuracy" else None
    paper = paper_rows(number)
    value_columns = [c for c in table.columns if c not in ("avg", "best_avg_step")]
    records = []
    for row in table.rows:
        files = list(runs.get(row.run, [])) if row.run else []
        theirs_row = paper.get(row.paper, {})
        base = {
            "table": number,
            "group": row.group,
            "row": row.key,
            "label": row.label,
            "run": row.run or "",
        }
        if not files:
            reason = row.not_run or f"not run (no metrics given for run {row.run!r})"
            for column in table.columns:
                records.append(
                    {
                        **base,
                        "column": column,
                        **compare_cell(None, theirs_row.get(column)),
                        "step": None,
                        "paper_step": row.step,
                        "selection": "",
                        "grader": None,
                        "decoding": None,
                        "scale": scale,
                        "config_hash": "",
                        "metrics_file": "",
                        "note": reason,
                        **dict.fromkeys(NUMBER_COLUMNS),
                        **manifest.table_columns(None),
                    }
                )
            continue
        # The checkpoint(s) of this row.
        if row.step is not None:
            chosen = _at_step(files, row.step, scale, row.span)
            selection = f"step {row.step} of the paper (ours: nearest evaluated step)"
        elif row.highest:
            chosen = _highest(files, value_columns, row.metric or table.metric)
            selection = "highest average of the row's columns"
        else:
            chosen = best_checkpoint(files, selection_grader)
            selection = (
                "best 6-benchmark average" if len(files) > 1 else f"the only evaluated step ({chosen[1]['step']})"
            )
        row_metric = row.metric or table.metric
        for column in table.columns:
            path, metrics = chosen
            cell_selection = selection
            numbers = dict.fromkeys(NUMBER_COLUMNS)
            if column == "best_avg_step":
                ours, cell_grader, decoding = float(metrics["step"]), None, None
            elif column == "avg":
                # The mean of the row's benchmark columns at the row's checkpoint (None if one did not run).
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
                theirs = theirs_row.get(column)
                ours, cell_grader, numbers = comparable_numbers(
                    path, metrics, column, value_columns, theirs, grader, bootstrap
                )
            records.append(
                {
                    **base,
                    "column": column,
                    **compare_cell(ours, theirs_row.get(column)),
                    "step": metrics["step"],
                    "paper_step": row.step,
                    "selection": cell_selection,
                    "grader": cell_grader,
                    "decoding": decoding,
                    "scale": scale,
                    "config_hash": (config_hashes or {}).get(row.run or "", ""),
                    "metrics_file": str(path),
                    "note": _icl_note(metrics),
                    **numbers,
                    **manifest.table_columns(metrics.get("manifest")),
                }
            )
    return records


def _icl_note(metrics: Mapping[str, Any]) -> str:
    icl = metrics.get("icl")
    return f"in-context demonstrations: {icl['demonstrations']}" if icl else ""


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def table_markdown(records: Sequence[Mapping[str, Any]], number: int, scale: str) -> str:
    table = get_table(number)
    title = f"# Table {number}: {table.title}"
    if scale == "miniature":
        title += " — MINIATURE run (tiny random model, few steps and problems; not comparable to the paper)"
    metric = {"accuracy": "accuracy (%)", "response_tokens": "mean response length (tokens)", "pass_at_8": "pass@8 (%)"}
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
        "| Group | Row | Run | Step | " + " | ".join(TITLES[c] for c in table.columns) + " | config |",
        "|---|---|---|---|" + "---|" * len(table.columns) + "---|",
    ]
    by_row: dict[str, list[Mapping[str, Any]]] = {}
    for record in records:
        by_row.setdefault(record["row"], []).append(record)
    for cells in by_row.values():
        first = cells[0]
        if not first["metrics_file"]:
            parts = [f"{first['note']} ({_fmt(c['paper'])})" if i == 0 else f"– ({_fmt(c['paper'])})"
                     for i, c in enumerate(cells)]  # fmt: skip
            step = "–"
        else:
            parts = []
            for cell in cells:
                spread = half_width_text(cell.get("ci_low"), cell.get("ci_high"))
                text = f"{_fmt(cell['ours'])}{spread} ({_fmt(cell['paper'])}"
                mark = " ns" if cell.get("significant_vs_paper") is False else ""
                text += f", {cell['diff']:+.1f}{mark})" if cell["diff"] is not None else ")"
                if table.selection == "best_per_benchmark" and cell["column"] not in ("avg", "best_avg_step"):
                    text += f" [{cell['step']}]"
                parts.append(text)
            step = str(first["step"]) if first["paper_step"] is None else f"{first['paper_step']}→{first['step']}"
            if table.selection == "best_per_benchmark":
                step = "per cell"
        lines.append(
            f"| {first['group']} | {first['label']} | {first['run'] or '–'} | {step} | "
            + " | ".join(parts)
            + f" | {first['config_hash'] or '–'} |"
        )
    graders = sorted({str(r["grader"]) for r in records if r["grader"]})
    decodings = sorted(
        {str(r["decoding"]) for r in records if r["decoding"] and r["column"] not in ("avg", "best_avg_step")}
    )
    lines += [
        "",
        f"Graders: {', '.join(graders) or '–'}. Decoding: {'; '.join(decodings) or '–'}.",
        f"Sources: the `metrics_file` column of table{number}.csv (one per cell); `config` is the run's config hash.",
        "",
    ]
    return "\n".join(lines)


def write_table(records: Sequence[Mapping[str, Any]], number: int, scale: str, md_path: Path, csv_path: Path) -> None:
    write_records_csv(records, csv_path)
    atomic_write_text(Path(md_path), table_markdown(records, number, scale))
