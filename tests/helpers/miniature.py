"""The suite's miniature of `paper`: one Snakemake run of every table and figure that the end-to-end tests read
(tests/workflow/conftest.py runs it once per session), and how to run the same configuration elsewhere.

It is the README's `snakemake paper --cores 2 --configfile config/tiny.yaml --config local_data_dir=...` with two
more config files: config/test.yaml (a smaller tiny model; 2 steps, a checkpoint each) and config/suite.yaml
(SUITE_NARROWING below: fewer problems; one step for every configured run outside Table 1; the Table 3 sweep
narrowed to pi1..pi2). Table 1's runs and the example-set runs keep 2 steps, so checkpoint selection, the
per-run evaluation of several steps and Figure 3's steps are exercised end to end.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from oneshot_rlvr import config as oc
from oneshot_rlvr.data import ALL_BENCHMARKS

from .workflow import WORKFLOW_TEST_OVERRIDES, copy_workflow

# The README's command, word for word (run in a checkout with the data at ../shared/data).
README_PAPER_COMMAND = (
    "snakemake paper --cores 2 --configfile config/tiny.yaml --config local_data_dir=../shared/data"
)
CONFIG_FILES = ("config/tiny.yaml", "config/test.yaml", "config/suite.yaml")
ONE_STEP = {"training": {"max_steps": 1, "save_steps": 1}}
# MATH500's first problem: within the narrowed limit, so Figure 3 shows its evaluated response at every step.
FIGURE3_PROBLEM = "test/precalculus/807.json"


def suite_narrowing() -> dict[str, Any]:
    """config/suite.yaml: what the suite's miniature changes beyond config/test.yaml (see the module docstring)."""
    tiny = oc.load_config([oc.REPO_ROOT / "config" / "tiny.yaml"])
    table1 = set(tiny["report"]["table1"]["rows"])
    one_step_runs = [
        run
        for run in tiny["runs"]
        if run not in table1 and not oc.is_evaluation_only(tiny, run) and not oc.checkpoints_of(tiny, run)
    ]
    return {
        "models": {
            key: ONE_STEP for key in ("qwen2.5-math-7b", "llama-3.2-3b-instruct", "deepseek-r1-distill-qwen-1.5b")
        },
        "runs": {run: ONE_STEP for run in one_step_runs},
        "evaluation": {
            "benchmarks": {name: {"limit": 4 if name == "math500" else 2} for name in ALL_BENCHMARKS},
        },
        "sweep_examples": "pi1..pi2",
        "figures": {"figure3": {"steps": [0, 1, 2], "problem_id": FIGURE3_PROBLEM}},
    }


def write_suite_config(workdir: Path) -> Path:
    """A scratch copy of the workflow (copy_workflow) configured as the suite's miniature."""
    copy_workflow(workdir, WORKFLOW_TEST_OVERRIDES)
    (workdir / "config" / "suite.yaml").write_text(yaml.safe_dump(suite_narrowing()))
    return workdir


@dataclass(frozen=True)
class Miniature:
    """The finished suite miniature: its folder and the arguments that made it."""

    workdir: Path
    data_dir: Path
    seconds: float

    def args(self, target: str, *extra: str) -> list[str]:
        """Snakemake arguments for `target` with the miniature's config (2 cores)."""
        return [target, "--cores", "2", *self.config_args(), *extra]

    def config_args(self, *more_configfiles: str) -> list[str]:
        return ["--configfile", *CONFIG_FILES, *more_configfiles, "--config", f"local_data_dir={self.data_dir}"]

    def config(self) -> dict[str, Any]:
        """The resolved config of the miniature (as the workflow saw it)."""
        return oc.load_config([self.workdir / c for c in CONFIG_FILES], [f"local_data_dir={self.data_dir}"])

    def clone(self, dest: Path) -> Path:
        """A copy of the finished workspace (results, metadata, times kept) for a test that changes it."""
        shutil.copytree(self.workdir, dest, symlinks=True)
        return dest
