"""The one registry of the paper's facts: every table's rows (which run is which paper row, its label and Size),
the paper's numbers (resources/paper_results.csv, a copy of the project's results, and paper_results_extra.csv,
the rest of the reference's §2), and `paper_value`, the lookup the tables and figures share.

A run shared by several tables (pi1 is in seven) is one run with one set of files; the Snakemake inputs
(`table_runs`), the reports and the tests all read `TABLES`.
"""

from __future__ import annotations

import csv
import functools
import re
from importlib import resources

from oneshot_rlvr.tables.paper_rows_analyses import ANALYSIS_TABLES, TABLE5_ROWS
from oneshot_rlvr.tables.paper_rows_models import MODEL_TABLES
from oneshot_rlvr.tables.rows import (
    LLAMA,
    MATH_COLUMNS,
    PASS_COLUMNS,
    PPO_NOT_RUN,
    Q7,
    Q15,
    R1,
    ReportError,
    Row,
    Table,
    set_label,
    set_size,
)

# Example-set names a run can be named after (config.EXAMPLE_SET_PATTERN's pi sets).
EXAMPLE_SET = r"pi[1-9][0-9]*(_pi[1-9][0-9]*)*|pi[1-9][0-9]*_to_pi[1-9][0-9]*|random[1-9][0-9]*"
PAPER_RESULTS = ("paper_results.csv", "paper_results_extra.csv")

# The tables built by the generic builder (rule report_paper_table), in the paper's order. Tables 1, 2 and 3 have
# their own rules and modules.
TABLES: dict[int, Table] = {table.number: table for table in sorted((*MODEL_TABLES, *ANALYSIS_TABLES),
                                                                     key=lambda t: t.number)}  # fmt: skip


def get_table(number: int) -> Table:
    if int(number) not in TABLES:
        raise ReportError(f"no table {number} in the registry; tables: {', '.join(map(str, TABLES))}")
    return TABLES[int(number)]


def table_runs(number: int, known: list[str] | None = None) -> list[str]:
    """The runs a table needs, in row order, each once; with `known`, only those (the others show as not run)."""
    runs = [row.run for row in get_table(number).rows if row.run is not None]
    if known is not None:
        runs = [run for run in runs if run in known]
    return list(dict.fromkeys(runs))


@functools.cache
def _paper_csv() -> tuple[dict[str, str], ...]:
    rows: list[dict[str, str]] = []
    for name in PAPER_RESULTS:
        text = resources.files("oneshot_rlvr").joinpath(f"resources/{name}").read_text(encoding="utf-8")
        rows += [row for row in csv.DictReader(text.splitlines()) if row["value"] not in ("", None)]
    return tuple(rows)


def paper_rows(table: int) -> dict[tuple[str, str, str], dict[str, float]]:
    """(model, algorithm, dataset) -> {metric: value} for one table."""
    numbers: dict[tuple[str, str, str], dict[str, float]] = {}
    for row in _paper_csv():
        if row["table"] == f"table{table}":
            numbers.setdefault((row["model"], row["algorithm"], row["dataset"]), {})[row["metric"]] = float(
                row["value"]
            )
    return numbers


def paper_numbers(table: str, model: str | None = None) -> dict[tuple[str, str], float]:
    """(dataset, metric) -> value for one of the paper's tables ("table1", "table3", ...), of one model."""
    return {
        (row["dataset"], row["metric"]): float(row["value"])
        for row in _paper_csv()
        if row["table"] == table and (model is None or row["model"] == model)
    }


def paper_size(table: str, dataset: str) -> str:
    """The paper's Size column of a row (the CSV's `size`; "–" for a base model's 0), or ""."""
    for row in _paper_csv():
        if row["table"] == table and row["dataset"] == dataset and row.get("size") not in (None, ""):
            return "–" if row["size"] == "0" else row["size"]
    return ""


# Table 1's rows are configured (report.table1.rows); each is a run named after its paper row.
def table1_label(run: str) -> str:
    """Table 1's row label of a run: the paper's ("NA", "MATH", "DSR-sub", "Format reward (DSR-sub)", "{π1}",
    "{π1,π13}"), "... (seed s)" for a further seed, the run id for a row the paper does not have."""
    base, sep, seed = run.rpartition(".seed")
    if sep and seed.isdigit():
        return f"{table1_label(base)} (seed {seed})"
    return set_label(run) if _paper_row_or_set(run) else run


def _paper_row_or_set(run: str) -> bool:
    """Whether a run is named after a paper row of Table 1 or after an example set (pi1, pi1_pi13, pi1_to_pi16)."""
    return any(dataset == run for dataset, _ in paper_numbers("table1")) or bool(re.fullmatch(EXAMPLE_SET, run))


def table1_size(run: str) -> str:
    """Table 1's Size column: the paper's, else the example set's size for an example-set run, else ""."""
    base = run.split(".seed", 1)[0]
    return paper_size("table1", base) or (set_size(base) if _paper_row_or_set(base) else "")


def paper_value(run: str, metric: str) -> tuple[float, str] | None:
    """The paper's number for one of our runs and one metric (a benchmark or "avg"): (value, "tableN") from the
    first table, in the paper's order (Table 1 first), whose row is this run at the table's selection; None if
    the paper gives none. Rows at a fixed step (Tables 13, 15, 19, 20) are not the run's headline number."""
    table1 = paper_numbers("table1", Q15)
    if (run, metric) in table1:
        return table1[(run, metric)], "table1"
    for number, table in TABLES.items():
        for row in table.rows:
            if row.run != run or row.step is not None or row.highest or row.metric or table.metric != "accuracy":
                continue
            value = paper_rows(number).get(row.paper, {}).get(metric)
            if value is not None:
                return value, f"table{number}"
    return None


__all__ = [
    "LLAMA",
    "MATH_COLUMNS",
    "PASS_COLUMNS",
    "PPO_NOT_RUN",
    "Q7",
    "Q15",
    "R1",
    "TABLE5_ROWS",
    "TABLES",
    "Row",
    "Table",
    "get_table",
    "paper_numbers",
    "paper_rows",
    "paper_value",
    "set_label",
    "set_size",
    "table_runs",
]
