"""Wall time and peak memory of the miniature `reproduce_table1` from scratch (config/tiny.yaml, CPU).

    python benchmarks/bench_miniature.py [--data-dir ../shared/data] [--cores 2] [--keep DIR]

Runs Snakemake in a scratch copy of the workflow (empty results/), so nothing in the checkout changes.
Peak memory is the largest resident set of any single process of the run (Snakemake or one of its jobs:
`getrusage(RUSAGE_CHILDREN)`); the CPU seconds are those of all of them together. Prints the job counts and
one SUMMARY line.
"""

from __future__ import annotations

import argparse
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def versions() -> str:
    from importlib.metadata import version

    names = ("torch", "transformers", "trl", "snakemake")
    return " ".join(f"{name}={version(name)}" for name in names) + f" python={platform.python_version()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="run in this (new) folder and keep it")
    args = parser.parse_args(argv)

    scratch = None if args.keep else tempfile.TemporaryDirectory()
    workdir = args.keep.resolve() if args.keep else Path(scratch.name)
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "Snakefile", workdir / "Snakefile")
    shutil.copytree(REPO / "workflow", workdir / "workflow", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "config", workdir / "config")
    command = [
        "snakemake", "reproduce_table1", "--cores", str(args.cores), "--configfile", "config/tiny.yaml",
        "--config", f"local_data_dir={args.data_dir.resolve()}",
    ]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(command, cwd=workdir, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        print((result.stderr or result.stdout)[-3000:], file=sys.stderr)
        print(f"SUMMARY miniature failed after {wall:.0f}s")
        return 1
    counts = dict(re.findall(r"^(\w+)\s+(\d+)$", result.stdout + result.stderr, flags=re.MULTILINE))
    jobs = int(counts.pop("total", 0))
    print("jobs: " + ", ".join(f"{rule} {count}" for rule, count in counts.items()))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    peak_mb = after.ru_maxrss / 1024
    print(f"machine: {platform.machine()} {platform.system()}, {args.cores} cores; {versions()}")
    print(f"SUMMARY miniature wall_s={wall:.0f} cpu_s={cpu:.0f} peak_rss_mb={peak_mb:.0f} jobs={jobs}")
    if scratch is not None:
        scratch.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
