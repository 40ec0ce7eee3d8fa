"""A command that runs in the background while the session's tests do (the suite's miniature, the SLURM run of
Table 1): its own process group, its output in a log file, waited for by the first test that reads it, and stopped
with everything it started should the session end first."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Finished:
    """How a background command ended: its exit status, its whole output (stdout and stderr), and the seconds from
    its start to its last output."""

    returncode: int
    output: str
    seconds: float


class BackgroundCommand:
    """`argv` started now in `cwd`, stdout and stderr to `log`; `wait` returns its Finished (once; later calls
    return the same), `stop` ends it and its process group. Start and end times go to `log`.times, for the record of
    what overlapped with what."""

    def __init__(self, argv: list[str], cwd: Path, log: Path, env: dict[str, str] | None = None) -> None:
        self.argv = argv
        self.log = log
        self.started = time.time()
        self._stamp("started")
        with log.open("wb") as out:
            # its own process group, so that `stop` ends the command and every job it started
            self.process = subprocess.Popen(
                argv,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.result: Finished | None = None

    def _stamp(self, event: str, when: float | None = None) -> None:
        with self.log.with_suffix(".times").open("a") as times:
            times.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S%z', time.localtime(when))} {event}\n")

    def wait(self, timeout: float | None = None) -> Finished:
        """The finished command; past `timeout` seconds since its start it is stopped and returns as failed."""
        if self.result is None:
            left = None if timeout is None else max(1.0, timeout - (time.time() - self.started))
            try:
                returncode = self.process.wait(timeout=left)
            except subprocess.TimeoutExpired:
                self.stop()
                returncode = self.process.returncode
                self._stamp(f"timed out after {timeout:.0f}s")
            # it ended when it wrote its last output, which may be long before a test waited for it
            ended = self.log.stat().st_mtime
            seconds = ended - self.started
            self._stamp(f"ended rc {returncode} after {seconds:.0f}s (waited for from here)", ended)
            self.result = Finished(returncode, self.log.read_text(errors="replace"), seconds)
        return self.result

    def succeeded(self, what: str, timeout: float | None = None) -> Finished:
        """`wait`, raising with the end of the output should the command have failed (or run past `timeout`)."""
        finished = self.wait(timeout=timeout)
        if finished.returncode != 0:
            raise AssertionError(f"{what} failed (rc {finished.returncode}; {self.log}):\n{finished.output[-6000:]}")
        return finished

    def stop(self) -> None:
        """End the command and its process group if it is still going (SIGTERM, then SIGKILL after 60 s)."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=60)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.process.wait()
            self._stamp("stopped")
