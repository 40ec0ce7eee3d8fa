"""The suite's miniature of `paper` (helpers/miniature.py): the README's command word for word, run once per session
in a user's checkout; the end-to-end tests of Table 1, Table 3, the figures and every paper table read its outputs,
and the interrupted-workflow and SLURM tests take its Table 1 as their reference, instead of each running a workflow
of its own. It starts in the background with the session's first test (tests/conftest.py, `miniature_run`); the
first test that reads it waits here until it has finished."""

from __future__ import annotations

import pytest
from helpers.background import Finished
from helpers.miniature import Miniature, MiniatureRun
from helpers.slurm_table1 import SlurmTable1Run


@pytest.fixture(scope="session")
def miniature(miniature_run: MiniatureRun) -> Miniature:
    finished = miniature_run.wait()
    print(f"\nthe README's miniature of paper: {finished.seconds:.0f}s since it started")
    return finished


@pytest.fixture(scope="session")
def slurm_table1(slurm_table1_run: SlurmTable1Run) -> Finished:
    """The finished SLURM run of Table 1 (helpers/slurm_table1.py), started with the session's first test."""
    finished = slurm_table1_run.wait()
    print(f"\nTable 1 of the miniature on SLURM: {finished.seconds:.0f}s since it started")
    return finished
