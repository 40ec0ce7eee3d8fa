"""Build the miniature's stand-in base model: a small Qwen2-architecture causal LM with random weights.

The tokenizer is a byte-level BPE trained on the local training and benchmark text with the `tokenizers`
library, and carries a Qwen-style chat template with the Qwen2.5-Math default system message, so prompts,
stop tokens and chat formatting follow the same code path as the paper's model. Nothing is downloaded.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from oneshot_rlvr import data
from oneshot_rlvr.io import dir_mode
from oneshot_rlvr.prompts import QWEN_MATH_SYSTEM

END_OF_TEXT = "<|endoftext|>"
IM_START = "<|im_start|>"
IM_END = "<|im_end|>"
SPECIAL_TOKENS = [END_OF_TEXT, IM_START, IM_END]

# A Qwen-style template: the model's default system message is used when the conversation has none,
# as the Qwen2.5-Math tokenizer does (the paper's training prompts rely on this).
CHAT_TEMPLATE = (
    "{%- if messages[0]['role'] == 'system' -%}"
    "{{ '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}"
    "{%- set loop_messages = messages[1:] -%}"
    "{%- else -%}"
    "{{ '<|im_start|>system\\n" + QWEN_MATH_SYSTEM.replace("\\", "\\\\") + "<|im_end|>\\n' }}"
    "{%- set loop_messages = messages -%}"
    "{%- endif -%}"
    "{%- for message in loop_messages -%}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ '<|im_start|>assistant\\n' }}{%- endif -%}"
)


def corpus_from_data(data_dir: Path, max_rows: int) -> list[str]:
    """Text to train the tokenizer on: DSR-sub prompts, MATH solutions and benchmark questions."""
    texts: list[str] = []
    dsr = data.load_dsr_sub(data_dir)
    texts.extend(row["prompt"][0]["content"] for row in dsr.to_dict("records"))
    texts.extend(str(row["reward_model"]["ground_truth"]) for row in dsr.to_dict("records"))
    math_train = data.load_math_train(data_dir)
    texts.extend(row["prompt"][0]["content"] for row in math_train.head(max_rows).to_dict("records"))
    for name in data.ALL_BENCHMARKS:
        try:
            rows = data.load_benchmark(name, data_dir)
        except data.DataError:
            continue
        texts.extend(row["question"] for row in rows[:max_rows])
    texts.append(QWEN_MATH_SYSTEM)
    return texts


def train_tokenizer(texts: Iterable[str], vocab_size: int):
    """Byte-level BPE with the Qwen special tokens, wrapped as a transformers fast tokenizer."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        eos_token=END_OF_TEXT,
        pad_token=END_OF_TEXT,
        additional_special_tokens=[IM_START, IM_END],
    )
    fast.chat_template = CHAT_TEMPLATE
    fast.padding_side = "left"
    return fast


def warm_start_pairs(data_dir: Path, limit: int) -> list[tuple[list[dict[str, str]], str]]:
    """(chat prompt, short boxed answer) pairs from MATH train: teaches the answer format, not the test sets."""
    frame = data.load_math_train(data_dir)
    pairs = []
    for row in frame.to_dict("records"):
        answer = str(row["reward_model"]["ground_truth"]).strip()
        if answer and len(answer) <= 12:
            pairs.append((list(row["prompt"]), f"The final answer is \\boxed{{{answer}}}.{IM_END}"))
        if len(pairs) >= limit:
            break
    return pairs


