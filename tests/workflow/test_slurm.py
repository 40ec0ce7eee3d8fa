"""The DAG on SLURM: the cluster profiles' dry runs, and real runs on the single-node test SLURM of .ci/slurm-up.sh.

The `slurm`-marked tests skip where no usable SLURM is found (no sbatch, no executor plugin, no test partitions),
except under ONESHOT_RLVR_REQUIRE_SLURM=1 (set by .ci/run), where they fail instead: CI must really run them
(helpers/slurm.py). The SLURM run of Table 1 starts in the background with the session (helpers/slurm_table1.py);
its test here waits for it and for the local miniature, then compares them.
"""

from __future__ import annotations

import csv
import json
import math
import re
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from helpers.miniature import miniature_config_args
from helpers.slurm import plugin_missing, skip_or_fail, slurm_problem
from helpers.slurm_table1 import ROWS as SLURM_ROWS
from helpers.workflow import copy_workflow
from helpers.workflow import snakemake as run_in

from oneshot_rlvr.config import REPO_ROOT
from oneshot_rlvr.training import COMPLETE_MARKER

SUBMITTED = re.compile(r"Job (\d+) has been submitted with SLURM jobid (\d+) \(log: (\S+?)\)\.")
LOCAL_RULES = ["fetch_data", "rank_examples", "make_dataset", "report_table1"]
# at paper scale, where evaluation.checkpoints_per_job (5) puts consecutive checkpoints into one evaluate_chunk job
GPU_RULES = ["train_grpo", "evaluate_chunk"]


# ----------------------------------------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------------------------------------


def run_snakemake(workdir: Path, *args: str, timeout: float = 1200) -> tuple[int, str]:
    result = run_in(workdir, *args, check=False, timeout=timeout)
    return result.returncode, result.stdout + result.stderr


def snakemake(workdir: Path, *args: str, timeout: float = 1200) -> str:
    returncode, output = run_snakemake(workdir, *args, timeout=timeout)
    if returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed (rc {returncode}):\n{output[-6000:]}")
    return output


def submissions(output: str) -> list[tuple[str, str, Path]]:
    """(rule, SLURM job id, SLURM log) for every job Snakemake submitted, from its output."""
    found = []
    for _, slurm_id, log in SUBMITTED.findall(output):
        rule = re.search(r"slurm_logs/rule_([a-z0-9_]+)/", log)
        assert rule, f"unexpected SLURM log path {log}"
        found.append((rule.group(1), slurm_id, Path(log)))
    return found


def sbatch_calls(output: str) -> list[str]:
    """The `sbatch` command lines of a --verbose run (without the long --wrap payload)."""
    return [
        line.split("sbatch call:", 1)[1].split("--wrap")[0] for line in output.splitlines() if "sbatch call:" in line
    ]


def wall_minutes(call: str) -> int:
    """The wall time an sbatch command line asks for (`-t MINUTES`)."""
    found = re.search(r" -t (\d+)", call)
    assert found, f"no -t in sbatch call {call}"
    return int(found.group(1))


def job_blocks(output: str) -> list[tuple[str, dict[str, str]]]:
    """(rule, {directive: value}) for every job a (dry) run prints."""
    blocks: list[tuple[str, dict[str, str]]] = []
    for line in output.splitlines():
        header = re.match(r"^(?:local)?rule (\w+):$", line)
        if header:
            blocks.append((header.group(1), {}))
        elif blocks and line.startswith("    ") and ": " in line:
            key, value = line.strip().split(": ", 1)
            blocks[-1][1].setdefault(key, value)
    return blocks


def resources_of(block: dict[str, str]) -> dict[str, str]:
    return dict(item.split("=", 1) for item in block.get("resources", "").split(", ") if "=" in item)


def table_numbers(path: Path) -> dict[tuple[str, str], tuple[str, str]]:
    return {(r["row"], r["column"]): (r["ours"], r["step"]) for r in csv.DictReader(path.open())}


# ----------------------------------------------------------------------------------------------------------
# Profiles, without a cluster: the paper-scale DAG as the slurm profile would submit it
# ----------------------------------------------------------------------------------------------------------


