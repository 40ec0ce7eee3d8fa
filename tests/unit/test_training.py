"""GRPO training with TRL on the tiny model: rewards, history recording, checkpoints and resume."""

from __future__ import annotations

import pytest
from helpers.training import tiny_spec

from oneshot_rlvr import config as oc
from oneshot_rlvr import training


def test_history_recorder_uses_the_authors_formula():
    recorder = training.HistoryRecorder(num_generations=4)
    # Step 1: example 7 duplicated in 2 groups of 4 with 3 + 2 correct; example 9 one group with 1 correct.
    recorder.add(1, [7] * 8 + [9] * 4, [1, 1, 1, 0, 1, 1, 0, 0] + [1, 0, 0, 0])
    recorder.add(2, [9] * 4, [1, 1, 1, 1])
    recorder.merge_pending([recorder.take_pending()])
    # floor(5 / (8/4)) / 4 = floor(2.5) / 4 = 0.5
    assert recorder.history == {"7": [0.5], "9": [0.25, 1.0]}
    assert list(recorder.history) == ["7", "9"]


def test_history_merges_ranks_in_step_order():
    recorder = training.HistoryRecorder(num_generations=2, history={"3": [0.0]})
    rank0 = training.HistoryRecorder(2)
    rank1 = training.HistoryRecorder(2)
    rank0.add(3, [3, 3], [1, 1])
    rank1.add(2, [3, 3], [1, 0])
    recorder.merge_pending([rank0.take_pending(), rank1.take_pending()])
    assert recorder.history == {"3": [0.0, 0.5, 1.0]}


def test_rewards_outcome_and_format():
    recorder = training.HistoryRecorder(num_generations=2)
    outcome = training.RewardFunction("outcome", "default", 5.0, recorder)
    completions = [[{"role": "assistant", "content": "so \\boxed{12.8}"}], [{"role": "assistant", "content": "13"}]]
    assert outcome(None, completions, ["12.8", "12.8"], [124, 124]) == [1.0, 0.0]
    fmt = training.RewardFunction("format", "default", 5.0, recorder)
    assert fmt(None, ["\\boxed{3}", "no box"], ["12.8", "12.8"], [5, 5]) == [1.0, 0.0]
    recorder.merge_pending([recorder.take_pending()])
    # The history records accuracy whatever the reward: the format-rewarded answer 3 was wrong.
    assert recorder.history == {"124": [0.5], "5": [0.0]}


def test_training_log_combines_ranks_and_trl_values():
    log = training.TrainingLog(samples_per_step=3)
    other_rank = training.TrainingLog(samples_per_step=3)
    log.add(1, [7, 7], ["12.8", "12.8"], ["a \\boxed{12.8}", "b"], [1.0, 0.0], [1.0, 0.0])
    other_rank.add(1, [7, 7], ["12.8", "12.8"], ["c", "d"], [1.0, 1.0], [1.0, 1.0])
    log.add(2, [9], ["4"], ["x" * (training.LOG_SAMPLE_MAX_CHARS + 10)], [0.0], [1.0])
    history = [
        {"step": 1, "loss": 0.5, "entropy": 0.7, "completions/mean_length": 20.0},
        {"step": 1, "grad_norm": float("nan")},
        {"step": 3, "loss": 9.0},
    ]
    rows = log.rows([log.take_pending(), other_rank.take_pending()], history)
    assert [row["step"] for row in rows] == [1, 2]
    assert rows[0]["rollouts"] == 4 and rows[0]["accuracy"] == 0.75 and rows[0]["reward"] == 0.75
    # at most samples_per_step rollouts, first rank first; NaN becomes null
    assert [s["completion"] for s in rows[0]["samples"]] == ["a \\boxed{12.8}", "b", "c"]
    assert rows[0]["trl"] == {"loss": 0.5, "entropy": 0.7, "completions/mean_length": 20.0, "grad_norm": None}
    # the format reward can pay a wrong answer: accuracy 0, reward 1
    assert rows[1]["accuracy"] == 0.0 and rows[1]["reward"] == 1.0 and rows[1]["trl"] == {}
    assert len(rows[1]["samples"][0]["completion"]) == training.LOG_SAMPLE_MAX_CHARS
    assert log.take_pending() == {}


