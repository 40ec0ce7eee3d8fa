"""The suite's miniature of `paper`: the README's command word for word, run once per session in a checkout laid
out as a user's (tests/workflow/conftest.py), whose outputs the end-to-end tests read; and how to run more targets
with the same configuration there.

Its whole configuration is config/tiny.yaml (1 or 2 steps per run, a few problems per benchmark, the sweep
narrowed to pi1..pi2): what a user's miniature runs is what the suite checks.

The run starts in the background when the session's first test starts (MiniatureRun, started by tests/conftest.py
when a selected test needs it), so the unit tests use the cores its Snakemake leaves idle (the start, a chain of
small report jobs at the end); the first test that reads it waits for it.
"""

from __future__ import annotations

import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from oneshot_rlvr import config as oc

from .background import BackgroundCommand
from .workflow import copy_workflow

# The README's command, word for word (run in a checkout with the data at ../shared/data).
README_PAPER_COMMAND = "snakemake paper --cores 2 --configfile config/tiny.yaml --config local_data_dir=../shared/data"
CONFIG_FILE = "config/tiny.yaml"
DATA_DIR = "../shared/data"  # as the README's command names it, relative to the checkout
# MATH500's first problem: within the miniature's limit, so Figure 3 shows its evaluated response at every step.
FIGURE3_PROBLEM = "test/precalculus/807.json"


def user_checkout(root: Path, shared_data: Path) -> Path:
    """`root`/oneshot-rlvr: a copy of the workflow (copy_workflow) beside `root`/shared/data, a link to the data, as
    a user's clone sits beside the shared folder."""
    workdir = copy_workflow(root / "oneshot-rlvr")
    (root / "shared").mkdir(exist_ok=True)
    (root / "shared" / "data").symlink_to(shared_data)
    return workdir


def readme_paper_args(*extra: str) -> list[str]:
    """README_PAPER_COMMAND's Snakemake arguments (without `snakemake`), then `extra`."""
    return [*shlex.split(README_PAPER_COMMAND)[1:], *extra]


def miniature_config_args(shared_data: Path | str, *configfiles: str) -> list[str]:
    """The config of the suite's miniature (CONFIG_FILE, then `configfiles`) with the data at `shared_data`: the
    miniature's own checkout (DATA_DIR) or another copy of the workflow."""
    return ["--configfile", CONFIG_FILE, *configfiles, "--config", f"local_data_dir={shared_data}"]


@dataclass(frozen=True)
class Miniature:
    """The finished suite miniature: its checkout (workdir; the data at ../shared/data) and how long it took."""

    workdir: Path
    data_dir: Path
    seconds: float

    def args(self, target: str, *extra: str) -> list[str]:
        """Snakemake arguments for `target` with the miniature's config (2 cores), as the README's command has them."""
        return [target, "--cores", "2", *self.config_args(), *extra]

    def config_args(self, *more_configfiles: str) -> list[str]:
        return miniature_config_args(DATA_DIR, *more_configfiles)

    def config(self) -> dict[str, Any]:
        """The resolved config of the miniature (as the workflow saw it)."""
        return oc.load_config([self.workdir / CONFIG_FILE], [f"local_data_dir={DATA_DIR}"])

    def clone(self, dest: Path) -> Path:
        """A copy of the finished checkout (results, metadata, times kept) for a test that changes it: `dest` with
        the data linked at ../shared/data beside it, as the miniature's own."""
        shutil.copytree(self.workdir, dest, symlinks=True)
        shared = dest.parent / "shared"
        shared.mkdir(exist_ok=True)
        if not (shared / "data").exists():
            (shared / "data").symlink_to(self.data_dir)
        return dest


class MiniatureRun:
    """README_PAPER_COMMAND running in the background (helpers/background.py) in a fresh user checkout under `root`;
    `wait` returns the finished Miniature (or raises with the end of its output). Its output goes to
    `root`/miniature.log, its start and end times to `root`/miniature.times."""

    def __init__(self, root: Path, shared_data: Path) -> None:
        self.workdir = user_checkout(root, shared_data)
        self.data_dir = shared_data
        self.command = BackgroundCommand(shlex.split(README_PAPER_COMMAND), self.workdir, root / "miniature.log")
        self.result: Miniature | None = None

    def wait(self) -> Miniature:
        if self.result is None:
            finished = self.command.wait()
            if finished.returncode != 0:
                raise AssertionError(
                    f"{README_PAPER_COMMAND} failed (rc {finished.returncode}; {self.command.log}):\n"
                    f"{finished.output[-8000:]}"
                )
            self.result = Miniature(self.workdir, self.data_dir, finished.seconds)
        return self.result

    def stop(self) -> None:
        """End the run if it is still going (the session ended before a test waited for it)."""
        self.command.stop()
