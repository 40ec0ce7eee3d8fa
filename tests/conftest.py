"""Shared fixtures: where the real data lives (../shared/data next to the checkout, or $ONESHOT_RLVR_DATA)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    env = os.environ.get("ONESHOT_RLVR_DATA")
    return Path(env) if env else (REPO_ROOT.parent / "shared" / "data")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = shared_data_dir()
    if not (path / "dsr_sub" / "dsr_sub.parquet").exists():
        pytest.fail(f"shared data not found at {path}; set ONESHOT_RLVR_DATA to the data folder")
    return path
