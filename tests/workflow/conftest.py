"""The suite's miniature of `paper` (helpers/miniature.py): the README's command word for word, run once per session
in a user's checkout; the end-to-end tests of Table 1, Table 3, the figures and every paper table read its outputs,
and the interrupted-workflow and SLURM tests take its Table 1 as their reference, instead of each running a workflow
of its own."""

from __future__ import annotations

import shlex
import subprocess
import time
from pathlib import Path

import pytest
from helpers.miniature import README_PAPER_COMMAND, Miniature, user_checkout


@pytest.fixture(scope="session")
def miniature(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Miniature:
    workdir = user_checkout(tmp_path_factory.mktemp("checkout"), shared_data)
    started = time.monotonic()
    result = subprocess.run(shlex.split(README_PAPER_COMMAND), cwd=workdir, capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError(f"{README_PAPER_COMMAND} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    seconds = time.monotonic() - started
    print(f"\nthe README's miniature of paper: {seconds:.0f}s")
    return Miniature(workdir, shared_data, seconds)
