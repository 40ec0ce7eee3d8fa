"""The testbed's base model: a character-level tokenizer, a small Qwen2 model, and a supervised warm start on the
generated corpus with TRL's `SFTTrainer` (completion-only loss).

The tokenizer has one token per printable ASCII character and the Qwen chat tokens, and a chat template that renders
a user turn exactly as the `testbed` prompt template of `prompts.py`, so training (TRL applies the chat template)
and evaluation (`prompts.eval_prompt`) feed the model the same text. The template keeps the Qwen turn tokens but
not the system message and role headers, which would add 90 characters to every prompt of a character-level model.
The warm start gives the base what 1-shot RLVR can improve (docs/testbed.md): it writes `\\boxed{}` in a minority of
its answers, and it answers most problems in one step although it also knows how to work them in steps.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from oneshot_rlvr.io import read_jsonl
from oneshot_rlvr.prompts import eval_prompt
from oneshot_rlvr.testbed.tasks import STYLE_MARKERS
from oneshot_rlvr.tiny_model import END_OF_TEXT, IM_END, IM_START, new_qwen2_model

UNKNOWN = "<|unk|>"
SPECIAL_TOKENS = [END_OF_TEXT, IM_START, IM_END, UNKNOWN]
CHARACTERS = ["\n", *[chr(code) for code in range(32, 127)]]
# Every message as <|im_start|>content<|im_end|>, and no header for the assistant's turn: the model answers right
# after the question's <|im_end|> and ends its answer with <|im_end|>. For [user q] this is the `testbed` prompt
# template of prompts.py (the Qwen layout's role headers would add 19 characters to every prompt).
CHAT_TEMPLATE = "{%- for message in messages -%}{{ '<|im_start|>' + message['content'] + '<|im_end|>' }}{%- endfor -%}"
WARM_START_FILE = "testbed/warm_start.jsonl"
# The prompt template (prompts.EVAL_TEMPLATES) that the chat template reproduces.
TEMPLATE = "testbed"
MODEL_INFO_FILE = "testbed_model.json"


def char_tokenizer():
    """A transformers fast tokenizer with one token per character (printable ASCII and newline)."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {token: number for number, token in enumerate([*SPECIAL_TOKENS, *CHARACTERS])}
    tokenizer = Tokenizer(models.WordLevel(vocab=vocab, unk_token=UNKNOWN))
    tokenizer.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")
    tokenizer.decoder = decoders.Fuse()
    tokenizer.add_special_tokens(SPECIAL_TOKENS)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        eos_token=END_OF_TEXT,
        pad_token=END_OF_TEXT,
        unk_token=UNKNOWN,
        additional_special_tokens=[IM_START, IM_END],
    )
    fast.chat_template = CHAT_TEMPLATE
    fast.padding_side = "left"
    return fast


def new_model(tokenizer, settings: Mapping[str, Any]):
    """A randomly initialised Qwen2 causal LM of the configured shape (tied embeddings)."""
    return new_qwen2_model(tokenizer, settings, config_eos_is_list=True)


def warm_start_records(data_dir: Path) -> list[dict[str, Any]]:
    """The warm-start corpus (`testbed/warm_start.jsonl`): question, response and `style_in_loss` (default true) of
    every example."""
    path = Path(data_dir) / WARM_START_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path}: warm-start corpus not found (rule generate_testbed_data writes it)")
    records = []
    for number, row in enumerate(read_jsonl(path), start=1):
        if not isinstance(row.get("question"), str) or not isinstance(row.get("response"), str):
            raise ValueError(f"{path}:{number}: a warm-start row needs string fields 'question' and 'response'")
        in_loss = row.get("style_in_loss", True)
        if not isinstance(in_loss, bool):
            raise ValueError(f"{path}:{number}: 'style_in_loss' must be true or false")
        records.append({"question": row["question"], "response": row["response"], "style_in_loss": in_loss})
    if not records:
        raise ValueError(f"{path}: warm-start corpus is empty")
    return records


def tokenized_examples(records: list[dict[str, Any]], tokenizer) -> dict[str, list[list[int]]]:
    """`input_ids` and `labels` (-100 on the prompt) of each example: the prompt is the `testbed` evaluation prompt
    of the question (the chat template renders the same text), the completion the response and `<|im_end|>`; the
    style marker (the response's first characters) is also -100 where `style_in_loss` is false.
    Tokenized here in one batch call (TRL's per-example chat-template pass costs minutes on this corpus)."""
    prompts = tokenizer([eval_prompt(r["question"], TEMPLATE) for r in records], add_special_tokens=False)
    completions = tokenizer([r["response"] + IM_END for r in records], add_special_tokens=False)
    marker = len(STYLE_MARKERS["steps"])
    input_ids, labels = [], []
    for record, prompt, completion in zip(records, prompts["input_ids"], completions["input_ids"], strict=True):
        input_ids.append(prompt + completion)
        skipped = 0 if record.get("style_in_loss", True) else marker
        labels.append([-100] * (len(prompt) + skipped) + completion[skipped:])
    return {"input_ids": input_ids, "labels": labels}


def warm_start(model, tokenizer, records: list[dict[str, str]], settings: Mapping[str, Any], work_dir: Path) -> dict:
    """Supervised warm start with TRL's SFTTrainer: loss on the completion tokens (the response and `<|im_end|>`),
    AdamW with a cosine schedule over `warm_start_steps` steps. Returns the training loss."""
    import torch
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    steps = int(settings["warm_start_steps"])
    args = SFTConfig(
        output_dir=str(work_dir),
        max_steps=steps,
        per_device_train_batch_size=int(settings["warm_start_batch_size"]),
        learning_rate=float(settings["warm_start_lr"]),
        lr_scheduler_type="cosine",
        warmup_steps=int(settings["warm_start_warmup_steps"]),
        weight_decay=0.0,
        max_grad_norm=1.0,
        seed=int(settings["seed"]),
        data_seed=int(settings["seed"]),
        max_length=None,
        logging_steps=max(steps // 10, 1),
        save_strategy="no",
        report_to=[],
        use_cpu=not torch.cuda.is_available(),
        dataloader_num_workers=0,
    )
    dataset = Dataset.from_dict(tokenized_examples(records, tokenizer))
    trainer = SFTTrainer(model=model, args=args, train_dataset=dataset, processing_class=tokenizer)
    result = trainer.train()
    losses = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
    return {"train_loss": result.training_loss, "final_logged_loss": losses[-1] if losses else None}


def build_testbed_model(out_dir: Path, data_dir: Path, settings: Mapping[str, Any]) -> Path:
    """Build the tokenizer and model, warm-start it on the data folder's corpus, and save both atomically."""
    import torch

    torch.manual_seed(int(settings["seed"]))
    tokenizer = char_tokenizer()
    model = new_model(tokenizer, settings)
    records = warm_start_records(Path(data_dir))
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        summary = warm_start(model, tokenizer, records, settings, staging / "sft")
        shutil.rmtree(staging / "sft", ignore_errors=True)
        model.eval()
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        info = {
            "settings": dict(settings),
            "parameters": sum(p.numel() for p in model.parameters()),
            "warm_start_examples": len(records),
            **summary,
        }
        (staging / MODEL_INFO_FILE).write_text(json.dumps(info, indent=2, sort_keys=True) + "\n")
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(staging, out_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return out_dir
