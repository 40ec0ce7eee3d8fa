"""The tiny model kept between test sessions (tests/helpers/model_cache.py): built once per key, handed out as a
copy, rebuilt when what it depends on changes or the entry is damaged, built once by sessions that start together,
and a lost publishing race is harmless."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from helpers import model_cache

from oneshot_rlvr import tiny_model

SMALL = {
    "vocab_size": 300,
    "hidden_size": 8,
    "intermediate_size": 16,
    "num_hidden_layers": 1,
    "num_attention_heads": 2,
    "num_key_value_heads": 1,
    "max_position_embeddings": 64,
    "tokenizer_corpus_rows": 20,
    "warm_start_steps": 0,
    "seed": 0,
}


@pytest.fixture
def counted_builds(monkeypatch, tmp_path):
    """The real builder, counted; the cache in this test's folder."""
    calls = []
    real = tiny_model.build_tiny_model

    def build(out_dir, data_dir, settings):
        calls.append(out_dir)
        return real(out_dir, data_dir, settings)

    monkeypatch.setattr(tiny_model, "build_tiny_model", build)
    monkeypatch.setenv("ONESHOT_RLVR_TEST_CACHE", str(tmp_path / "cache"))
    return calls


def _entries(tmp_path):
    """The cache's folders (entries, and staging folders should any be left behind); lock files aside."""
    return sorted(path.name for path in (tmp_path / "cache").iterdir() if path.is_dir())


def test_key_follows_settings_data_and_umask(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "rows.jsonl").write_text("{}\n")
    key = model_cache.tiny_model_key(data_dir, SMALL)
    assert model_cache.tiny_model_key(data_dir, dict(SMALL)) == key
    assert model_cache.tiny_model_key(data_dir, {**SMALL, "warm_start_steps": 1}) != key
    (data_dir / "rows.jsonl").write_text("{}\n{}\n")
    assert model_cache.tiny_model_key(data_dir, SMALL) != key
    changed_data = model_cache.tiny_model_key(data_dir, SMALL)
    previous = os.umask(0o077)
    try:
        assert model_cache.tiny_model_key(data_dir, SMALL) != changed_data
    finally:
        os.umask(previous)


def test_built_once_handed_out_as_copies(counted_builds, shared_data, tmp_path):
    first = model_cache.cached_tiny_model(tmp_path / "a" / "model", shared_data, SMALL)
    second = model_cache.cached_tiny_model(tmp_path / "b" / "model", shared_data, SMALL)
    assert len(counted_builds) == 1 and first != second
    (entry,) = _entries(tmp_path)
    cached = tmp_path / "cache" / entry
    assert (first / "model.safetensors").read_bytes() == (cached / "model.safetensors").read_bytes()
    (second / "model.safetensors").write_bytes(b"changed by a test")  # a copy: the cache keeps its own
    assert (cached / "model.safetensors").read_bytes() == (first / "model.safetensors").read_bytes()
    assert (cached / "tiny_model.json").exists()

    (cached / "model.safetensors").unlink()  # a damaged entry is built again
    third = model_cache.cached_tiny_model(tmp_path / "c" / "model", shared_data, SMALL)
    assert len(counted_builds) == 2 and (third / "model.safetensors").exists()
    assert _entries(tmp_path) == [entry]

    other = model_cache.cached_tiny_model(tmp_path / "d" / "model", shared_data, {**SMALL, "seed": 1})
    assert len(counted_builds) == 3 and len(_entries(tmp_path)) == 2
    assert (other / "model.safetensors").read_bytes() != (third / "model.safetensors").read_bytes()


def test_sessions_starting_together_build_once(counted_builds, shared_data, tmp_path):
    start = threading.Barrier(2)

    def session(name):
        start.wait()
        return model_cache.cached_tiny_model(tmp_path / name / "model", shared_data, SMALL)

    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(session, ["a", "b"])
    assert len(counted_builds) == 1 and len(_entries(tmp_path)) == 1
    assert (first / "model.safetensors").read_bytes() == (second / "model.safetensors").read_bytes()


def test_a_lost_publishing_race_uses_the_winners_entry(counted_builds, monkeypatch, shared_data, tmp_path):
    """A session that could not lock (no flock on its filesystem) publishes the same entry while this one builds:
    this one's copy is thrown away."""
    winner = model_cache.cached_tiny_model(tmp_path / "winner" / "model", shared_data, SMALL)
    (entry,) = _entries(tmp_path)
    cached = tmp_path / "cache" / entry
    (cached / "tiny_model.json").write_text('{"published": "by the other session"}')
    hidden = cached.rename(tmp_path / "hidden")
    building = tiny_model.build_tiny_model

    def build_while_the_other_session_publishes(out_dir, data_dir, settings):
        built = building(out_dir, data_dir, settings)
        hidden.rename(cached)
        return built

    monkeypatch.setattr(tiny_model, "build_tiny_model", build_while_the_other_session_publishes)
    loser = model_cache.cached_tiny_model(tmp_path / "loser" / "model", shared_data, SMALL)
    assert len(counted_builds) == 2 and _entries(tmp_path) == [entry]  # no staging folder left behind
    assert (loser / "tiny_model.json").read_text() == '{"published": "by the other session"}'
    assert (loser / "model.safetensors").read_bytes() == (winner / "model.safetensors").read_bytes()


def test_off_builds_in_the_session(counted_builds, monkeypatch, shared_data, tmp_path):
    monkeypatch.setenv("ONESHOT_RLVR_TEST_CACHE", "off")
    built = model_cache.cached_tiny_model(tmp_path / "m" / "model", shared_data, SMALL)
    assert len(counted_builds) == 1 and (built / "config.json").exists() and not (tmp_path / "cache").exists()
