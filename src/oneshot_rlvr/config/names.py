"""Run names: the reserved ones, the names of further seeds, and what a name may contain."""

from __future__ import annotations

import re

from oneshot_rlvr.config.errors import ConfigError, short

# The base model's own evaluation is the "base" row (step 0); training runs never use this name.
BASE_RUN = "base"

# The full-set DSR-sub run whose recorded training-accuracy history ranks the examples when
# `selection.history: recomputed` (the paper: 500 steps). It needs no `runs:` entry.
HISTORY_RUN = "history_dsr_sub"

# Several seeds of one run (`runs.<name>.seeds: [1, 2, 3]`): the first seed keeps the run's name (so a figure or
# table naming the run, and its results, stay as they were), every further seed is its own run <name>.seed<seed>
# with its own folders and jobs.
SEED_SUFFIX = ".seed"


def seed_run_name(run: str, seed: int) -> str:
    return f"{run}{SEED_SUFFIX}{int(seed)}"


# Run names become folder names and command-line words (results/runs/<run>/, --run <run>): letters, digits, '_',
# '.' and '-', starting with a letter or digit, no '..', at most 100 characters. No '/', space or shell
# metacharacter, so a name can neither leave results/ ('../..') nor break a command line. The schema's `runs`
# keys, `report.table1.rows` and `figures.<name>.runs` use the same pattern.
RUN_NAME_PATTERN = r"(?!.*[.][.])[A-Za-z0-9][A-Za-z0-9_.-]{0,99}"
_RUN_NAME = re.compile(rf"^{RUN_NAME_PATTERN}$")


def check_name(name: str, what: str = "run name") -> str:
    if not isinstance(name, str) or not _RUN_NAME.match(name):
        raise ConfigError(
            f"{what} {short(repr(name), 60)} may only contain letters, digits, '_', '.' and '-' "
            "(starting with a letter or digit, no '..', at most 100 characters)"
        )
    return name

