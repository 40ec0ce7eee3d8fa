"""Snakemake interrupted (SIGINT, SIGTERM, SIGKILL) during the miniature's Table 1: `--rerun-incomplete` completes
it, a further run has nothing to do, and the tables equal, byte for byte, those of the suite's uninterrupted
miniature (determinism: the same config from scratch gives the same tables).

It runs in a copy of the finished miniature with two of Table 1's runs taken away (their checkpoints, evaluations
and the table): those two train and evaluate from scratch through the three interruptions, the rest is the
miniature's, so the test costs two runs, not Table 1's 23 jobs. One job at a time (`--cores 1`), so each signal
lands at a known point: the first training, the first evaluation, the second evaluation half done."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers.workflow import job_counts

from oneshot_rlvr import paths

# Table 1's runs of 2 steps each (config/tiny.yaml): 2 trainings and 2 evaluation jobs (one evaluate_chunk per
# run: both its checkpoints) to interrupt.
RETRAINED = ("pi1", "dsr_sub")


def interruptible() -> None:
    """In the child before Snakemake starts: SIGINT handled as a terminal's Ctrl-C. A shell starts background jobs
    with SIGINT ignored, and a Python started with it ignored never raises KeyboardInterrupt, so under
    `.ci/run &` the Ctrl-C below would be lost and the workflow run to its end."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_until(workdir: Path, args: list[str], ready, sig: int, whole_group: bool) -> None:
    """Start Snakemake, wait until `ready(workdir)`, then send `sig` to it (or to its whole process group, as a
    Ctrl-C or a lost machine would) and wait until every process of the group has ended."""
    process = subprocess.Popen(
        args,
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=interruptible,
    )
    deadline = time.time() + 600
    while process.poll() is None and not ready(workdir) and time.time() < deadline:
        time.sleep(0.2)
    assert process.poll() is None, "the workflow ended before the interruption"
    if whole_group:
        os.killpg(process.pid, sig)
    else:
        process.send_signal(sig)
    process.wait(timeout=300)
    if whole_group:  # a Ctrl-C or a lost machine stops the workflow before its end
        assert process.returncode != 0, f"{signal.Signals(sig).name} did not stop the workflow"
    for _ in range(600):  # jobs Snakemake started end with it (or are killed with the group)
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        os.killpg(process.pid, signal.SIGKILL)
        raise AssertionError(f"jobs of the interrupted workflow outlived it ({signal.Signals(sig).name})")


def files_under(workdir: Path, pattern: str) -> list[Path]:
    return list(workdir.glob(pattern))


def take_away(workdir: Path, runs: tuple[str, ...]) -> None:
    """Remove what `runs` trained and evaluated, Table 1, and every training and evaluation log (the test watches
    the logs of its own jobs)."""
    for run in runs:
        shutil.rmtree(workdir / paths.checkpoints_dir(run))
        (workdir / paths.train_done(run)).unlink()
        shutil.rmtree(workdir / paths.run_eval_dir(run))
    for name in paths.table_files(1):
        (workdir / name).unlink(missing_ok=True)
    for rule in ("train_grpo", "evaluate_chunk"):
        shutil.rmtree(workdir / "logs" / rule)


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process groups and signals")
def test_interrupted_workflow_completes_and_matches_an_uninterrupted_run(tmp_path, miniature):
    args = ["snakemake", "reproduce_table1", "--cores", "1", *miniature.config_args()]
    interrupted = miniature.clone(tmp_path / "oneshot-rlvr")  # the data at ../shared/data, as the miniature's
    take_away(interrupted, RETRAINED)
    planned = subprocess.run([*args, "-n"], cwd=interrupted, capture_output=True, text=True)
    assert planned.returncode == 0, planned.stderr[-4000:]
    counts = job_counts(planned.stdout)
    assert (counts["train_grpo"], counts["evaluate_chunk"], counts["report_table1"]) == (2, 2, 1), counts
    # Ctrl-C while the first training runs (its log has started: the model loads and trains for seconds, whereas
    # the miniature's 2-step run may be all but done when its first checkpoint appears); SIGTERM to Snakemake during
    # the first evaluation job (it finishes the running job, then stops); SIGKILL of everything (a lost machine)
    # once the second job has evaluated its first checkpoint, so the last run resumes that job half done.
    resume = [*args, "--rerun-incomplete"]
    run_until(interrupted, args, lambda wd: any(log.stat().st_size for log in files_under(wd, "logs/train_grpo/*.log")),
              signal.SIGINT, True)  # fmt: skip
    # An evaluation log written by this run (the first may have started the base model's evaluation already).
    second_started = time.time()
    run_until(
        interrupted,
        resume,
        lambda wd: any(p.stat().st_mtime > second_started for p in files_under(wd, "logs/evaluate_chunk/*/*.log")),
        signal.SIGTERM,
        False,
    )
    evaluated = len(files_under(interrupted, "results/eval/*/*/metrics.json"))
    run_until(
        interrupted,
        resume,
        lambda wd: len(files_under(wd, "results/eval/*/*/metrics.json")) >= evaluated + 1,
        signal.SIGKILL,
        True,
    )
    subprocess.run([*args, "--unlock"], cwd=interrupted, capture_output=True, check=True)  # the killed run's lock
    done = subprocess.run(resume, cwd=interrupted, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-4000:]
    again = subprocess.run([*args, "-n"], cwd=interrupted, capture_output=True, text=True)
    assert again.returncode == 0 and "Nothing to be done" in again.stdout + again.stderr

    # Determinism: the suite's miniature ran the same config from scratch, never interrupted (its `paper` target
    # includes reproduce_table1): the same tables byte for byte, the two retrained runs' rows included.
    clean = miniature.workdir
    for name in ("table1.md", "table1.csv"):
        assert (interrupted / "reports" / name).read_text() == (clean / "reports" / name).read_text(), name
