"""Faults survived and bad input refused, through real training and evaluation processes on the tiny model (the
quick command-line refusals are in tests/unit/test_faults.py):

- a dataset without the needed columns, or without rows, refused by `train`, `make-dataset` and `evaluate`;
- evaluation killed (SIGKILL) mid-benchmark: the re-run generates only the missing batches, and every response
  and metric equals an uninterrupted run's.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import time

import pandas as pd
import pytest
from helpers.commands import assert_refused, cli, evaluate_args, no_temp_files, train_args
from helpers.evaluation import comparable, small_eval_spec

from oneshot_rlvr import data


@pytest.mark.slow
def test_dataset_without_columns_or_rows(tmp_path, tiny_model, shared_data):
    no_columns = tmp_path / "no_columns.parquet"
    pd.DataFrame({"prompt": [[{"role": "user", "content": "x"}]]}).to_parquet(no_columns)
    empty = tmp_path / "empty.parquet"
    pd.DataFrame({"prompt": [], "reward_model": [], "extra_info": []}).to_parquet(empty)
    assert_refused(cli(*train_args(tmp_path, no_columns, model=tiny_model)), str(no_columns), "reward_model")
    assert_refused(cli(*train_args(tmp_path, empty, model=tiny_model)), str(empty), "empty")
    assert not (tmp_path / "out").exists()

    # The same for the data folder's DSR-sub (make-dataset) and a benchmark file (evaluate).
    folder = tmp_path / "data"
    shutil.copytree(shared_data / "benchmarks", folder / "benchmarks")
    (folder / "dsr_sub").mkdir()
    pd.DataFrame({"prompt": [[{"role": "user", "content": "x"}]]}).to_parquet(folder / data.relpath_of("dsr_sub"))
    out = tmp_path / "out" / "dsr_sub.parquet"
    result = cli("make-dataset", "--name", "dsr_sub", "--data-dir", str(folder), "--out", str(out))
    assert_refused(result, data.relpath_of("dsr_sub"), "missing column")
    benchmark = folder / data.relpath_of("minerva_math")
    rows = [json.loads(line) for line in benchmark.read_text().splitlines()[:3]]
    del rows[1]["solution"]
    benchmark.write_text("".join(json.dumps(row) + "\n" for row in rows))
    out_dir = tmp_path / "out" / "eval"
    result = cli(*evaluate_args(tiny_model, folder, out_dir, small_eval_spec(limit=2)))
    assert_refused(result, f"{benchmark}:2", "solution")
    assert not (out_dir / "metrics.json").exists() and not out.exists()


@pytest.mark.slow
def test_killed_evaluation_resumes_with_identical_results(tmp_path, tiny_model, shared_data):
    spec = small_eval_spec(limit=8)
    reference, resumed = tmp_path / "reference", tmp_path / "resumed"
    assert cli(*evaluate_args(tiny_model, shared_data, reference, spec)).returncode == 0

    # Kill once a seeded random number of responses of some benchmark is saved (never before its first batch).
    wanted = random.Random(8).choice([2, 4, 6])
    process = subprocess.Popen(
        ["oneshot-rlvr", *evaluate_args(tiny_model, shared_data, resumed, spec)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 300
    while process.poll() is None and time.time() < deadline:
        saved = [len(path.read_text().splitlines()) - 1 for path in resumed.glob("*.partial.jsonl")]
        if any(count >= wanted for count in saved):
            break
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    partials = list(resumed.glob("*.partial.jsonl"))
    assert partials, "the evaluation ended before the kill"
    assert not (resumed / "metrics.json").exists()
    finished = {path.name: path.stat().st_mtime_ns for path in resumed.glob("*.metrics.json")}
    saved = {path.name.split(".")[0]: len(path.read_text().splitlines()) - 1 for path in partials}

    result = cli(*evaluate_args(tiny_model, shared_data, resumed, spec))
    assert result.returncode == 0, result.stderr[-3000:]
    for name, count in saved.items():
        assert f"{name}: resuming at {count}/" in result.stdout
    # Finished benchmarks were not redone; nothing partial or temporary is left.
    assert {p.name: p.stat().st_mtime_ns for p in resumed.glob("*.metrics.json") if p.name in finished} == finished
    assert not list(resumed.glob("*.partial.jsonl")) and no_temp_files(resumed)
    # Identical to the uninterrupted run: every response and every metric.
    for path in sorted(reference.glob("*.jsonl")):
        assert (resumed / path.name).read_text() == path.read_text(), path.name
    first = json.loads((reference / "metrics.json").read_text())
    second = json.loads((resumed / "metrics.json").read_text())
    assert comparable(first) == comparable(second)
