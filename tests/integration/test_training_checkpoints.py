"""The run's checkpoint folder under faults: bad input, a second trainer, damage, crashes while marking.

Nothing already computed is lost to a typo or a second process: inputs are checked before the folder is
touched, one trainer holds the run's lock, a marked checkpoint whose files no longer match its marker is set
aside for the previous one, and the marker is written last and durably (fsync) after what it vouches for.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from helpers.training import tiny_spec

from oneshot_rlvr import disk, training


@pytest.fixture(scope="module")
def dsr_dataset(shared_data, tmp_path_factory) -> Path:
    from oneshot_rlvr import data

    path = tmp_path_factory.mktemp("ds") / "dsr_sub.parquet"
    data.load_dsr_sub(shared_data).head(8).to_parquet(path)
    return path


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def cli_train(spec: dict, dataset: Path, checkpoints: Path, done: Path, capsys) -> tuple[int, list[str]]:
    """`oneshot-rlvr train` (in this process): its exit code and its stderr lines."""
    from oneshot_rlvr import cli

    capsys.readouterr()
    argv = ["train", "--run", spec["run"], "--spec", json.dumps(spec), "--dataset", str(dataset)]
    code = cli.main([*argv, "--checkpoint-dir", str(checkpoints), "--done", str(done)])
    return code, capsys.readouterr().err.strip().splitlines()


def run_with_a_checkpoint(spec: dict, dataset: Path, folder: Path) -> Path:
    """A run folder as a real run leaves it: its fingerprint and a complete checkpoint-2."""
    checkpoints = folder / "checkpoints"
    training.set_aside_stale_checkpoints(checkpoints, training.trajectory_fingerprint(spec, dataset))
    (checkpoints / "checkpoint-2").mkdir()
    (checkpoints / "checkpoint-2" / training.COMPLETE_MARKER).write_text('{"step": 2}')
    return checkpoints


def test_bad_dataset_touches_no_checkpoint(tiny_model, dsr_dataset, tmp_path, capsys):
    """A typo in --dataset (or a file that is not a training set) stops with exit 2 before the run's folder is
    touched: valid checkpoints stay, nothing is set aside, and a new run writes no fingerprint or lock."""
    spec = tiny_spec(tiny_model)
    checkpoints = run_with_a_checkpoint(spec, dsr_dataset, tmp_path / "run")
    before = tree(tmp_path / "run")
    typo = tmp_path / "dsr_sbu.parquet"
    code, stderr = cli_train(spec, typo, checkpoints, tmp_path / "done.json", capsys)
    assert code == 2 and stderr == [f"oneshot-rlvr train: error: training dataset {typo} does not exist"]
    not_parquet = tmp_path / "notes.parquet"
    not_parquet.write_text("not a parquet file")
    with pytest.raises(training.TrainingError, match="notes.parquet: not a readable parquet file"):
        training.train(spec, not_parquet, checkpoints, tmp_path / "done.json")
    assert tree(tmp_path / "run") == before and sorted(p.name for p in (tmp_path / "run").iterdir()) == ["checkpoints"]
    fresh = tmp_path / "fresh" / "checkpoints"
    with pytest.raises(training.TrainingError, match="does not exist"):
        training.train(spec, typo, fresh, tmp_path / "done.json")
    assert not (tmp_path / "fresh").exists()  # no run_fingerprint.json, no lock, no folder
    assert not (tmp_path / "done.json").exists()


def holder_process(checkpoints: Path) -> subprocess.Popen:
    """Another process holding the run's lock, as a running trainer does."""
    code = (
        "import sys, time; from oneshot_rlvr.training import RunLock; "
        "RunLock(sys.argv[1]).acquire(); print('locked', flush=True); time.sleep(600)"
    )
    process = subprocess.Popen([sys.executable, "-c", code, str(checkpoints)], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "locked"
    return process


def test_second_trainer_stops_naming_the_holder(tiny_model, dsr_dataset, tmp_path, capsys):
    spec = tiny_spec(tiny_model)
    checkpoints = run_with_a_checkpoint(spec, dsr_dataset, tmp_path / "run")
    before = tree(checkpoints)
    holder = holder_process(checkpoints)
    try:
        code, stderr = cli_train(spec, dsr_dataset, checkpoints, tmp_path / "done.json", capsys)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert code == 2
    [line] = [text for text in stderr if "error" in text]
    assert f"{checkpoints} is in use by another trainer (pid {holder.pid} on host {socket.gethostname()}" in line
    assert tree(checkpoints) == before and not (tmp_path / "done.json").exists()
    # The holder was killed: its lock does not block the next trainer.
    with training.RunLock(checkpoints) as lock:
        assert json.loads(lock.path.read_text())["pid"] == os.getpid()


def test_lock_file_without_flock(tmp_path, monkeypatch):
    """Where the filesystem has no flock, an exclusive lock file: a live holder blocks, a dead one on this host
    or a silent one elsewhere (no heartbeat for stale_after_s) does not."""
    import errno
    import fcntl

    def no_flock(fd, operation):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_flock)
    checkpoints = tmp_path / "checkpoints"
    path = training.run_lock.lock_path(checkpoints)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        live = {"pid": sleeper.pid, "host": socket.gethostname(), "since": "earlier"}
        path.write_text(json.dumps(live))
        with pytest.raises(training.TrainingError, match=f"pid {sleeper.pid} on host {socket.gethostname()}"):
            training.RunLock(checkpoints).acquire()
    finally:
        sleeper.kill()
        sleeper.wait()
    with training.RunLock(checkpoints):  # the same holder, now dead: taken over
        assert json.loads(path.read_text())["pid"] == os.getpid()
    assert not path.exists()  # released
    path.write_text(json.dumps({"pid": 1, "host": "elsewhere", "since": "earlier"}))
    with pytest.raises(training.TrainingError, match="host elsewhere"):
        training.RunLock(checkpoints, stale_after_s=3600).acquire()
    old = time.time() - 7200
    os.utime(path, (old, old))
    with training.RunLock(checkpoints, stale_after_s=3600):
        assert json.loads(path.read_text())["host"] == socket.gethostname()


