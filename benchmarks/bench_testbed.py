"""The CPU testbed end to end (config/testbed.yaml): wall time and peak memory of `reproduce_table1`, then the
numbers that show 1-shot RLVR working -- per seed, pi1's training reward and held-out accuracy against the base
model with paired 95% bootstrap intervals, the decomposition into format and skill, transfer, the full-pool and
format-reward rows, post-saturation, and the flipped-sign control.

    python benchmarks/bench_testbed.py [--cores 2] [--keep DIR] [--seeds 1 2 3] [--no-control] [--prebuilt DIR]
                                       [--threads-per-job N]

Runs Snakemake in a scratch copy of the workflow (empty results/), so nothing in the checkout changes. Seed 1 is the
`pi1` run of Table 1 (training.seed 1); seeds 2 and 3 are the configured runs `pi1_seed2`, `pi1_seed3` (same
example, model and settings), planned by the same DAG after the timed target. The flipped control trains pi1 again
in this process with every advantage's sign flipped (`testbed.controls`) and evaluates its last checkpoint. Peak
memory is the largest resident set of any single process of the timed run (`getrusage(RUSAGE_CHILDREN)`).
`--prebuilt DIR` copies a data folder (DIR/data) and base model (DIR/model) built earlier from the same settings
(e.g. by `bench_testbed_one_shot.py DIR`) into the scratch workflow and times the rest of the DAG only (Snakemake
with `--rerun-triggers mtime`, so the copied outputs count as done): for a loaded machine where the warm start alone
takes longer than the whole DAG should.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from oneshot_rlvr import config as oc
from oneshot_rlvr.evaluation import evaluate_checkpoint
from oneshot_rlvr.figures import collect_train_log
from oneshot_rlvr.tables.metrics import best_checkpoint
from oneshot_rlvr.testbed import analysis, controls
from oneshot_rlvr.training import read_train_log, train

REPO = Path(__file__).resolve().parents[1]
CONFIG = "config/testbed.yaml"


def versions() -> str:
    from importlib.metadata import version

    names = ("torch", "transformers", "trl", "snakemake")
    return " ".join(f"{name}={version(name)}" for name in names) + f" python={platform.python_version()}"


def load() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def snakemake(workdir: Path, *args: str) -> tuple[float, str]:
    start = time.perf_counter()
    command = ["snakemake", *args, "--configfile", CONFIG]
    result = subprocess.run(command, cwd=workdir, capture_output=True, text=True)
    if result.returncode != 0:
        print((result.stderr or result.stdout)[-4000:], file=sys.stderr)
        raise SystemExit(f"snakemake {' '.join(args)} failed")
    return time.perf_counter() - start, result.stdout + result.stderr


def run_metrics(config: dict, run: str) -> list[Path]:
    return [Path(oc.step_metrics_path(run, step)) for step in oc.evaluated_steps(config, run)]


def seed_lines(workdir: Path, config: dict, run: str, seed: int, base) -> dict:
    """One seed of pi1: training reward curve, held-out accuracy at the last step and at Table 1's checkpoint."""
    log = collect_train_log(
        workdir / f"results/runs/{run}/train_done.json", workdir / f"results/runs/{run}/checkpoints"
    )
    curve = analysis.reward_curve(log)
    files = [workdir / path for path in run_metrics(config, run)]
    last = analysis.read_outcomes(max(files, key=lambda p: int(json.loads(p.read_text())["step"])))
    best = analysis.read_outcomes(best_checkpoint(files)[0])
    verdict = analysis.learning_verdict(log, base, last)
    saturated = analysis.saturation_step(curve)
    print(f"seed {seed} ({run}): training reward by step: " + " ".join(f"{v:.2f}" for _, v in curve))
    print(f"  reward first 3 steps {verdict.reward_start:.2f}, last 3 {verdict.reward_end:.2f}, peak "
          f"{verdict.reward_peak:.2f}, saturated (3 steps >= 0.9) at step {saturated}")  # fmt: skip
    for label, outcomes in (("last step", last), ("Table 1 checkpoint", best)):
        graded = analysis.measure(outcomes, "graded")
        diff = analysis.difference(outcomes, base, "graded")
        skill = analysis.difference(outcomes, base, "any_format")
        print(f"  {label} {outcomes.step}: held-out graded {analysis.measure(base, 'graded').format()} (base) -> "
              f"{graded.format()}; difference {diff.format()} points (excludes 0: {diff.excludes(0.0)}); "
              f"any format - base {skill.format()}")  # fmt: skip
    print(f"  learned: {verdict.learned}")
    return {"seed": seed, "verdict": verdict, "saturated": saturated}


def ranked_example(dataset: Path) -> str:
    """The training example of a 1-shot dataset: its pool index, task type, question and answer."""
    row = pd.read_parquet(dataset).iloc[0]
    question = row["prompt"][0]["content"]
    return (f"pool index {row['extra_info']['index']}, type {row['extra_info']['type']}: {question!r} = "
            f"{row['reward_model']['ground_truth']}")  # fmt: skip


