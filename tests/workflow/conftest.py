"""The suite's miniature of `paper` (helpers/miniature.py): the README's command word for word, run once per session
in a user's checkout; the end-to-end tests of Table 1, Table 3, the figures and every paper table read its outputs,
and the interrupted-workflow and SLURM tests take its Table 1 as their reference, instead of each running a workflow
of its own. It starts in the background with the session's first test (tests/conftest.py, `miniature_run`); the
first test that reads it waits here until it has finished, and the runs that continue from it (the recomputed-history
sweep, helpers/sweep_recomputed.py) start in the background from here."""

from __future__ import annotations

import pytest
from helpers.background import Finished
from helpers.miniature import Miniature, MiniatureRun
from helpers.slurm_table1 import SlurmTable1Run
from helpers.sweep_recomputed import RecomputedSweepRun

_SWEEP_RECOMPUTED = pytest.StashKey[RecomputedSweepRun]()


@pytest.fixture(scope="session")
def miniature(
    miniature_run: MiniatureRun, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Miniature:
    finished = miniature_run.wait()
    print(f"\nthe README's miniature of paper: {finished.seconds:.0f}s since it started")
    # Before any test runs Snakemake in the miniature's checkout, so that the copy sees no lock of theirs.
    if any("sweep_recomputed" in getattr(item, "fixturenames", ()) for item in request.session.items):
        run = RecomputedSweepRun(finished, tmp_path_factory.mktemp("sweep_recomputed"))
        request.addfinalizer(run.stop)
        request.config.stash[_SWEEP_RECOMPUTED] = run
    return finished


@pytest.fixture(scope="session")
def sweep_recomputed(miniature: Miniature, request: pytest.FixtureRequest) -> RecomputedSweepRun:
    """The finished recomputed-history sweep (helpers/sweep_recomputed.py), started when the miniature finished."""
    run = request.config.stash[_SWEEP_RECOMPUTED]
    finished = run.wait()
    print(f"\nthe miniature's sweep with a recomputed history: {finished.seconds:.0f}s since it started")
    return run


@pytest.fixture(scope="session")
def slurm_table1(slurm_table1_run: SlurmTable1Run) -> Finished:
    """The finished SLURM run of Table 1 (helpers/slurm_table1.py), started with the session's first test."""
    finished = slurm_table1_run.wait()
    print(f"\nTable 1 of the miniature on SLURM: {finished.seconds:.0f}s since it started")
    return finished
