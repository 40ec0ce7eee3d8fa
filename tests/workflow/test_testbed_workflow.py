"""config/testbed.yaml plans the testbed through the project's own DAG: generated data instead of fetch_data, the
built model, the recomputed history, the runs of Table 1 and their evaluations, the reports and figures."""

from __future__ import annotations

import pytest
import yaml
from helpers.workflow import copy_workflow, job_counts, snakemake

from oneshot_rlvr import config as oc
from oneshot_rlvr.config import REPO_ROOT


def test_testbed_dry_run_plans_the_whole_experiment(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    result = snakemake(workdir, "reproduce_table1", "-n", "--cores", "2", "--configfile", "config/testbed.yaml")
    counts = job_counts(result.stdout)
    config = oc.load_config([REPO_ROOT / "config" / "testbed.yaml"])
    rows = config["report"]["table1"]["rows"]
    trained = [row for row in rows if row != "base"]
    assert counts["generate_testbed_data"] == 1 and counts["build_testbed_model"] == 1
    assert "fetch_data" not in counts and "build_tiny_model" not in counts
    assert counts["train_grpo"] == len(trained) + 1  # and the recomputed history run
    assert counts["collect_history"] == 1 and counts["rank_examples"] == 1
    # One evaluation job per row (evaluation.jobs: run), each evaluating every saved step of its run.
    assert counts["evaluate_run"] == len(rows) == 6 and "evaluate_checkpoint" not in counts
    assert sum(len(oc.evaluated_steps(config, run)) for run in trained) == 8 + 4 * 2
    assert counts["report_table1"] == 1 and counts["report_testbed"] == 1 and counts["plot_figure"] == 2
    figure = snakemake(workdir, "figure1", "-n", "--configfile", "config/testbed.yaml")
    assert "plot_figure" in job_counts(figure.stdout)


def test_testbed_config_is_checked_against_its_data_source(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    (workdir / "config" / "bad.yaml").write_text(yaml.safe_dump({"benchmark_set": {"averaged": ["add3", "math500"]}}))
    result = snakemake(workdir, "reproduce_table1", "-n", "--configfile", "config/testbed.yaml", "config/bad.yaml",
                       check=False)  # fmt: skip
    assert result.returncode != 0 and "benchmark_set" in result.stdout + result.stderr


@pytest.mark.parametrize(
    "override, key",
    [
        ({"benchmark_set": {"averaged": ["add3"]}}, "benchmark_set"),  # a testbed type with the paper's data
        ({"data_source": "testbed"}, "testbed"),  # no generator settings
        ({"evaluation": {"benchmarks": {"gsm8k": {"limit": 3}}}}, "evaluation.benchmarks.gsm8k"),
    ],
)
def test_benchmark_set_and_data_source_errors_name_the_key(override, key):
    with pytest.raises(oc.ConfigError, match=key):
        oc.validate_config(oc.deep_merge(oc.load_config(), override))


def test_paper_spec_is_unchanged_by_the_benchmark_set():
    """Only another benchmark set enters the evaluation spec, so the paper's fingerprints and hashes stay."""
    assert "benchmark_set" not in oc.evaluation_spec(oc.load_config(), "base")
    testbed = oc.load_config([REPO_ROOT / "config" / "testbed.yaml"])
    assert oc.evaluation_spec(testbed, "base")["benchmark_set"] == {
        "averaged": ["add3", "add4", "addsub", "muladd"], "extra": []
    }  # fmt: skip
