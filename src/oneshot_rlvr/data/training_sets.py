"""Training data: verl-format parquet files (DSR-sub, the authors' pi files), MATH train in the same format, the
training-accuracy history that ranks the examples, and verl rows flattened for the trainer."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from oneshot_rlvr.data.benchmarks import boxed_answer, field, read_jsonl_rows
from oneshot_rlvr.data.sources import INSTRUCTION_SUFFIX, VERL_COLUMNS, DataError, relpath_of

if TYPE_CHECKING:  # pandas is 0.7 s of a command-line start: the functions that read or build frames import it
    import pandas as pd


def load_verl_parquet(path: Path) -> pd.DataFrame:
    """A verl-format parquet file (DSR-sub or the authors' pi / merge files), with its columns validated."""
    import pandas as pd
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for a bad file
        raise DataError(f"{path}: not a readable parquet file: {exc}") from exc
    missing = [column for column in VERL_COLUMNS if column not in frame.columns]
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(missing)} (verl needs {list(VERL_COLUMNS)})")
    if frame.empty:
        raise DataError(f"{path}: dataset is empty")
    return frame


def load_dsr_sub(data_dir: Path) -> pd.DataFrame:
    """DSR-sub (``dsr_sub/dsr_sub.parquet``) as a verl-format DataFrame (1209 rows in the paper's copy)."""
    return load_verl_parquet(Path(data_dir) / relpath_of("dsr_sub"))


def load_math_train(data_dir: Path) -> pd.DataFrame:
    """Hendrycks MATH train converted to DSR-sub's verl format.

    prompt = ``[{"role": "user", "content": problem + INSTRUCTION_SUFFIX}]``, reward_model =
    ``{"style": "rule", "ground_truth": last boxed answer of the solution}``, extra_info =
    ``{"index": i, "split": "train"}`` with i the row position, data_source "math_train", ability "math".
    Two solutions of the 7500 (number_theory 7115 and 7117) end in an empty ``\\boxed{}``; they are kept
    with an empty ground truth (row positions stay aligned with the file); filter on it where that matters.
    """
    import pandas as pd
    path = Path(data_dir) / relpath_of("math_train")
    records = []
    for line, row in read_jsonl_rows(path):
        problem = str(field(row, "problem", path, line))
        solution = str(field(row, "solution", path, line))
        gold = boxed_answer(solution)
        if gold is None:
            raise DataError(f"{path}:{line}: no \\boxed{{}} answer in field 'solution'")
        records.append(
            {
                "data_source": "math_train",
                "prompt": [{"role": "user", "content": problem + INSTRUCTION_SUFFIX}],
                "ability": "math",
                "reward_model": {"style": "rule", "ground_truth": gold},
                "extra_info": {"index": len(records), "split": "train"},
            }
        )
    if not records:
        raise DataError(f"{path}: dataset is empty")
    return pd.DataFrame.from_records(records, columns=list(VERL_COLUMNS))


# History keys are DSR-sub indices written as canonical integers ("7", never "007", "7.0" or "+7").
_HISTORY_KEY = re.compile(r"^-?(0|[1-9][0-9]{0,17})$")


def load_history(path: Path) -> dict[str, list[float]]:
    """The training-accuracy history (``acc_step_500.json``): DSR-sub index -> per-step accuracies.

    Key order is the file's (insertion) order, which the std ranking uses to break ties. Keys must be canonical
    integers (so "7" and "007" cannot both stand for example 7) and every accuracy a number in [0, 1]; an empty
    list is kept here (nothing to score: `selection.rank_examples` refuses it).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found")

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise DataError(f"{path}: duplicate key {key!r}")
            out[key] = value
        return out

    try:
        data = json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=no_duplicates)
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: invalid JSON: {exc}") from exc
    except (ValueError, RecursionError) as exc:  # an integer past Python's digit limit, nesting past the stack
        raise DataError(f"{path}: invalid JSON: {' '.join(str(exc).split())[:200]}") from None
    if not isinstance(data, dict):
        raise DataError(f"{path}: expected a JSON object mapping index -> list of accuracies")
    if not data:
        raise DataError(f"{path}: history is empty")
    history: dict[str, list[float]] = {}
    for key, values in data.items():
        if not _HISTORY_KEY.match(key):
            raise DataError(f"{path}: key {key[:40]!r}: not a DSR-sub index (a canonical integer such as '7')")
        if not isinstance(values, list):
            raise DataError(f"{path}: key {key!r}: expected a list of numbers, got {type(values).__name__}")
        for position, value in enumerate(values):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise DataError(f"{path}: key {key!r}, entry {position}: not a finite number: {value!r}")
            if isinstance(value, float) and not math.isfinite(value):
                raise DataError(f"{path}: key {key!r}, entry {position}: not a finite number: {value!r}")
            if not 0 <= value <= 1:  # compared exactly: a 400-digit integer must not reach float()
                shown = repr(value) if len(repr(value)) <= 40 else f"{repr(value)[:20]}... ({len(repr(value))} chars)"
                raise DataError(f"{path}: key {key!r}, entry {position}: accuracy {shown} is outside [0, 1]")
        history[key] = [float(value) for value in values]
    return history


def _plain_messages(prompt: Any, row: int) -> list[dict]:
    if isinstance(prompt, str) or not hasattr(prompt, "__iter__"):
        raise DataError(f"row {row}: 'prompt' must be a list of chat messages, got {type(prompt).__name__}")
    messages = []
    for message in prompt:
        if not isinstance(message, Mapping) or "role" not in message or "content" not in message:
            raise DataError(f"row {row}: each prompt message needs 'role' and 'content'")
        messages.append({"role": str(message["role"]), "content": str(message["content"])})
    if not messages:
        raise DataError(f"row {row}: empty prompt")
    return messages


def verl_rows_to_records(df: pd.DataFrame) -> list[dict]:
    """Flatten verl rows to ``{"prompt": [messages], "answer": ground_truth, "index": extra_info.index}``."""
    missing = [column for column in ("prompt", "reward_model", "extra_info") if column not in df.columns]
    if missing:
        raise DataError(f"missing column(s) {', '.join(missing)}")
    records = []
    for row, (prompt, reward, extra) in enumerate(zip(df["prompt"], df["reward_model"], df["extra_info"], strict=True)):
        if not isinstance(reward, Mapping) or reward.get("ground_truth") is None:
            raise DataError(f"row {row}: missing reward_model.ground_truth")
        if not isinstance(extra, Mapping) or extra.get("index") is None:
            raise DataError(f"row {row}: missing extra_info.index")
        records.append(
            {
                "prompt": _plain_messages(prompt, row),
                "answer": str(reward["ground_truth"]),
                "index": _example_index(extra["index"], row),
            }
        )
    return records


def _example_index(value: Any, row: int) -> int:
    """extra_info.index as an int; 1.5 or "7a" is refused, not truncated to another example's index."""
    try:
        index = int(value)
        exact = float(value) == index if not isinstance(value, str) else str(index) == value.strip()
    except (TypeError, ValueError, OverflowError):
        exact = False
    if isinstance(value, bool) or not exact:
        raise DataError(f"row {row}: extra_info.index {str(value)[:40]!r} is not an integer")
    return index
