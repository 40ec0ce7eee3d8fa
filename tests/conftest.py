"""Fixtures of the whole suite: where the real data lives (../shared/data next to the checkout, or
$ONESHOT_RLVR_DATA), a tiny model, and the start of the suite's background runs: the Snakemake miniature and, where
the test SLURM is usable, its Table 1 on SLURM. When a selected test reads one (tests/workflow/conftest.py), it
starts with the session's first test, and the tests that read neither run first, while they do (the collection
order below). Helpers the test modules import are in tests/helpers/."""

from __future__ import annotations

import compileall
import os
import sys
from pathlib import Path

import pytest
from helpers.miniature import MiniatureRun
from helpers.model_cache import cached_tiny_model
from helpers.slurm import skip_or_fail, slurm_problem
from helpers.slurm_table1 import SlurmTable1Run

from oneshot_rlvr import data

REPO_ROOT = Path(__file__).resolve().parents[1]


def pytest_sessionstart(session: pytest.Session) -> None:
    """Byte-compile the package once for the session's child processes where Python writes no bytecode itself
    (PYTHONDONTWRITEBYTECODE, set in this project's CI image): otherwise every `oneshot-rlvr` job, Snakemake run and
    test subprocess compiles the package's ~150 modules from source again, ~0.3 CPU-s each start, a minute of the
    suite on 2 cores (benchmarks/RESULTS.md, "Evaluation chunks in one process"). Python still reads bytecode that
    exists; compileall writes each file atomically and only where it is stale."""
    if sys.dont_write_bytecode:
        compileall.compile_dir(REPO_ROOT / "src", quiet=1)


def shared_data_dir() -> Path:
    env = os.environ.get("ONESHOT_RLVR_DATA")
    return Path(env) if env else (REPO_ROOT.parent / "shared" / "data")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = shared_data_dir()
    if not (path / "dsr_sub" / "dsr_sub.parquet").exists():
        pytest.fail(f"shared data not found at {path}; set ONESHOT_RLVR_DATA to the data folder")
    return path


@pytest.fixture(scope="session")
def miniature_run(shared_data: Path, tmp_path_factory: pytest.TempPathFactory):
    """The README's miniature of `paper`, started in the background (helpers/miniature.py, MiniatureRun); stopped
    at the end of the session should no test have waited for it."""
    run = MiniatureRun(tmp_path_factory.mktemp("checkout"), shared_data)
    yield run
    run.stop()


@pytest.fixture(scope="session")
def slurm_table1_run(shared_data: Path, tmp_path_factory: pytest.TempPathFactory):
    """Table 1 of the miniature on the test SLURM, started in the background (helpers/slurm_table1.py); skips or
    fails (ONESHOT_RLVR_REQUIRE_SLURM) where SLURM is unusable; stopped at the end of the session should no test
    have waited for it."""
    problem = slurm_problem()
    if problem:
        skip_or_fail(problem)
    run = SlurmTable1Run(tmp_path_factory.mktemp("slurm_table1"), shared_data)
    yield run
    run.stop()


# The session fixtures that run in the background, and the fixture names whose tests wait for them.
BACKGROUND_RUNS = {"miniature_run": "miniature", "slurm_table1_run": "slurm_table1"}


def _waits_for_a_background_run(item: pytest.Item) -> bool:
    return any(name in getattr(item, "fixturenames", ()) for name in BACKGROUND_RUNS.values())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests that wait for a background run go last (in their order), so that every other test, SLURM's
    wall-time test among them, runs while the background runs do, instead of after them."""
    items.sort(key=_waits_for_a_background_run)


@pytest.fixture(scope="session", autouse=True)
def _start_the_background_runs_early(request: pytest.FixtureRequest) -> None:
    """Start each background run with the session's first test when a selected test waits for it (the SLURM run
    only where SLURM is usable: otherwise its test skips or fails by itself)."""
    for run, waiter in BACKGROUND_RUNS.items():
        if not any(waiter in getattr(item, "fixturenames", ()) for item in request.session.items):
            continue
        if os.environ.get("PYTEST_XDIST_WORKER"):  # each worker would start its own run (the miniature: 1,400 CPU-s)
            pytest.fail("the suite's background runs run once per session: `-n` (pytest-xdist) is for tests/unit only")
        if run == "slurm_table1_run" and slurm_problem():
            continue
        request.getfixturevalue(run)


TINY_TEST_SETTINGS = {
    "vocab_size": 1024,
    "hidden_size": 32,
    "intermediate_size": 64,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "max_position_embeddings": 1024,
    "tokenizer_corpus_rows": 400,
    "warm_start_steps": 30,
    "warm_start_lr": 3e-3,
    "seed": 0,
}


@pytest.fixture(scope="session")
def tiny_model(shared_data, tmp_path_factory) -> Path:
    """A tiny Qwen2 model built by the project's own builder (shared by the tests of a session; kept between
    sessions by helpers/model_cache.py, keyed by everything it depends on)."""
    return cached_tiny_model(tmp_path_factory.mktemp("tiny") / "model", shared_data, TINY_TEST_SETTINGS)


@pytest.fixture(scope="session")
def dsr_dataset(shared_data, tmp_path_factory) -> Path:
    """The first 16 rows of DSR-sub as a training dataset (shared by the training tests of a session)."""
    path = tmp_path_factory.mktemp("ds") / "dsr_sub.parquet"
    data.load_dsr_sub(shared_data).head(16).to_parquet(path)
    return path
