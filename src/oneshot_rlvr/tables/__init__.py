"""The paper's tables from our metrics files, each number beside the paper's.

- `metrics`: reading and checking `metrics.json`, the checkpoint a table reports;
- `registry` (with `rows`, `paper_rows_models`, `paper_rows_analyses`): the one registry of the paper's facts --
  every table's rows, labels and Size column, which run is which paper row, the paper's numbers, `paper_value`;
- `table1`, `table3`: Tables 1 (8 + 1) and 3; `builder` (with `checkpoints`, `table15`): every other table;
- `format`: cells, the across-seeds section, the CSV.

Import the module you need (`from oneshot_rlvr.tables import registry`); this file imports none of them, so the
workflow's rule files can read the registry without loading the evaluation code.
"""
