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


def prompt_length(prompt: list[dict[str, str]], tokenizer) -> int:
    """Tokens of the chat-templated prompt with the generation prompt, as training feeds it to the model."""
    return prompt_lengths([prompt], tokenizer)[0]


def prompt_lengths(prompts: list[list[dict[str, str]]], tokenizer) -> list[int]:
    """prompt_length of each prompt, each distinct prompt templated and tokenized once, all in one batch: a 1-shot
    set is one prompt 128 times, and one call per row of a 7,500-row set costs seconds of the job's start."""
    keys = [tuple((message["role"], message["content"]) for message in prompt) for prompt in prompts]
    distinct = list(dict.fromkeys(keys))
    if not distinct:
        return []
    conversations = [[{"role": role, "content": content} for role, content in key] for key in distinct]
    encoded = tokenizer.apply_chat_template(conversations, add_generation_prompt=True, tokenize=True)
    ids = encoded["input_ids"] if hasattr(encoded, "keys") else encoded
    length = {key: len(row) for key, row in zip(distinct, ids, strict=True)}
    return [length[key] for key in keys]


def filter_long_prompts(records: list[dict[str, Any]], tokenizer, max_prompt_length: int) -> list[dict[str, Any]]:
    """Drop prompts whose chat-templated length exceeds the limit, as verl's dataset does.

    When none fits, the error names the shortest prompt's length, so the limit to configure is plain.
    """
    lengths = prompt_lengths([record["prompt"] for record in records], tokenizer)
    kept = [record for record, length in zip(records, lengths, strict=True) if length <= max_prompt_length]
    if records and not kept:
        raise TrainingError(
            f"no prompt fits max_prompt_length={max_prompt_length} (the shortest is {min(lengths)} tokens); "
            "raise training.max_prompt_length"
        )
    return kept
