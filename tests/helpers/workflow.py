"""Scratch copies of the workflow and Snakemake runs in them, for the tests that plan or run the DAG."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from oneshot_rlvr.config import REPO_ROOT


def copy_workflow(dest: Path) -> Path:
    """Snakefile, workflow/ and config/ of this checkout in `dest`: what a user's clone holds before its first run."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO_ROOT / "Snakefile", dest / "Snakefile")
    shutil.copytree(REPO_ROOT / "workflow", dest / "workflow", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO_ROOT / "config", dest / "config")
    return dest


def snakemake(
    workdir: Path, *args: str, check: bool = True, timeout: float | None = None
) -> subprocess.CompletedProcess:
    """`snakemake ARGS` in `workdir`; with `check`, a failure raises with the end of its output."""
    result = subprocess.run(["snakemake", *args], cwd=workdir, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    return result


def job_counts(output: str) -> dict[str, int]:
    """{rule: jobs} of the job-count table a (dry) run prints, with its 'total'."""
    counts, inside = {}, False
    for line in output.splitlines():
        if line.startswith("job ") and "count" in line:
            inside = True
            continue
        if inside:
            parts = line.split()
            if len(parts) == 2 and parts[1].isdigit():
                counts[parts[0]] = int(parts[1])
            if parts and parts[0] == "total":
                break
    return counts
