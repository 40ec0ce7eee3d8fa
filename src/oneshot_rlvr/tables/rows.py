"""The shapes of the paper's tables: a row (our run beside the paper's row key), a table (columns, selection
rule, metric, rows), the paper's model names and how it prints an example set ("{π1,π13}", "DSR-sub")."""

from __future__ import annotations

from dataclasses import dataclass

from oneshot_rlvr.data import MATH_BENCHMARKS


class ReportError(ValueError):
    """A table cannot be built (a metrics file missing or malformed, an unknown table); the message names it."""


# Why the PPO rows of Tables 4, 11 and 17 have no numbers (docs/fidelity.md).
PPO_NOT_RUN = "not run (TRL has no PPO with a verifiable reward)"

Q15, Q7 = "Qwen2.5-Math-1.5B", "Qwen2.5-Math-7B"
LLAMA, R1 = "Llama-3.2-3B-Instruct", "DeepSeek-R1-Distill-Qwen-1.5B"
QWEN15_BASE, QWEN15_INSTRUCT = "Qwen2.5-1.5B", "Qwen2.5-Math-1.5B-Instruct"
PASS_COLUMNS = ("aime24", "aime25", "amc23")
MATH_COLUMNS = tuple(MATH_BENCHMARKS)


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
    size: str = ""  # the paper's Size column (number of training examples; "–" for a base model)


@dataclass(frozen=True)
class Table:
    number: int
    title: str
    columns: tuple[str, ...]
    selection: str  # best_avg | best_per_benchmark
    metric: str  # accuracy | response_tokens | pass_at_8 | boxed_rate
    rows: tuple[Row, ...]
    notes: tuple[str, ...] = ()
    # The benchmarks the Avg column averages when they are not the shown columns (Table 6 shows MATH500 and the
    # 6-benchmark average); None: the shown benchmark columns.
    averaged: tuple[str, ...] | None = None


SET_LABELS = {
    "base": "NA",
    "dsr_sub": "DSR-sub",
    "math_train": "MATH",
    "dsr_sub_format_reward": "Format reward (DSR-sub)",
    "random16": "Random 16",
    "pi1_simplified": "Simplified {π′1}",
}


def set_label(dataset: str) -> str:
    """Example-set names as the paper prints them: pi1_pi13 -> {π1,π13}, pi1_to_pi16 -> {π1,…,π16}."""
    if dataset in SET_LABELS:
        return SET_LABELS[dataset]
    if "_to_" in dataset:
        first, last = dataset.split("_to_")
        return "{π" + first[2:] + ",…,π" + last[2:] + "}"
    return "{" + ",".join("π" + part[2:] for part in dataset.split("_")) + "}"


SET_SIZES = {"base": "–", "dsr_sub": "1209", "math_train": "7500", "dsr_sub_format_reward": "1209", "random16": "16"}


def set_size(dataset: str) -> str:
    """The paper's Size column for an example set: 1209 for DSR-sub, 7500 for MATH, else the number of examples."""
    if dataset in SET_SIZES:
        return SET_SIZES[dataset]
    if dataset == "pi1_simplified":
        return "1"
    if dataset.startswith("random") and dataset[6:].isdigit():
        return dataset[6:]
    if "_to_" in dataset:
        first, last = dataset.split("_to_")
        return str(int(last[2:]) - int(first[2:]) + 1)
    return str(len(set(dataset.split("_"))))


def model_rows(prefix: str, group: str, model: str, datasets: list[str], algorithm: str = "grpo") -> list[Row]:
    """Rows of one model's runs named <prefix><dataset> (the config's naming), each beside the paper's row."""
    return [
        Row(f"{prefix}{d}", group, set_label(d), f"{prefix}{d}", (model, algorithm, d), size=set_size(d))
        for d in datasets
    ]
