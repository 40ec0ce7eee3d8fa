"""Start-up time of the command line: every workflow job starts `oneshot-rlvr` once (~200 in the miniature), so
its start-up is part of the suite's and the workflow's time.

    python benchmarks/bench_cli_startup.py [--repeats 7] [--src src]

Alternates two measurements per repeat in fresh interpreters: the wall and CPU time of `oneshot-rlvr --help`
(via `python -m oneshot_rlvr.cli`), and the cumulative import time of `oneshot_rlvr.cli` from
`python -X importtime`. Prints the median and the spread of each, the modules imported and the load average,
since the machine is shared. Pass --src of another checkout to measure that one the same way.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _run(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(wall s, child CPU s, stderr) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--src", default=str(REPO / "src"), help="the package source folder to measure")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(Path(args.src).resolve())}
    walls, cpus, imports = [], [], []
    modules = 0
    for _ in range(args.repeats):
        wall, cpu, _ = _run([sys.executable, "-m", "oneshot_rlvr.cli", "--help"], env)
        walls.append(wall)
        cpus.append(cpu)
        _, _, trace = _run([sys.executable, "-X", "importtime", "-c", "import oneshot_rlvr.cli"], env)
        lines = [line for line in trace.splitlines() if line.startswith("import time:") and "|" in line]
        modules = len(lines) - 1
        total = next(int(line.split("|")[1]) for line in lines if line.rstrip().endswith(" oneshot_rlvr.cli"))
        imports.append(total / 1e6)

    def show(values: list[float]) -> str:
        return f"median {statistics.median(values):.3f} s (min {min(values):.3f}, max {max(values):.3f})"

    print(f"source: {args.src}")
    print(f"oneshot-rlvr --help wall: {show(walls)}")
    print(f"oneshot-rlvr --help CPU:  {show(cpus)}")
    print(f"import oneshot_rlvr.cli:  {show(imports)}, {modules} modules")
    print(f"load average: {' '.join(f'{value:.2f}' for value in os.getloadavg())} on {os.cpu_count()} CPUs")
    print(
        f"SUMMARY help_wall={statistics.median(walls):.3f}s help_cpu={statistics.median(cpus):.3f}s "
        f"import={statistics.median(imports):.3f}s modules={modules}"
    )


if __name__ == "__main__":
    main()
