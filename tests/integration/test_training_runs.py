"""GRPO training killed and resumed: a real `oneshot-rlvr train` process on the tiny model, SIGKILLed at a random
moment. The rest of training (rewards, history, checkpoints, resume to more steps) is in tests/unit/test_training.py."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time

import pytest
from helpers.training import tiny_spec

from oneshot_rlvr import training


@pytest.mark.slow
def test_killed_run_resumes_from_its_last_checkpoint(tiny_model, dsr_dataset, tmp_path):
    """SIGKILL at a random moment (seeded) after the first complete checkpoint, possibly while a checkpoint is
    being written; the re-run resumes from the last complete one, ends at the same step count with the whole
    history, and leaves no partial checkpoint behind."""
    spec = tiny_spec(tiny_model, max_steps=6, save_steps=1)
    checkpoints, done = tmp_path / "checkpoints", tmp_path / "done.json"
    command = [
        "oneshot-rlvr",
        "train",
        "--run",
        "dsr_sub",
        "--spec",
        json.dumps(spec),
        "--dataset",
        str(dsr_dataset),
        "--checkpoint-dir",
        str(checkpoints),
        "--done",
        str(done),
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not training.complete_checkpoints(checkpoints) and time.time() < deadline and process.poll() is None:
        time.sleep(0.05)
    first_saved = time.time()
    delay = random.Random(8).uniform(0.0, 2.0)  # seconds: a few steps of the tiny model
    while process.poll() is None and time.time() < first_saved + delay:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    saved = training.complete_checkpoints(checkpoints)
    assert saved, "no checkpoint was completed before the kill"
    last_complete = saved[-1][0]
    assert last_complete < 6, "the run ended before the kill"
    assert not done.exists()

    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(done.read_text())
    assert summary["resumed_from"].endswith(f"checkpoint-{last_complete}")
    assert summary["steps"] == [1, 2, 3, 4, 5, 6]
    history = json.loads((checkpoints / "checkpoint-6" / training.HISTORY_FILE).read_text())
    assert sum(len(values) for values in history.values()) == 6 * spec["prompts_per_step"]
    assert all((path / training.COMPLETE_MARKER).exists() for path in checkpoints.glob("checkpoint-*"))
    # The training log covers each step once: the steps the kill lost were recorded again, none twice.
    assert [row["step"] for row in training.read_train_log(checkpoints)] == [1, 2, 3, 4, 5, 6]
