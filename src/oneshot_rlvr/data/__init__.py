"""Datasets of the paper: where they live, how to fetch them, and how to read them.

Layout of a data folder (the same as the shared offline copy, see ``/work/shared/data/README.md``)::

    dsr_sub/dsr_sub.parquet                DSR-sub, the 1209-example instance pool (verl format)
    dsr_sub/acc_step_500.json              training-accuracy history of the full DSR-sub run
    dsr_sub/pi{1,2,13,1209}_r128.parquet   the authors' 1-shot files (one example repeated to 128 rows)
    dsr_sub/merge_*.parquet                the authors' 2- and 4-shot files
    benchmarks/<name>/test.jsonl           math500, aime24, amc23, minerva_math, olympiadbench, aime25
    arc/ARC-{Easy,Challenge}-test.jsonl    ARC test splits
    math_train/math_train.jsonl            Hendrycks MATH train (7500 problems)

`download.fetch` puts one of these files into a data folder, either by copying it from a local copy
(``local_data_dir``, e.g. the shared folder) or by downloading it from its public source, and always
checks its SHA-256 before the file becomes visible. The loaders turn the files into the normalised
rows the rest of the pipeline uses; every problem they find is a :class:`DataError` naming the file
together with the key, column or 1-based line at fault.

Modules: `sources` (names, layout, public sources, benchmark sets), `checksums`, `download` (`fetch`),
`benchmarks` (test sets), `training_sets` (verl parquet, MATH train, the history).
"""

from __future__ import annotations

from oneshot_rlvr.data.benchmarks import boxed_answer, load_benchmark
from oneshot_rlvr.data.checksums import LOCK_FILENAME, known_checksums, sha256_of
from oneshot_rlvr.data.download import DOWNLOAD_TIMEOUT_S, fetch
from oneshot_rlvr.data.sources import (
    ALL_BENCHMARKS,
    ARC_BENCHMARKS,
    AUTHOR_TRAIN_FILES,
    CONVERTED_SOURCES,
    INSTRUCTION_SUFFIX,
    MATH_BENCHMARKS,
    MATH_SUBJECT_CONFIGS,
    PAPER_BENCHMARK_SET,
    RELPATHS,
    SOURCE_URLS,
    TRAIN_SOURCES,
    VERL_COLUMNS,
    DataError,
    benchmark_relpath,
    benchmark_set,
    relpath_of,
)
from oneshot_rlvr.data.training_sets import (
    load_dsr_sub,
    load_history,
    load_math_train,
    load_verl_parquet,
    verl_rows_to_records,
)

__all__ = [
    "ALL_BENCHMARKS",
    "ARC_BENCHMARKS",
    "AUTHOR_TRAIN_FILES",
    "CONVERTED_SOURCES",
    "DOWNLOAD_TIMEOUT_S",
    "INSTRUCTION_SUFFIX",
    "LOCK_FILENAME",
    "MATH_BENCHMARKS",
    "MATH_SUBJECT_CONFIGS",
    "PAPER_BENCHMARK_SET",
    "RELPATHS",
    "SOURCE_URLS",
    "TRAIN_SOURCES",
    "VERL_COLUMNS",
    "DataError",
    "benchmark_relpath",
    "benchmark_set",
    "boxed_answer",
    "fetch",
    "known_checksums",
    "load_benchmark",
    "load_dsr_sub",
    "load_history",
    "load_math_train",
    "load_verl_parquet",
    "relpath_of",
    "sha256_of",
    "verl_rows_to_records",
]
