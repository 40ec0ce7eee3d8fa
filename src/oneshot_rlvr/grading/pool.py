"""The killable worker pool: slow comparisons run in subprocesses that are killed when they pass the timeout.

sympy and math-verify can take minutes (or forever) on hostile answers and cannot be interrupted in-process,
so each slow pair goes to a worker process over private pipes; a worker past its deadline is killed, reaped and
replaced in the background. The workers are forked from one "zygote" per process: a fresh interpreter
(independent of the caller's ``__main__``, threads and torch/CUDA state) that loads and warms the graders once.
So a pool of two costs one import of sympy and math-verify (about 0.9 CPU-s), not one per worker, and a worker
killed on a timeout is replaced in milliseconds.
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from oneshot_rlvr.grading.equivalence import GRADER_MODES, pair_equal

_WORKER_START_TIMEOUT_S = 120.0
#: Held while the pool runs (and by the verdict cache in dispatch.py): one grading batch at a time per process.
POOL_LOCK = threading.RLock()

_ZYGOTE_CODE = "import sys; from oneshot_rlvr.grading.pool import zygote_main; zygote_main(int(sys.argv[1]))"


def _load_graders() -> None:  # pragma: no cover - runs in the zygote
    """Load the slow graders' libraries, then grade one untimed pair per mode: the parsers' first use costs
    ~0.25 s of CPU (latex2sympy builds its ANTLR parser lazily), which would otherwise eat the timeout of whichever
    pair came first. The parent never loads them."""
    import latex2sympy2_extended  # noqa: F401
    import math_verify  # noqa: F401
    import sympy  # noqa: F401

    logging.getLogger("math_verify").setLevel(logging.ERROR)
    for mode in GRADER_MODES:
        pair_equal("\\frac{x}{2}", "y", mode, allow_slow=True)


def zygote_main(control_fd: int) -> None:  # pragma: no cover - runs in a child process
    """Entry point of the zygote: loads the graders, then forks one worker per request (a message on the control
    socket carrying the worker's two pipe ends). Exits when the parent closes the socket or dies."""
    signal.signal(signal.SIGCHLD, _reap)  # exited workers are reaped at once: no zombies
    control = socket.socket(fileno=control_fd)
    try:
        _load_graders()
    except BaseException:
        return
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 16, 2)
        except (OSError, KeyboardInterrupt):
            return
        if not message:
            return  # the parent closed the socket, or died
        if len(fds) == 2:
            zygote = os.getpid()
            if os.fork() == 0:
                try:
                    control.close()
                    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                    _serve(fds[0], fds[1], zygote)
                finally:
                    os._exit(0)
        for fd in fds:
            os.close(fd)


def _reap(*_: Any) -> None:  # pragma: no cover - the zygote's SIGCHLD handler
    """Wait for every exited worker (waited for, not ignored: their CPU time counts in the parent's rusage)."""
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _serve(read_fd: int, write_fd: int, zygote: int) -> None:  # pragma: no cover - runs in worker processes
    """A grading worker: reads ``(pred, gold, mode)`` tuples, answers booleans."""

    def _watchdog() -> None:  # exit when the zygote ends (it ends with the parent) without the pipe closing
        while True:
            time.sleep(1.0)
            if os.getppid() != zygote:
                os._exit(0)

    threading.Thread(target=_watchdog, daemon=True).start()
    reader, writer = Connection(read_fd, writable=False), Connection(write_fd, readable=False)
    try:
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


class _Zygote:
    """The process the workers are forked from: a fresh interpreter with the graders loaded."""

    def __init__(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        env = dict(os.environ)
        src_dir = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = src_dir + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        env.setdefault("OMP_NUM_THREADS", "1")
        quiet = not os.environ.get("ONESHOT_RLVR_GRADER_DEBUG")
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _ZYGOTE_CODE, str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL if quiet else None,
                stderr=subprocess.DEVNULL if quiet else None,
                env=env,
                close_fds=True,
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        self.control = ours

    def alive(self) -> bool:
        return self.proc.poll() is None

    def fork_worker(self, read_fd: int, write_fd: int) -> None:
        """Ask for a worker on these pipe ends (the zygote forks it once its graders are loaded)."""
        socket.send_fds(self.control, [b"w"], [read_fd, write_fd])

    def stop(self) -> None:
        try:
            self.control.close()  # the zygote exits on the closed socket
            self.proc.wait(timeout=5)
        except Exception:
            pass
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class _Worker:
    """One grading process forked by the zygote, talking over two private pipes; its pid comes with its ready
    message."""

    def __init__(self, zygote: _Zygote) -> None:
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

    def kill(self) -> None:
        """Close the pipes and kill the process; returns once it has ended (the zygote reaps it)."""
        for conn in (self.writer, self.reader):
            try:
                conn.close()
            except Exception:
                pass
        if self.pid is None:
            return  # never ready: it exits on the closed pipes
        try:
            os.kill(self.pid, signal.SIGKILL)
        except OSError:
            return
        deadline = time.monotonic() + 10
        while not _gone(self.pid) and time.monotonic() < deadline:
            time.sleep(0.005)

    def stop(self) -> None:
        try:
            self.writer.send(None)
        except Exception:
            pass
        deadline = time.monotonic() + 2
        while self.pid is not None and not _gone(self.pid) and time.monotonic() < deadline:
            time.sleep(0.005)
        self.kill()


class _Pool:
    """The workers of one process; ``run`` schedules a batch of pairs over them under per-pair deadlines."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.workers: list[_Worker] = []
        self.zygote: _Zygote | None = None

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
        self.zygote = _Zygote()

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