def flipped_control(workdir: Path, config: dict, base) -> None:
    """pi1 trained with every advantage's sign flipped, in this process, then its last checkpoint evaluated."""
    spec = {**oc.training_spec(config, "pi1"), "run": "pi1_flipped"}
    spec["model"] = {**spec["model"], "path": str(workdir / spec["model"]["path"])}
    out = workdir / "results/controls/pi1_flipped"
    with controls.flipped_advantages() as flips:
        train(spec, workdir / "results/datasets/pi1.parquet", out / "checkpoints", out / "train_done.json")
    last = spec["max_steps"]
    espec = oc.evaluation_spec(config, "pi1")
    evaluate_checkpoint(str(out / f"checkpoints/checkpoint-{last}"), espec, workdir / config["data_dir"], out / "eval",
                        "pi1_flipped", last)  # fmt: skip
    after = analysis.read_outcomes(out / "eval/metrics.json")
    verdict = analysis.learning_verdict(read_train_log(out / "checkpoints"), base, after)
    print(f"flipped-sign control (pi1, seed 1, {flips.calls} flipped advantage batches): {verdict.summary()}")
    for name in ("boxed", "any_format", "graded"):
        print(f"  {name}: {analysis.measure(after, name).format()} (base {analysis.measure(base, name).format()})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="run in this (new) folder and keep it")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--no-control", action="store_true", help="skip the flipped-sign control")
    parser.add_argument("--prebuilt", type=Path, help="reuse DIR/data and DIR/model (same settings); time the rest")
    parser.add_argument("--threads-per-job", type=int, metavar="N",
                        help="Snakemake --set-threads for the warm start and training jobs (default: the rules' 2); "
                        "1 lets two trainings share 2 cores and avoids OpenMP threads waiting on a loaded machine")
    args = parser.parse_args(argv)
    scratch = None if args.keep else tempfile.TemporaryDirectory()
    workdir = args.keep.resolve() if args.keep else Path(scratch.name)
    workdir.mkdir(parents=True, exist_ok=True)
    for name in ("Snakefile",):
        shutil.copy(REPO / name, workdir / name)
    for name in ("workflow", "config"):
        if not (workdir / name).exists():
            shutil.copytree(REPO / name, workdir / name, ignore=shutil.ignore_patterns("__pycache__"))
    config = oc.load_config([REPO / CONFIG])
    triggers = []
    if args.threads_per_job:
        rules = ("build_testbed_model", "train_grpo")
        triggers += ["--set-threads", *(f"{rule}={args.threads_per_job}" for rule in rules)]
    if args.prebuilt:
        for source, target in (("data", config["data_dir"]), ("model", config["models"]["testbed"]["path"])):
            if not (workdir / target).exists():
                shutil.copytree(args.prebuilt / source, workdir / target)
        triggers += ["--rerun-triggers", "mtime"]
        print(f"prebuilt data and model from {args.prebuilt}: the timed run excludes generating and warm-starting")

    print(f"load average before: {load()}")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall, output = snakemake(workdir, "reproduce_table1", "--cores", str(args.cores), *triggers)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    counts = dict(re.findall(r"^(\w+)\s+(\d+)$", output, flags=re.MULTILINE))
    jobs = int(counts.pop("total", 0))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print("jobs: " + ", ".join(f"{rule} {count}" for rule, count in counts.items()))
    print(f"machine: {platform.machine()} {platform.system()}, {os.cpu_count()} cores; {versions()}")
    print(f"load average after: {load()}")
    peak = after.ru_maxrss / 1024
    print(f"SUMMARY testbed reproduce_table1 wall_s={wall:.0f} cpu_s={cpu:.0f} peak_rss_mb={peak:.0f} jobs={jobs}")

    runs = {1: "pi1", **{seed: f"pi1_seed{seed}" for seed in args.seeds if seed != 1}}
    extra = [
        target for seed, run in runs.items() if seed in args.seeds and seed != 1
        for target in oc.evaluation_targets(config, run)
    ]  # fmt: skip
    if extra:
        seconds, _ = snakemake(workdir, *extra, "--cores", str(args.cores), *triggers)
        print(f"seeds {[s for s in args.seeds if s != 1]}: {seconds:.0f} s")
    base = analysis.read_outcomes(workdir / "results/eval/base/step0/metrics.json")
    print(f"pi1 (ranked by the history run's variance): {ranked_example(workdir / 'results/datasets/pi1.parquet')}")
    print()
    print((workdir / "reports/table1.md").read_text())
    print((workdir / "reports/testbed.md").read_text())
    results = [seed_lines(workdir, config, runs[seed], seed, base) for seed in args.seeds]
    # The bar: the training reward's 3-step mean reaches 0.9 (a saturation step exists), and the last checkpoint's
    # held-out graded accuracy is >= 10 points above the base with a paired interval above 0, at every seed.
    passed = all(r["saturated"] is not None for r in results)
    gains = [r["verdict"].heldout_difference for r in results]
    floor = all(gain.estimate >= 10.0 and gain.low > 0.0 for gain in gains)
    print(f"SUMMARY seeds {args.seeds}: reward 3-step mean reaches 0.9: {passed} (steps "
          f"{', '.join(str(r['saturated']) for r in results)}); held-out gain >= 10 points with interval above 0 "
          f"at every seed: {floor} ({', '.join(gain.format() for gain in gains)})")  # fmt: skip
    if not args.no_control:
        flipped_control(workdir, config, base)
    figure = workdir / "reports/figures/figure1.png"
    if args.keep:
        print(f"kept in {workdir}; figure: {figure}")
    if scratch is not None:
        scratch.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
