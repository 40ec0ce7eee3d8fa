"""The recomputed-history sweep of tests/workflow/test_sweep_workflow.py: `snakemake sweep_1shot` in a copy of the
finished miniature with the history recomputed (the DSR-sub history run records it, its ranking chooses the sweep's
sets). It needs the miniature's results, so tests/workflow/conftest.py starts it in the background as soon as the
miniature has finished, and it runs beside the tests that read the miniature after that (the interrupted workflow's,
the browser's: one core each) instead of after them; the sweep test waits for it."""

from __future__ import annotations

from pathlib import Path

import yaml

from .background import BackgroundCommand, Finished
from .miniature import Miniature

# One checkpoint per run (save_steps 2 of 2 steps), to keep the run short.
RECOMPUTED = {
    "selection": {"history": "recomputed", "history_steps": 2},
    "sweep_examples": ["pi1_to_pi2"],
    "training": {"save_steps": 2},
}
CONFIG_FILE = "config/rec.yaml"


class RecomputedSweepRun:
    """`snakemake sweep_1shot` with RECOMPUTED on top of the miniature's config, started now in a copy of the
    finished miniature under `root` (root/wf); its output goes to root/sweep_recomputed.log."""

    def __init__(self, miniature: Miniature, root: Path) -> None:
        self.workdir = miniature.clone(root / "wf")
        (self.workdir / CONFIG_FILE).write_text(yaml.safe_dump(RECOMPUTED))
        self.args = ["sweep_1shot", "--cores", "2", *miniature.config_args(CONFIG_FILE)]
        self.command = BackgroundCommand(["snakemake", *self.args], self.workdir, root / "sweep_recomputed.log")

    def wait(self) -> Finished:
        """The finished run; raises with the end of its output if Snakemake failed."""
        return self.command.succeeded(f"snakemake {' '.join(self.args)}", timeout=1800)

    def stop(self) -> None:
        self.command.stop()