def warm_start(model, tokenizer, data_dir: Path, settings: Mapping[str, Any]) -> None:
    """A short supervised warm start so the miniature's policy emits `\\boxed{}` answers (rewards vary).

    Loss is on the answer tokens only. With `warm_start_steps: 0` the model keeps its random weights.
    """
    import torch

    steps = int(settings.get("warm_start_steps", 0))
    if steps <= 0:
        return
    generator = torch.Generator().manual_seed(int(settings.get("seed", 0)))
    examples = []
    for prompt, answer in warm_start_pairs(data_dir, int(settings.get("tokenizer_corpus_rows", 3000))):
        prompt_ids = tokenizer.apply_chat_template(prompt, add_generation_prompt=True, tokenize=True)
        if hasattr(prompt_ids, "keys"):
            prompt_ids = prompt_ids["input_ids"]
        answer_ids = tokenizer(answer, add_special_tokens=False)["input_ids"]
        if len(prompt_ids) + len(answer_ids) <= 192:
            examples.append((list(prompt_ids), list(answer_ids)))
    if not examples:
        return
    optimizer = torch.optim.AdamW(model.parameters(), lr=float(settings.get("warm_start_lr", 3e-3)))
    pad = tokenizer.pad_token_id
    batch_size = 16
    model.train()
    for _ in range(steps):
        picks = torch.randint(len(examples), (batch_size,), generator=generator).tolist()
        batch = [examples[i] for i in picks]
        width = max(len(p) + len(a) for p, a in batch)
        input_ids = torch.full((batch_size, width), pad)
        labels = torch.full((batch_size, width), -100)
        attention = torch.zeros((batch_size, width), dtype=torch.long)
        for row, (prompt_ids, answer_ids) in enumerate(batch):
            ids = prompt_ids + answer_ids
            start = width - len(ids)  # left padding, as in generation
            input_ids[row, start:] = torch.tensor(ids)
            attention[row, start:] = 1
            labels[row, width - len(answer_ids) :] = torch.tensor(answer_ids)
        loss = model(input_ids=input_ids, attention_mask=attention, labels=labels).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad()
    model.eval()


def new_qwen2_model(tokenizer, settings: Mapping[str, Any], config_eos_is_list: bool):
    """A randomly initialised Qwen2 causal LM of the configured shape (tied embeddings) whose generation stops at
    <|im_end|> or <|endoftext|>; <|endoftext|> is its BOS and padding. The miniature's config.json names only
    <|endoftext|> as EOS (`config_eos_is_list=False`), the testbed's both. Shared by the miniature and the testbed."""
    from transformers import GenerationConfig, Qwen2Config, Qwen2ForCausalLM

    end_ids = [tokenizer.convert_tokens_to_ids(IM_END), tokenizer.convert_tokens_to_ids(END_OF_TEXT)]
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=int(settings["hidden_size"]),
        intermediate_size=int(settings["intermediate_size"]),
        num_hidden_layers=int(settings["num_hidden_layers"]),
        num_attention_heads=int(settings["num_attention_heads"]),
        num_key_value_heads=int(settings["num_key_value_heads"]),
        max_position_embeddings=int(settings["max_position_embeddings"]),
        tie_word_embeddings=True,
        bos_token_id=end_ids[1],
        eos_token_id=end_ids if config_eos_is_list else end_ids[1],
        pad_token_id=end_ids[1],
    )
    model = Qwen2ForCausalLM(config)
    model.generation_config = GenerationConfig(
        eos_token_id=end_ids, pad_token_id=end_ids[1], bos_token_id=end_ids[1], do_sample=False
    )
    return model


def build_tiny_model(out_dir: Path, data_dir: Path, settings: Mapping[str, Any]) -> Path:
    """Train the tokenizer, initialise the Qwen2 model with a fixed seed and save both atomically."""
    import torch

    torch.manual_seed(int(settings.get("seed", 0)))
    texts = corpus_from_data(Path(data_dir), int(settings.get("tokenizer_corpus_rows", 3000)))
    tokenizer = train_tokenizer(texts, int(settings["vocab_size"]))
    model = new_qwen2_model(tokenizer, settings, config_eos_is_list=False)
    warm_start(model, tokenizer, Path(data_dir), settings)
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        (staging / "tiny_model.json").write_text(json.dumps(dict(settings), indent=2, sort_keys=True))
        os.chmod(staging, dir_mode())  # mkdtemp makes it 0700; the published folder follows the umask
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(staging, out_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return out_dir
