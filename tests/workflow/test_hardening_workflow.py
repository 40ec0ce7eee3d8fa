"""Hostile config through Snakemake (the rows of docs/faults.md that need the workflow; the rest are in
tests/unit/test_hardening.py).

- No config value reaches a shell unparsed: the workflow's every shell command, printed by a Snakemake dry run
  with hostile values for every key that reaches a command line, is executed by bash with stand-ins for the two
  programs it starts (`oneshot-rlvr`, `accelerate`) that record their arguments: no `touch X` runs, and each
  value arrives as one argument, byte for byte. The cheap rules also run for real on a data folder named
  `my data; touch X`.
- Hostile names, alias bombs and values the schema cannot type stop the workflow, naming the key.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml
from helpers.hostile import BILLION_LAUGHS
from helpers.workflow import copy_workflow
from helpers.workflow import snakemake as run_snakemake

from oneshot_rlvr import config as oc
from oneshot_rlvr import data

TINY = str(oc.REPO_ROOT / "config" / "tiny.yaml")


def snakemake(workdir: Path, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return run_snakemake(workdir, *args, check=False, timeout=timeout)


# ----------------------------------------------------------------------------------------------------------
# Shell injection: every shell command of the workflow, with hostile values for every key that reaches one
# ----------------------------------------------------------------------------------------------------------

HOSTILE_LOCAL = "../my data; touch X"
HOSTILE_DATA = "res data/$(touch X)/`touch X`"
HOSTILE_TINY = "results/models/t'ny;touch X&"
HOSTILE_HUB = "Qwen/x;touch X"
HOSTILE_TITLE = "Qwen'2.5 $(touch X) `touch X`"
RECORDER = (
    '#!/bin/bash\nprintf "%s\\0" "$(basename "$0")" "$@" >> "$HARDEN_RECORD"\nprintf "\\1\\0" >> "$HARDEN_RECORD"\n'
)


def hostile_config() -> dict:
    merged = oc.load_config([TINY])
    models = {key: {"path": HOSTILE_TINY} for key, spec in merged["models"].items() if spec.get("build")}
    models["qwen2.5-1.5b"] = {"path": HOSTILE_HUB, "build": False}  # evaluated as a hub id (qwen15b_base)
    return {
        "local_data_dir": HOSTILE_LOCAL,
        "data_dir": HOSTILE_DATA,
        "models": models,
        "training": {"gpus": 2},  # accelerate launch with the workflow folder's config path
        "sweep_examples": "pi1..pi2",
        "report": {"table1": {"model": HOSTILE_TITLE}},
    }


def printed_commands(output: str) -> list[str]:
    return [line[len("Shell command: ") :] for line in output.splitlines() if line.startswith("Shell command: ")]


def run_recorded(commands: list[str], workdir: Path, tmp: Path) -> list[list[str]]:
    """Run each command with bash in `workdir`, `oneshot-rlvr` and `accelerate` replaced by recorders of their
    arguments; return the recorded argument lists."""
    bin_dir = tmp / "bin"
    bin_dir.mkdir()
    for name in ("oneshot-rlvr", "accelerate"):
        (bin_dir / name).write_text(RECORDER)
        (bin_dir / name).chmod(0o755)
    record = tmp / "record"
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "HARDEN_RECORD": str(record)}
    for command in commands:
        words = shlex.split(command)
        for before, target in zip(words, words[1:], strict=False):
            if before in (">", "2>"):
                (workdir / target).parent.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(["bash", "-c", command], cwd=workdir, env=env, capture_output=True, text=True)
        assert result.returncode == 0, (command, result.stderr)
    calls = []
    for chunk in record.read_bytes().split(b"\x01\x00"):
        if chunk:
            calls.append([part.decode() for part in chunk.split(b"\x00")[:-1]])
    return calls


def argument(call: list[str], option: str) -> str:
    return call[call.index(option) + 1]


def test_no_config_value_reaches_a_shell_unquoted(tmp_path):
    """Every rule's command (the whole `paper` DAG of the miniature, and collect_history), with hostile values for
    local_data_dir, data_dir, models.<m>.path (built and hub) and a workflow folder whose path holds `$(...)`."""
    workdir = copy_workflow(tmp_path / "wf x;$(touch X)")
    (workdir / "config" / "hostile.yaml").write_text(yaml.safe_dump(hostile_config()))
    configs = ["--configfile", "config/tiny.yaml", "config/hostile.yaml"]
    result = snakemake(workdir, "paper", "-n", "-p", *configs)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    commands = [command for command in printed_commands(result.stdout) if command != "None"]
    history = snakemake(
        workdir, "results/selection/history_recomputed.json", "-n", "-p", *configs,
        "--config", "selection={history: recomputed}",
    )  # fmt: skip
    assert history.returncode == 0, history.stdout[-3000:] + history.stderr[-3000:]
    commands += [command for command in printed_commands(history.stdout) if "collect-history" in command]
    # config/tiny.yaml evaluates configured runs in chunks (evaluate_chunk); one job per checkpoint is
    # evaluate_checkpoint's command, planned here with the same hostile values.
    (workdir / "config" / "per_checkpoint.yaml").write_text(yaml.safe_dump({"evaluation": {"checkpoints_per_job": 1}}))
    per_checkpoint = snakemake(workdir, "paper", "-n", "-p", *configs, "config/per_checkpoint.yaml")
    assert per_checkpoint.returncode == 0, per_checkpoint.stdout[-3000:] + per_checkpoint.stderr[-3000:]
    commands += [command for command in printed_commands(per_checkpoint.stdout) if " evaluate --" in command]
    calls = run_recorded(commands, workdir, tmp_path)

    assert not list(tmp_path.rglob("X")), "a hostile value ran as a shell command"
    programs = {call[1] if call[0] == "oneshot-rlvr" else "accelerate" for call in calls}
    assert programs >= {
        "fetch-data", "build-tiny-model", "rank", "make-dataset", "evaluate", "evaluate-run", "collect-train-log",
        "plot-figure", "report-table", "report-table1", "report-table3", "reports-readme", "plot-scores",
        "collect-history", "accelerate",
    }  # fmt: skip
    assert len(calls) == sum(not command.startswith("printf") for command in commands)  # every command ran
    by_program: dict[str, list[list[str]]] = {}
    for call in calls:
        by_program.setdefault(call[1] if call[0] == "oneshot-rlvr" else call[0], []).append(call)
    assert by_program["fetch-data"]  # the data files and the ICL demonstrations
    for fetch in by_program["fetch-data"]:
        assert argument(fetch, "--local-data-dir") == HOSTILE_LOCAL and argument(fetch, "--dest-dir") == HOSTILE_DATA
    (build,) = by_program["build-tiny-model"]
    assert argument(build, "--out") == HOSTILE_TINY and argument(build, "--data-dir") == HOSTILE_DATA
    (rank,) = by_program["rank"]
    assert argument(rank, "--history") == f"{HOSTILE_DATA}/{data.relpath_of('history')}"
    assert all(argument(call, "--data-dir") == HOSTILE_DATA for call in by_program["make-dataset"])
    evaluated = {argument(call, "--model") for call in by_program["evaluate"]}
    assert {HOSTILE_TINY, HOSTILE_HUB} <= evaluated
    templates = {argument(call, "--model-template") for call in by_program["evaluate-run"]}  # chunks and whole runs
    assert {HOSTILE_TINY, HOSTILE_HUB} <= templates
    for call in by_program["accelerate"]:
        assert argument(call, "--config_file") == f"{workdir}/workflow/accelerate/fsdp.yaml"
    for program in ("report-table1", "report-table3"):
        assert argument(by_program[program][0], "--model") == HOSTILE_TITLE


def test_cheap_rules_run_for_real_on_a_data_folder_named_with_a_payload(tmp_path, shared_data):
    """fetch_data, rank_examples and make_dataset, run by Snakemake, with local_data_dir `my data; touch X` (a real
    copy of the data) and data_dir `res data/$(touch X)/...`: the files arrive, nothing is executed."""
    workdir = copy_workflow(tmp_path / "wf x;$(touch X)")
    shutil.copytree(shared_data, tmp_path / "my data; touch X", ignore=shutil.ignore_patterns("icl"))
    (workdir / "config" / "hostile.yaml").write_text(
        yaml.safe_dump({"local_data_dir": HOSTILE_LOCAL, "data_dir": HOSTILE_DATA})
    )
    result = snakemake(
        workdir, "results/datasets/pi1.parquet", "--cores", "1", "--configfile", "config/tiny.yaml",
        "config/hostile.yaml",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert not list(tmp_path.rglob("X"))
    for name in ("dsr_sub", "history", "math500", "arc_c"):
        fetched = workdir / HOSTILE_DATA / data.relpath_of(name)
        assert data.sha256_of(fetched) == data.known_checksums()[data.relpath_of(name)]
    frame = pd.read_parquet(workdir / "results" / "datasets" / "pi1.parquet")
    assert {info["index"] for info in frame["extra_info"]} == {124}  # pi1 of the paper


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (yaml.safe_dump({"runs": {"x&touch X&": {"dataset": "pi1"}}}), "invalid config key 'runs"),
        (yaml.safe_dump({"sweep_examples": ["pi1..pi300000000"]}), "invalid config key 'sweep_examples"),
        ("training: {max_steps: 4}\ntraining: {save_steps: 2}\n", "key 'training' given twice (line 2)"),
    ],
    ids=["run-name", "sweep-range", "duplicate-key"],
)
def test_workflow_refuses_hostile_names_naming_the_key(tmp_path, text, message):
    workdir = copy_workflow(tmp_path / "wf")
    (workdir / "config" / "bad.yaml").write_text(text)
    result = snakemake(workdir, "reproduce_table1", "-n", "--configfile", "config/bad.yaml")
    assert result.returncode != 0
    assert message in result.stdout + result.stderr, (result.stdout + result.stderr)[-3000:]


def test_workflow_refuses_nested_aliases_fast(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    (workdir / "config" / "bomb.yaml").write_text(BILLION_LAUGHS)
    result = snakemake(workdir, "reproduce_table1", "-n", "--configfile", "config/bomb.yaml", timeout=300)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "invalid config key 'training.label_override'" in output and "aliases" in output, output[-3000:]
    assert "MemoryError" not in output


def test_readme_gpu_override_works_as_written(tmp_path):
    """The README's way to change GPUs, `--config 'training={gpus: 4}'`, word for word: Snakemake reads nested
    values as strings, which the workflow types by the schema."""
    readme = (oc.REPO_ROOT / "README.md").read_text()
    (override,) = set(re.findall(r"--config '(training=\{gpus: \d+\})'", readme))
    workdir = copy_workflow(tmp_path / "wf")
    result = snakemake(workdir, "reproduce_table1", "-n", "-p", "--config", override)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    gpus = int(re.search(r"\d+", override.split(":")[1]).group())
    assert re.search(rf"rule train_grpo:(?:\n .*)*?\n    resources: .*gpu={gpus}\b", result.stdout)
    assert f"--num_processes {gpus} -m oneshot_rlvr.cli train" in result.stdout
    # a value the schema cannot type is still refused, naming the key
    bad = snakemake(workdir, "reproduce_table1", "-n", "--config", "training={gpus: four}")
    assert bad.returncode != 0 and "invalid config key 'training.gpus'" in bad.stdout + bad.stderr
