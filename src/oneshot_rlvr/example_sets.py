"""The grammar of example-set names, parsed here and nowhere else.

`pi<i>` (the example of rank i), unions `pi1_pi13`, rank ranges `pi1_to_pi16`, `random<k>` (k seeded random DSR-sub
examples), the full sets `dsr_sub` and `math_train`, and Table 18's `pi1_simplified`. Sweeps (`sweep_examples`)
also take ranges `pi<a>..pi<b>`, one 1-shot set per rank. The Snakemake `dataset` wildcard and the schema's
`runs.<name>.dataset` and `sweep_examples` patterns use `EXAMPLE_SET_PATTERN`.

Ranks have at most 5 digits and no leading zeros, so a name like `pi1_to_pi300000000` or `pi01` never matches
and no range is ever built from it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# The largest rank an example-set name may use (5 digits).
MAX_RANK = 99_999
_RANK = r"[1-9][0-9]{0,4}"
FULL_SETS = ("dsr_sub", "math_train")
# Table 18's simplified pi'1 (selection.simplified_pi1 builds it).
PI1_SIMPLIFIED = "pi1_simplified"
EXAMPLE_SET_PATTERN = rf"dsr_sub|math_train|pi1_simplified|pi{_RANK}(_pi{_RANK})*|pi{_RANK}_to_pi{_RANK}|random{_RANK}"
_EXAMPLE_SET = re.compile(rf"^(?:{EXAMPLE_SET_PATTERN})$")
_PI_SET = re.compile(rf"^pi{_RANK}(_pi{_RANK})*$")
_PI_RANGE = re.compile(rf"^pi({_RANK})_to_pi({_RANK})$")
_RANDOM_SET = re.compile(rf"^random({_RANK})$")
_SWEEP_RANGE = re.compile(rf"^pi({_RANK})\.\.pi({_RANK})$")

# The examples of the paper's Table 3 (the default of `sweep_examples`).
TABLE3_EXAMPLES = (
    "pi1", "pi2", "pi4", "pi7", "pi11", "pi13", "pi16", "pi17", "pi605", "pi606", "pi1201", "pi1207", "pi1208", "pi1209"
)  # fmt: skip


class ExampleSetError(ValueError):
    """An unknown example-set name, score or rank (selection.SelectionError is this class)."""


def is_example_set(name: str) -> bool:
    return bool(_EXAMPLE_SET.match(name))


def random_count(name: str) -> int | None:
    """k of a `random<k>` set, else None."""
    drawn = _RANDOM_SET.match(name)
    return int(drawn.group(1)) if drawn else None


def pi_ranks(name: str) -> list[int]:
    """`pi1_pi13` -> [1, 13]; `pi1_to_pi16` -> [1, ..., 16]."""
    if len(name) > 1000:
        raise ExampleSetError(f"example set name {name[:40]!r}... is {len(name)} characters long")
    span = _PI_RANGE.match(name)
    if span:
        first, last = int(span.group(1)), int(span.group(2))
        if first < 1 or last < first:
            raise ExampleSetError(f"example set {name!r}: a rank range must run upwards from pi1 or later")
        return list(range(first, last + 1))
    if not _PI_SET.match(name):
        raise ExampleSetError(
            f"unknown example set {name!r}: expected pi<i>, a union like pi1_pi13, a range like pi1_to_pi16, "
            f"random<k>, dsr_sub or math_train (ranks 1..{MAX_RANK}, no leading zeros)"
        )
    return [int(part[2:]) for part in name.split("_")]


def needs_ranking(name: str) -> bool:
    """Whether an example set is chosen by rank (pi sets and ranges), so needs the ranking to be built."""
    return name not in (*FULL_SETS, PI1_SIMPLIFIED) and random_count(name) is None


def set_size(name: str, dsr_sub_size: int = 1209, math_train_size: int = 7500) -> int:
    """Number of distinct examples an example set trains on (Table 3's "Size" column)."""
    if name == "dsr_sub":
        return dsr_sub_size
    if name == "math_train":
        return math_train_size
    count = random_count(name)
    if count is not None:
        return count
    if name == PI1_SIMPLIFIED:
        return 1
    return len(set(pi_ranks(name)))


def parse_sweep(value: str | Iterable[str]) -> list[str]:
    """A sweep as example-set names: a list of example-set names and/or ranges `pi<a>..pi<b>` (ranks a to b,
    one 1-shot set each), or one such string. Order is kept; repeats are dropped."""
    items = [value] if isinstance(value, str) else list(value)
    names: list[str] = []
    for item in items:
        item = str(item).strip()
        match = _SWEEP_RANGE.match(item)
        if match:
            first, last = int(match.group(1)), int(match.group(2))
            if first < 1 or last < first:
                raise ExampleSetError(f"range {item!r} must run from pi1 upwards")
            names.extend(f"pi{rank}" for rank in range(first, last + 1))
        elif is_example_set(item):
            names.append(item)
        else:
            shown = " ".join(repr(item).split())
            shown = shown if len(shown) <= 60 else shown[:59] + "…"
            raise ExampleSetError(
                f"{shown} is neither an example-set name (pi<i>, pi1_pi13, pi1_to_pi16, random16, dsr_sub, "
                "math_train; ranks 1..99999 without leading zeros) nor a range like pi1..pi1209"
            )
    return list(dict.fromkeys(names))
