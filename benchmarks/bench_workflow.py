"""DAG build time and memory of `snakemake -n` at paper scale for the workflow's big targets (target: seconds).

    python benchmarks/bench_workflow.py [TARGET ...] [--sweep pi1..pi1209] [--evaluation-jobs MODE]
                                        [--checkpoints-per-job N] [--profile OUT.prof]

TARGET defaults to `rank_examples reproduce_table1 paper sweep_1shot`; any target name works, and one the workflow
does not have is reported as skipped. `rank_examples` (3 jobs) is the fixed cost of any dry run: Snakemake's start,
plugin discovery and parsing the workflow. `sweep_1shot` is planned with `--config sweep_examples=<--sweep>`
(default the 1,209-example range). `--evaluation-jobs checkpoint|run|auto` sets `evaluation.jobs` for every target
(default: the config's, auto); `--checkpoints-per-job N` sets `evaluation.checkpoints_per_job` (default: the
config's, 5; 1 plans one evaluate_checkpoint job per checkpoint). Runs in a scratch copy of the workflow so nothing
in the checkout changes, with the default (paper) config. Prints the load average first (the machine may be
shared), then one line per target (wall seconds, CPU seconds of the Snakemake process -- user + system, barely
changed by other load --, jobs, peak memory) and a SUMMARY line. `--profile` runs each dry run under cProfile
(slower) and writes OUT.<target>.prof.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
UNKNOWN_TARGET = re.compile(r"MissingRuleException|No rule to produce|Target rules may not contain wildcards")


def dry_run(workdir: Path, target: str, extra: list[str], profile: str | None) -> dict:
    """Wall time, job count and peak RSS (MB) of one `snakemake -n`, or why it failed."""
    command = ["snakemake", target, "-n", "--cores", "8", "--quiet", "rules", *extra]
    if profile:
        command = [sys.executable, "-m", "cProfile", "-o", f"{profile}.{target}.prof", "-m", "snakemake", *command[1:]]
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(command, cwd=workdir, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    cpu = usage.ru_utime + usage.ru_stime
    result = {"seconds": elapsed, "cpu_s": cpu, "peak_mb": usage.ru_maxrss / 1024, "jobs": None, "error": ""}
    if os.waitstatus_to_exitcode(status) != 0:
        text = stderr + stdout
        if UNKNOWN_TARGET.search(text):
            result["error"] = "unknown target"
        else:
            lines = [line for line in text.strip().splitlines() if line.strip()]
            result["error"] = lines[-1][:120] if lines else "failed"
        return result
    match = re.search(r"^total\s+(\d+)", stdout, flags=re.MULTILINE)
    result["jobs"] = int(match.group(1)) if match else None
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="*", default=["rank_examples", "reproduce_table1", "paper", "sweep_1shot"])
    parser.add_argument("--sweep", default="pi1..pi1209", help="sweep_examples for sweep_1shot")
    parser.add_argument("--evaluation-jobs", choices=["auto", "checkpoint", "run"], help="evaluation.jobs")
    parser.add_argument("--checkpoints-per-job", type=int, help="evaluation.checkpoints_per_job")
    parser.add_argument("--profile", help="write cProfile output to PROFILE.<target>.prof")
    args = parser.parse_args(argv)
    profile = str(Path(args.profile).resolve()) if args.profile else None
    summary = []
    print("load average (1, 5, 15 min): " + ", ".join(f"{load:.2f}" for load in os.getloadavg()))
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch)
        shutil.copy(REPO / "Snakefile", workdir / "Snakefile")
        shutil.copytree(REPO / "workflow", workdir / "workflow", ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copytree(REPO / "config", workdir / "config")
        for target in args.targets:
            settings = [f"sweep_examples={args.sweep}"] if target == "sweep_1shot" else []
            evaluation = {}
            if args.evaluation_jobs:
                evaluation["jobs"] = args.evaluation_jobs
            if args.checkpoints_per_job:
                evaluation["checkpoints_per_job"] = args.checkpoints_per_job
            if evaluation:  # --config merges nested maps
                items = ", ".join(f"{key}: {value}" for key, value in evaluation.items())
                settings.append(f"evaluation={{{items}}}")
            extra = ["--config", *settings] if settings else []
            result = dry_run(workdir, target, extra, profile)
            name = f"{target}[{args.sweep}]" if target == "sweep_1shot" else target
            if result["error"] == "unknown target":
                print(f"{name:<30s} skipped: the workflow has no target {target!r}")
                summary.append(f"{name}=skipped")
            elif result["jobs"] is None:
                print(f"{name:<30s} failed after {result['seconds']:.1f}s: {result['error']}")
                summary.append(f"{name}=failed")
            else:
                print(
                    f"{name:<30s} jobs={result['jobs']:<7d} dry_run_s={result['seconds']:.1f} "
                    f"cpu_s={result['cpu_s']:.1f} peak_rss_mb={result['peak_mb']:.0f}"
                )
                summary.append(
                    f"{name}={result['seconds']:.1f}s/{result['cpu_s']:.1f}cpu-s/{result['jobs']}jobs/"
                    f"{result['peak_mb']:.0f}MB"
                )
    print("SUMMARY dag " + " ".join(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
