"""Hostile and malformed input: every row of docs/faults.md is a test here (or names the test that covers it).

- No config value reaches a shell unparsed, and the workflow refuses hostile config: tests/workflow/
  test_hardening_workflow.py (those run Snakemake).
- Bad input to the command line: one line naming the file, key, option or row, exit code 2, nothing written
  (CLI_CASES, run in-process through `oneshot_rlvr.cli.main`).
- Outputs follow the umask and are fsynced; grading long answers never runs outside the grader's timeout.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import yaml
from helpers.commands import cli_here
from helpers.hostile import BILLION_LAUGHS
from helpers.metrics import fake_metrics

from oneshot_rlvr import config as oc
from oneshot_rlvr import data, grading, selection
from oneshot_rlvr import io as oio

TINY = str(oc.REPO_ROOT / "config" / "tiny.yaml")
PAYLOAD = "touch X"  # what every hostile value tries to run; X must never appear


# ----------------------------------------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------------------------------------


def assert_one_line(code: int, err: str, *fragments: str) -> None:
    assert code == 2, (code, err[-2000:])
    lines = err.strip().splitlines()
    assert len(lines) == 1, err[-2000:]
    assert lines[0].startswith("oneshot-rlvr ") and "error:" in lines[0], lines[0]
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def write_history(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def metrics_file(path: Path, **changes) -> Path:
    benchmarks = {name: {"accuracy": 10.0} for name in data.ALL_BENCHMARKS}
    fields = {"math_average": 10.0, "grader": None}
    for key, value in changes.items():
        if key.startswith("bench_"):
            benchmarks["math500"][key[len("bench_") :]] = value
        else:
            fields[key] = value
    # json writes float("nan") as a bare NaN, as a hand-edited file could
    run, step, benchmarks = fields.pop("run", "pi1"), fields.pop("step", 2), fields.pop("benchmarks", benchmarks)
    payload = fake_metrics(run, step, benchmarks if isinstance(benchmarks, dict) else {}, **fields)
    if not isinstance(benchmarks, dict):  # a malformed `benchmarks` as it is, not entries built from it
        payload["benchmarks"] = benchmarks
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload))
    return path


RANKING = "rank\tindex\tscore\n1\t124\t0.5\n2\t267\t0.4\n"


# ----------------------------------------------------------------------------------------------------------
# Bad input through the command line: one row of docs/faults.md each
# ----------------------------------------------------------------------------------------------------------

# id -> builder(tmp, data_dir) returning (argv, fragments the one error line must contain, paths that must not
# exist afterwards). Each row failed on the code before this table existed (traceback, exit 0, a wrong result or
# a line naming nothing); docs/faults.md says how.
Case = Callable[[Path, Path], tuple[list[str], list[str], list[Path]]]


def _rank(history_text: str, fragment: str, *extra: str) -> Case:
    def build(tmp: Path, shared: Path):
        history = write_history(tmp / "h.json", history_text)
        argv = ["rank", "--history", history, "--out", tmp / "out" / "r.tsv", *extra]
        return argv, [str(history), fragment], [tmp / "out"]

    return build


def _ranking(tsv: str, fragment: str) -> Case:
    def build(tmp: Path, shared: Path):
        ranking = tmp / "rk.tsv"
        ranking.write_text(tsv)
        out = tmp / "out" / "pi1.parquet"
        argv = ["make-dataset", "--name", "pi1", "--data-dir", shared, "--ranking", ranking, "--out", out]
        return argv, [fragment], [tmp / "out"]

    return build


def _make_dataset(name: str, *extra: str, fragment: str | None = None) -> Case:
    def build(tmp: Path, shared: Path):
        ranking = tmp / "rk.tsv"
        ranking.write_text(RANKING)
        out = tmp / "out" / "set.parquet"
        argv = ["make-dataset", "--name", name, "--data-dir", shared, "--ranking", ranking, "--out", out, *extra]
        return argv, [fragment or name], [tmp / "out"]

    return build


def _show_config(*extra: str, files: dict[str, str] | None = None, fragments: tuple[str, ...] = ()) -> Case:
    def build(tmp: Path, shared: Path):
        argv = ["show-config", "--run", "pi1"]
        for name, text in (files or {}).items():
            (tmp / name).write_text(text)
            argv += ["--config", tmp / name]
        return argv + list(extra), list(fragments), []

    return build


def _config_file(payload: dict, *fragments: str) -> Case:
    return _show_config(files={"bad.yaml": yaml.safe_dump(payload)}, fragments=fragments)


def _table1(*fragments: str, extra: tuple[str, ...] = (), **changes) -> Case:
    def build(tmp: Path, shared: Path):
        path = metrics_file(tmp / "m" / "metrics.json", **changes)
        argv = [
            "report-table1",
            "--metrics",
            f"pi1={path}",
            "--md",
            tmp / "out" / "t.md",
            "--csv",
            tmp / "out" / "t.csv",
        ]
        return argv + list(extra), list(fragments), [tmp / "out"]

    return build


def _grade(line: str, *fragments: str) -> Case:
    def build(tmp: Path, shared: Path):
        responses = tmp / "responses.jsonl"
        responses.write_text(line + "\n")
        return (
            ["grade", "--input", responses, "--output", tmp / "out" / "g.jsonl"],
            [f"{responses}:1", *fragments],
            [tmp / "out"],
        )

    return build


def _tiny_eval_spec(enabled: tuple[str, ...] | None = None) -> str:
    spec = oc.evaluation_spec(oc.load_config([TINY]), oc.BASE_RUN)
    if enabled is not None:
        for name in spec["benchmarks"]:
            spec["benchmarks"][name]["enabled"] = name in enabled
    return json.dumps(spec)


def _evaluate(model: str, data_dir: str | None, fragments: tuple[str, ...], enabled=None, step: str = "0") -> Case:
    def build(tmp: Path, shared: Path):
        folder = tmp / data_dir if data_dir else shared
        if data_dir == "partial":
            shutil.copytree(shared / "benchmarks" / "math500", folder / "benchmarks" / "math500")
        argv = ["evaluate", "--run", "base", "--step", step, "--model", model, "--data-dir", folder]
        argv += ["--out-dir", tmp / "out", "--spec", _tiny_eval_spec(enabled)]
        return argv, list(fragments), [tmp / "out"]

    return build


def _evaluate_run(steps: str, fragment: str) -> Case:
    def build(tmp: Path, shared: Path):
        argv = ["evaluate-run", "--run", "pi1", "--steps", steps, "--model-template", "ck/checkpoint-{step}"]
        argv += ["--data-dir", shared, "--eval-dir", tmp / "out", "--index", tmp / "out" / "steps.json"]
        return argv + ["--spec", _tiny_eval_spec()], [fragment], [tmp / "out"]

    return build


def _plot_figure_spec(tmp: Path, shared: Path):
    argv = ["plot-figure", "--figure", "figure1", "--spec", "[]", "--png", tmp / "out" / "f.png"]
    return argv, ["--spec", "JSON object"], [tmp / "out"]


def _fetch_missing_local(tmp: Path, shared: Path):
    argv = ["fetch-data", "--name", "math500", "--dest-dir", tmp / "dest", "--local-data-dir", tmp / "nowhere"]
    return argv, [str(tmp / "nowhere"), "math500"], [tmp / "dest"]


def _fetch_lock_bypass(tmp: Path, shared: Path):
    mirror = tmp / "mirror"
    relpath = data.relpath_of("dsr_sub")
    (mirror / relpath).parent.mkdir(parents=True)
    corrupted = (shared / relpath).read_bytes()[:-10] + b"corrupted!"
    (mirror / relpath).write_bytes(corrupted)
    (mirror / data.LOCK_FILENAME).write_text(json.dumps({relpath: hashlib.sha256(corrupted).hexdigest()}))
    argv = ["fetch-data", "--name", "dsr_sub", "--dest-dir", tmp / "dest", "--local-data-dir", mirror]
    return argv, [relpath, "checksum mismatch", "cannot override"], [tmp / "dest"]


def _collect_history(tmp: Path, shared: Path):
    done = tmp / "done.json"
    done.write_text("{bad")
    argv = ["collect-history", "--done", done, "--checkpoint-dir", tmp / "ck", "--step", "2", "--out", tmp / "o.json"]
    return argv, [str(done)], [tmp / "o.json"]


def _plot_scores(tmp: Path, shared: Path):
    ranking = tmp / "rk.tsv"
    ranking.write_text(RANKING)
    return (
        ["plot-scores", "--ranking", ranking, "--mark", "piX", "--png", tmp / "out" / "s.png"],
        ["--mark"],
        [tmp / "out"],
    )


def _spec(command: str) -> Case:
    def build(tmp: Path, shared: Path):
        outputs = {
            "show-config": ["show-config", "--run", "pi1"],
            "train": ["train", "--run", "pi1", "--dataset", tmp / "d.parquet", "--checkpoint-dir", tmp / "ck"]
            + ["--done", tmp / "out" / "done.json"],
            "evaluate": ["evaluate", "--run", "base", "--step", "0", "--model", "Qwen/Qwen2.5-Math-1.5B"]
            + ["--data-dir", shared, "--out-dir", tmp / "out"],
        }
        return [*outputs[command], "--spec", "[]"], ["--spec", "JSON object"], [tmp / "out", tmp / "ck"]

    return build


def _tiny_settings(settings: str, *fragments: str) -> Case:
    def build(tmp: Path, shared: Path):
        argv = ["build-tiny-model", "--data-dir", shared, "--out", tmp / "model", "--settings", settings]
        return argv, list(fragments), [tmp / "model"]

    return build


RUN_NAME = "may only contain letters, digits"
CLI_CASES: dict[str, Case] = {
    # rank: the history
    "history-empty-accuracy-list": _rank('{"1": [0.5, 1.0], "2": [], "3": [0.0, 1.0]}', "key '2'"),
    "history-empty-list-lim-score": _rank('{"1": [0.5, 1.0], "2": []}', "key '2'", "--score", "lim"),
    "history-400-digit-integer": _rank('{"1": [0.5, %s], "2": [0.5]}' % ("9" * 400), "key '1', entry 1"),
    "history-5000-digit-integer": _rank('{"1": [0.5, %s], "2": [0.5]}' % ("9" * 5000), "invalid JSON"),
    "history-keys-7-and-007": _rank('{"7": [0.5, 1.0], "007": [0.0, 1.0]}', "key '007'"),
    "history-key-1.5": _rank('{"1.5": [0.5, 1.0], "2": [0.0, 1.0]}', "key '1.5'"),
    "history-NaN-accuracy": _rank('{"1": [0.5, NaN], "2": [0.5]}', "key '1', entry 1"),
    "history-accuracy-above-1": _rank('{"1": [0.5, 7], "2": [0.5]}', "outside [0, 1]"),
    "history-nested-100000-deep": _rank('{"1": ' + "[" * 100_000 + "]" * 100_000 + "}", "invalid JSON"),
    # make-dataset: the ranking and example-set names
    "ranking-duplicate-rank-row": _ranking(RANKING + "2\t5\t0.3\n", "rk.tsv:4"),
    "ranking-duplicate-index": _ranking(RANKING + "3\t124\t0.3\n", "already ranked"),
    "ranking-index-1.5": _ranking("rank\tindex\tscore\n1\t1.5\t0.5\n", "index '1.5'"),
    "ranking-rank-gap": _ranking("rank\tindex\tscore\n1\t124\t0.5\n3\t267\t0.4\n", "rk.tsv:3"),
    "ranking-score-not-a-number": _ranking("rank\tindex\tscore\n1\t124\tx\n", "score 'x'"),
    "ranking-score-increasing": _ranking("rank\tindex\tscore\n1\t124\t0.1\n2\t267\t0.4\n", "rk.tsv:3"),
    "example-set-pi01": _make_dataset("pi01"),
    "example-set-pi1_to_pi300000000": _make_dataset("pi1_to_pi300000000", fragment="1..99999"),
    "example-set-random0": _make_dataset("random0"),
    "make-dataset-batch-size-0": _make_dataset("pi1", "--batch-size", "0", fragment="--batch-size"),
    # config files and overrides
    "config-max-steps-10^23": _show_config(
        "--set", "training.max_steps=" + "1" + "0" * 23, fragments=("training.max_steps",)
    ),
    "config-max-steps-10^7": _show_config("--set", "training.max_steps=10000000", fragments=("training.max_steps",)),
    "config-seed-negative": _show_config("--set", "training.seed=-1", fragments=("training.seed",)),
    "config-learning-rate-nan": _show_config("--set", "training.learning_rate=.nan", fragments=("learning_rate",)),
    "config-billion-laughs": _show_config(files={"bomb.yaml": BILLION_LAUGHS}, fragments=("label_override", "alias")),
    "config-5000-digit-integer": _show_config(
        files={"big.yaml": "training: {max_steps: " + "9" * 5000 + "}"}, fragments=("big.yaml", "4300 digits")
    ),
    "config-duplicate-key": _show_config(
        files={"dup.yaml": "training: {max_steps: 4}\nevaluation: {seed: 1}\ntraining: {save_steps: 2}\n"},
        fragments=("dup.yaml", "key 'training' given twice (line 3)"),
    ),
    "config-invalid-yaml": _show_config(files={"bad.yaml": "training: {max_steps: [\n"}, fragments=("invalid YAML",)),
    "config-nested-100000-deep": _show_config(
        files={"deep.yaml": "training: " + "[" * 100_000 + "]" * 100_000}, fragments=("deep.yaml", "nested too deeply")
    ),
    "config-nested-40-deep": _show_config(
        files={"deep.yaml": "figures: {figure1: {runs: " + "[" * 40 + "]" * 40 + "}}"}, fragments=("levels deep",)
    ),
    "config-sweep-pi1..pi300000000": _show_config(
        "--set", "sweep_examples=pi1..pi300000000", fragments=("sweep_examples",)
    ),
    "config-run-name-shell": _config_file({"runs": {"x&touch X&": {"dataset": "pi1"}}}, "runs"),
    "config-run-name-dotdot": _config_file({"runs": {"../../x": {"dataset": "pi1"}}}, "runs"),
    "config-run-name-space": _config_file({"runs": {"a b": {"dataset": "pi1"}}}, "runs"),
    "config-table1-row-shell": _config_file({"report": {"table1": {"rows": ["pi1;touch X"]}}}, "report.table1.rows"),
    "config-figure-run-dotdot": _config_file({"figures": {"figure1": {"runs": [".."]}}}, "figures.figure1.runs"),
    "config-local-data-dir-option": _config_file({"local_data_dir": "--help"}, "local_data_dir"),
    "config-dataset-pi01": _config_file({"runs": {"pi1": {"dataset": "pi01"}}}, "runs.pi1.dataset"),
    # JSON given on the command line
    "spec-not-an-object-show-config": _spec("show-config"),
    "spec-not-an-object-train": _spec("train"),
    "spec-not-an-object-evaluate": _spec("evaluate"),
    "settings-not-an-object": _tiny_settings("[]", "--settings"),
    "settings-bad-value": _tiny_settings('{"hidden_size": -1}', "tiny_model.hidden_size"),
    # metrics files read by the reports
    "metrics-accuracy-string": _table1("benchmarks.math500.accuracy", bench_accuracy="high"),
    "metrics-accuracy-NaN": _table1("NaN", bench_accuracy=float("nan")),
    "metrics-step-string": _table1("'step'", step="two"),
    "metrics-benchmarks-list": _table1("'benchmarks'", benchmarks=[1]),
    "report-config-hash-without-value": _table1("--config-hash", extra=("--config-hash", "nohash")),
    # grade
    "grade-bare-NaN-in-row": _grade('{"response": "\\\\boxed{1}", "answer": "1", "score": NaN}', "NaN"),
    "grade-answer-null": _grade('{"response": "\\\\boxed{1}", "answer": null}', "'answer'"),
    # evaluate
    "evaluate-missing-data-dir": _evaluate("Qwen/Qwen2.5-Math-1.5B", "nodata", ("nodata", "--data-dir")),
    "evaluate-missing-checkpoint-folder": _evaluate("ck/checkpoint-4", None, ("ck/checkpoint-4", "not a hub id")),
    "evaluate-missing-enabled-benchmark": _evaluate(
        "Qwen/Qwen2.5-Math-1.5B", "partial", ("aime24", "enabled"), enabled=("math500", "aime24")
    ),
    "evaluate-negative-step": _evaluate("Qwen/Qwen2.5-Math-1.5B", None, ("--step",), step="-1"),
    "evaluate-run-missing-checkpoint-folders": _evaluate_run("2,4", "ck/checkpoint-2"),
    "evaluate-run-step-twice": _evaluate_run("2,2", "twice"),
    "evaluate-run-negative-step": _evaluate_run("2,-4", "each 0 or more"),
    # fetch-data
    "fetch-missing-local-data-dir": _fetch_missing_local,
    "fetch-lock-file-vouches-for-corrupted-copy": _fetch_lock_bypass,
    # other commands
    "collect-history-malformed-done-file": _collect_history,
    "plot-scores-bad-mark": _plot_scores,
    "plot-figure-spec-not-an-object": _plot_figure_spec,
}


@pytest.mark.parametrize("case", list(CLI_CASES))
def test_bad_input_is_one_line_exit_2_and_writes_nothing(case, tmp_path, shared_data, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # nothing here may reach for the network
    argv, fragments, absent = CLI_CASES[case](tmp_path, shared_data)
    result = cli_here(*argv)
    code, err = result.returncode, result.stderr
    assert_one_line(code, err, *fragments)
    for path in absent:
        assert not path.exists(), f"{path} was created by a refused command"
    assert not (tmp_path / "X").exists()


def test_faults_doc_lists_every_case():
    """docs/faults.md is the index of what was tried: every case here is a row there, and the README links it."""
    text = (oc.REPO_ROOT / "docs" / "faults.md").read_text()
    for case in CLI_CASES:
        assert f"`{case}`" in text, case
    assert "docs/faults.md" in (oc.REPO_ROOT / "README.md").read_text()


def test_run_names_with_dots_are_kept_and_dot_dot_refused():
    """Runs named after a model key (`run_qwen2.5-math-7b`) are valid; '..' anywhere is not."""
    config = oc.load_config()
    config["runs"]["run_qwen2.5-math-7b"] = {"dataset": "pi1", "model": "qwen2.5-math-7b"}
    oc.validate_config(config)
    for name in ("a..b", ".hidden", "a/b", "a b", "a;b", "x" * 101):
        config = oc.load_config()
        config["runs"][name] = {"dataset": "pi1"}
        with pytest.raises(oc.ConfigError, match="run name"):
            oc.validate_config(config)


def test_command_line_values_are_typed_by_the_schema():
    config = oc.load_config()
    overrides = {
        "training": {"gpus": "4", "learning_rate": "1e-6", "bf16": "false", "label_override": "12.7"},
        "evaluation": {"steps": ["20", "40"], "max_model_len": "null"},
    }
    config = oc.deep_merge(config, overrides)
    oc.apply_command_line_types(config, overrides)
    assert config["training"]["gpus"] == 4 and config["training"]["learning_rate"] == 1e-6
    assert config["training"]["bf16"] is False
    assert config["training"]["label_override"] == "12.7"  # a string key stays a string
    assert config["evaluation"]["steps"] == [20, 40] and config["evaluation"]["max_model_len"] is None
    oc.validate_config(config)


# ----------------------------------------------------------------------------------------------------------
# Ranking: a total order, or a refusal
# ----------------------------------------------------------------------------------------------------------


def test_released_ranking_is_a_total_order(shared_data, tmp_path):
    ranking = selection.rank_examples(data.load_history(shared_data / data.relpath_of("history")))
    scores = list(ranking["score"])
    assert all(a >= b for a, b in zip(scores, scores[1:], strict=False))
    assert list(ranking["rank"]) == list(range(1, 1210)) and ranking["index"].is_unique
    path = tmp_path / "ranking.tsv"
    selection.write_ranking(ranking, path)
    assert selection.read_ranking(path).equals(ranking.assign(score=ranking["score"].round(6)))


def test_one_empty_history_no_longer_scrambles_the_ranking(shared_data, tmp_path):
    """The issue's case: the real history with one example's list emptied ranked 1,178 of 1,209 examples
    differently (NaN breaks the sort), exit 0. Now it is refused naming that example."""
    history = json.loads((shared_data / data.relpath_of("history")).read_text())
    history["124"] = []
    path = tmp_path / "h.json"
    path.write_text(json.dumps(history))
    with pytest.raises(selection.SelectionError, match="key '124': no accuracy recorded"):
        selection.rank_examples(data.load_history(path))


def test_training_rows_with_a_fractional_example_index_are_refused():
    """extra_info.index 1.5 was truncated to example 1 (whose history it then joined); it is refused naming the row."""
    frame = pd.DataFrame(
        {
            "prompt": [[{"role": "user", "content": "x"}]] * 2,
            "reward_model": [{"ground_truth": "1"}] * 2,
            "extra_info": [{"index": 7}, {"index": 1.5}],
        }
    )
    with pytest.raises(data.DataError, match=r"row 1: extra_info.index '1.5' is not an integer"):
        data.verl_rows_to_records(frame)
    assert [row["index"] for row in data.verl_rows_to_records(frame.iloc[:1])] == [7]


# ----------------------------------------------------------------------------------------------------------
# Checksums: the package's win
# ----------------------------------------------------------------------------------------------------------


def test_lock_file_adds_only_files_the_package_does_not_know(tmp_path, shared_data, monkeypatch):
    relpath = data.relpath_of("amc23")
    unknown = "extra/unknown.jsonl"
    monkeypatch.setitem(data.RELPATHS, "unknown", unknown)
    mirror = tmp_path / "mirror"
    for path, payload in ((relpath, b"corrupted"), (unknown, b"an extra file\n")):
        (mirror / path).parent.mkdir(parents=True, exist_ok=True)
        (mirror / path).write_bytes(payload)
    lock = {relpath: hashlib.sha256(b"corrupted").hexdigest(), unknown: hashlib.sha256(b"an extra file\n").hexdigest()}
    (mirror / data.LOCK_FILENAME).write_text(json.dumps(lock))
    dest = tmp_path / "dest"
    with pytest.raises(data.DataError, match="cannot override the package's checksum"):
        data.fetch("amc23", dest, local_data_dir=mirror)
    assert not dest.exists()  # nothing copied, no lock entry recorded, no folder left
    assert data.fetch("unknown", dest, local_data_dir=mirror).read_bytes() == b"an extra file\n"
    assert json.loads((dest / data.LOCK_FILENAME).read_text()) == {unknown: lock[unknown]}
    data.fetch("amc23", dest, local_data_dir=shared_data)  # the good copy is accepted beside it


# ----------------------------------------------------------------------------------------------------------
# Grading under the timeout
# ----------------------------------------------------------------------------------------------------------


def test_qwen_eval_long_answers_and_golds_finish(tmp_path):
    """200 KB answers and golds in every shape that used to take quadratic time outside the timeout (the gold's
    strip_string: 50 KB took 52 s, 200 KB would take ~14 min). The subprocess timeout is only a hang guard."""
    digits = "1" * 200_000
    rows = [
        {"response": "\\boxed{2}", "answer": digits},
        {"response": "\\boxed{" + digits + "}", "answer": "2"},
        {"response": "\\boxed{" + "1" * 9_990 + "}", "answer": "2"},
        {"response": "\\boxed{" + "\\text{a}" * 25_000 + "}", "answer": "\\text{a}" * 25_000},
        {"response": "The answer is " + "1." * 100_000, "answer": "1"},
        {"response": "\\boxed{" + "\\mbox{" * 30_000 + "}", "answer": "\\mbox{" * 30_000},
    ]
    source = tmp_path / "long.jsonl"
    source.write_text("".join(json.dumps(row) + "\n" for row in rows))
    out = tmp_path / "graded.jsonl"
    result = subprocess.run(
        ["oneshot-rlvr", "grade", "--mode", "qwen_eval", "--input", str(source), "--output", str(out)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(result.stdout)
    assert summary["n"] == len(rows)
    graded = [json.loads(line) for line in out.read_text().splitlines()]
    assert [row["correct"] for row in graded][:3] == [False, False, False]


@pytest.mark.parametrize(
    "text",
    ["12.50", "3.000 cm", "x = 1.0, y = 2.00", "10.0", "1.05", "a1.0b", "12.", "7.0)", "1.0.0", "0.0", "", "99"],
)
def test_strip_string_number_rule_is_unchanged(text):
    """The linear form of strip_string's trailing-zero rule gives the quadratic one's result."""

    def old(value: str) -> str:
        value = re.sub(r"(\d+)\.0*([^\d])", r"\1\2", value)
        return re.sub(r"(\d+)\.0*$", r"\1", value)

    def new(value: str) -> str:
        value = re.sub(r"(?<!\d)(\d+)\.0*([^\d])", r"\1\2", value)
        return re.sub(r"(?<!\d)(\d+)\.0*$", r"\1", value)

    assert new(text) == old(text)


def test_long_pairs_are_graded_in_workers_not_in_process(monkeypatch):
    """A pair longer than MAX_ANSWER_CHARS is never normalised in the calling process."""
    calls = []
    real_equal = grading.dispatch.pair_equal

    def spy(pred, gold, mode, allow_slow):
        calls.append((len(pred), len(gold), allow_slow))
        return real_equal(pred, gold, mode, allow_slow)

    monkeypatch.setattr(grading.dispatch, "pair_equal", spy)
    verdicts = grading.grade_many(["\\boxed{2}", "\\boxed{3}"], ["2", "1" * 5000], mode="qwen_eval", workers=1)
    assert verdicts[0].correct and not verdicts[1].correct
    assert calls == [(1, 1, False)]  # only the short pair in-process; the long one went to a worker


# ----------------------------------------------------------------------------------------------------------
# Files: the umask's permissions, fsynced
# ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o077])
def test_outputs_follow_the_umask(tmp_path, shared_data, umask):
    previous = os.umask(umask)
    try:
        oio.atomic_write_text(tmp_path / "a" / "text.txt", "x")
        oio.atomic_write_bytes_from(
            tmp_path / "a" / "frame.parquet", lambda tmp: pd.DataFrame({"a": [1]}).to_parquet(tmp)
        )
        fetched = data.fetch("amc23", tmp_path / "d", local_data_dir=shared_data)
        source = tmp_path / "r.jsonl"
        source.write_text('{"response": "\\\\boxed{1}", "answer": "1"}\n')
        grading.grade_jsonl(source, tmp_path / "a" / "graded.jsonl")
        expected = 0o666 & ~umask
        for path in (
            tmp_path / "a" / "text.txt",
            tmp_path / "a" / "frame.parquet",
            fetched,
            tmp_path / "a" / "graded.jsonl",
        ):
            assert stat.S_IMODE(path.stat().st_mode) == expected, (path, oct(path.stat().st_mode))
        assert oio.file_mode() == expected and oio.dir_mode() == 0o777 & ~umask
    finally:
        os.umask(previous)


def test_tiny_model_folder_follows_the_umask(tiny_model):
    """The session's tiny model was built under the test process's umask (mkdtemp alone would make it 0700)."""
    assert stat.S_IMODE(tiny_model.stat().st_mode) == oio.dir_mode()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/self/fd names what was synced")
def test_atomic_writes_fsync_the_file_and_its_folder(tmp_path, monkeypatch):
    synced = []
    real_fsync = os.fsync

    def recording_fsync(fd):
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    target = tmp_path / "out" / "metrics.json"
    oio.atomic_write_json(target, {"a": 1})
    assert str(target.parent) in synced  # the folder, after the rename
    assert any(Path(path).name.startswith(".metrics.json.") for path in synced)  # the file, before it
