"""The rules and the package agree on the paths: the files Snakemake plans for the miniature's Table 1 (the
default target) are the ones oneshot_rlvr.paths and the config resolution compute for its runs."""

from __future__ import annotations

import re

from helpers.workflow import copy_workflow, snakemake

from oneshot_rlvr import config as oc
from oneshot_rlvr import paths


def planned_outputs(stdout: str) -> set[str]:
    return {path for line in re.findall(r"^\s+output: (.+)$", stdout, re.M) for path in line.split(", ")}


def test_the_planned_files_of_table1_are_the_paths_of_its_runs(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    # no target: `all`, i.e. Table 1 (a default target set in an included rule file would be dropped)
    result = snakemake(workdir, "-n", "--cores", "2", "--configfile", "config/tiny.yaml")
    planned = planned_outputs(result.stdout)
    config = oc.load_config([workdir / "config" / "tiny.yaml"])
    rows = config["report"]["table1"]["rows"]
    trained = [row for row in rows if not oc.is_evaluation_only(config, row)]
    expected = {
        paths.RANKING,
        *paths.table_files(1),
        *(paths.train_done(run) for run in trained),
        *(paths.dataset(oc.training_spec(config, run)["dataset"]) for run in trained),
        *(path for row in rows for path in oc.evaluation_targets(config, row)),
    }
    assert len(trained) == 6 and paths.chunk_index("pi1", 1, 2) in expected  # both checkpoints in one job
    assert expected <= planned, f"planned by no rule: {sorted(expected - planned)}"
    under_results_or_reports = {path for path in planned if path.startswith(("results/", "reports/"))}
    assert under_results_or_reports - expected == {config["models"]["tiny"]["path"]}  # the built tiny model
