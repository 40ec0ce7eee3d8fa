"""Snakemake interrupted three times during the miniature's Table 1 (Ctrl-C, SIGTERM, SIGKILL), then completed with
`--rerun-incomplete`: the run of tests/workflow/test_interrupted_workflow.py, in a copy of the finished miniature with
two of Table 1's runs taken away (their checkpoints, evaluations and the table), so that those two train and
evaluate from scratch through the three interruptions while the rest is the miniature's: two runs, not Table 1's 23
jobs. One job at a time (`--cores 1`), so each signal lands at a known point: the first training, the first
evaluation, the second evaluation half done.

It needs the miniature's results, so tests/workflow/conftest.py starts it in the background as soon as the miniature
has finished (InterruptedWorkflowRun), and it runs beside the tests that read the miniature instead of after them.
The interruptions run in their own process (`python -m helpers.interrupted_workflow WORKDIR ARGS`; no thread forks
here): every check of them is an assertion in that process, whose failure ends it with the traceback in its log;
the test then compares the completed Table 1 with the miniature's."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from oneshot_rlvr import paths

from .background import BackgroundCommand, Finished
from .miniature import Miniature
from .workflow import job_counts

# Table 1's runs of 2 steps each (config/tiny.yaml): 2 trainings and 2 evaluation jobs (one evaluate_chunk per
# run: both its checkpoints) to interrupt.
RETRAINED = ("pi1", "dsr_sub")
TESTS_DIR = Path(__file__).resolve().parents[1]

# The Snakemake (its process group) running now, killed should this process be stopped (the session ended first).
_running: subprocess.Popen | None = None


def interruptible() -> None:
    """In the child before Snakemake starts: SIGINT handled as a terminal's Ctrl-C. A shell starts background jobs
    with SIGINT ignored, and a Python started with it ignored never raises KeyboardInterrupt, so under
    `.ci/run &` the Ctrl-C below would be lost and the workflow run to its end."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_until(workdir: Path, args: list[str], ready, sig: int, whole_group: bool) -> None:
    """Start Snakemake, wait until `ready(workdir)`, then send `sig` to it (or to its whole process group, as a
    Ctrl-C or a lost machine would) and wait until every process of the group has ended."""
    global _running
    process = subprocess.Popen(
        args,
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=interruptible,
    )
    _running = process
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
    _running = None


def files_under(workdir: Path, pattern: str) -> list[Path]:
    return list(workdir.glob(pattern))


def take_away(workdir: Path, runs: tuple[str, ...]) -> None:
    """Remove what `runs` trained and evaluated, Table 1, and every training and evaluation log (the run watches
    the logs of its own jobs)."""
    for run in runs:
        shutil.rmtree(workdir / paths.checkpoints_dir(run))
        (workdir / paths.train_done(run)).unlink()
        shutil.rmtree(workdir / paths.run_eval_dir(run))
    for name in paths.table_files(1):
        (workdir / name).unlink(missing_ok=True)
    for rule in ("train_grpo", "evaluate_chunk"):
        shutil.rmtree(workdir / "logs" / rule)


def interrupt_and_complete(workdir: Path, args: list[str]) -> None:
    """Plan, interrupt three times, complete, and check that a further run has nothing to do."""
    planned = subprocess.run([*args, "-n"], cwd=workdir, capture_output=True, text=True)
    assert planned.returncode == 0, planned.stderr[-4000:]
    counts = job_counts(planned.stdout)
    assert (counts["train_grpo"], counts["evaluate_chunk"], counts["report_table1"]) == (2, 2, 1), counts
    # Ctrl-C while the first training runs (its log has started: the model loads and trains for seconds, whereas
    # the miniature's 2-step run may be all but done when its first checkpoint appears); SIGTERM to Snakemake during
    # the first evaluation job (it finishes the running job, then stops); SIGKILL of everything (a lost machine)
    # once the second job has evaluated its first checkpoint, so the last run resumes that job half done.
    resume = [*args, "--rerun-incomplete"]
    run_until(workdir, args, lambda wd: any(log.stat().st_size for log in files_under(wd, "logs/train_grpo/*.log")),
              signal.SIGINT, True)  # fmt: skip
    # An evaluation log written by this run (the first may have started the base model's evaluation already).
    second_started = time.time()
    run_until(
        workdir,
        resume,
        lambda wd: any(p.stat().st_mtime > second_started for p in files_under(wd, "logs/evaluate_chunk/*/*.log")),
        signal.SIGTERM,
        False,
    )
    evaluated = len(files_under(workdir, "results/eval/*/*/metrics.json"))
    run_until(
        workdir,
        resume,
        lambda wd: len(files_under(wd, "results/eval/*/*/metrics.json")) >= evaluated + 1,
        signal.SIGKILL,
        True,
    )
    subprocess.run([*args, "--unlock"], cwd=workdir, capture_output=True, check=True)  # the killed run's lock
    done = subprocess.run(resume, cwd=workdir, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-4000:]
    again = subprocess.run([*args, "-n"], cwd=workdir, capture_output=True, text=True)
    assert again.returncode == 0 and "Nothing to be done" in again.stdout + again.stderr


class InterruptedWorkflowRun:
    """interrupt_and_complete in a copy of the finished miniature (`root`/oneshot-rlvr, the data at ../shared/data
    as the miniature's) with RETRAINED taken away, started now in its own process; its output goes to
    `root`/interrupted.log."""

    def __init__(self, miniature: Miniature, root: Path) -> None:
        self.workdir = miniature.clone(root / "oneshot-rlvr")
        take_away(self.workdir, RETRAINED)
        self.args = ["snakemake", "reproduce_table1", "--cores", "1", *miniature.config_args()]
        path = os.pathsep.join(filter(None, [str(TESTS_DIR), os.environ.get("PYTHONPATH")]))
        env = {**os.environ, "PYTHONPATH": path}
        argv = [sys.executable, "-m", "helpers.interrupted_workflow", str(self.workdir), json.dumps(self.args)]
        self.command = BackgroundCommand(argv, self.workdir, root / "interrupted.log", env=env)

    def wait(self) -> Finished:
        """The finished run; raises with the end of its output if a check failed or it ran past 30 minutes."""
        return self.command.succeeded("the interrupted workflow", timeout=1800)

    def stop(self) -> None:
        self.command.stop()


def _stop_running(signum: int, frame) -> None:
    """Stopped before the end (BackgroundCommand.stop: SIGTERM): the Snakemake running now goes too."""
    if _running is not None and _running.poll() is None:
        try:
            os.killpg(_running.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    sys.exit(f"stopped by signal {signum}")


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _stop_running)
    interrupt_and_complete(Path(sys.argv[1]), json.loads(sys.argv[2]))
    print("interrupted by SIGINT, SIGTERM and SIGKILL, then completed; a further run has nothing to do", flush=True)
