"""The process the grading workers are forked from: a fresh interpreter (independent of the caller's ``__main__``,
threads and torch/CUDA state) that loads and warms the graders once, then forks one worker per request.

So a pool of two workers costs one import of sympy and math-verify (about 0.9 CPU-s), not one per worker, and a
worker killed on a timeout (pool.py) is replaced in milliseconds instead of a fresh interpreter's second.

Not multiprocessing's "forkserver" context with `set_forkserver_preload`, which would do the same in fewer lines:
that server and its preload list are one per interpreter, so a library setting them would change (or, once the
server runs, silently fail to change) the forkserver of the program that imports it, e.g. a trainer's data loaders.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from oneshot_rlvr.grading.equivalence import GRADER_MODES, pair_equal

_ZYGOTE_CODE = "import sys; from oneshot_rlvr.grading.zygote import zygote_main; zygote_main(int(sys.argv[1]))"


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


class Zygote:
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
