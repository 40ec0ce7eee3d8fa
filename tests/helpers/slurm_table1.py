"""Table 1 of the suite's miniature through `--executor slurm` (the slurm-ci profile), run in the background from
the session's start, so that its waiting (sbatch start-up, the plugin's status checks) overlaps with the local
miniature and the tests before it instead of following them. tests/workflow/test_slurm.py compares it with the
finished local miniature.

Table 1 here has two of its rows (ROWS: the base model and a 1-shot run): every rule of the target still runs, the
cheap ones in the main process and the model-building, training and evaluation jobs through sbatch (a one-step and
a two-step evaluation chunk among them), while the other five training runs, which would repeat the same jobs on
other datasets, are left to the local miniature: about 150 CPU-seconds of the suite's 2 cores (benchmarks/RESULTS.md,
"Evaluation chunks in one process").

tests/conftest.py starts it with the session's first test when a selected test reads it and the test SLURM is usable
(helpers/slurm.py); otherwise the test's fixture skips or fails as ONESHOT_RLVR_REQUIRE_SLURM says."""

from __future__ import annotations

from pathlib import Path

import yaml

from .background import BackgroundCommand, Finished
from .miniature import miniature_config_args
from .workflow import copy_workflow

# Under the load of the local miniature and the tests beside it; alone it takes about 2 minutes.
TIMEOUT_S = 3600
# Table 1's rows run on SLURM (report.table1.rows), on top of the miniature's config.
ROWS = ("base", "pi1")
CONFIG_FILE = "config/slurm_table1.yaml"


class SlurmTable1Run:
    """`snakemake reproduce_table1` with the miniature's config (Table 1's ROWS) through workflow/profiles/slurm-ci
    (--verbose, so its output has the sbatch calls), started now in a fresh copy of the workflow under `root`; its
    output goes to `root`/slurm_table1.log, its start and end times to `root`/slurm_table1.times."""

    def __init__(self, root: Path, shared_data: Path) -> None:
        self.workdir = copy_workflow(root / "wf")
        (self.workdir / CONFIG_FILE).write_text(yaml.safe_dump({"report": {"table1": {"rows": list(ROWS)}}}))
        self.args = [
            "reproduce_table1",
            "--workflow-profile",
            "workflow/profiles/slurm-ci",
            "--verbose",
            *miniature_config_args(shared_data, CONFIG_FILE),
        ]
        self.command = BackgroundCommand(["snakemake", *self.args], self.workdir, root / "slurm_table1.log")

    def wait(self) -> Finished:
        """The finished run; raises with the end of its output if Snakemake failed or ran past TIMEOUT_S."""
        return self.command.succeeded(f"snakemake {' '.join(self.args)}", timeout=TIMEOUT_S)

    def stop(self) -> None:
        self.command.stop()
