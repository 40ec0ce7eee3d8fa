"""Bad input refused: through the command line, one line on stderr naming the file, key or row, exit code 2, and the
output path not created.

Evaluation killed mid-benchmark and datasets without columns or rows (real training and evaluation processes) are in
tests/integration/test_faults_runs.py, training killed at a random moment in tests/integration/test_training_runs.py;
a corrupted download through the library in test_data.py (here through the command line); Snakemake interrupted
during the miniature in tests/workflow/test_interrupted_workflow.py.
"""

from __future__ import annotations

import json

import pytest
import yaml
from helpers.commands import assert_refused, cli, cli_here, evaluate_args, no_temp_files, train_args
from helpers.evaluation import small_eval_spec

from oneshot_rlvr import data

# ----------------------------------------------------------------------------------------------------------
# Bad input: one line naming the thing, exit 2, nothing half-written
# ----------------------------------------------------------------------------------------------------------


def test_invalid_config_value_and_unknown_run(tmp_path):
    dataset = tmp_path / "ds.parquet"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"evaluation": {"benchmarks": {"math500": {"n_samples": 0}}}}))
    # The console script end to end once (exit code 2 from a fresh interpreter); the refusals after it, and in the
    # tests below, call the same main() in this process.
    assert_refused(cli(*train_args(tmp_path, dataset, "--set", "training.learning_rate=-1")), "training.learning_rate")
    assert_refused(
        cli_here(*train_args(tmp_path, dataset, "--config", str(bad))), "evaluation.benchmarks.math500.n_samples"
    )
    unknown = train_args(tmp_path, dataset)
    unknown[unknown.index("--run") + 1] = "no_such_run"
    assert_refused(cli_here(*unknown), "no_such_run", "known runs")
    assert not (tmp_path / "out").exists() and not (tmp_path / "ck").exists()


def test_unknown_example_and_unreadable_ranking(tmp_path, shared_data):
    ranking = tmp_path / "ranking.tsv"
    ranking.write_text("rank\tindex\tscore\n1\t124\t0.5\n2\t267\t0.4\n")
    out = tmp_path / "out" / "set.parquet"
    common = ["--data-dir", str(shared_data), "--out", str(out)]
    assert_refused(cli_here("make-dataset", "--name", "pi7", "--ranking", str(ranking), *common), "pi7")
    assert_refused(cli_here("make-dataset", "--name", "pj1", "--ranking", str(ranking), *common), "pj1")
    empty = tmp_path / "empty.tsv"
    empty.write_text("")
    assert_refused(cli_here("make-dataset", "--name", "pi1", "--ranking", str(empty), *common), str(empty))
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
    assert_refused(cli_here("rank", "--history", str(path), "--out", str(out)), str(path), fragment)
    assert not out.exists() and no_temp_files(tmp_path)


def test_missing_model_path(tmp_path, shared_data):
    out_dir = tmp_path / "eval"
    missing = tmp_path / "no" / "model"
    assert_refused(cli_here(*evaluate_args(missing, shared_data, out_dir, small_eval_spec(limit=2))), str(missing))
    assert not (out_dir / "metrics.json").exists()
    dataset = tmp_path / "ds.parquet"
    assert_refused(cli_here(*train_args(tmp_path, dataset, model=missing)), str(missing))
    assert not (tmp_path / "out").exists()


def test_malformed_response_lines(tmp_path, tiny_model, shared_data):
    responses = tmp_path / "responses.jsonl"
    responses.write_text('{"response": "\\\\boxed{1}", "answer": "1"}\n{"response": "x", "answer": \n')
    graded = tmp_path / "out" / "graded.jsonl"
    assert_refused(cli_here("grade", "--input", str(responses), "--output", str(graded)), f"{responses}:2", "malformed")
    assert not graded.parent.exists()

    # The partial responses an interrupted evaluation resumes from.
    out_dir = tmp_path / "eval"
    out_dir.mkdir()
    partial = out_dir / "math500.partial.jsonl"
    partial.write_text('{"fingerprint": "x"}\n{"id": "1", "response": \n')
    assert_refused(cli_here(*evaluate_args(tiny_model, shared_data, out_dir, small_eval_spec(limit=2))), f"{partial}:2")
    assert not (out_dir / "metrics.json").exists() and not (out_dir / "math500.jsonl").exists()


def test_truncated_download_refused_previous_copy_kept(tmp_path, shared_data):
    relpath = data.relpath_of("amc23")
    source = tmp_path / "mirror"
    (source / relpath).parent.mkdir(parents=True)
    good = (shared_data / relpath).read_bytes()
    (source / relpath).write_bytes(good[: len(good) // 2])  # a download cut off half-way
    dest = tmp_path / "data"
    fetch = ["fetch-data", "--name", "amc23", "--dest-dir", str(dest)]
    assert cli_here(*fetch, "--local-data-dir", str(shared_data)).returncode == 0
    result = cli_here(*fetch, "--local-data-dir", str(source), "--force")
    assert_refused(result, relpath, "previous")
    assert (dest / relpath).read_bytes() == good and no_temp_files(dest)
