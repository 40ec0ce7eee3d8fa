"""Checksums: the SHA-256 the package records for every reference data file, and a data folder's lock file of
the files it trusts on first use (converted downloads)."""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path

from oneshot_rlvr.data.sources import DataError
from oneshot_rlvr.io import atomic_write_text

LOCK_FILENAME = "checksums.lock.json"


def known_checksums() -> dict[str, str]:
    """The SHA-256 of every file of the reference data folder, keyed by relpath (resources/checksums.json)."""
    text = resources.files("oneshot_rlvr").joinpath("resources/checksums.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_lock(folder: Path | None) -> dict[str, str]:
    if folder is None:
        return {}
    path = Path(folder) / LOCK_FILENAME
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DataError(f"{path}: unreadable checksum lock file: {exc}") from exc
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise DataError(f"{path}: checksum lock file must map relpaths to hex SHA-256 strings")
    return data


def write_lock_entry(folder: Path, relpath: str, digest: str) -> None:
    lock = read_lock(folder)
    lock[relpath] = digest
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(folder / LOCK_FILENAME, json.dumps(dict(sorted(lock.items())), indent=2) + "\n")

