"""DAG build time of `snakemake -n` at paper scale for the workflow's big targets (target: seconds).

    python benchmarks/bench_workflow.py [TARGET ...]      (default: reproduce_table1 sweep_1shot paper)

Runs in a scratch copy of the workflow so nothing in the checkout changes. Targets that do not exist yet are
reported as such. Prints one line per target and a SUMMARY line.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def dry_run(workdir: Path, target: str, extra: list[str]) -> tuple[float, int | None, str]:
    start = time.perf_counter()
    result = subprocess.run(
        ["snakemake", target, "-n", "--cores", "8", "--quiet", "rules", *extra],
        cwd=workdir,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        return elapsed, None, (result.stderr or result.stdout).strip().splitlines()[-1][:120]
    match = re.search(r"^total\s+(\d+)", result.stdout, flags=re.MULTILINE)
    return elapsed, int(match.group(1)) if match else None, ""


def main() -> None:
    targets = sys.argv[1:] or ["reproduce_table1", "sweep_1shot", "paper"]
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch)
        shutil.copy(REPO / "Snakefile", workdir / "Snakefile")
        shutil.copytree(REPO / "workflow", workdir / "workflow")
        shutil.copytree(REPO / "config", workdir / "config")
        summary = []
        for target in targets:
            extra = ["--config", "sweep_examples=pi1..pi1209"] if target == "sweep_1shot" else []
            elapsed, jobs, error = dry_run(workdir, target, extra)
            if jobs is None:
                print(f"{target:<18s} failed after {elapsed:.1f}s: {error}")
                summary.append(f"{target}=n/a")
            else:
                print(f"{target:<18s} jobs={jobs:<7d} dry_run_s={elapsed:.1f}")
                summary.append(f"{target}={elapsed:.1f}s/{jobs}jobs")
    print("SUMMARY dag " + " ".join(summary))


if __name__ == "__main__":
    main()
