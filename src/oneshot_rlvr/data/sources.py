"""Names, folder layout and public sources of the paper's datasets, and the benchmark sets."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from oneshot_rlvr import icl_examples

# in the paper's column order
MATH_BENCHMARKS = ("math500", "aime24", "amc23", "minerva_math", "olympiadbench", "aime25")
ARC_BENCHMARKS = ("arc_e", "arc_c")
ALL_BENCHMARKS = MATH_BENCHMARKS + ARC_BENCHMARKS
# The benchmark set of the paper's Table 1 (config key `benchmark_set`): the averaged columns, then the others.
PAPER_BENCHMARK_SET = {"averaged": list(MATH_BENCHMARKS), "extra": list(ARC_BENCHMARKS)}
TRAIN_SOURCES = ("dsr_sub", "math_train", "history")  # history = acc_step_500.json
AUTHOR_TRAIN_FILES = (
    "pi1_r128",
    "pi2_r128",
    "pi13_r128",
    "pi1209_r128",
    "merge_pi1_pi13_r128",
    "merge_pi1_pi2_pi13_pi1209_r128",
)
INSTRUCTION_SUFFIX = " Let's think step by step and output the final answer within \\boxed{}."

VERL_COLUMNS = ("data_source", "prompt", "ability", "reward_model", "extra_info")
_GITHUB_RAW = "https://raw.githubusercontent.com/ypwang61/One-Shot-RLVR/main"
_HF_DATASETS = "https://huggingface.co/datasets"
MATH_SUBJECT_CONFIGS = (
    "algebra",
    "counting_and_probability",
    "geometry",
    "intermediate_algebra",
    "number_theory",
    "prealgebra",
    "precalculus",
)
_ARC_SUBSETS = {"arc_e": "ARC-Easy", "arc_c": "ARC-Challenge"}


class DataError(ValueError):
    """A data file is missing, malformed or fails its checksum; the message names the file and key or row."""



def _build_relpaths() -> dict[str, str]:
    table = {name: f"benchmarks/{name}/test.jsonl" for name in MATH_BENCHMARKS}
    table.update({name: f"arc/{subset}-test.jsonl" for name, subset in _ARC_SUBSETS.items()})
    table["dsr_sub"] = "dsr_sub/dsr_sub.parquet"
    table["history"] = "dsr_sub/acc_step_500.json"
    table["math_train"] = "math_train/math_train.jsonl"
    table.update({name: f"dsr_sub/{name}.parquet" for name in AUTHOR_TRAIN_FILES})
    table["qwen_icl"] = icl_examples.RELPATH
    return table


RELPATHS: dict[str, str] = _build_relpaths()


def _build_source_urls() -> dict[str, tuple[str, ...]]:
    urls: dict[str, tuple[str, ...]] = {}
    for name in MATH_BENCHMARKS:
        urls[name] = (f"{_GITHUB_RAW}/Qwen2.5-Eval/evaluation/data/{name}/test.jsonl",)
    for name, subset in _ARC_SUBSETS.items():
        urls[name] = (f"{_HF_DATASETS}/allenai/ai2_arc/resolve/main/{subset}/test-00000-of-00001.parquet",)
    urls["dsr_sub"] = (f"{_GITHUB_RAW}/data/train/one_shot_rlvr/dsr_sub.parquet",)
    urls["history"] = (f"{_GITHUB_RAW}/data/acc_step_500.json",)
    urls["math_train"] = tuple(
        f"{_HF_DATASETS}/EleutherAI/hendrycks_math/resolve/main/{config}/train-00000-of-00001.parquet"
        for config in MATH_SUBJECT_CONFIGS
    )
    for name in AUTHOR_TRAIN_FILES:
        urls[name] = (f"{_GITHUB_RAW}/data/train/one_shot_rlvr/{name}.parquet",)
    urls["qwen_icl"] = (f"{_GITHUB_RAW}/Qwen2.5-Eval/evaluation/examples.py",)
    return urls


SOURCE_URLS: dict[str, tuple[str, ...]] = _build_source_urls()
# Downloads that are converted to JSONL here, so that their bytes (and checksum) are ours, not the host's.
CONVERTED_SOURCES = frozenset({"arc_e", "arc_c", "math_train", "qwen_icl"})


def relpath_of(name: str) -> str:
    """Path of dataset ``name`` in a data folder, e.g. ``"math500" -> "benchmarks/math500/test.jsonl"``."""
    try:
        return RELPATHS[name]
    except KeyError:
        raise DataError(f"unknown dataset {name!r}; known: {', '.join(RELPATHS)}") from None


def benchmark_set(settings: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(averaged, extra) benchmark names of a config or an evaluation spec: its `benchmark_set`, else the paper's
    six math benchmarks (averaged) and ARC-E/C. The average of the averaged ones is a checkpoint's `math_average`,
    which picks the best checkpoint of a run; the extra ones are evaluated and reported beside it."""
    chosen = settings.get("benchmark_set") or PAPER_BENCHMARK_SET
    return tuple(chosen.get("averaged") or ()), tuple(chosen.get("extra") or ())


# Benchmarks other than the paper's (e.g. the testbed's task types, `benchmark_set` in the config) live at
# benchmarks/<name>/test.jsonl with one {"question", "answer"} object per line.
_BENCHMARK_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def benchmark_relpath(name: str) -> str:
    """Path of a benchmark in a data folder: the paper's own layout for its benchmarks, else
    ``benchmarks/<name>/test.jsonl``."""
    if name in ALL_BENCHMARKS:
        return RELPATHS[name]
    if not _BENCHMARK_NAME.match(name):
        raise DataError(f"benchmark name {name!r} may only contain lowercase letters, digits and '_'")
    return f"benchmarks/{name}/test.jsonl"

