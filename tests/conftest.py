"""Fixtures of the whole suite: where the real data lives (../shared/data next to the checkout, or
$ONESHOT_RLVR_DATA) and a tiny model. Helpers the test modules import are in tests/helpers/; the Snakemake
miniature that the end-to-end tests read is in tests/workflow/conftest.py."""

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
    """A tiny Qwen2 model built by the project's own builder (shared by the tests of a session)."""
    from oneshot_rlvr.tiny_model import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model", shared_data, TINY_TEST_SETTINGS)
