"""The killable worker pool: slow comparisons run in subprocesses that are killed when they pass the timeout.

sympy and math-verify can take minutes (or forever) on hostile answers and cannot be interrupted in-process,
so each slow pair goes to a fresh interpreter over private pipes (independent of the caller's ``__main__``,
threads and torch/CUDA state); a worker past its deadline is killed, reaped and replaced in the background.
"""

from __future__ import annotations

import atexit
import logging
import os
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from oneshot_rlvr.grading.equivalence import pair_equal

_WORKER_START_TIMEOUT_S = 120.0
#: Held while the pool runs (and by the verdict cache in dispatch.py): one grading batch at a time per process.
POOL_LOCK = threading.RLock()

_WORKER_CODE = (
    "import sys; from oneshot_rlvr.grading.pool import worker_main; worker_main(int(sys.argv[1]), int(sys.argv[2]))"
)


def worker_main(read_fd: int, write_fd: int) -> None:  # pragma: no cover - runs in child processes
    """Entry point of a grading worker: reads ``(pred, gold, mode)`` tuples, answers booleans."""
    parent = os.getppid()

    def _watchdog() -> None:  # exit when the parent dies without closing the pipe
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=_watchdog, daemon=True).start()
    reader, writer = Connection(read_fd, writable=False), Connection(write_fd, readable=False)
    try:
        # Load the slow graders' libraries once, before the first (timed) pair; the parent never loads them.
        import latex2sympy2_extended  # noqa: F401
        import math_verify  # noqa: F401
        import sympy  # noqa: F401

        logging.getLogger("math_verify").setLevel(logging.ERROR)
        writer.send(("ready", os.getpid()))
        while True:
            message = reader.recv()
            if message is None:
                return
            pred, gold, mode = message
            try:
                result = bool(pair_equal(pred, gold, mode, allow_slow=True))
            except BaseException:
                result = False
            writer.send(result)
    except (KeyboardInterrupt, EOFError, OSError):
        return


class _Worker:
    """One grading subprocess (a fresh interpreter: independent of the caller's ``__main__``,
    its threads and torch/CUDA state), talking over two private pipes."""

    def __init__(self) -> None:
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        env = dict(os.environ)
        src_dir = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = src_dir + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        env.setdefault("OMP_NUM_THREADS", "1")
        quiet = not os.environ.get("ONESHOT_RLVR_GRADER_DEBUG")
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _WORKER_CODE, str(to_child_r), str(from_child_w)],
                pass_fds=(to_child_r, from_child_w),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL if quiet else None,
                stderr=subprocess.DEVNULL if quiet else None,
                env=env,
                close_fds=True,
            )
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        self.writer = Connection(to_child_w, readable=False)
        self.reader = Connection(from_child_r, writable=False)
        self.ready = False
        self.started = time.monotonic()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def take_ready(self) -> bool:
        """Consume the worker's ready message (call when ``reader`` is readable)."""
        try:
            message = self.reader.recv()
            self.ready = isinstance(message, tuple) and message[0] == "ready"
        except (EOFError, OSError):
            self.ready = False
        return self.ready

    def kill(self) -> None:
        for conn in (self.writer, self.reader):
            try:
                conn.close()
            except Exception:
                pass
        try:
            self.proc.kill()
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except Exception:
            pass

    def stop(self) -> None:
        try:
            self.writer.send(None)
            self.proc.wait(timeout=2)
        except Exception:
            pass
        self.kill()


