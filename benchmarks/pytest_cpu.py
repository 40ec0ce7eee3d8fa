"""A pytest plugin that prints where a test run's CPU time goes: per test (set-up, call and tear-down together),
the wall seconds, the CPU seconds of the pytest process and those of the subprocesses it waited for, then the
whole run's totals. On 2 cores the suite's wall time cannot be less than its CPU seconds / 2: this says which
tests to make cheaper rather than only which ones wait.

    PYTHONPATH=benchmarks python -m pytest -p pytest_cpu [--cpu-top N] [--cpu-timeline FILE] ...

`--cpu-timeline FILE` also writes one TSV row per test: its start and end (seconds since the session began) and
how busy the machine's cores were meanwhile (from /proc/stat, every process: the background runs and SLURM's jobs
too), which shows where the cores sat idle.

A subprocess's CPU counts when it is reaped, so the suite's background miniature (tests/conftest.py) counts
in the test that waits for it, and grandchildren that are never waited for (Snakemake's own jobs are) do not count.
"""

from __future__ import annotations

import os
import resource
import time

import pytest

_totals: dict[str, list[float]] = {}
_timeline: list[tuple[str, float, float, float]] = []
_session_start = time.monotonic()


def _busy_and_total_jiffies() -> tuple[int, int]:
    """All cores' busy and total jiffies so far (/proc/stat's first line; idle and iowait count as not busy)."""
    try:
        fields = [int(v) for v in open("/proc/stat").readline().split()[1:]]
    except OSError:
        return 0, 0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields) - idle, sum(fields)


def _cpu() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--cpu-top", type=int, default=30, help="how many tests pytest_cpu lists (by CPU seconds)")
    parser.addoption("--cpu-timeline", default=None, help="TSV of each test's start, end and the cores' busy share")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    wall, (own, children) = time.monotonic(), _cpu()
    busy, total = _busy_and_total_jiffies()
    yield
    after_own, after_children = _cpu()
    end = time.monotonic()
    _totals[item.nodeid] = [end - wall, after_own - own, after_children - children]
    after_busy, after_total = _busy_and_total_jiffies()
    share = (after_busy - busy) / (after_total - total) if after_total > total else float("nan")
    _timeline.append((item.nodeid, wall - _session_start, end - _session_start, share))


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    rows = sorted(_totals.items(), key=lambda item: -(item[1][1] + item[1][2]))
    write = terminalreporter.write_line
    terminalreporter.section("CPU seconds per test (pytest_cpu)")
    write(f"{'wall s':>8} {'own cpu':>8} {'children':>8}  test")
    for nodeid, (wall, own, children) in rows[: config.getoption("--cpu-top")]:
        write(f"{wall:8.1f} {own:8.1f} {children:8.1f}  {nodeid}")
    wall = sum(values[0] for values in _totals.values())
    own = sum(values[1] for values in _totals.values())
    children = sum(values[2] for values in _totals.values())
    load = " ".join(f"{value:.1f}" for value in os.getloadavg())
    write(
        f"TOTAL {len(rows)} tests: wall {wall:.0f} s, pytest cpu {own:.0f} s, children cpu {children:.0f} s "
        f"(load average now {load})"
    )
    path = config.getoption("--cpu-timeline")
    if path:
        with open(path, "w") as out:
            out.write("test\tstart_s\tend_s\tcores_busy\n")
            for nodeid, start, end, share in _timeline:
                out.write(f"{nodeid}\t{start:.1f}\t{end:.1f}\t{share:.3f}\n")
        write(f"timeline: {path}")