def test_slurm_profile_dry_run_requests_gpus_from_config(tmp_path):
    missing = plugin_missing()
    if missing:
        skip_or_fail(missing)
    workdir = copy_workflow(tmp_path / "wf")
    config = yaml.safe_load((REPO_ROOT / "config" / "config.yaml").read_text())
    profile = yaml.safe_load((REPO_ROOT / "workflow" / "profiles" / "slurm" / "profile.yaml").read_text())
    output = snakemake(workdir, "--workflow-profile", "workflow/profiles/slurm", "-n", "reproduce_table1")
    blocks = job_blocks(output)
    expected = {"train_grpo": config["training"], "evaluate_chunk": config["evaluation"]}
    seen = {rule: 0 for rule in GPU_RULES}
    for rule, block in blocks:
        resources = resources_of(block)
        if rule in expected:
            seen[rule] += 1
            assert resources["gpu"] == str(expected[rule]["gpus"]), (rule, resources)
            assert resources["mem_mb"] == str(expected[rule]["mem_mb"]), (rule, resources)
            # training: attempt 1; a chunk: the per-checkpoint wall time once per checkpoint (the base: 1, else 5)
            wildcards = dict(item.split("=", 1) for item in block["wildcards"].split(", "))
            checkpoints = 1 if rule == "train_grpo" or wildcards["first"] == wildcards["last"] else 5
            assert resources["runtime"] == str(expected[rule]["runtime_min"] * checkpoints), (rule, resources)
            assert resources["cpus_per_gpu"] == str(profile["set-resources"][rule]["cpus_per_gpu"])
            assert resources["slurm_partition"] == profile["set-resources"][rule]["slurm_partition"]
        # the account comes from the profile, for every job; nothing in the rules names one
        assert resources.get("slurm_account") == profile["default-resources"]["slurm_account"], (rule, resources)
    assert seen == {"train_grpo": 6, "evaluate_chunk": 6 * 20 + 1}  # 100 checkpoints per run in chunks of 5; the base


