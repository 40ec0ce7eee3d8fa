"""Checkpoint folders: which are complete, the completion marker and what it vouches for, damage and fallback.

A checkpoint counts as complete only once its marker is written, and the marker is written last: after the
model, optimizer, history and training log, each of them fsync'd, so a crash or power loss never leaves a
marked checkpoint whose files are not on disk. The marker lists every file of the checkpoint with its size; a
marked checkpoint whose files no longer match (truncated, deleted, unreadable) is damaged, and resuming falls
back to the newest checkpoint that is not.

Disk: only the newest complete checkpoint keeps what resuming alone reads (optimizer, scheduler and RNG state,
FSDP's sharded copies); older ones keep their model weights for evaluation, and with
`training.keep_checkpoints: false` lose those too once their evaluation is written. Either removal is first
noted in the checkpoint's removal log, then done, so a crash in between leaves stray files, never a checkpoint
that looks damaged; the marker itself is never rewritten (its mtime is part of what identifies the evaluated
model).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path
from typing import Any

from oneshot_rlvr.io import atomic_write_json
from oneshot_rlvr.training.history import HISTORY_FILE

COMPLETE_MARKER = "oneshot_rlvr_complete.json"
# Damaged checkpoints are renamed with this prefix: out of every `checkpoint-*` glob, kept for inspection.
DAMAGED_PREFIX = "damaged-"
_CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")
# What only resuming reads (names of a checkpoint's entries, files or folders): transformers' optimizer, scheduler,
# loss-scaler and per-process RNG state, FSDP's sharded model and optimizer, DeepSpeed's global_step<N> folder.
RESUME_STATE = (
    "optimizer*",  # optimizer.pt; FSDP's optimizer.bin (full) or optimizer_0/ (sharded)
    "scheduler.pt",
    "scaler.pt",
    "rng_state*.pth",
    "pytorch_model_fsdp*",  # FSDP's own copy of the model (pytorch_model_fsdp_0/ or .bin), beside the consolidated one
    "global_step*",  # DeepSpeed
)
# The consolidated Hugging Face weights evaluation loads.
MODEL_WEIGHTS = ("*.safetensors", "model.safetensors.index.json", "pytorch_model*.bin")
# One JSON line per removal ({"removed": "resume_state" | "weights", "names": [...]}). Not a `.json` file: the
# evaluation fingerprint hashes the model folder's *.json, and a removal must not change what was evaluated.
REMOVAL_LOG = "oneshot_rlvr_removed.jsonl"


def complete_checkpoints(output_dir: Path) -> list[tuple[int, Path]]:
    """Checkpoints that finished saving (they carry our marker), oldest first."""
    found = []
    for child in Path(output_dir).glob("checkpoint-*"):
        match = _CHECKPOINT.match(child.name)
        if match and (child / COMPLETE_MARKER).exists():
            found.append((int(match.group(1)), child))
    return sorted(found)


def remove_partial_checkpoints(output_dir: Path) -> list[Path]:
    """Delete checkpoint folders a kill left half-written (no completion marker)."""
    removed = []
    for child in Path(output_dir).glob("checkpoint-*"):
        if _CHECKPOINT.match(child.name) and not (child / COMPLETE_MARKER).exists():
            shutil.rmtree(child, ignore_errors=True)
            removed.append(child)
    return removed


# ---- durable writes ----


def fsync_path(path: Path) -> None:
    """Flush a file's data, or a folder's entries, to stable storage."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def file_manifest(checkpoint: Path) -> dict[str, int]:
    """Every file of a checkpoint (recursively, marker excluded) with its size in bytes."""
    return {
        str(path.relative_to(checkpoint)): path.stat().st_size
        for path in sorted(Path(checkpoint).rglob("*"))
        if path.is_file() and path.name != COMPLETE_MARKER
    }


def write_complete_marker(checkpoint: Path, step: int) -> None:
    """fsync every file and folder of the checkpoint, then durably write the marker that vouches for them."""
    checkpoint = Path(checkpoint)
    manifest = file_manifest(checkpoint)
    for name in manifest:
        fsync_path(checkpoint / name)
    for folder in sorted({(checkpoint / name).parent for name in manifest} | {checkpoint}, reverse=True):
        fsync_path(folder)
    atomic_write_json(checkpoint / COMPLETE_MARKER, {"step": step, "time": time.time(), "files": manifest})
    fsync_path(checkpoint.parent)


# ---- damage and fallback ----


def checkpoint_damage(checkpoint: Path, step: int) -> str | None:
    """Why a completion-marked checkpoint cannot be resumed from (one phrase), or None when it can."""
    checkpoint = Path(checkpoint)
    marker = _read_json(checkpoint / COMPLETE_MARKER)
    if not isinstance(marker, dict) or marker.get("step") != step:
        return f"its marker {COMPLETE_MARKER} is unreadable or names another step"
    removed = removals(checkpoint)
    if removed.get("weights"):
        return "its model weights were deleted once it was evaluated (training.keep_checkpoints: false)"
    gone = {name for names in removed.values() for name in names}
    for name, size in (marker.get("files") or {}).items():
        if Path(name).parts[0] in gone:
            continue
        path = checkpoint / name
        if not path.is_file():
            return f"{name} is missing"
        if path.stat().st_size != size:
            return f"{name} has {path.stat().st_size} bytes, the marker recorded {size}"
    if not isinstance(_read_json(checkpoint / HISTORY_FILE), dict):
        return f"{HISTORY_FILE} is unreadable"
    state = _read_json(checkpoint / "trainer_state.json")
    if not isinstance(state, dict) or state.get("global_step") != step:
        return "trainer_state.json is unreadable or names another step"
    for weights in checkpoint.glob("*.safetensors"):
        problem = safetensors_problem(weights)
        if problem:
            return f"{weights.name}: {problem}"
    return None


