"""What produced a number: the manifest written into every metrics.json and printed by `oneshot-rlvr manifest`.

Package versions, Python, the device (CUDA and GPU name, or CPU), the project's git commit and whether its tree had
uncommitted changes, seeds, the resolved config hash, the grader, SHA-256 of every data file read and the wall time.
Anything that cannot be determined (no git checkout, no torch) reads "unknown" rather than failing the evaluation.
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

UNKNOWN = "unknown"
# The distributions whose versions decide a number (vllm and others absent here read "not installed").
PACKAGES = ("torch", "transformers", "trl", "vllm", "accelerate", "snakemake", "sympy", "math-verify", "numpy")
# Keys of a manifest, in the order `oneshot-rlvr manifest` prints them.
FIELDS = (
    "packages",
    "python",
    "device",
    "git_commit",
    "git_dirty",
    "seeds",
    "config_hash",
    "grader",
    "data_checksums",
    "wall_time_s",
)


class ManifestError(ValueError):
    """A metrics file without a readable manifest; the message names the file."""


def package_versions(names: Iterable[str] = PACKAGES) -> dict[str, str]:
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def device_description() -> dict[str, Any]:
    """CUDA version and GPU names when torch sees a GPU, else the CPU; torch is imported only if installed."""
    cpu = {"kind": "cpu", "name": platform.processor() or platform.machine() or UNKNOWN, "cuda": None}
    try:
        import torch
    except ImportError:
        return cpu
    if not torch.cuda.is_available():
        return cpu
    names = [torch.cuda.get_device_name(index) for index in range(torch.cuda.device_count())]
    return {"kind": "cuda", "name": ", ".join(sorted(set(names))), "count": len(names), "cuda": torch.version.cuda}


def _git(args: list[str], folder: Path) -> str | None:
    try:
        completed = subprocess.run(
            ["git", "-C", str(folder), *args], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return completed.stdout.strip() if completed.returncode == 0 else None


def git_state(folder: Path | None = None) -> tuple[str, bool | str]:
    """(commit, dirty) of the checkout holding the package's source (the code that ran), or ("unknown",
    "unknown") outside a git checkout (an installed wheel). Dirty: uncommitted changes to tracked files."""
    folder = Path(folder) if folder is not None else Path(__file__).resolve().parent
    commit = _git(["rev-parse", "HEAD"], folder)
    if not commit:
        return UNKNOWN, UNKNOWN
    status = _git(["status", "--porcelain", "--untracked-files=no"], folder)
    return commit, UNKNOWN if status is None else bool(status)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def data_checksums(files: Mapping[str, Path]) -> dict[str, str]:
    """name -> SHA-256 of each data file ("missing" for one that is not there)."""
    return {name: file_sha256(Path(path)) if Path(path).is_file() else "missing" for name, path in files.items()}


def build_manifest(
    *,
    config_hash: str,
    grader: str,
    seeds: Mapping[str, Any],
    data_files: Mapping[str, Path],
    wall_time_s: float,
    source: Path | None = None,
) -> dict[str, Any]:
    commit, dirty = git_state(source)
    return {
        "packages": package_versions(),
        "python": platform.python_version(),
        "device": device_description(),
        "git_commit": commit,
        "git_dirty": dirty,
        "seeds": dict(seeds),
        "config_hash": config_hash,
        "grader": grader,
        "data_checksums": data_checksums(data_files),
        "wall_time_s": wall_time_s,
    }


def training_seed(model_path: str) -> int | str:
    """The training seed of a checkpoint results/runs/<run>/checkpoints/checkpoint-<step>, from its run's
    train_done.json; "unknown" for a model that is no such checkpoint (a base model: not trained)."""
    done = Path(model_path).parent.parent / "train_done.json"
    if Path(model_path).parent.name != "checkpoints" or not done.is_file():
        return UNKNOWN
    try:
        seed = json.loads(done.read_text()).get("seed")
    except (OSError, ValueError, AttributeError):
        return UNKNOWN
    return seed if isinstance(seed, int) and not isinstance(seed, bool) else UNKNOWN


def read_manifest(metrics_path: Path) -> dict[str, Any]:
    """The manifest of a metrics.json (every step's, for a run index steps.json)."""
    try:
        metrics = json.loads(Path(metrics_path).read_text())
    except FileNotFoundError:
        raise ManifestError(f"metrics file {metrics_path} does not exist") from None
    except (OSError, ValueError) as error:
        raise ManifestError(f"metrics file {metrics_path} is not readable JSON ({str(error)[:120]})") from None
    manifest = metrics.get("manifest") if isinstance(metrics, dict) else None
    if not isinstance(manifest, dict):
        raise ManifestError(
            f"metrics file {metrics_path} has no 'manifest' (written by evaluations since manifests were added; "
            "re-run the evaluation to record one)"
        )
    return manifest


def format_manifest(manifest: Mapping[str, Any], title: str = "") -> str:
    """Human-readable lines, one per field (nested fields indented)."""
    lines = [title] if title else []
    keys = [*[k for k in FIELDS if k in manifest], *[k for k in manifest if k not in FIELDS]]
    for key in keys:
        value = manifest[key]
        if isinstance(value, Mapping):
            lines.append(f"{key}:")
            lines += [f"  {name}: {item}" for name, item in value.items()]
        else:
            lines.append(f"{key}: {value}")
    return "\n".join(lines)


def table_columns(manifest: Mapping[str, Any] | None) -> dict[str, Any]:
    """The manifest fields a table row's CSV carries (the full manifest: `oneshot-rlvr manifest <metrics_file>`)."""
    manifest = manifest if isinstance(manifest, Mapping) else {}
    packages = manifest.get("packages") if isinstance(manifest.get("packages"), Mapping) else {}
    device = manifest.get("device") or {}
    return {
        "git_commit": manifest.get("git_commit", ""),
        "git_dirty": manifest.get("git_dirty", ""),
        "eval_config_hash": manifest.get("config_hash", ""),
        "torch": packages.get("torch", ""),
        "transformers": packages.get("transformers", ""),
        "trl": packages.get("trl", ""),
        "vllm": packages.get("vllm", ""),
        "device": device.get("name", "") if isinstance(device, Mapping) else "",
    }
