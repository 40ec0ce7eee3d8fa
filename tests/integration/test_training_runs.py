"""GRPO training runs on the tiny model that take longer: a run resumed to more steps, and a real `oneshot-rlvr train`
process SIGKILLed at a random moment and resumed. The rest of training (rewards, history, checkpoints, the first
update's learning rate) is in tests/unit/test_training.py."""

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
def test_train_then_resume_to_more_steps(tiny_model, dsr_dataset, tmp_path):
    checkpoints = tmp_path / "checkpoints"
    first = training.train(tiny_spec(tiny_model), dsr_dataset, checkpoints, tmp_path / "done.json")
    assert first["steps"] == [1, 2] and first["resumed_from"] is None
    history = json.loads((checkpoints / "checkpoint-2" / training.HISTORY_FILE).read_text())
    # 2 prompts per step, one history entry per (example, step); values are multiples of 1/4.
    assert sum(len(v) for v in history.values()) == 4
    assert all(value * 4 == int(value * 4) for values in history.values() for value in values)
    for step in (1, 2):
        saved = checkpoints / f"checkpoint-{step}"
        assert (saved / "config.json").exists() and (saved / "tokenizer.json").exists()
        assert json.loads((saved / "trainer_state.json").read_text())["global_step"] == step

    second = training.train(tiny_spec(tiny_model, max_steps=4), dsr_dataset, checkpoints, tmp_path / "done.json")
    assert second["resumed_from"].endswith("checkpoint-2")
    assert second["steps"] == [1, 2, 3, 4]
    final = json.loads((checkpoints / "checkpoint-4" / training.HISTORY_FILE).read_text())
    assert sum(len(v) for v in final.values()) == 8
    for key, values in history.items():  # the resumed history extends the recorded one
        assert final[key][: len(values)] == values
    done = json.loads((tmp_path / "done.json").read_text())
    assert done["max_steps"] == 4 and done["history_entries"] == 8

    # The training log: one row per step across the resume, each with 2 prompts x 4 rollouts, TRL's values and
    # sampled rollouts whose correctness agrees with the step's accuracy.
    log = training.read_train_log(checkpoints)
    assert [row["step"] for row in log] == [1, 2, 3, 4]
    for row in log:
        assert row["rollouts"] == 8 and row["accuracy"] * 8 == int(row["accuracy"] * 8)
        assert {"entropy", "completions/mean_length", "policy_loss", "policy_loss_abs", "kl"} <= set(row["trl"])
        assert row["trl"]["policy_loss_abs"] >= abs(row["trl"]["policy_loss"]) - 1e-9
        assert len(row["samples"]) == training.LOG_SAMPLES_PER_STEP
        assert all(sample["index"] in map(int, final) for sample in row["samples"])
        if row["accuracy"] == 0:
            assert not any(sample["correct"] for sample in row["samples"])
    # Per-step accuracy agrees with the recorded history (one example per prompt, 4 rollouts each).
    assert sum(row["accuracy"] * 2 for row in log) == pytest.approx(sum(sum(v) for v in final.values()))


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