def safetensors_problem(path: Path) -> str | None:
    """A cheap integrity check of a safetensors file: its header parses and its tensors end at the file's end."""
    size = path.stat().st_size
    try:
        with open(path, "rb") as handle:
            header_len = int.from_bytes(handle.read(8), "little")
            if header_len <= 0 or 8 + header_len > size:
                return "truncated header"
            header = json.loads(handle.read(header_len))
    except (OSError, ValueError):
        return "unreadable header"
    ends = [entry["data_offsets"][1] for key, entry in header.items() if key != "__metadata__"]
    if 8 + header_len + max(ends, default=0) != size:
        return f"{size} bytes, the header describes {8 + header_len + max(ends, default=0)}"
    return None


def _read_json(path: Path) -> Any:
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None


def newest_usable_checkpoint(checkpoint_dir: Path) -> tuple[int, Path] | None:
    """The newest complete checkpoint that is not damaged; damaged newer ones are renamed `damaged-checkpoint-N`
    (one log line each) so that neither resume nor the next save meets them again."""
    for step, checkpoint in reversed(complete_checkpoints(checkpoint_dir)):
        reason = checkpoint_damage(checkpoint, step)
        if reason is None:
            return step, checkpoint
        aside = checkpoint.with_name(f"{DAMAGED_PREFIX}{checkpoint.name}")
        suffix = 1
        while aside.exists():
            suffix += 1
            aside = checkpoint.with_name(f"{DAMAGED_PREFIX}{checkpoint.name}.{suffix}")
        checkpoint.rename(aside)
        print(f"{checkpoint} is damaged ({reason}); moved to {aside.name}, resuming from an earlier one", flush=True)
    return None


# ---- disk: what older checkpoints keep ----


def removals(checkpoint: Path) -> dict[str, list[str]]:
    """What was removed from a checkpoint on purpose, by kind ("resume_state", "weights"): entry names."""
    found: dict[str, list[str]] = {}
    try:
        lines = (Path(checkpoint) / REMOVAL_LOG).read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        try:
            entry = json.loads(line)
            found.setdefault(str(entry["removed"]), []).extend(str(name) for name in entry["names"])
        except (ValueError, KeyError, TypeError):
            continue  # a line cut short by a crash: its files are still there, or go on the next removal
    return found


def removed_file_stats(folder: Path) -> dict[str, tuple[int, int]]:
    """Size and mtime (ns) of every file removed on purpose from a checkpoint folder, by name (what the evaluation
    fingerprint read when the file was there); empty for any other folder."""
    stats: dict[str, tuple[int, int]] = {}
    try:
        lines = (Path(folder) / REMOVAL_LOG).read_text().splitlines()
    except OSError:
        return stats
    for line in lines:
        try:
            for name, (size, mtime) in json.loads(line).get("files", {}).items():
                stats[str(name)] = (int(size), int(mtime))
        except (ValueError, TypeError, AttributeError):
            continue
    return stats


def has_resume_state(checkpoint: Path) -> bool:
    """Whether a checkpoint still holds the optimizer state a resume continues from."""
    return bool(_entries(Path(checkpoint), ("optimizer*", "global_step*")))


def prune_resume_state(checkpoint_dir: Path) -> list[Path]:
    """Delete the optimizer, scheduler and RNG state of every complete checkpoint but the newest, once the newest
    is complete and undamaged (resuming reads only the newest); model weights stay. Returns the pruned folders."""
    complete = complete_checkpoints(checkpoint_dir)
    if len(complete) < 2 or checkpoint_damage(complete[-1][1], complete[-1][0]) is not None:
        return []
    return [checkpoint for _, checkpoint in complete[:-1] if _remove_entries(checkpoint, RESUME_STATE, "resume_state")]


def release_weights(checkpoint: Path) -> list[str]:
    """Delete an evaluated checkpoint's model weights (`training.keep_checkpoints: false`). Only a complete
    checkpoint that is not the newest of its run is touched: the newest is what a resume or a longer run starts
    from, and a base model or any other folder is never a training checkpoint. Returns the names deleted."""
    checkpoint = Path(checkpoint)
    match = _CHECKPOINT.match(checkpoint.name)
    if not match or not (checkpoint / COMPLETE_MARKER).exists():
        return []
    complete = complete_checkpoints(checkpoint.parent)
    if not complete or complete[-1][0] == int(match.group(1)):
        return []
    return _remove_entries(checkpoint, MODEL_WEIGHTS, "weights")


def _entries(checkpoint: Path, patterns: tuple[str, ...]) -> list[Path]:
    return sorted({path for pattern in patterns for path in checkpoint.glob(pattern)})


def _remove_entries(checkpoint: Path, patterns: tuple[str, ...], kind: str) -> list[str]:
    """Note the matching entries in the removal log (durably), then delete them."""
    entries = _entries(checkpoint, patterns)
    if not entries:
        return []
    names = [entry.name for entry in entries]
    # Each removed file's size and mtime, so that the evaluation fingerprint of the model folder stays what it was
    # and a finished evaluation is still recognised (removed_file_stats).
    stats = {entry.name: [entry.stat().st_size, entry.stat().st_mtime_ns] for entry in entries if entry.is_file()}
    with open(checkpoint / REMOVAL_LOG, "a") as handle:
        handle.write(json.dumps({"removed": kind, "names": names, "files": stats, "time": time.time()}) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    for entry in entries:
        if entry.is_dir():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    fsync_path(checkpoint)
    return names
