"""Snakemake interrupted (SIGINT, SIGTERM, SIGKILL) during the miniature's Table 1: `--rerun-incomplete` completes
it, a further run has nothing to do, and the tables equal, byte for byte, those of the suite's uninterrupted
miniature (determinism: the same config from scratch gives the same tables).

The interruptions run in a copy of the finished miniature with two of Table 1's runs taken away, one job at a time,
each signal at a known point (helpers/interrupted_workflow.py, where every check of them is); they start in the
background when the miniature finishes (tests/workflow/conftest.py), so this test waits for them here."""

from __future__ import annotations

import sys

import pytest
from helpers.interrupted_workflow import InterruptedWorkflowRun


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process groups and signals")
def test_interrupted_workflow_completes_and_matches_an_uninterrupted_run(interrupted_workflow: InterruptedWorkflowRun,
                                                                          miniature):  # fmt: skip
    interrupted = interrupted_workflow.workdir
    # Determinism: the suite's miniature ran the same config from scratch, never interrupted (its `paper` target
    # includes reproduce_table1): the same tables byte for byte, the two retrained runs' rows included.
    clean = miniature.workdir
    for name in ("table1.md", "table1.csv"):
        assert (interrupted / "reports" / name).read_text() == (clean / "reports" / name).read_text(), name
