"""A training job with bad input fails once; a job that failed otherwise is still retried (train_grpo's retries).

Real Snakemake runs of the miniature's `train_grpo` for pi1, with no model built: the bad input (a batch layout
that cannot be split into micro-batches) and the other failure (a hub model that cannot be reached offline) both
end before any model loads.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers.workflow import copy_workflow

from oneshot_rlvr.cli import main
from oneshot_rlvr.training.bad_input import RECORD_NAME, record_bad_input, recorded_bad_input

TARGET = "results/runs/pi1/train_done.json"


def workflow_copy(dest: Path, overrides: dict) -> Path:
    copy_workflow(dest)
    (dest / "config" / "case.yaml").write_text(yaml.safe_dump(overrides))
    return dest


def run_training_job(workdir: Path, shared_data: Path) -> subprocess.CompletedProcess:
    args = [
        sys.executable, "-m", "snakemake", TARGET, "--cores", "1", "--configfile", "config/tiny.yaml",
        "config/case.yaml", "--config", f"local_data_dir={shared_data}",
    ]  # fmt: skip
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    return subprocess.run(args, cwd=workdir, capture_output=True, text=True, env=env, timeout=900)


def train_attempts(output: str) -> list[dict[str, str]]:
    """The resources Snakemake printed for each attempt of train_grpo."""
    attempts = []
    for block in re.findall(r"rule train_grpo:.*?resources: ([^\n]*)", output, flags=re.S):
        attempts.append(dict(item.split("=", 1) for item in block.split(", ")))
    return attempts


@pytest.mark.slow
def test_bad_input_is_checked_once_and_other_failures_are_retried(tmp_path, shared_data):
    not_a_model = {"tiny": {"path": "no-such-org/no-such-model", "build": False}}

    bad = workflow_copy(tmp_path / "bad", {"models": not_a_model, "training": {"micro_batch_size": 3}})
    result = run_training_job(bad, shared_data)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    attempts = train_attempts(output)
    assert [a["attempt"] for a in attempts] == ["1", "2", "3"], output[-3000:]
    # Attempt 1 ran the checks with the run's resources; the retries asked for one minute and no GPU ...
    assert attempts[0]["runtime"] == "30" and [(a["runtime"], a["gpu"]) for a in attempts[1:]] == [("1", "0")] * 2
    record = bad / "results" / "runs" / "pi1" / RECORD_NAME
    assert "not a multiple of micro_batch_size" in record.read_text()
    # ... and only repeated what attempt 1 found (the log is the last attempt's).
    log = (bad / "logs" / "train_grpo" / "pi1.log").read_text()
    assert "found by an earlier attempt; bad input is not run again" in log
    assert "micro_batch_size x processes = 3" in log
    assert not (bad / "results" / "runs" / "pi1" / "checkpoints").exists()

    # The input fixed, a new Snakemake run checks it again (attempt 1 forgets the record): now it gets past the
    # batch layout to the model, which cannot be reached offline, a failure of the kind a retry may cure.
    (bad / "config" / "case.yaml").write_text(yaml.safe_dump({"models": not_a_model}))
    result = run_training_job(bad, shared_data)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    attempts = train_attempts(output)
    assert [(a["attempt"], a["runtime"]) for a in attempts] == [("1", "30"), ("2", "60"), ("3", "90")], output[-3000:]
    assert not record.exists()
    log = (bad / "logs" / "train_grpo" / "pi1.log").read_text()
    assert "couldn't connect" in log and "earlier attempt" not in log


def test_record_is_read_by_retries_and_forgotten_by_a_new_run(tmp_path, capsys):
    done = tmp_path / "runs" / "x" / "train_done.json"
    record_bad_input(done, "no folder")
    assert not done.parent.exists()  # creates no folder (Snakemake makes the output's)
    done.parent.mkdir(parents=True)
    record_bad_input(done, "dataset d.parquet:\n row 3 is malformed")
    assert recorded_bad_input(done, 2) == "dataset d.parquet: row 3 is malformed"
    code = main(["train", "--run", "x", "--spec", "{}", "--dataset", "d", "--checkpoint-dir", "c", "--done",
                 str(done), "--attempt", "3"])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        "oneshot-rlvr train: error: dataset d.parquet: row 3 is malformed "
        "(found by an earlier attempt; bad input is not run again)"
    )
    assert recorded_bad_input(done, 1) is None and not (done.parent / RECORD_NAME).exists()
    assert recorded_bad_input(done, 2) is None
