"""oneshot_rlvr.paths is the one contract between the rule files and the package: every path family it names is
used by a rule file, and a family's Snakemake pattern is the same path as its value for one run, step or table."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from oneshot_rlvr import config as oc
from oneshot_rlvr import paths

REPO = Path(__file__).resolve().parents[2]
RULE_FILES = [REPO / "Snakefile", *sorted((REPO / "workflow" / "rules").glob("*.smk"))]


def public_names() -> list[str]:
    return [name for name, value in vars(paths).items() if not name.startswith("_") and name != "annotations"]


def is_root(name: str) -> bool:
    """The folders and file names the families are built from (results/, reports/figures, steps.json)."""
    return name.endswith(("_DIR", "_FILE"))


def test_every_path_family_is_used_by_a_rule_file():
    rules_text = "\n".join(path.read_text() for path in RULE_FILES)
    readers = ("run_of_train_done", "is_evaluation_index")  # read paths, name none
    families = [name for name in public_names() if not is_root(name) and name not in readers]
    assert len(families) >= 15
    unused = [name for name in families if not re.search(rf"\bpaths\.{name}\b", rules_text)]
    assert unused == [], f"path families no rule file uses: {unused}"


def test_no_rule_file_spells_a_results_or_reports_path():
    """The rule files take every results/ and reports/ path from paths (comments may name them)."""
    spelled = [
        f"{path.name}:{number}: {line.strip()}"
        for path in RULE_FILES
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"[\"'](results|reports)/", line.split("#", 1)[0])
    ]
    assert spelled == []


@pytest.mark.parametrize(
    "family, values",
    [
        (paths.built_model, {"name": "tiny"}),
        (paths.dataset, {"name": "pi1_pi13"}),
        (paths.checkpoints_dir, {"run": "pi1"}),
        (paths.checkpoint, {"run": "pi1", "step": 40}),
        (paths.train_done, {"run": "pi1"}),
        (paths.train_log, {"run": "pi1"}),
        (paths.run_eval_dir, {"run": "pi13"}),
        (paths.step_eval_dir, {"run": "pi13", "step": 20}),
        (paths.metrics, {"run": "pi13", "step": 20}),
        (paths.run_index, {"run": "pi2"}),
        (paths.chunk_index, {"run": "pi1", "first": 20, "last": 100}),
        (paths.table_file, {"number": 16, "extension": "csv"}),
        (paths.report_file, {"name": "testbed", "extension": "md"}),
        (paths.report_page, {"name": "table5_convergence"}),
        (paths.figure_file, {"name": "figure3", "extension": "pdf"}),
    ],
)
def test_a_pattern_filled_in_is_the_path_of_its_values(family, values):
    """What a rule declares as `family("{run}", "{step}")` is, with Snakemake's wildcards filled in, the file the
    package computes for that run and step."""
    wildcards = {name: value for name, value in values.items() if name != "extension"}
    fixed = {name: value for name, value in values.items() if name not in wildcards}
    pattern = family(**{name: f"{{{name}}}" for name in wildcards}, **fixed)
    assert pattern.format(**values) == family(**values)
    reports = (paths.table_file, paths.report_file, paths.report_page, paths.figure_file)
    under = paths.REPORTS_DIR if family in reports else paths.RESULTS_DIR
    assert family(**values).startswith(f"{under}/")
    assert set(inspect.signature(family).parameters) >= set(values)


def test_the_config_resolution_hands_out_paths_files():
    """The evaluation files the reports read and an ICL run's example set are paths' files."""
    config = oc.load_config()
    single = oc.load_config(overrides=["evaluation.checkpoints_per_job=1"])
    assert oc.evaluation_targets(single, "pi1")[0] == paths.metrics("pi1", 20) == "results/eval/pi1/step20/metrics.json"
    chunk = "results/eval/pi1/steps20-100.json"
    assert oc.evaluation_targets(config, "pi1")[0] == paths.chunk_index("pi1", 20, 100) == chunk
    assert oc.evaluation_targets(config, "pi2") == [paths.run_index("pi2")] == ["results/eval/pi2/steps.json"]
    # the reports read either index in place of the step files it names
    assert all(paths.is_evaluation_index(path) for path in ["results/eval/pi2/steps.json", "x/steps20-100.json"])
    others = ["x/step20/metrics.json", "x/steps20.json", "steps-1.json"]
    assert not any(paths.is_evaluation_index(path) for path in others)
    assert oc.icl_inputs(config, "icl_pi1") == [paths.dataset("pi1")] == ["results/datasets/pi1.parquet"]


def test_the_disk_plan_reads_runs_off_their_done_markers():
    assert paths.run_of_train_done(paths.train_done("pi1_pi13")) == "pi1_pi13"
    assert paths.run_of_train_done(paths.train_log("pi1")) is None
    assert paths.run_of_train_done("results/runs/a/b/train_done.json") is None
    assert paths.run_of_train_done("results/runs//train_done.json") is None
