"""Scratch copies of the workflow and Snakemake runs in them, for the tests that plan or run the DAG."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml

from oneshot_rlvr.config import REPO_ROOT

# The miniature made smaller for the Snakemake tests (written as config/test.yaml); same DAG and code paths.
WORKFLOW_TEST_OVERRIDES = {
    "tiny_model": {
        "hidden_size": 32,
        "intermediate_size": 64,
        "vocab_size": 1024,
        "tokenizer_corpus_rows": 400,
        "warm_start_steps": 30,
    },
    "training": {"max_steps": 2, "save_steps": 1, "report_to": "none"},
}


def copy_workflow(dest: Path, overrides: dict | None = WORKFLOW_TEST_OVERRIDES) -> Path:
    """Snakefile, workflow/ and config/ of this checkout in `dest`, with `overrides` as config/test.yaml (none
    when None): what a user's clone holds before its first run."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO_ROOT / "Snakefile", dest / "Snakefile")
    shutil.copytree(REPO_ROOT / "workflow", dest / "workflow", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO_ROOT / "config", dest / "config")
    if overrides is not None:
        (dest / "config" / "test.yaml").write_text(yaml.safe_dump(overrides))
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
            elif parts and parts[0] == "total":
                break
    return counts
