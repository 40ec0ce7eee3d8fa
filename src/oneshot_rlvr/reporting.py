"""Today's names of the tables' metrics readers and of Tables 1 and 3, kept for the modules and tests that import
them from here; the code lives in the `oneshot_rlvr.tables` package (see its modules)."""

from oneshot_rlvr.data import ALL_BENCHMARKS, ARC_BENCHMARKS, MATH_BENCHMARKS
from oneshot_rlvr.tables.format import (
    COLUMN_TITLES,
    SCALE_NOTES,
    SCALES,
    compare_cell,
    half_width_text,
    write_records_csv,
)
from oneshot_rlvr.tables.metrics import (
    best_checkpoint,
    best_for_benchmark,
    last_checkpoint,
    load_metrics,
    metrics_files,
    selection_score,
)
from oneshot_rlvr.tables.registry import paper_numbers
from oneshot_rlvr.tables.rows import ReportError
from oneshot_rlvr.tables.table1 import (
    TABLE1_COLUMNS,
    is_paper_set,
    table1,
    table1_columns,
    table1_markdown,
    write_table1,
)
from oneshot_rlvr.tables.table3 import (
    MATH500_SUBJECTS,
    TABLE3_COLUMNS,
    TABLE3_TITLES,
    subject_key,
    table3,
    table3_markdown,
    write_table3,
)

__all__ = [
    "ALL_BENCHMARKS", "ARC_BENCHMARKS", "COLUMN_TITLES", "MATH500_SUBJECTS", "MATH_BENCHMARKS", "SCALES",
    "SCALE_NOTES", "TABLE1_COLUMNS", "TABLE3_COLUMNS", "TABLE3_TITLES", "ReportError", "best_checkpoint",
    "best_for_benchmark", "compare_cell", "half_width_text", "is_paper_set", "last_checkpoint", "load_metrics",
    "metrics_files", "paper_numbers", "selection_score", "subject_key", "table1", "table1_columns",
    "table1_markdown", "table3", "table3_markdown", "write_records_csv", "write_table1", "write_table3",
]  # fmt: skip
