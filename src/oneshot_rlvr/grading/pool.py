"""The killable worker pool: slow comparisons run in subprocesses that are killed when they pass the timeout.

sympy and math-verify can take minutes (or forever) on hostile answers and cannot be interrupted in-process,
so each slow pair goes to a worker process over private pipes; a worker past its deadline is killed, reaped and
replaced in the background. The workers are forked from one zygote per process (zygote.py), which loads the
graders once.
"""

from __future__ import annotations

import atexit
import os
import signal
import threading
import time
from multiprocessing.connection import Connection, wait
from typing import Any

from oneshot_rlvr.grading.zygote import Zygote

_WORKER_START_TIMEOUT_S = 120.0
#: Held while the pool runs (and by the verdict cache in dispatch.py): one grading batch at a time per process.
POOL_LOCK = threading.RLock()


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        pass
    return False


class _Worker:
    """One grading process forked by the zygote, talking over two private pipes; its pid comes with its ready
    message."""

    def __init__(self, zygote: Zygote) -> None:
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        try:
            zygote.fork_worker(to_child_r, from_child_w)
        except BaseException:
            for fd in (to_child_w, from_child_r):
                os.close(fd)
            raise
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        self.writer = Connection(to_child_w, readable=False)
        self.reader = Connection(from_child_r, writable=False)
        self.ready = False
        self.pid: int | None = None
        self.started = time.monotonic()

    def alive(self) -> bool:
        """Not known to have ended: a worker still starting counts as alive."""
        return self.pid is None or not _gone(self.pid)

    def take_ready(self) -> bool:
        """Consume the worker's ready message (call when ``reader`` is readable)."""
        try:
            message = self.reader.recv()
            self.ready = isinstance(message, tuple) and message[0] == "ready"
            if self.ready:
                self.pid = int(message[1])
        except (EOFError, OSError):
            self.ready = False
        return self.ready

    def wait_gone(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while self.pid is not None and not _gone(self.pid) and time.monotonic() < deadline:
            time.sleep(0.005)

    def kill(self) -> None:
        """Close the pipes and kill the process (one never ready exits on the closed pipes); returns once it has
        ended (the zygote reaps it)."""
        for conn in (self.writer, self.reader):
            try:
                conn.close()
            except Exception:
                pass
        try:
            if self.pid is not None:
                os.kill(self.pid, signal.SIGKILL)
        except OSError:
            return
        self.wait_gone(10)

    def stop(self) -> None:
        try:
            self.writer.send(None)
        except Exception:
            pass
        self.wait_gone(2)
        self.kill()


class _Pool:
    """The workers of one process; ``run`` schedules a batch of pairs over them under per-pair deadlines."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.workers: list[_Worker] = []
        self.zygote: Zygote | None = None

    def pids(self) -> list[int]:
        return [w.pid for w in self.workers if w.pid is not None and w.alive()]

    def start_worker(self) -> _Worker | None:
        """A new worker (starting: ready once its ready message is read), or None if none could be started."""
        for _ in range(2):  # a dead zygote is replaced once
            try:
                if self.zygote is None or not self.zygote.alive():
                    self.restart_zygote()
                worker = _Worker(self.zygote)
            except Exception:
                self.stop_zygote()
                continue
            self.workers.append(worker)
            return worker
        return None

    def restart_zygote(self) -> None:
        self.stop_zygote()
        self.zygote = Zygote()

    def stop_zygote(self) -> None:
        if self.zygote is not None:
            self.zygote.stop()
            self.zygote = None

    def drop(self, worker: _Worker) -> None:
        worker.kill()
        if worker in self.workers:
            self.workers.remove(worker)

    def run(self, tasks: list[tuple[str, str, str]], workers: int, timeout_s: float, on_done=None):
        """``(correct, timed_out)`` for each task, in order.  The timeout counts from when the task
        reaches a ready worker; killed workers are replaced in the background."""
        for worker in list(self.workers):
            if not worker.alive():
                self.drop(worker)
        return _Batch(self, tasks, max(1, min(workers, len(tasks))), timeout_s, on_done).run()

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.workers = []
        self.stop_zygote()


class _Batch:
    """One :meth:`_Pool.run`: the pairs still to send, the workers starting / idle / busy, each pair's outcome."""

    def __init__(self, pool: _Pool, tasks: list[tuple[str, str, str]], wanted: int, timeout_s: float, on_done):
        self.pool, self.tasks, self.wanted, self.timeout_s, self.on_done = pool, tasks, wanted, timeout_s, on_done
        self.results: list[tuple[bool, bool] | None] = [None] * len(tasks)
        self.idle = [w for w in pool.workers if w.ready]
        self.starting = {w.reader: w for w in pool.workers if not w.ready}
        while len(self.idle) + len(self.starting) < wanted:
            worker = pool.start_worker()
            if worker is None:
                break
            self.starting[worker.reader] = worker
        self.pending = list(range(len(tasks) - 1, -1, -1))
        self.busy: dict[Any, tuple[_Worker, int, float]] = {}
        self.start_failures = 0

    def run(self) -> list[tuple[bool, bool]]:
        while self.pending or self.busy:
            self._send_pending()
            if not self.busy and not self.starting:
                break  # no worker could be started: give up on the rest
            for conn in wait(list(self.busy) + list(self.starting), timeout=self._wait_s()):
                self._receive(conn)
            self._expire(time.monotonic())
            if self.start_failures > 3 * self.wanted + 3:
                break
        return [r if r is not None else (False, True) for r in self.results]

    def _finish(self, index: int, outcome: tuple[bool, bool]) -> None:
        self.results[index] = outcome
        if self.on_done is not None:
            self.on_done()

    def _replace(self, worker: _Worker) -> None:
        self.pool.drop(worker)
        if self.pending and len(self.idle) + len(self.starting) + len(self.busy) < self.wanted:
            fresh = self.pool.start_worker()
            if fresh is None:
                self.start_failures += 1
            else:
                self.starting[fresh.reader] = fresh

    def _send_pending(self) -> None:
        while self.pending and self.idle:
            worker = self.idle.pop()
            index = self.pending.pop()
            try:
                worker.writer.send(self.tasks[index])
            except Exception:
                self.pending.append(index)
                self._replace(worker)
                continue
            self.busy[worker.reader] = (worker, index, time.monotonic() + self.timeout_s)

    def _wait_s(self) -> float:
        """Seconds until the nearest pair deadline or worker start deadline."""
        deadlines = [deadline for _, _, deadline in self.busy.values()]
        deadlines += [w.started + _WORKER_START_TIMEOUT_S for w in self.starting.values()]
        return max(0.0, min(deadlines) - time.monotonic())

    def _receive(self, conn) -> None:
        """A starting worker's ready message, or a busy worker's verdict."""
        if conn in self.starting:
            worker = self.starting.pop(conn)
            if worker.take_ready():
                self.idle.append(worker)
            else:
                self.start_failures += 1
                self._replace(worker)
            return
        worker, index, _ = self.busy.pop(conn)
        try:
            self._finish(index, (bool(conn.recv()), False))
            self.idle.append(worker)
        except Exception:  # the worker died (e.g. out of memory): wrong, not a timeout
            self._finish(index, (False, False))
            self._replace(worker)

    def _expire(self, now: float) -> None:
        """Kill workers past a pair's deadline (the pair timed out) or past the start deadline."""
        for conn in [c for c, (_, _, deadline) in self.busy.items() if deadline <= now]:
            worker, index, _ = self.busy.pop(conn)
            self._finish(index, (False, True))
            self._replace(worker)
        for conn in [c for c, w in self.starting.items() if w.started + _WORKER_START_TIMEOUT_S <= now]:
            self.start_failures += 1
            self.pool.stop_zygote()  # stuck loading the graders: the next worker comes from a fresh one
            self._replace(self.starting.pop(conn))


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
