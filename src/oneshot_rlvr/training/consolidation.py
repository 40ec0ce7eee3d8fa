"""Every checkpoint holds a consolidated Hugging Face model that evaluation loads, whatever the training engine.

Single-process and DDP checkpoints get it from transformers' Trainer. Under FSDP with sharded state dicts (our
`workflow/accelerate/fsdp.yaml`, which keeps resuming cheap) the Trainer writes only the sharded files it
resumes from, so the trainer gathers the full state dict and saves it beside them (`gather_full_state_dict`).
Before the completion marker is written, `verify_hf_model` loads what evaluation will load (config, tokenizer,
generation config, every weight on the meta device), so a checkpoint evaluation cannot read is never marked
complete.
"""

from __future__ import annotations

import json
from pathlib import Path

from oneshot_rlvr.io import atomic_write_json
from oneshot_rlvr.training.checkpoints import safetensors_problem
from oneshot_rlvr.training.errors import TrainingError

# A tokenizer is defined by one of these (fast tokenizers: tokenizer.json).
TOKENIZER_FILES = ("tokenizer.json", "tokenizer.model", "vocab.json", "vocab.txt")


def gather_full_state_dict(model) -> dict:
    """The full (unsharded) state dict of an FSDP2 model, in its master dtype, on the CPU of rank 0 (empty on the
    other ranks). A collective: every rank must call it."""
    from torch.distributed.checkpoint.state_dict import StateDictOptions, get_model_state_dict

    return get_model_state_dict(model, options=StateDictOptions(full_state_dict=True, cpu_offload=True))


def record_bf16(checkpoint: Path) -> None:
    """Saved weights are fp32 master weights; the config says bf16 so evaluation loads them as the paper's base
    model is (Table 7 of the paper: an fp32 config changes evaluation)."""
    config_path = Path(checkpoint) / "config.json"
    if config_path.exists():
        config = json.loads(config_path.read_text())
        config["torch_dtype"] = "bfloat16"
        config["dtype"] = "bfloat16"
        atomic_write_json(config_path, config)


def verify_hf_model(folder: Path) -> None:
    """Raise TrainingError unless `folder` is a complete Hugging Face model: config, tokenizer, generation
    config, and every weight the architecture needs, with the right shapes (loaded on the meta device: no
    memory, no weights read beyond the headers), in safetensors files that are not truncated."""
    from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig

    folder = Path(folder)
    weights = sorted(folder.glob("*.safetensors"))
    if not weights:
        raise TrainingError(f"{folder}: no model weights (*.safetensors) to evaluate")
    for path in weights:
        problem = safetensors_problem(path)
        if problem:
            raise TrainingError(f"{path}: {problem}")
    # transformers builds a one-token tokenizer from a folder without tokenizer files instead of failing.
    if not any((folder / name).is_file() for name in TOKENIZER_FILES):
        raise TrainingError(f"{folder}: not a loadable model (no tokenizer file: one of {', '.join(TOKENIZER_FILES)})")
    try:
        tokenizer = AutoTokenizer.from_pretrained(folder)
        GenerationConfig.from_pretrained(folder)
        model, info = AutoModelForCausalLM.from_pretrained(folder, device_map="meta", output_loading_info=True)
    except (OSError, ValueError, KeyError) as error:
        raise TrainingError(f"{folder}: not a loadable model ({' '.join(str(error).split())[:300]})") from None
    problems = {key: sorted(map(str, values))[:5] for key, values in info.items() if values}
    if problems:
        raise TrainingError(f"{folder}: the saved model does not match its architecture: {problems}")
    if len(tokenizer) > model.config.vocab_size:
        raise TrainingError(f"{folder}: the tokenizer's {len(tokenizer)} tokens exceed the model's vocabulary")
