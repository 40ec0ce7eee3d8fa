"""Atomic, durable file writes: a crash never leaves a half-written output behind.

Every output is written to a temporary file beside it, flushed to disk (fsync), given the permissions a plain
`open(path, "w")` would give under the process umask (temporary files are created 0600), renamed into place, and
the folder is synced so the rename itself survives a power loss.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process umask, read without changing it where the OS allows (Linux: /proc/self/status)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _UMASK_LOCK:  # elsewhere: set and restore (not atomic for other threads, hence the lock)
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode a newly created file gets from `open()`: 0666 less the umask."""
    return 0o666 & ~current_umask()


def dir_mode() -> int:
    """The mode a newly created folder gets from `mkdir()`: 0777 less the umask."""
    return 0o777 & ~current_umask()


def fsync_dir(folder: Path) -> None:
    """Make a rename or creation inside `folder` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def commit(tmp: Path | str, path: Path | str) -> None:
    """Move a finished temporary file into place: fsync it, give it the umask's mode, rename, fsync the folder."""
    tmp, path = Path(tmp), Path(path)
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(tmp, file_mode())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def make_parents(path: Path) -> list[Path]:
    """Create the missing parent folders of `path`; return those created (outermost first), so a caller that
    then fails can remove them again with `remove_empty`."""
    created: list[Path] = []
    folder = Path(path).parent
    while not folder.exists():
        created.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    created.reverse()
    for folder in created:
        folder.mkdir(exist_ok=True)
    return created


def remove_empty(folders: Iterable[Path]) -> None:
    """Remove the given folders, innermost first, where they are (still) empty."""
    for folder in sorted(folders, key=lambda p: len(Path(p).parts), reverse=True):
        try:
            Path(folder).rmdir()
        except OSError:
            pass


def atomic_write_text(path: Path, text: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        commit(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_json(path: Path, payload: Any) -> None:
    atomic_write_text(path, json.dumps(payload, indent=2, sort_keys=False) + "\n")


def atomic_write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    atomic_write_text(path, "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))


def iter_jsonl(path: Path, error: type[Exception] = ValueError) -> Iterator[tuple[int, dict[str, Any]]]:
    """(1-based line number, object) for each non-blank line of a JSONL file; a malformed line raises `error`
    naming the file and line. The one JSONL reader of the package."""
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as problem:
                raise error(f"{path}:{number}: malformed JSON line ({problem.msg})") from None
            if not isinstance(row, dict):
                raise error(f"{path}:{number}: expected a JSON object, got {type(row).__name__}")
            yield number, row


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Rows of a JSONL file; a malformed line raises ValueError naming the file and line."""
    return [row for _, row in iter_jsonl(path)]


def atomic_write_bytes_from(path: Path, writer, suffix: str | None = None) -> None:
    """Let `writer(tmp_path)` produce the file (the temporary file ends in `suffix`, default the path's own), then
    move it into place; anything `writer` raises leaves the path as it was."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix if suffix is None else suffix
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    try:
        writer(tmp)
        commit(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
