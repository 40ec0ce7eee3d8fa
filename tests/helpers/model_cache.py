"""The session's tiny model kept between test sessions, so the edit loop does not retrain it every time.

The builder (`oneshot_rlvr.tiny_model.build_tiny_model`, a 30-step warm start) costs about 35 CPU-s; its output
depends only on the settings, the builder's source (tiny_model.py, prompts.py, the data loaders), the data files,
the library versions and the umask (the folder's mode). A hash of all of those names the cache entry; a change of
any builds a fresh one. Entries are published by renaming a finished folder into place, so concurrent sessions
(two worktrees, xdist workers) never see half a model; a lock file per entry makes one of them build while the
others wait (and should two build anyway, the second discards its copy). Tests get a copy of
the entry in their session's temporary folder, so nothing a test does can change the cache.

Where: $ONESHOT_RLVR_TEST_CACHE, else $XDG_CACHE_HOME/oneshot-rlvr/tests, else ~/.cache/oneshot-rlvr/tests;
ONESHOT_RLVR_TEST_CACHE=off builds in the session's folder as before (what a clean CI run does anyway once).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import platform
import shutil
import tempfile
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import oneshot_rlvr
from oneshot_rlvr import io as oio
from oneshot_rlvr import tiny_model

PACKAGE = Path(oneshot_rlvr.__file__).resolve().parent
# The builder and what shapes its output: the corpus and warm-start pairs come from the data loaders.
BUILDER_SOURCES = ("tiny_model.py", "prompts.py", "data/*.py")
LIBRARIES = ("torch", "transformers", "tokenizers", "safetensors", "numpy")
ENTRY_FILES = ("config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tiny_model.json")


def cache_root() -> Path | None:
    """The folder of cached test artefacts, or None when caching is off."""
    configured = os.environ.get("ONESHOT_RLVR_TEST_CACHE", "")
    if configured.lower() == "off":
        return None
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "oneshot-rlvr" / "tests"


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


def tiny_model_key(data_dir: Path, settings: Mapping[str, Any]) -> str:
    """A hash of everything the built model depends on."""
    digest = hashlib.sha256()

    def add(label: str, value: str | bytes) -> None:
        digest.update(label.encode() + b"\0")
        digest.update(value if isinstance(value, bytes) else value.encode())
        digest.update(b"\0")

    add("settings", json.dumps(dict(settings), sort_keys=True))
    for pattern in BUILDER_SOURCES:
        for path in sorted(PACKAGE.glob(pattern)):
            add(str(path.relative_to(PACKAGE)), path.read_bytes())
    for path in sorted(p for p in Path(data_dir).rglob("*") if p.is_file()):
        stat = path.stat()
        add(str(path.relative_to(data_dir)), f"{stat.st_size}:{stat.st_mtime_ns}")
    for name in LIBRARIES:
        add(name, _version(name))
    add("python", platform.python_version())
    add("umask", oct(oio.current_umask()))
    return digest.hexdigest()[:20]


def _complete(entry: Path) -> bool:
    return all((entry / name).is_file() for name in ENTRY_FILES)


def _build_and_publish(entry: Path, data_dir: Path, settings: Mapping[str, Any]) -> None:
    staging = Path(tempfile.mkdtemp(prefix=".building-", dir=entry.parent))
    try:
        built = tiny_model.build_tiny_model(staging / "model", data_dir, settings)
        if entry.exists() and not _complete(entry):  # damaged by hand: set aside (removed with staging)
            try:
                entry.rename(staging / "stale")
            except OSError:
                pass
        try:
            built.rename(entry)
            oio.fsync_dir(entry.parent)
        except OSError:  # published meanwhile by a session that could not lock (no flock there): as good
            if not _complete(entry):
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def cached_tiny_model(out_dir: Path, data_dir: Path, settings: Mapping[str, Any]) -> Path:
    """The tiny model of `settings` at `out_dir`: copied from the cache, built there first when missing."""
    root = cache_root()
    if root is None:
        return tiny_model.build_tiny_model(out_dir, data_dir, settings)
    entry = root / f"tiny-model-{tiny_model_key(data_dir, settings)}"
    if not _complete(entry):
        root.mkdir(parents=True, exist_ok=True)
        with open(root / f"{entry.name}.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # sessions starting together: one builds, the others wait for it
            if not _complete(entry):
                _build_and_publish(entry, data_dir, settings)
    shutil.copytree(entry, out_dir)
    return Path(out_dir)
