"""One trainer per run: an exclusive lock on the run's checkpoint folder, held while training.

The lock is `flock` on `<checkpoints>.lock`, a file beside the folder (so it survives the folder being set
aside). The kernel releases it when the holder exits, however it dies, so the lock of a dead trainer never
blocks the next one. The file records the holder (pid, host, start time) for the message a second trainer
prints. On filesystems without `flock` (some Lustre mounts) an exclusively created lock file carries the same
record; it counts as stale when its holder is a dead process on this host, or when its heartbeat (refreshed at
every training step) is older than `stale_after_s`.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
import time
from pathlib import Path
from typing import Any

from oneshot_rlvr.training.errors import TrainingError

LOCK_SUFFIX = ".lock"
# Errors by which a filesystem says it has no flock.
_NO_FLOCK = {errno.ENOLCK, errno.ENOSYS, errno.EOPNOTSUPP, errno.EINVAL}


def lock_path(checkpoint_dir: Path) -> Path:
    checkpoint_dir = Path(checkpoint_dir)
    return checkpoint_dir.with_name(checkpoint_dir.name + LOCK_SUFFIX)


class RunLock:
    """Exclusive lock on a run's checkpoint folder (context manager); a busy folder raises TrainingError."""

    def __init__(self, checkpoint_dir: Path, stale_after_s: float = 3600.0):
        self.checkpoint_dir = Path(checkpoint_dir)
        self.path = lock_path(self.checkpoint_dir)
        self.stale_after_s = stale_after_s
        self._fd: int | None = None
        self._exclusive_file = False

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise self._busy(_read_holder(self.path)) from None
        except OSError as error:
            os.close(fd)
            if error.errno not in _NO_FLOCK:
                raise
            self._acquire_exclusive_file()
            return
        self._fd = fd
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(_holder()).encode())

    def _acquire_exclusive_file(self) -> None:
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            except FileExistsError:
                holder = _read_holder(self.path)
                if not self._stale(holder):
                    raise self._busy(holder) from None
                print(f"{self.path}: taking over the stale lock of {_describe(holder)}", flush=True)
                self.path.unlink(missing_ok=True)
                continue
            with os.fdopen(fd, "w") as handle:
                handle.write(json.dumps(_holder()))
            self._exclusive_file = True
            return
        raise self._busy(_read_holder(self.path))

    def _stale(self, holder: dict[str, Any]) -> bool:
        if holder.get("host") == socket.gethostname() and isinstance(holder.get("pid"), int):
            return not _alive(holder["pid"])
        try:
            age = time.time() - self.path.stat().st_mtime
        except OSError:
            return True
        return age > self.stale_after_s

    def heartbeat(self) -> None:
        """Mark the lock as alive (what a stale exclusive lock file is judged by)."""
        try:
            os.utime(self.path)
        except OSError:
            pass

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
        if self._exclusive_file:
            self.path.unlink(missing_ok=True)
            self._exclusive_file = False

    def _busy(self, holder: dict[str, Any]) -> TrainingError:
        return TrainingError(
            f"{self.checkpoint_dir} is in use by another trainer ({_describe(holder)}; lock {self.path}); "
            "wait for it to finish or stop it, then run again"
        )


def _holder() -> dict[str, Any]:
    return {"pid": os.getpid(), "host": socket.gethostname(), "since": time.strftime("%Y-%m-%d %H:%M:%S")}


def _read_holder(path: Path) -> dict[str, Any]:
    try:
        holder = json.loads(Path(path).read_text() or "{}")
    except (OSError, ValueError):
        return {}
    return holder if isinstance(holder, dict) else {}


def _describe(holder: dict[str, Any]) -> str:
    if not holder:
        return "holder unknown"
    return f"pid {holder.get('pid', '?')} on host {holder.get('host', '?')} since {holder.get('since', '?')}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