def test_local_profile_dry_run(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    profile = yaml.safe_load((REPO_ROOT / "workflow" / "profiles" / "local" / "profile.yaml").read_text())
    assert isinstance(profile["resources"]["gpu"], int) and profile["cores"] == "all"
    output = snakemake(workdir, "--workflow-profile", "workflow/profiles/local", "-n", "reproduce_table1")
    rules = [rule for rule, _ in job_blocks(output)]
    assert rules.count("train_grpo") == 6 and rules.count("evaluate_chunk") == 6 * 20 + 1


def test_cluster_settings_live_in_profiles_not_rules():
    rules = "\n".join(p.read_text() for p in sorted((REPO_ROOT / "workflow" / "rules").glob("*.smk")))
    rules += (REPO_ROOT / "Snakefile").read_text()
    for key in ("slurm_account", "slurm_partition", "slurm_extra", "gpu_model", "sbatch"):
        assert key not in rules, f"{key} belongs in workflow/profiles/, not in the rules"
    for name in ("slurm", "slurm-ci"):
        profile = yaml.safe_load((REPO_ROOT / "workflow" / "profiles" / name / "profile.yaml").read_text())
        assert profile["executor"] == "slurm" and profile["rerun-incomplete"] is True


# ----------------------------------------------------------------------------------------------------------
# The real thing: the miniature's Table 1 through `--executor slurm` (the slurm-ci profile), and a wall-time kill
# ----------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def slurm_cluster():
    problem = slurm_problem()
    if problem:
        skip_or_fail(problem)


@pytest.fixture(scope="module")
def slurm_workdir(slurm_cluster, tmp_path_factory) -> Path:
    """A copy of the workflow for the wall-time test's SLURM runs, configured as the suite's miniature."""
    return copy_workflow(tmp_path_factory.mktemp("slurm") / "wf")


@pytest.mark.slurm
def test_miniature_on_slurm_equals_local_run(slurm_table1_run, slurm_table1, miniature):
    # The SLURM run: `snakemake reproduce_table1 --workflow-profile workflow/profiles/slurm-ci --verbose` with the
    # miniature's config and Table 1's rows base and pi1 (ROWS), started with the session (helpers/slurm_table1.py)
    # and finished now. The local run: the suite's miniature (same config; its `paper` includes reproduce_table1).
    slurm_workdir = slurm_table1_run.workdir
    local = miniature.workdir
    output = slurm_table1.output
    jobs = submissions(output)
    counts = {rule: sum(1 for r, _, _ in jobs if r == rule) for rule in {r for r, _, _ in jobs}}
    # Every GPU-capable and model-building job went through sbatch; the cheap ones ran in the main process.
    # (config/tiny.yaml: both checkpoints of a Table 1 run in one evaluate_chunk job; the base model's one)
    runs = len(SLURM_ROWS) - 1  # the trained rows (the base model is evaluated, not trained)
    assert counts == {"build_tiny_model": 1, "train_grpo": runs, "evaluate_chunk": runs + 1}, counts
    assert len({slurm_id for _, slurm_id, _ in jobs}) == len(jobs)
    for rule, slurm_id, log in jobs:
        assert log.name == f"{slurm_id}.log" and log.exists(), f"no SLURM log for {rule} job {slurm_id}"
    for rule in LOCAL_RULES:
        assert re.search(rf"^localrule {rule}:$", output, re.M), f"{rule} did not run as a local rule"
        assert not (slurm_workdir / ".snakemake" / "slurm_logs" / f"rule_{rule}").exists()

    # The sbatch lines: GPU rule on the gpu partition with the fake GPU; memory and wall time from the config.
    calls = sbatch_calls(output)
    assert len(calls) == len(jobs)
    tiny = yaml.safe_load((slurm_workdir / "config" / "tiny.yaml").read_text())
    train = [c for c in calls if "rule_train_grpo_" in c]
    evaluate = [c for c in calls if "rule_evaluate_chunk_" in c]
    assert len(train) == runs and len(evaluate) == runs + 1
    for call in train:
        assert "--gpus=1" in call and "-p gpu" in call and "--cpus-per-gpu=2" in call, call
        assert f"--mem {tiny['training']['mem_mb']}" in call and f"-t {tiny['training']['runtime_min']}" in call
    runtimes = []
    for call in evaluate:
        assert "--gpus" not in call and "-p debug" in call, call  # evaluation.gpus is 0 in the miniature
        assert f"--mem {tiny['evaluation']['mem_mb']}" in call, call
        runtimes.append(wall_minutes(call))
    # a chunk asks for evaluation.runtime_min once per checkpoint: the base model's 1, each run's 2
    assert sorted(runtimes) == [tiny["evaluation"]["runtime_min"]] + [2 * tiny["evaluation"]["runtime_min"]] * runs

    # Same config and seeds, so the same numbers as the local run, and the same text generated for every problem.
    slurm_table = table_numbers(slurm_workdir / "reports" / "table1.csv")
    local_table = table_numbers(local / "reports" / "table1.csv")
    assert slurm_table == {cell: value for cell, value in local_table.items() if cell[0] in SLURM_ROWS}
    assert len(slurm_table) == len(SLURM_ROWS) * 9
    # (every response file of the SLURM run: its rows' evaluations, the base model's step and each run's two; the
    # local miniature has more runs)
    responses = sorted(p.relative_to(slurm_workdir) for p in (slurm_workdir / "results" / "eval").rglob("*.jsonl"))
    assert len(responses) == (1 + 2 * runs) * 8
    for path in responses:
        ours = [json.loads(line)["response"] for line in (slurm_workdir / path).read_text().splitlines()]
        theirs = [json.loads(line)["response"] for line in (local / path).read_text().splitlines()]
        assert ours == theirs, f"{path}: responses differ between the SLURM and the local run"
    checkpoints = sorted((slurm_workdir / "results" / "runs").glob("*/checkpoints/checkpoint-*/model.safetensors"))
    assert len(checkpoints) == runs * 2
    for weights in checkpoints:
        path = weights.relative_to(slurm_workdir)
        assert (local / path).read_bytes() == weights.read_bytes(), f"{path} differs"


# The wall-time run: cheap, steady steps (format reward: no grader, whose time varies with what the model writes;
# a tiny learning rate, so the responses do not change length) and a checkpoint every 5 steps.
WALLTIME_TRAINING = {
    "save_steps": 5,
    "runtime_min": 1,
    "learning_rate": 1.0e-6,
    "reward": "format",
    "num_generations": 8,
    "micro_batch_size": 8,
}
# Steps worth this many seconds of training: more than attempt 1 gets done in its minute after start-up, and
# well within attempt 2's two minutes.
TARGET_TRAINING_S = 90


def checkpoint_times(workdir: Path, run: str) -> dict[int, float]:
    """{step: the time its checkpoint was completed} of a run."""
    markers = (workdir / "results" / "runs" / run / "checkpoints").glob(f"checkpoint-*/{COMPLETE_MARKER}")
    return {int(m.parent.name.split("-")[1]): json.loads(m.read_text())["time"] for m in markers}


def step_seconds(workdir: Path, run: str) -> float:
    """Mean seconds per step of a finished run, from the times its checkpoints were completed."""
    times = sorted(checkpoint_times(workdir, run).items())
    assert len(times) >= 2, f"run {run}: fewer than 2 checkpoints"
    (first_step, first_time), (last_step, last_time) = times[0], times[-1]
    return (last_time - first_time) / (last_step - first_step)


def killed_at(slurm_log: Path) -> float | None:
    """When SLURM killed a job for its wall time (from the job's log), or None."""
    found = re.search(r"\*\*\* JOB \d+ ON \S+ CANCELLED AT (\S+) DUE TO TIME LIMIT", slurm_log.read_text())
    return datetime.fromisoformat(found.group(1)).timestamp() if found else None


def killed_mid_run(workdir: Path, run: str, steps: int, first_job_log: Path) -> bool:
    """Whether SLURM killed the first attempt with a checkpoint done and the last one not (so a later attempt had
    to resume from a checkpoint), as the checkpoints' completion times say."""
    kill = killed_at(first_job_log)
    times = checkpoint_times(workdir, run)
    if kill is None or steps not in times:
        return False
    return times[steps] > kill and any(t < kill for step, t in times.items() if step < steps)


def walltime_config(workdir: Path, run: str, steps: int) -> str:
    path = workdir / "config" / f"{run}.yaml"
    training = {**WALLTIME_TRAINING, "max_steps": steps}
    path.write_text(yaml.safe_dump({"runs": {run: {"dataset": "pi1", "training": training}}}))
    return str(path.relative_to(workdir))


def steps_for_target(seconds_per_step: float) -> int:
    return min(2000, max(20, 5 * math.ceil(TARGET_TRAINING_S / seconds_per_step / 5)))


@pytest.mark.slurm
def test_wall_time_kill_then_retry_resumes_from_checkpoint(slurm_workdir, shared_data):
    # A run whose first attempt gets 1 minute of wall time (training.runtime_min: 1; train_runtime gives attempt k
    # k minutes) and whose training needs about 1.5 minutes: SLURM kills attempt 1 (TIMEOUT) and the rule's retry
    # resumes from the last complete checkpoint. The step count comes from this machine's speed right now: a short
    # local probe run first, and, should attempt 1 still finish in time or be killed only after its last checkpoint
    # (a speed-up: the load of the background runs and other tests changes), one more try with the step count
    # measured on SLURM.
    probe = walltime_config(slurm_workdir, "walltime_probe", 15)
    snakemake(
        slurm_workdir,
        "results/runs/walltime_probe/train_done.json",
        "--cores",
        "2",
        *miniature_config_args(shared_data, probe),
    )
    steps = steps_for_target(step_seconds(slurm_workdir, "walltime_probe"))

    for run in ("walltime", "walltime_again"):
        args = [
            f"results/runs/{run}/train_done.json",
            "--workflow-profile",
            "workflow/profiles/slurm-ci",
            "--verbose",
            *miniature_config_args(shared_data, walltime_config(slurm_workdir, run, steps)),
        ]
        returncode, output = run_snakemake(slurm_workdir, *args)
        jobs = [(slurm_id, log) for rule, slurm_id, log in submissions(output) if rule == "train_grpo"]
        if returncode != 0:
            # Every attempt ran out of time (the machine slowed down a lot): the same command resumes once more.
            assert len(jobs) >= 2, output[-6000:]
            for slurm_id, _ in jobs:
                assert f"SLURM-job '{slurm_id}' failed, SLURM status is: 'TIMEOUT'" in output, output[-6000:]
            snakemake(slurm_workdir, *args)
        if len(jobs) > 1 and killed_mid_run(slurm_workdir, run, steps, jobs[0][1]):
            break
        # Attempt 1 finished in time, or was killed only after its last checkpoint (the machine sped up since the
        # probe): once more, with the step count measured on SLURM.
        steps = steps_for_target(step_seconds(slurm_workdir, run))
    else:
        pytest.fail(f"no first attempt was killed mid-run by its wall time (last try: {run}, SLURM jobs {jobs})")
    assert f"SLURM-job '{jobs[0][0]}' failed, SLURM status is: 'TIMEOUT'" in output
    assert "Trying to restart job" in output
    assert "DUE TO TIME LIMIT" in jobs[0][1].read_text()
    # attempt-scaled wall time: attempt k asks sbatch for k minutes
    calls = [c for c in sbatch_calls(output) if "rule_train_grpo_" in c]
    assert [wall_minutes(c) for c in calls] == [k + 1 for k in range(len(jobs))]

    done = json.loads((slurm_workdir / "results" / "runs" / run / "train_done.json").read_text())
    assert done["steps"] == list(range(5, steps + 1, 5))
    assert done["resumed_from"] and re.search(r"checkpoint-\d+$", done["resumed_from"]), done
    assert 0 < int(done["resumed_from"].rsplit("-", 1)[1]) <= steps
    log = (slurm_workdir / "logs" / "train_grpo" / f"{run}.log").read_text()
    assert f"resuming run {run} from {done['resumed_from']}" in log
