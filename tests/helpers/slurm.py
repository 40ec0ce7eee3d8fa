"""Whether the single-node test SLURM of .ci/slurm-up.sh can be used here, and what a `slurm` test does when it
cannot: skip, or fail under ONESHOT_RLVR_REQUIRE_SLURM=1 (set by .ci/run), where CI must really run them."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess

import pytest

REQUIRE_ENV = "ONESHOT_RLVR_REQUIRE_SLURM"


def plugin_missing() -> str | None:
    if importlib.util.find_spec("snakemake_executor_plugin_slurm") is None:
        return "snakemake-executor-plugin-slurm is not installed (pip install -e '.[cluster]')"
    return None


def slurm_problem() -> str | None:
    """Why the test SLURM cannot be used here, or None when it can."""
    missing = plugin_missing()
    if missing:
        return missing
    for tool in ("sbatch", "squeue", "sinfo", "scontrol"):
        if shutil.which(tool) is None:
            return f"`{tool}` is not on PATH (start the test SLURM with .ci/slurm-up.sh, as root)"
    result = subprocess.run(["sinfo", "-h", "-o", "%P %a %t"], capture_output=True, text=True)
    if result.returncode != 0:
        return f"sinfo failed (is slurmctld running? .ci/slurm-up.sh starts it): {result.stderr.strip()[:300]}"
    partitions = {}
    for line in result.stdout.splitlines():
        name, avail, state = line.split()
        partitions[name.rstrip("*")] = (avail, state)
    for name in ("debug", "gpu"):
        avail, state = partitions.get(name, ("absent", ""))
        if avail != "up" or not state.startswith(("idle", "mix", "alloc")):
            return f"partition {name!r} of the test SLURM is not usable ({avail} {state}); run .ci/slurm-up.sh"
    return None


def skip_or_fail(problem: str) -> None:
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{REQUIRE_ENV}=1 but SLURM is unavailable: {problem}")
    pytest.skip(problem)
