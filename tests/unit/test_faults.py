"""Faults survived and bad input refused.

- Bad input through the command line: one line on stderr naming the file, key or row, exit code 2, and the
  output path not created.
- Evaluation killed (SIGKILL) mid-benchmark: the re-run generates only the missing batches, and every response
  and metric equals an uninterrupted run's.

Training killed at a random moment is tested in test_training.py; a corrupted download through the library in
test_data.py (here through the command line); Snakemake interrupted during the miniature in
tests/workflow/test_interrupted_workflow.py.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from oneshot_rlvr import config as oc
from oneshot_rlvr import data

TINY = str(oc.REPO_ROOT / "config" / "tiny.yaml")


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["oneshot-rlvr", *args], capture_output=True, text=True, cwd=cwd, timeout=600)


def assert_refused(result: subprocess.CompletedProcess, *fragments: str) -> None:
    """Exit code 2 and exactly one line on stderr, naming every fragment."""
    assert result.returncode == 2, (result.returncode, result.stderr[-3000:])
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr[-3000:]
    assert "error:" in lines[0]
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def no_temp_files(folder: Path) -> bool:
    return not [path for path in folder.rglob(".*") if path.is_file()]


# ----------------------------------------------------------------------------------------------------------
# Bad input: one line naming the thing, exit 2, nothing half-written
# ----------------------------------------------------------------------------------------------------------


def train_args(tmp_path: Path, dataset: Path, *extra: str, model: Path | None = None) -> list[str]:
    args = ["train", "--run", "pi1", "--config", TINY, "--dataset", str(dataset)]
    args += ["--checkpoint-dir", str(tmp_path / "ck"), "--done", str(tmp_path / "out" / "done.json")]
    if model is not None:
        args += ["--set", f"models.tiny.path={model}"]
    return args + list(extra)


def test_invalid_config_value_and_unknown_run(tmp_path):
    dataset = tmp_path / "ds.parquet"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"evaluation": {"benchmarks": {"math500": {"n_samples": 0}}}}))
    assert_refused(cli(*train_args(tmp_path, dataset, "--set", "training.learning_rate=-1")), "training.learning_rate")
    assert_refused(cli(*train_args(tmp_path, dataset, "--config", str(bad))), "evaluation.benchmarks.math500.n_samples")
    unknown = train_args(tmp_path, dataset)
    unknown[unknown.index("--run") + 1] = "no_such_run"
    assert_refused(cli(*unknown), "no_such_run", "known runs")
    assert not (tmp_path / "out").exists() and not (tmp_path / "ck").exists()


def test_unknown_example_and_unreadable_ranking(tmp_path, shared_data):
    ranking = tmp_path / "ranking.tsv"
    ranking.write_text("rank\tindex\tscore\n1\t124\t0.5\n2\t267\t0.4\n")
    out = tmp_path / "out" / "set.parquet"
    common = ["--data-dir", str(shared_data), "--out", str(out)]
    assert_refused(cli("make-dataset", "--name", "pi7", "--ranking", str(ranking), *common), "pi7")
    assert_refused(cli("make-dataset", "--name", "pj1", "--ranking", str(ranking), *common), "pj1")
    empty = tmp_path / "empty.tsv"
    empty.write_text("")
    assert_refused(cli("make-dataset", "--name", "pi1", "--ranking", str(empty), *common), str(empty))
    assert not out.parent.exists()


@pytest.mark.parametrize(
    ("history", "fragment"),
    [
        ({"7": [0.5, "x"], "9": [0.25]}, "key '7', entry 1"),
        ({"7": [0.5, None], "9": [0.25]}, "key '7', entry 1"),
        ({"7": 0.5}, "key '7'"),
        ({}, "empty"),
    ],
)
def test_history_with_missing_or_non_numeric_entries(tmp_path, history, fragment):
    path = tmp_path / "history.json"
    path.write_text(json.dumps(history))
    out = tmp_path / "ranking.tsv"
    assert_refused(cli("rank", "--history", str(path), "--out", str(out)), str(path), fragment)
    assert not out.exists() and no_temp_files(tmp_path)


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


def test_missing_model_path(tmp_path, shared_data):
    out_dir = tmp_path / "eval"
    missing = tmp_path / "no" / "model"
    assert_refused(cli(*evaluate_args(missing, shared_data, out_dir, small_eval_spec(limit=2))), str(missing))
    assert not (out_dir / "metrics.json").exists()
    dataset = tmp_path / "ds.parquet"
    assert_refused(cli(*train_args(tmp_path, dataset, model=missing)), str(missing))
    assert not (tmp_path / "out").exists()


def test_malformed_response_lines(tmp_path, tiny_model, shared_data):
    responses = tmp_path / "responses.jsonl"
    responses.write_text('{"response": "\\\\boxed{1}", "answer": "1"}\n{"response": "x", "answer": \n')
    graded = tmp_path / "out" / "graded.jsonl"
    assert_refused(cli("grade", "--input", str(responses), "--output", str(graded)), f"{responses}:2", "malformed")
    assert not graded.parent.exists()

    # The partial responses an interrupted evaluation resumes from.
    out_dir = tmp_path / "eval"
    out_dir.mkdir()
    partial = out_dir / "math500.partial.jsonl"
    partial.write_text('{"fingerprint": "x"}\n{"id": "1", "response": \n')
    assert_refused(cli(*evaluate_args(tiny_model, shared_data, out_dir, small_eval_spec(limit=2))), f"{partial}:2")
    assert not (out_dir / "metrics.json").exists() and not (out_dir / "math500.jsonl").exists()


def test_truncated_download_refused_previous_copy_kept(tmp_path, shared_data):
    relpath = data.relpath_of("amc23")
    source = tmp_path / "mirror"
    (source / relpath).parent.mkdir(parents=True)
    good = (shared_data / relpath).read_bytes()
    (source / relpath).write_bytes(good[: len(good) // 2])  # a download cut off half-way
    dest = tmp_path / "data"
    fetch = ["fetch-data", "--name", "amc23", "--dest-dir", str(dest)]
    assert cli(*fetch, "--local-data-dir", str(shared_data)).returncode == 0
    result = cli(*fetch, "--local-data-dir", str(source), "--force")
    assert_refused(result, relpath, "previous")
    assert (dest / relpath).read_bytes() == good and no_temp_files(dest)


# ----------------------------------------------------------------------------------------------------------
# Evaluation killed mid-benchmark
# ----------------------------------------------------------------------------------------------------------


def small_eval_spec(limit: int) -> dict:
    """The miniature's protocol on a few problems, 2 prompts per batch (so a benchmark takes several batches)."""
    config = oc.load_config([TINY])
    spec = oc.evaluation_spec(config, oc.BASE_RUN)
    for name in spec["benchmarks"]:
        spec["benchmarks"][name].update(limit=2, enabled=name in ("math500", "aime24", "minerva_math"))
    spec["benchmarks"]["math500"]["limit"] = limit
    spec["benchmarks"]["aime24"]["limit"] = limit // 2  # sampled: avg@2 at T = 0.6, seeded per batch
    spec["batch_size"] = 2
    return spec


def evaluate_args(model: Path, data_dir: Path, out_dir: Path, spec: dict) -> list[str]:
    return [
        "evaluate", "--run", "base", "--step", "0", "--model", str(model), "--data-dir", str(data_dir),
        "--out-dir", str(out_dir), "--spec", json.dumps(spec),
    ]  # fmt: skip


def comparable(metrics: dict) -> dict:
    """A metrics.json without what legitimately differs between two runs: the wall times (its own, its manifest's)."""
    kept = {key: value for key, value in metrics.items() if key != "wall_time_s"}
    if "manifest" in kept:
        kept["manifest"] = {key: value for key, value in kept["manifest"].items() if key != "wall_time_s"}
    return kept


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
