"""The suite's miniature of `paper` (helpers/miniature.py), run once per session: the end-to-end tests of Table 1,
Table 3, the figures and every paper table read its outputs, and the interrupted-workflow and SLURM tests take its
Table 1 as their reference, instead of each running a workflow of its own."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from helpers.miniature import Miniature, write_suite_config
from helpers.workflow import snakemake


@pytest.fixture(scope="session")
def miniature(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Miniature:
    workdir = write_suite_config(tmp_path_factory.mktemp("miniature") / "wf")
    started = time.monotonic()
    unfinished = Miniature(workdir, shared_data, 0.0)
    snakemake(workdir, *unfinished.args("paper"))
    seconds = time.monotonic() - started
    print(f"\nthe suite's miniature of paper: {seconds:.0f}s")
    return Miniature(workdir, shared_data, seconds)
