"""The suite's miniature of `paper` (helpers/miniature.py): the README's command word for word, run once per session
in a user's checkout; the end-to-end tests of Table 1, Table 3, the figures and every paper table read its outputs,
and the interrupted-workflow and SLURM tests take its Table 1 as their reference, instead of each running a workflow
of its own. It starts in the background with the session's first test (tests/conftest.py, `miniature_run`); the
first test that reads it waits here until it has finished, and the runs that continue from it (FOLLOW_UPS: the
recomputed-history sweep, the interrupted workflow) start in the background from here."""

from __future__ import annotations

import pytest
from helpers.background import Finished
from helpers.interrupted_workflow import InterruptedWorkflowRun
from helpers.miniature import Miniature, MiniatureRun
from helpers.slurm_table1 import SlurmTable1Run
from helpers.sweep_recomputed import RecomputedSweepRun

# Runs that continue from the finished miniature, by the fixture name of the test that reads each: started in the
# background (each in a copy of it) as soon as the miniature has finished, so that they run beside the tests that
# read the miniature instead of one after another at the end of the session.
FOLLOW_UPS = {"sweep_recomputed": RecomputedSweepRun, "interrupted_workflow": InterruptedWorkflowRun}
_STARTED = pytest.StashKey[dict]()


@pytest.fixture(scope="session")
def miniature(
    miniature_run: MiniatureRun, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Miniature:
    finished = miniature_run.wait()
    print(f"\nthe README's miniature of paper: {finished.seconds:.0f}s since it started")
    # Copied before any test runs Snakemake in the miniature's checkout, so that no copy sees a lock of theirs.
    started = request.config.stash.setdefault(_STARTED, {})
    for name, follow_up in FOLLOW_UPS.items():
        if any(name in getattr(item, "fixturenames", ()) for item in request.session.items):
            started[name] = follow_up(finished, tmp_path_factory.mktemp(name))
            request.addfinalizer(started[name].stop)
    return finished


def _finished(request: pytest.FixtureRequest, name: str):
    run = request.config.stash[_STARTED][name]
    finished = run.wait()
    print(f"\n{name}, started when the miniature finished: {finished.seconds:.0f}s")
    return run


@pytest.fixture(scope="session")
def slurm_table1(slurm_table1_run: SlurmTable1Run) -> Finished:
    """The finished SLURM run of Table 1 (helpers/slurm_table1.py), started with the session's first test."""
    finished = slurm_table1_run.wait()
    print(f"\nTable 1 of the miniature on SLURM: {finished.seconds:.0f}s since it started")
    return finished


@pytest.fixture(scope="session")
def sweep_recomputed(miniature: Miniature, request: pytest.FixtureRequest) -> RecomputedSweepRun:
    """The finished recomputed-history sweep (helpers/sweep_recomputed.py)."""
    return _finished(request, "sweep_recomputed")


@pytest.fixture(scope="session")
def interrupted_workflow(miniature: Miniature, request: pytest.FixtureRequest) -> InterruptedWorkflowRun:
    """The interrupted and completed Table 1 (helpers/interrupted_workflow.py)."""
    return _finished(request, "interrupted_workflow")
