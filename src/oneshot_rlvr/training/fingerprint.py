"""Which trajectory a checkpoint folder belongs to: checkpoints of other data or settings are set aside.

Called only once the run's inputs are known to be valid and its lock is held, so a typo in `--dataset` or a
second trainer never moves a valid run's checkpoints.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from oneshot_rlvr.io import atomic_write_json
from oneshot_rlvr.specs import spec_hash
from oneshot_rlvr.training.errors import TrainingError

# Settings that do not change what the first N steps compute: a run may resume across changes to these.
_RESUMABLE_KEYS = ("max_steps", "save_steps", "runtime_min", "mem_mb", "gpus", "distributed", "report_to", "run")
RUN_FINGERPRINT_FILE = "run_fingerprint.json"


def trajectory_fingerprint(spec: Mapping[str, Any], dataset_path: Path) -> str:
    """Hash of everything that shapes the training trajectory: settings, model and training-set content."""
    path = Path(dataset_path)
    if not path.is_file():
        raise TrainingError(f"training dataset {path} does not exist")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    settings = {key: value for key, value in spec.items() if key not in _RESUMABLE_KEYS}
    return spec_hash({"settings": settings, "dataset_sha256": digest})


def set_aside_stale_checkpoints(checkpoint_dir: Path, fingerprint: str) -> Path | None:
    """Checkpoints of a different trajectory (changed data or settings) are moved aside, not resumed from.

    Nothing is deleted: the old folder is renamed `<dir>.stale-<its fingerprint>`.
    """
    checkpoint_dir = Path(checkpoint_dir)
    marker = checkpoint_dir / RUN_FINGERPRINT_FILE
    moved = None
    if checkpoint_dir.exists() and any(checkpoint_dir.glob("checkpoint-*")):
        previous = _recorded_fingerprint(marker)
        if previous != fingerprint:
            moved = checkpoint_dir.with_name(f"{checkpoint_dir.name}.stale-{previous}")
            if moved.exists():
                shutil.rmtree(moved)
            checkpoint_dir.rename(moved)
            print(f"checkpoints in {checkpoint_dir} belong to other settings or data; moved to {moved}", flush=True)
    checkpoint_dir.mkdir(parents=True, exist_ok=True)
    if _recorded_fingerprint(marker) != fingerprint:
        atomic_write_json(marker, {"fingerprint": fingerprint})
    return moved


def _recorded_fingerprint(marker: Path) -> str:
    try:
        return str(json.loads(marker.read_text())["fingerprint"])
    except (OSError, ValueError, KeyError, TypeError):
        return "unknown"
