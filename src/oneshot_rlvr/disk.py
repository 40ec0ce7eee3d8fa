"""Disk use of a target's training runs, before they run (`oneshot-rlvr plan`).

A run's checkpoint folder holds, at its largest (the end of training, before evaluation): the model weights of
every saved checkpoint (fp32 master weights, 4 bytes a parameter; evaluation loads each) and one resume state
(AdamW's two fp32 moments, 8 bytes a parameter, plus FSDP's sharded fp32 copy of the model under multi-GPU FSDP),
which only the newest complete checkpoint keeps. With `training.keep_checkpoints: false` each checkpoint's weights
go once it is evaluated, leaving the newest checkpoint and its resume state per run. Tokenizer, history and log
files are kilobytes and left out.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from oneshot_rlvr import config as cfg
from oneshot_rlvr import paths

WEIGHT_BYTES = 4  # fp32 master weights (training.grpo_config.POLICY_DTYPE), saved as they are trained
ADAM_BYTES = 8  # AdamW's exp_avg and exp_avg_sq, fp32
SHARDED_MODEL_BYTES = 4  # FSDP's SHARDED_STATE_DICT copy of the fp32 model, beside the consolidated one

# Parameters of the paper's hub models, from each model's config.json (Qwen2 and Llama architectures: embeddings,
# attention with q/k/v biases for Qwen2, MLP, norms; the Qwen2.5 and Llama 3.2 models tie the output layer to
# the embeddings, R1-Distill-Qwen-1.5B and Qwen2.5-Math-7B do not).
HUB_PARAMETERS = {
    "Qwen/Qwen2.5-Math-1.5B": 1_543_714_304,
    "Qwen/Qwen2.5-1.5B": 1_543_714_304,
    "Qwen/Qwen2.5-Math-1.5B-Instruct": 1_543_714_304,
    "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B": 1_777_088_000,
    "Qwen/Qwen2.5-Math-7B": 7_615_616_512,
    "meta-llama/Llama-3.2-3B-Instruct": 3_212_749_824,
}


def qwen2_parameters(
    vocab: int, hidden: int, intermediate: int, layers: int, heads: int, kv_heads: int, tied: bool
) -> int:
    """Parameters of a Qwen2-architecture model (the miniature's tiny model before it is built)."""
    kv = hidden // heads * kv_heads
    attention = (hidden * hidden + hidden) + 2 * (hidden * kv + kv) + hidden * hidden
    per_layer = attention + 3 * hidden * intermediate + 2 * hidden
    return vocab * hidden * (1 if tied else 2) + layers * per_layer + hidden


def safetensors_parameters(folder: Path) -> int | None:
    """Parameters stored in a model folder's safetensors files (headers only), or None without any."""
    total, found = 0, False
    for path in sorted(Path(folder).glob("*.safetensors")):
        with open(path, "rb") as handle:
            header = json.loads(handle.read(int.from_bytes(handle.read(8), "little")))
        total += sum(math.prod(entry["shape"]) for key, entry in header.items() if key != "__metadata__")
        found = True
    return total if found else None


def model_parameters(config: Mapping[str, Any], model: Mapping[str, Any]) -> int | None:
    """A model's parameter count: counted in its folder when it is local, from HUB_PARAMETERS for the paper's
    hub models, from the tiny_model settings for the tiny model not built yet; None when unknown."""
    path = str(model["path"])
    if Path(path).is_dir():
        counted = safetensors_parameters(Path(path))
        if counted is not None:
            return counted
    if path in HUB_PARAMETERS:
        return HUB_PARAMETERS[path]
    if model.get("build"):
        tiny = config["tiny_model"]
        return qwen2_parameters(
            tiny["vocab_size"],
            tiny["hidden_size"],
            tiny["intermediate_size"],
            tiny["num_hidden_layers"],
            tiny["num_attention_heads"],
            tiny["num_key_value_heads"],
            tied=True,
        )
    return None


@dataclass(frozen=True)
class RunDisk:
    """One training run's expected disk use, in bytes (None where the model's size is unknown)."""

    run: str
    model: str
    parameters: int | None
    checkpoints: int
    peak: int | None  # every checkpoint's weights and one resume state
    kept: int | None  # after evaluation with keep_checkpoints: false (the newest checkpoint, its resume state)
    keep_checkpoints: bool


def run_disk(config: Mapping[str, Any], run: str) -> RunDisk:
    spec = cfg.training_spec(config, run)
    parameters = model_parameters(config, spec["model"])
    checkpoints = len(cfg.saved_steps(spec))
    keep = cfg.keeps_checkpoints(config, run)
    if parameters is None:
        return RunDisk(run, spec["model"]["path"], None, checkpoints, None, None, keep)
    sharded = spec["gpus"] > 1 and spec["distributed"] in ("fsdp", "zero3")
    resume = parameters * (ADAM_BYTES + (SHARDED_MODEL_BYTES if sharded else 0))
    weights = parameters * WEIGHT_BYTES
    return RunDisk(
        run, spec["model"]["path"], parameters, checkpoints, weights * checkpoints + resume, weights + resume, keep
    )


def human_bytes(value: int | None) -> str:
    if value is None:
        return "?"
    for unit, size in (("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if value >= size:
            return f"{value / size:.1f} {unit}"
    return f"{value} B"


def plan_lines(target: str, runs: list[RunDisk]) -> list[str]:
    """The table `oneshot-rlvr plan` prints: one line per run, then the target's total."""
    header = f"{'run':<28} {'parameters':>14} {'checkpoints':>11} {'peak':>10} {'after evaluation':>16}"
    lines = [f"{target}: {len(runs)} training runs (fp32 weights in every checkpoint, AdamW state in the newest)"]
    lines.append(header)
    for run in runs:
        after = human_bytes(run.peak if run.keep_checkpoints else run.kept)
        parameters = f"{run.parameters:,}" if run.parameters is not None else f"? ({run.model})"
        lines.append(f"{run.run:<28} {parameters:>14} {run.checkpoints:>11} {human_bytes(run.peak):>10} {after:>16}")
    known = [run for run in runs if run.peak is not None]
    peak = sum(run.peak for run in known)
    after = sum(run.peak if run.keep_checkpoints else run.kept for run in known)
    lines.append(f"{'total':<28} {'':>14} {sum(r.checkpoints for r in runs):>11} {human_bytes(peak):>10} "
                 f"{human_bytes(after):>16}")  # fmt: skip
    if len(known) < len(runs):
        lines.append(f"{len(runs) - len(known)} run(s) of a model of unknown size are left out of the total")
    lines.append(
        "peak: every checkpoint's weights and one optimizer state per run (all of a run's checkpoints exist when "
        "its evaluation starts); after evaluation: what training.keep_checkpoints leaves (false: the newest "
        "checkpoint per run)"
    )
    return lines


def target_runs(target: str, config: Mapping[str, Any]) -> list[str]:
    """The training runs a Snakemake target needs, as Snakemake's own DAG says (`snakemake --summary`, with the
    resolved config in a temporary config file, from the repository root)."""
    with tempfile.TemporaryDirectory() as folder:
        configfile = Path(folder) / "config.yaml"
        configfile.write_text(yaml.safe_dump(dict(config), sort_keys=False))
        command = [sys.executable, "-m", "snakemake", target, "--summary", "--nolock", "--configfile", str(configfile)]
        done = subprocess.run(command, cwd=cfg.REPO_ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = [line for line in (done.stderr or done.stdout).splitlines() if line.strip()]
        raise ValueError(f"snakemake {target} --summary failed: {lines[-1] if lines else 'no output'}")
    summary_paths = (line.split("\t", 1)[0] for line in done.stdout.splitlines() if "\t" in line)
    return list(dict.fromkeys(run for path in summary_paths if (run := paths.run_of_train_done(path))))