class _Pool:
    """The workers of one process; ``run`` schedules a batch of pairs over them under per-pair deadlines."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.workers: list[_Worker] = []

    def pids(self) -> list[int]:
        return [w.pid for w in self.workers if w.alive()]

    def _start(self) -> _Worker | None:
        try:
            worker = _Worker()
        except Exception:
            return None
        self.workers.append(worker)
        return worker

    def _drop(self, worker: _Worker) -> None:
        worker.kill()
        if worker in self.workers:
            self.workers.remove(worker)

    def run(self, tasks: list[tuple[str, str, str]], workers: int, timeout_s: float, on_done=None):
        """``(correct, timed_out)`` for each task, in order.  The timeout counts from when the task
        reaches a ready worker; killed workers are replaced in the background."""
        results: list[tuple[bool, bool] | None] = [None] * len(tasks)
        wanted = max(1, min(workers, len(tasks)))
        for worker in list(self.workers):
            if not worker.alive():
                self._drop(worker)
        idle = [w for w in self.workers if w.ready]
        starting = {w.reader: w for w in self.workers if not w.ready}
        while len(idle) + len(starting) < wanted:
            worker = self._start()
            if worker is None:
                break
            starting[worker.reader] = worker
        pending = list(range(len(tasks) - 1, -1, -1))
        busy: dict[Any, tuple[_Worker, int, float]] = {}
        start_failures = 0

        def finish(index: int, outcome: tuple[bool, bool]) -> None:
            results[index] = outcome
            if on_done is not None:
                on_done()

        def replace(worker: _Worker) -> None:
            nonlocal start_failures
            self._drop(worker)
            if pending and len(idle) + len(starting) + len(busy) < wanted:
                fresh = self._start()
                if fresh is None:
                    start_failures += 1
                else:
                    starting[fresh.reader] = fresh

        while pending or busy:
            while pending and idle:
                worker = idle.pop()
                index = pending.pop()
                try:
                    worker.writer.send(tasks[index])
                except Exception:
                    pending.append(index)
                    replace(worker)
                    continue
                busy[worker.reader] = (worker, index, time.monotonic() + timeout_s)
            if not busy and not starting:
                break  # no worker could be started: give up on the rest
            now = time.monotonic()
            deadlines = [deadline for _, _, deadline in busy.values()]
            deadlines += [w.started + _WORKER_START_TIMEOUT_S for w in starting.values()]
            wait_for = max(0.0, min(deadlines) - now)
            for conn in wait(list(busy) + list(starting), timeout=wait_for):
                if conn in starting:
                    worker = starting.pop(conn)
                    if worker.take_ready():
                        idle.append(worker)
                    else:
                        start_failures += 1
                        replace(worker)
                    continue
                worker, index, _ = busy.pop(conn)
                try:
                    finish(index, (bool(conn.recv()), False))
                    idle.append(worker)
                except Exception:  # the worker died (e.g. out of memory): wrong, not a timeout
                    finish(index, (False, False))
                    replace(worker)
            now = time.monotonic()
            for conn in [c for c, (_, _, deadline) in busy.items() if deadline <= now]:
                worker, index, _ = busy.pop(conn)
                finish(index, (False, True))
                replace(worker)
            for conn in [c for c, w in starting.items() if w.started + _WORKER_START_TIMEOUT_S <= now]:
                start_failures += 1
                replace(starting.pop(conn))
            if start_failures > 3 * wanted + 3:
                break
        return [r if r is not None else (False, True) for r in results]

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.workers = []


_POOL: _Pool | None = None


def get_pool() -> _Pool:
    """This process's pool (call with POOL_LOCK held)."""
    global _POOL
    if _POOL is None or _POOL.pid != os.getpid():
        _POOL = _Pool()  # a forked child never touches its parent's workers
    return _POOL


def shutdown_pool() -> None:
    """Stop the grading worker processes (they are restarted lazily on the next slow comparison)."""
    global _POOL
    with POOL_LOCK:
        if _POOL is not None and _POOL.pid == os.getpid():
            _POOL.close()
        _POOL = None


def worker_pids() -> list[int]:
    """Process ids of the live grading workers (for diagnostics and tests)."""
    with POOL_LOCK:
        if _POOL is None or _POOL.pid != os.getpid():
            return []
        return _POOL.pids()


atexit.register(shutdown_pool)