def test_damaged_checkpoint_falls_back_to_the_previous_one(tiny_model, dsr_dataset, tmp_path, capsys):
    checkpoints, done = tmp_path / "checkpoints", tmp_path / "done.json"
    training.train(tiny_spec(tiny_model), dsr_dataset, checkpoints, done)
    optimizer = checkpoints / "checkpoint-2" / "optimizer.pt"
    size = optimizer.stat().st_size
    with open(optimizer, "r+b") as handle:  # marked complete, then cut short (disk full, bad copy)
        handle.truncate(size // 2)
    capsys.readouterr()
    summary = training.train(tiny_spec(tiny_model, max_steps=3), dsr_dataset, checkpoints, done)
    out = capsys.readouterr().out
    damaged = [line for line in out.splitlines() if "is damaged" in line]
    assert damaged == [
        f"{checkpoints / 'checkpoint-2'} is damaged (optimizer.pt has {size // 2} bytes, the marker recorded {size}); "
        "moved to damaged-checkpoint-2, resuming from an earlier one"
    ]
    assert summary["resumed_from"].endswith("checkpoint-1") and summary["steps"] == [1, 2, 3]
    # checkpoint-1 lost its optimizer state when checkpoint-2 was marked (only the newest keeps it): said aloud.
    assert f"{checkpoints / 'checkpoint-1'} keeps model weights only" in out
    assert (checkpoints / "damaged-checkpoint-2" / "optimizer.pt").stat().st_size == size // 2
    assert [row["step"] for row in training.read_train_log(checkpoints)] == [1, 2, 3]
    history = json.loads((checkpoints / "checkpoint-3" / training.HISTORY_FILE).read_text())
    assert sum(len(values) for values in history.values()) == 3 * 2  # steps 2 and 3 recorded once each


def test_marker_is_written_last_and_durably(tmp_path, monkeypatch):
    """Every file the marker vouches for, and every folder entry, is fsync'd before the marker; the marker
    itself is fsync'd before its rename and its folder after; it lists each file with its size."""
    checkpoint = tmp_path / "checkpoints" / "checkpoint-3"
    (checkpoint / "pytorch_model_fsdp_0").mkdir(parents=True)
    for name, text in (("history.json", "{}"), ("trainer_state.json", '{"global_step": 3}'),
                       ("pytorch_model_fsdp_0/__0_0.distcp", "x" * 10)):  # fmt: skip
        (checkpoint / name).write_text(text)
    synced: list[str] = []
    real_fsync = os.fsync

    def recording_fsync(fd):
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    training.write_complete_marker(checkpoint, 3)
    marker = json.loads((checkpoint / training.COMPLETE_MARKER).read_text())
    assert marker["step"] == 3
    assert marker["files"] == {"history.json": 2, "pytorch_model_fsdp_0/__0_0.distcp": 10, "trainer_state.json": 18}
    marker_sync = next(i for i, path in enumerate(synced) if f".{training.COMPLETE_MARKER}." in path)
    before = set(synced[:marker_sync])
    assert {str(checkpoint / name) for name in marker["files"]} <= before
    assert {str(checkpoint), str(checkpoint / "pytorch_model_fsdp_0")} <= before
    assert synced[marker_sync + 1 :] == [str(checkpoint), str(checkpoint.parent)]
    assert training.checkpoint_damage(checkpoint, 3) is None


def test_checkpoint_damage_names_what_is_wrong(tiny_model, tmp_path):
    checkpoint = tmp_path / "checkpoint-1"
    shutil.copytree(tiny_model, checkpoint)
    (checkpoint / training.HISTORY_FILE).write_text("{}")
    (checkpoint / "trainer_state.json").write_text('{"global_step": 1}')
    training.write_complete_marker(checkpoint, 1)
    assert training.checkpoint_damage(checkpoint, 1) is None
    assert "names another step" in training.checkpoint_damage(checkpoint, 2)
    weights = checkpoint / "model.safetensors"
    data = weights.read_bytes()
    weights.write_bytes(data[:-100])
    assert training.checkpoint_damage(checkpoint, 1).startswith("model.safetensors has")
    (checkpoint / training.COMPLETE_MARKER).write_text('{"step": 1}')  # a marker of an older version: no sizes
    assert "the header describes" in training.checkpoint_damage(checkpoint, 1)
    weights.write_bytes(data)
    (checkpoint / "trainer_state.json").write_text("{")
    assert "trainer_state.json" in training.checkpoint_damage(checkpoint, 1)


def test_a_model_evaluation_cannot_load_is_never_marked(tiny_model, tmp_path):
    """The checkpoint callback checks the saved model as evaluation loads it before writing the marker."""
    from safetensors.torch import load_file, save_file

    from oneshot_rlvr.training.callbacks import CheckpointCompletion

    checkpoint = tmp_path / "checkpoint-1"
    shutil.copytree(tiny_model, checkpoint)
    weights = load_file(checkpoint / "model.safetensors")
    del weights["model.layers.1.mlp.up_proj.weight"]  # e.g. a consolidation that lost a shard
    save_file(weights, checkpoint / "model.safetensors", metadata={"format": "pt"})
    recorder = training.HistoryRecorder(4)
    callback = CheckpointCompletion(recorder, {"bf16": False}, training.TrainingLog())
    args = SimpleNamespace(output_dir=str(tmp_path), world_size=1)
    state = SimpleNamespace(global_step=1, is_world_process_zero=True, log_history=[])
    with pytest.raises(training.TrainingError, match="model.layers.1.mlp.up_proj.weight"):
        callback.on_save(args, state, None)
    assert not (checkpoint / training.COMPLETE_MARKER).exists()
    shutil.copy(tiny_model / "model.safetensors", checkpoint / "model.safetensors")
    (checkpoint / "tokenizer.json").unlink()
    (checkpoint / "tokenizer_config.json").unlink()
    with pytest.raises(training.TrainingError, match="not a loadable model .no tokenizer file"):
        callback.on_save(args, state, None)
    assert not (checkpoint / training.COMPLETE_MARKER).exists()


def test_only_the_newest_checkpoint_keeps_optimizer_state(tiny_model, dsr_dataset, tmp_path, capsys):
    """Disk: a checkpoint's optimizer, scheduler and RNG state go once a newer checkpoint is complete (resuming
    reads only the newest); its model stays loadable for evaluation and its marker still vouches for it. Resuming
    from the newest gives the weights of an uninterrupted run, bit for bit (constant learning rate)."""
    from oneshot_rlvr.training.consolidation import verify_hf_model

    resumed, straight = tmp_path / "resumed", tmp_path / "straight"
    training.train(tiny_spec(tiny_model), dsr_dataset, resumed, tmp_path / "done.json")
    first, second = resumed / "checkpoint-1", resumed / "checkpoint-2"
    state = ["optimizer.pt", "scheduler.pt", "rng_state.pth"]
    assert [name for name in state if (first / name).exists()] == []
    assert [name for name in state if (second / name).exists()] == state
    assert (first / "model.safetensors").stat().st_size == (second / "model.safetensors").stat().st_size
    verify_hf_model(first)
    assert training.checkpoint_damage(first, 1) is None and not training.has_resume_state(first)
    capsys.readouterr()
    summary = training.train(tiny_spec(tiny_model, max_steps=3), dsr_dataset, resumed, tmp_path / "done.json")
    assert summary["resumed_from"] == str(second) and "keeps model weights only" not in capsys.readouterr().out
    assert [name for name in state if (second / name).exists()] == []
    assert [name for name in state if (resumed / "checkpoint-3" / name).exists()] == state
    # `oneshot-rlvr plan`'s estimate (oneshot_rlvr.disk) against the files: 3 checkpoints of fp32 weights and one
    # AdamW state (two fp32 moments), within the files' headers and pickling overhead (about 20 kB here, on 50k
    # parameters; nothing next to a 1.5B model's 12 GB).
    parameters = disk.safetensors_parameters(resumed / "checkpoint-3")
    weights = sum(path.stat().st_size for path in resumed.glob("checkpoint-*/*.safetensors"))
    optimizer = sum(path.stat().st_size for path in resumed.glob("checkpoint-*/optimizer.pt"))
    assert weights == pytest.approx(3 * disk.WEIGHT_BYTES * parameters, rel=0.02)
    assert 0 < optimizer - disk.ADAM_BYTES * parameters < 40_000
    training.train(tiny_spec(tiny_model, max_steps=3), dsr_dataset, straight, tmp_path / "done2.json")
    for step in (1, 2, 3):
        weights = f"checkpoint-{step}/model.safetensors"
        assert (resumed / weights).read_bytes() == (straight / weights).read_bytes(), step


def test_release_weights_spares_the_newest_checkpoint_and_other_folders(tiny_model, tmp_path):
    """`training.keep_checkpoints: false`: an evaluated checkpoint's weights go, noted in its removal log (not
    in the marker, whose mtime is part of the evaluated model's fingerprint); the newest checkpoint (what a
    resume starts from) and a folder that is no checkpoint (a base model) are never touched."""
    checkpoints = tmp_path / "checkpoints"
    for step in (1, 2):
        checkpoint = checkpoints / f"checkpoint-{step}"
        shutil.copytree(tiny_model, checkpoint)
        (checkpoint / training.HISTORY_FILE).write_text("{}")
        (checkpoint / "trainer_state.json").write_text(json.dumps({"global_step": step}))
        training.write_complete_marker(checkpoint, step)
    marker = (checkpoints / "checkpoint-1" / training.COMPLETE_MARKER).stat().st_mtime_ns
    assert training.release_weights(tiny_model) == [] and (tiny_model / "model.safetensors").exists()
    assert training.release_weights(checkpoints / "checkpoint-2") == []
    assert training.release_weights(checkpoints / "checkpoint-1") == ["model.safetensors"]
    assert not (checkpoints / "checkpoint-1" / "model.safetensors").exists()
    assert (checkpoints / "checkpoint-1" / training.COMPLETE_MARKER).stat().st_mtime_ns == marker
    assert "deleted once it was evaluated" in training.checkpoint_damage(checkpoints / "checkpoint-1", 1)
    assert training.newest_usable_checkpoint(checkpoints) == (2, checkpoints / "checkpoint-2")


def test_pruning_covers_fsdp_and_deepspeed_resume_files(tiny_model, tmp_path):
    """Multi-GPU resume state has other names (FSDP's sharded model and optimizer folders, DeepSpeed's
    global_step folder); pruning takes them too, leaves the consolidated model evaluation loads, and only once the
    newest checkpoint is complete and undamaged."""
    checkpoints = tmp_path / "checkpoints"
    resume = {"pytorch_model_fsdp_0/__0_0.distcp": 10, "optimizer_0/__0_0.distcp": 20, "global_step1/x.pt": 5,
              "rng_state_1.pth": 3, "scheduler.pt": 2}  # fmt: skip
    for step in (1, 2):
        checkpoint = checkpoints / f"checkpoint-{step}"
        shutil.copytree(tiny_model, checkpoint)
        (checkpoint / training.HISTORY_FILE).write_text("{}")
        (checkpoint / "trainer_state.json").write_text(json.dumps({"global_step": step}))
        for name, size in resume.items():
            (checkpoint / name).parent.mkdir(exist_ok=True)
            (checkpoint / name).write_bytes(b"x" * size)
        training.write_complete_marker(checkpoint, step)
    newest = checkpoints / "checkpoint-2" / "scheduler.pt"
    newest.write_bytes(b"x")  # the newest is damaged: nothing older is pruned
    assert training.prune_resume_state(checkpoints) == [] and (checkpoints / "checkpoint-1" / "optimizer_0").is_dir()
    newest.write_bytes(b"xx")
    assert training.prune_resume_state(checkpoints) == [checkpoints / "checkpoint-1"]
    left = sorted(path.name for path in (checkpoints / "checkpoint-1").iterdir())
    assert not {"pytorch_model_fsdp_0", "optimizer_0", "global_step1", "rng_state_1.pth", "scheduler.pt"} & set(left)
    assert "model.safetensors" in left and training.checkpoint_damage(checkpoints / "checkpoint-1", 1) is None
    assert all((checkpoints / "checkpoint-2" / name).exists() for name in resume)
