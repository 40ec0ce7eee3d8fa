"""The `paper` DAG: every table and figure planned at paper scale (dry run), the figures' wiring, and the
suite's miniature of `paper` end to end (every table's provenance, every figure, reports/README.md)."""

from __future__ import annotations

import csv
import json
import re
import shlex
import subprocess
import time
from pathlib import Path

import pytest
from helpers.figures import png_panels
from helpers.miniature import README_PAPER_COMMAND
from helpers.workflow import copy_workflow, job_counts, snakemake

from oneshot_rlvr import config as oc
from oneshot_rlvr import figures, icl_examples
from oneshot_rlvr.tables import registry, table15
from oneshot_rlvr.tables.rows import PPO_NOT_RUN

# ----------------------------------------------------------------------------------------------------------
# The DAG: `paper` at paper scale (dry run), every table in the miniature (end to end)
# ----------------------------------------------------------------------------------------------------------

TABLE_TARGETS = [f"reproduce_table{n}" for n in (3, *registry.TABLES)]


def test_paper_dry_run_lists_every_table_and_gpu_resources(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    started = time.monotonic()
    result = snakemake(workdir, "paper", "-n", "--cores", "8")
    elapsed = time.monotonic() - started
    counts = job_counts(result.stdout)
    print(f"paper dry run at paper scale: {counts['total']} jobs in {elapsed:.1f}s")
    assert counts["report_paper_table"] == len(registry.TABLES)
    assert counts["report_table1"] == 1 and counts["report_table3"] == 1 and counts["reports_readme"] == 1
    for number in registry.TABLES:
        assert f"reports/table{number}.md" in result.stdout
    # Every trained run of every table and figure is one training job (shared runs once).
    config = oc.load_config()
    figure_runs = {run for spec in config["figures"].values() for run in [*spec["runs"], spec.get("base")] if run}
    wanted = {run for n in registry.TABLES for run in registry.table_runs(n)} | figure_runs
    trained = wanted | set(config["report"]["table1"]["rows"]) | set(oc.sweep_runs(config))
    # (runs that evaluate another run's checkpoints, Table 12's r1distill_*_eval32k, train nothing)
    trained = {run for run in trained if not oc.is_evaluation_only(config, run) and not oc.checkpoints_of(config, run)}
    assert counts["train_grpo"] == len(trained)
    evaluated = wanted | trained | {"base"}
    # evaluation.jobs: auto -- configured runs one job per checkpoint, example-set runs (pi11, pi16, the sweep's
    # pi2 ... pi1209) one job per run
    per_run = {run for run in evaluated if oc.evaluation_jobs(config, run) == "run"}
    assert per_run and all(run not in config["runs"] for run in per_run) and "pi2" in per_run
    # the others: consecutive checkpoints in chunks of evaluation.checkpoints_per_job, which cover every step once
    per_checkpoint = evaluated - per_run
    chunks = {run: oc.evaluation_chunks(config, run) for run in per_checkpoint}
    assert all(sum(chunks[run], []) == oc.evaluated_steps(config, run) for run in per_checkpoint)
    assert counts["evaluate_chunk"] == sum(len(run_chunks) for run_chunks in chunks.values())
    assert "evaluate_checkpoint" not in counts and counts["evaluate_run"] == len(per_run)
    assert "build_tiny_model" not in counts
    # GPU rules ask for GPUs: 8 per training job, 4 per evaluation (the config's gpus).
    train_jobs = result.stdout.split("rule train_grpo:")[1:]
    eval_jobs = [job.split("\n[")[0] for job in result.stdout.split("rule evaluate_chunk:")[1:]]
    # (each job's block ends where the next job's timestamp line "[...]" starts)
    assert len(train_jobs) == counts["train_grpo"] and all("gpu=8," in job.split("\n[")[0] for job in train_jobs)
    # and the CPU threads of training.threads (2 at paper scale; the miniature's 1 is tests/unit/test_config.py's)
    assert all("threads: 2\n" in job.split("\n[")[0] for job in train_jobs)
    assert len(eval_jobs) == counts["evaluate_chunk"] and all("gpu=4," in job for job in eval_jobs)
    # a chunk asks for the run's per-checkpoint wall time once per checkpoint in it (R1-Distill's: 1440 min)
    for job in eval_jobs:
        run, first, last = re.search(r"wildcards: run=(\S+), first=(\d+), last=(\d+)", job).groups()
        size = len(oc.chunk_steps(config, run, first, last))
        assert f"runtime={oc.evaluation_spec(config, run)['runtime_min'] * size}," in job, job
    run_jobs = result.stdout.split("rule evaluate_run:")[1:]
    # a whole run's evaluation asks for the per-checkpoint wall time (240 min) once per evaluated step
    assert len(run_jobs) == len(per_run) and all("gpu=4," in job.split("\n[")[0] for job in run_jobs)
    assert all("runtime=24000" in job.split("\n[")[0] for job in run_jobs)
    assert "TARGETS" not in result.stderr


def _expected(metrics: dict, table: int, column: str, row: str | None = None) -> float | None:
    """The value of a cell recomputed from the metrics file it names (under the row's own metric, if any)."""
    spec = registry.TABLES[table]
    metric = next((r.metric for r in spec.rows if r.key == row and r.metric), spec.metric)
    if column == "best_avg_step":
        return float(metrics["step"])
    if column == "avg":
        columns = spec.averaged or [c for c in spec.columns if c not in ("avg", "best_avg_step")]
        values = [_expected(metrics, table, c, row) for c in columns]
        return None if None in values else sum(values) / len(values)
    bench = metrics["benchmarks"][column]
    if metric == "boxed_rate":
        return bench["boxed_rate"]
    if metric == "response_tokens":
        return bench["mean_response_tokens"]
    if metric == "pass_at_8":
        return bench["pass_at_k"]["8" if "8" in bench["pass_at_k"] else "2"]
    return bench["accuracy"]


@pytest.mark.slow
def test_readme_paper_miniature_exact_command(miniature, shared_data):
    """The README's miniature of `paper` (README_PAPER_COMMAND, word for word, in a checkout with the data at
    ../shared/data: the session's miniature): every table (provenance of every cell), every figure (a valid PNG with
    its panels, and a PDF), reports/README.md, and nothing left to do when the same command plans again."""
    print(f"miniature of paper: {miniature.seconds:.0f}s")
    assert miniature.workdir.name == "oneshot-rlvr"
    assert (miniature.workdir / ".." / "shared" / "data").resolve() == shared_data.resolve()
    check_paper_outputs(miniature.workdir, miniature.config())
    again = subprocess.run([*shlex.split(README_PAPER_COMMAND), "-n"], cwd=miniature.workdir, capture_output=True,
                           text=True)  # fmt: skip
    assert again.returncode == 0, again.stderr[-4000:]
    assert "Nothing to be done" in again.stdout + again.stderr


def check_paper_outputs(workdir: Path, config: dict) -> None:
    """Every table, every figure and reports/README.md of a finished `paper` run."""
    check_every_table(workdir, config)
    readme = (workdir / "reports" / "README.md").read_text()
    assert all(f"`{target}`" in readme for target in TABLE_TARGETS) and "MINIATURE" in readme
    for name in figures.FIGURE_NAMES:
        assert png_panels(workdir / "reports" / "figures" / f"{name}.png"), name
        assert (workdir / "reports" / "figures" / f"{name}.pdf").read_bytes().startswith(b"%PDF-"), name
        assert f"reports/figures/{name}.png" in readme, name


def check_every_table(workdir: Path, config: dict) -> None:
    """Provenance of every cell of Tables 4-20: the rounded value of the metrics file it names."""
    for number, spec in registry.TABLES.items():
        records = list(csv.DictReader((workdir / "reports" / f"table{number}.csv").open()))
        assert [r["row"] for r in records[:: len(spec.columns)]] == [row.key for row in spec.rows], number
        if number == 15:  # its own layout: checked by check_table15
            check_table15(workdir, records)
            continue
        for record in records:
            if not record["metrics_file"]:  # only the PPO rows are not run (docs/fidelity.md)
                assert record["note"] == PPO_NOT_RUN and record["ours"] == "", record
                continue
            metrics = json.loads((workdir / record["metrics_file"]).read_text())
            assert metrics["run"] == record["run"] and str(metrics["step"]) == record["step"]
            assert record["scale"] == "miniature" and record["config_hash"] == oc.run_config_hash(config, record["run"])
            expected = _expected(metrics, number, record["column"], record["row"])
            assert float(record["ours"]) == round(expected, 1), (number, record)
        title = (workdir / "reports" / f"table{number}.md").read_text().splitlines()[0]
        assert title.startswith(f"# Table {number}:") and "MINIATURE" in title
    # ICL runs really had demonstrations in their prompts.
    demos = json.loads((workdir / "results/eval/icl_pi1/step0/icl_demonstrations.json").read_text())
    assert demos["demonstrations"] == "pi1_self" and len(demos["items"]) == 1
    prompt = json.loads((workdir / "results/eval/icl_qwen4/step0/math500.jsonl").read_text().splitlines()[0])["prompt"]
    qwen4 = icl_examples.load_demonstrations_set(workdir / config["data_dir"] / icl_examples.RELPATH, "math", 4)
    assert all(question in prompt for question, _ in qwen4)


def check_table15(workdir: Path, records: list[dict]) -> None:
    """Table 15: the boxed share and both accuracies of the MATH500 responses of the checkpoint each row names."""
    for record in records:
        if record["column"].startswith("judge"):
            assert record["ours"] == "" and record["note"] == table15.JUDGE_NOT_RUN, record
            continue
        metrics = json.loads((workdir / record["metrics_file"]).read_text())
        bench = metrics["benchmarks"]["math500"]
        expected = {"boxed": bench["boxed_rate"], "graded": bench["accuracy"],
                    "any_format": bench["accuracy_by_grader"]["qwen_eval"]}[record["column"]]  # fmt: skip
        assert float(record["ours"]) == round(expected, 1) and str(metrics["step"]) == record["step"], record


def test_paper_takes_the_figures_of_the_figures_files(tmp_path):
    """A figure that the figures' functions-only files add to FIGURE_ARTEFACTS before paper_inputs.smk is included:
    `paper` and reports/README.md then cover it too (the wiring of the figures branch)."""
    workdir = copy_workflow(tmp_path / "wf")
    (workdir / "workflow" / "rules" / "fake_figures.smk").write_text(
        'FIGURE_ARTEFACTS["fake_figure"] = ["reports/figures/fake.png", "reports/figures/fake.pdf"]\n\n\n'
        "rule fake_figure:\n"
        "    output:\n"
        '        "reports/figures/fake.png",\n'
        '        "reports/figures/fake.pdf",\n'
        "    shell:\n"
        '        "touch {output}"\n'
    )
    snakefile = (workdir / "Snakefile").read_text()
    include = 'include: "workflow/rules/paper_inputs.smk"'
    (workdir / "Snakefile").write_text(
        snakefile.replace(include, 'include: "workflow/rules/fake_figures.smk"\n' + include)
    )
    result = snakemake(workdir, "paper", "-n", "--cores", "2", "--configfile", "config/tiny.yaml")
    assert "rule fake_figure:" in result.stdout and "reports/figures/fake.pdf" in result.stdout
    readme_job = result.stdout.split("rule reports_readme:")[1].split("\n[")[0]
    assert "reports/figures/fake.png" in readme_job and "reports/table20.csv" in readme_job


NEW_TABLE_NUMBERS = (6, 7, 10, 11, 12, 15)


def test_new_table_targets_plan_from_their_runs(tmp_path):
    """Tables 6, 7, 10, 11, 12 and 15 plan (one dry run of the miniature naming every target; the paper-scale DAG
    is test_paper_dry_run_...'s): each report job, Table 12's 32k evaluations reading the 8k runs' checkpoints
    (nothing trained for them), Table 7's fp32 evaluations."""
    workdir = copy_workflow(tmp_path / "wf")
    targets = [f"reproduce_table{number}" for number in NEW_TABLE_NUMBERS]
    result = snakemake(workdir, *targets, "-n", "-p", "--cores", "2", "--configfile", "config/tiny.yaml")
    counts = job_counts(result.stdout)
    assert counts["report_paper_table"] == len(NEW_TABLE_NUMBERS)
    for number in NEW_TABLE_NUMBERS:
        assert f"reports/table{number}.md" in result.stdout, number
    jobs = result.stdout.split("\n[")
    # (config/tiny.yaml evaluates configured runs in chunks of checkpoints: these runs' chunk is their one step)
    eval32k = [job for job in jobs if "results/eval/r1distill_pi1_eval32k/steps1-1.json" in job]
    assert eval32k and "--steps 1 " in eval32k[0]
    assert "--model-template 'results/runs/r1distill_pi1/checkpoints/checkpoint-{step}'" in eval32k[0]
    assert '"max_new_tokens": 24' in eval32k[0]  # the miniature's "32k" (its 8k: 16 tokens)
    assert "results/runs/r1distill_pi1_eval32k" not in result.stdout  # nothing trained or stored for it
    fp32 = [job for job in jobs if "results/eval/base_fp32/steps0-0.json" in job]
    assert fp32 and "float32" in fp32[0]
    assert {"train_grpo"} <= set(counts)  # Table 10's new 7B runs and Table 15's pi1 train
    assert "results/runs/qwen7b_pi605/train_done.json" in result.stdout


def test_seeds_reach_every_table_that_shows_the_run(tmp_path):
    """A run listing several seeds (`runs.pi1.seeds`): its further seed is trained and evaluated, and both Table 18
    (a generic table) and Table 3 (the sweep) read every seed and are told which runs are seeds of one row."""
    workdir = copy_workflow(tmp_path / "wf")
    (workdir / "config" / "seeds.yaml").write_text("runs:\n  pi1: {seeds: [1, 2]}\nsweep_examples: [pi1]\n")
    result = snakemake(workdir, "reproduce_table18", "sweep_1shot", "-n", "-p", "--cores", "2",
                       "--configfile", "config/tiny.yaml", "config/seeds.yaml")  # fmt: skip
    assert "results/runs/pi1.seed2/train_done.json" in result.stdout
    table18 = next(job for job in result.stdout.split("\n[") if "rule report_paper_table:" in job)
    assert "--run pi1.seed2=1,2" in table18 and "--seeds pi1=1,2" in table18
    table3 = next(job for job in result.stdout.split("\n[") if "rule report_table3:" in job)
    assert "--seeds pi1=1,2" in table3 and "--grader qwen_eval" in table3
    manifest = next(job for job in result.stdout.split("\n[") if "rule table3_manifest:" in job)
    assert "pi1.seed2=results/eval/pi1.seed2/steps1-2.json" in manifest
