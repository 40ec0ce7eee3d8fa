"""The training set: verl-format parquet to TRL records, with verl's prompt-length filter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from oneshot_rlvr.training.errors import TrainingError


def load_training_records(dataset_path: Path) -> list[dict[str, Any]]:
    """verl-format parquet -> TRL records: conversational prompt, answer label, DSR-sub index."""
    import pandas as pd

    path = Path(dataset_path)
    if not path.is_file():
        raise TrainingError(f"training dataset {path} does not exist")
    try:
        frame = pd.read_parquet(path)
    except (OSError, ValueError) as error:
        raise TrainingError(f"{path}: not a readable parquet file ({' '.join(str(error).split())[:200]})") from None
    missing = {"prompt", "reward_model", "extra_info"} - set(frame.columns)
    if missing:
        raise TrainingError(f"{path}: training dataset is missing column(s) {sorted(missing)}")
    if frame.empty:
        raise TrainingError(f"{path}: training dataset is empty")
    records = []
    for row_number, row in enumerate(frame.to_dict("records")):
        try:
            prompt = [{"role": str(m["role"]), "content": str(m["content"])} for m in row["prompt"]]
            records.append(
                {
                    "prompt": prompt,
                    "answer": str(row["reward_model"]["ground_truth"]),
                    "index": int(row["extra_info"]["index"]),
                }
            )
        except (KeyError, TypeError, ValueError) as error:
            raise TrainingError(f"{path}: row {row_number} is malformed ({error})") from None
    return records


def filter_long_prompts(records: list[dict[str, Any]], tokenizer, max_prompt_length: int) -> list[dict[str, Any]]:
    """Drop prompts whose chat-templated length exceeds the limit, as verl's dataset does."""
    kept = []
    for record in records:
        ids = tokenizer.apply_chat_template(record["prompt"], add_generation_prompt=True, tokenize=True)
        if hasattr(ids, "keys"):
            ids = ids["input_ids"]
        if len(ids) <= max_prompt_length:
            kept.append(record)
    return kept
