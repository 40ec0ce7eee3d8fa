"""Today's names of the paper's generic tables (the registry and its builder), kept for the modules and tests
that import them from here; the code lives in the `oneshot_rlvr.tables` package (registry.py, builder.py)."""

from oneshot_rlvr.tables.builder import NUMBER_COLUMNS, build_table, comparable_numbers, table_markdown, write_table
from oneshot_rlvr.tables.checkpoints import cell_value, map_step, pass_k_label, row_average
from oneshot_rlvr.tables.paper_rows_analyses import TABLE5_ROWS
from oneshot_rlvr.tables.registry import TABLES, get_table, paper_rows, paper_value, table_runs
from oneshot_rlvr.tables.rows import (
    LLAMA,
    MATH_COLUMNS,
    PASS_COLUMNS,
    PPO_NOT_RUN,
    Q7,
    Q15,
    R1,
    Row,
    Table,
    set_label,
)

__all__ = [
    "LLAMA", "MATH_COLUMNS", "NUMBER_COLUMNS", "PASS_COLUMNS", "PPO_NOT_RUN", "Q7", "Q15", "R1", "TABLE5_ROWS",
    "TABLES", "Row", "Table", "build_table", "cell_value", "comparable_numbers", "get_table", "map_step",
    "paper_rows", "paper_value", "pass_k_label", "row_average", "set_label", "table_markdown", "table_runs",
    "write_table",
]  # fmt: skip