def test_read_train_log_checks_every_step(tmp_path):
    from oneshot_rlvr.io import atomic_write_jsonl

    for step, steps in ((2, [1, 2]), (4, [3, 4])):
        checkpoint = tmp_path / f"checkpoint-{step}"
        atomic_write_jsonl(checkpoint / training.TRAIN_LOG_FILE, [{"step": s, "accuracy": 0.5} for s in steps])
        (checkpoint / training.COMPLETE_MARKER).write_text("{}")
    (tmp_path / "checkpoint-6").mkdir()  # partial: ignored
    assert [row["step"] for row in training.read_train_log(tmp_path)] == [1, 2, 3, 4]
    atomic_write_jsonl(tmp_path / "checkpoint-4" / training.TRAIN_LOG_FILE, [{"step": 4}])
    with pytest.raises(training.TrainingError, match="checkpoint-4.*expected steps 3..4"):
        training.read_train_log(tmp_path)
    (tmp_path / "checkpoint-2" / training.TRAIN_LOG_FILE).unlink()
    with pytest.raises(training.TrainingError, match="checkpoint-2/train_log.jsonl does not exist"):
        training.read_train_log(tmp_path)
    with pytest.raises(training.TrainingError, match="no complete checkpoint"):
        training.read_train_log(tmp_path / "none")


def test_batch_layout_and_its_errors():
    spec = oc.training_spec(oc.load_config(), "pi1")
    assert training.batch_layout(spec, world_size=8)["gradient_accumulation_steps"] == 8
    bad = {**spec, "micro_batch_size": 7}
    with pytest.raises(training.TrainingError, match="micro_batch_size"):
        training.batch_layout(bad)


def test_partial_checkpoints_are_removed(tmp_path):
    (tmp_path / "checkpoint-2").mkdir()
    (tmp_path / "checkpoint-2" / training.COMPLETE_MARKER).write_text("{}")
    (tmp_path / "checkpoint-4").mkdir()
    assert [step for step, _ in training.complete_checkpoints(tmp_path)] == [2]
    assert training.remove_partial_checkpoints(tmp_path) == [tmp_path / "checkpoint-4"]
    assert not (tmp_path / "checkpoint-4").exists()


def test_missing_dataset_and_model_are_named(tiny_model, tmp_path):
    with pytest.raises(training.TrainingError, match="does not exist"):
        training.train(tiny_spec(tiny_model), tmp_path / "nope.parquet", tmp_path / "c", tmp_path / "d.json")
    with pytest.raises(training.TrainingError, match="model path"):
        training.train(tiny_spec(tmp_path / "no-model"), tmp_path / "x.parquet", tmp_path / "c", tmp_path / "d.json")
    assert not (tmp_path / "d.json").exists()


def test_empty_or_malformed_dataset(tmp_path):
    import pandas as pd

    empty = tmp_path / "empty.parquet"
    pd.DataFrame({"prompt": [], "reward_model": [], "extra_info": []}).to_parquet(empty)
    with pytest.raises(training.TrainingError, match="empty"):
        training.load_training_records(empty)
    missing = tmp_path / "missing.parquet"
    pd.DataFrame({"prompt": [[{"role": "user", "content": "x"}]]}).to_parquet(missing)
    with pytest.raises(training.TrainingError, match="reward_model"):
        training.load_training_records(missing)


@pytest.mark.parametrize("lr_zero", [True, False])
def test_first_update_lr_zero_switch(tiny_model, dsr_dataset, tmp_path, lr_zero):
    """verl's scheduler quirk: with the switch on, the first update leaves every weight unchanged."""
    from safetensors.torch import load_file

    spec = tiny_spec(tiny_model, max_steps=1, save_steps=1, first_update_lr_zero=lr_zero)
    training.train(spec, dsr_dataset, tmp_path / "c", tmp_path / "done.json")
    before = load_file(tiny_model / "model.safetensors")
    after = load_file(tmp_path / "c" / "checkpoint-1" / "model.safetensors")
    unchanged = all(torch_equal(before[name], after[name]) for name in before)
    assert unchanged is lr_zero


def torch_equal(a, b) -> bool:
    import torch

    return bool(torch.equal(a, b))


def test_changed_training_data_does_not_resume_old_checkpoints(tmp_path):
    import pandas as pd

    dataset = tmp_path / "a.parquet"
    pd.DataFrame({"x": [1]}).to_parquet(dataset)
    spec = {"run": "pi1", "learning_rate": 1e-6, "max_steps": 4}
    checkpoints = tmp_path / "checkpoints"
    assert training.set_aside_stale_checkpoints(checkpoints, training.trajectory_fingerprint(spec, dataset)) is None
    (checkpoints / "checkpoint-2").mkdir()
    # More steps: same trajectory, resumable.
    longer = training.trajectory_fingerprint({**spec, "max_steps": 8}, dataset)
    assert training.set_aside_stale_checkpoints(checkpoints, longer) is None
    assert (checkpoints / "checkpoint-2").exists()
    # Other data: the old checkpoints are moved aside, not deleted.
    pd.DataFrame({"x": [2]}).to_parquet(dataset)
    moved = training.set_aside_stale_checkpoints(checkpoints, training.trajectory_fingerprint(spec, dataset))
    assert moved is not None and (moved / "checkpoint-2").exists()
    assert not list(checkpoints.glob("checkpoint-*"))
