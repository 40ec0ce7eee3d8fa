"""How the tables print: column titles, the scale notes, cells as "ours ±h (paper, diff)", the across-seeds
section every table with runs of several seeds carries, and the long-format CSV."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from oneshot_rlvr import comparison
from oneshot_rlvr.io import atomic_write_text

COLUMN_TITLES = {
    "math500": "MATH500",
    "aime24": "AIME24",
    "amc23": "AMC23",
    "minerva_math": "Minerva",
    "olympiadbench": "OlympiadBench",
    "aime25": "AIME25",
    "avg": "Avg",
    "arc_e": "ARC-E",
    "arc_c": "ARC-C",
    "best_avg_step": "Best Avg Step",
}
# report.scale: what the reports say about where their numbers come from (the paper's scale has no note).
SCALES = ("paper", "miniature", "testbed")
SCALE_NOTES = {
    "miniature": " — MINIATURE run (tiny random model, few steps and problems; not comparable to the paper)",
    "testbed": " — TESTBED (generated arithmetic, a character-level model built by the workflow; docs/testbed.md)",
}


def compare_cell(ours: float | None, theirs: float | None) -> dict[str, float | None]:
    """Our number rounded as the paper rounds (0.1), the paper's, and the difference (None where one is missing)."""
    rounded = None if ours is None else round(ours, 1)
    return {
        "ours": rounded,
        "paper": theirs,
        "diff": None if rounded is None or theirs is None else round(rounded - theirs, 1),
    }


def number_text(value: float | None, missing: str = "–") -> str:
    return missing if value is None else f"{value:.1f}"


def half_width_text(low: Any, high: Any) -> str:
    return "" if low is None or high is None or low == "" else f" ±{(float(high) - float(low)) / 2:.1f}"


def seeds_section(records: Sequence[Mapping[str, Any]], title: Callable[[str], str] = lambda c: c) -> list[str]:
    """Markdown lines of the mean, sample standard deviation and per-seed values of `ours` for every row run with
    several seeds (records with a `seed_group`); [] when no row has several seeds."""
    summaries = comparison.seed_summaries(records)
    if not summaries:
        return []
    lines = [
        "Across seeds: mean, standard deviation (sd) and per-seed values of `ours` (each seed's row is above).",
        "",
        "| row | column | seeds | mean | sd | per seed |",
        "|---|---|---|---|---|---|",
    ]
    for item in summaries:
        lines.append(
            f"| {item['run']} | {title(item['column'])} | {item['seeds']} | {number_text(item['mean'])} | "
            f"{number_text(item['sd'])} | {item['per_seed']} |"
        )
    return [*lines, ""]


def seed_fields(row: str, seed_of: Mapping[str, tuple[str, int]]) -> dict[str, Any]:
    """`seed_group` (the row the seeds belong to) and `seed` of a record; empty for a row of one seed."""
    group, seed = seed_of.get(row, ("", ""))
    return {"seed_group": group, "seed": seed}


def seed_map(seeds: Mapping[str, Sequence[int]] | None, run_name: Callable[[str, int], str]) -> dict[str, tuple]:
    """row or further-seed run -> (row, seed) for every row listing several seeds (the first seed keeps the
    row's own name, every further one is `run_name(row, seed)`)."""
    found: dict[str, tuple[str, int]] = {}
    for group, listed in (seeds or {}).items():
        for number, seed in enumerate(listed):
            found[group if number == 0 else run_name(group, int(seed))] = (group, int(seed))
    return found


def write_records_csv(records: Sequence[Mapping[str, Any]], csv_path: Path) -> None:
    """A table's long-format records as CSV (one column per key of the first record), written atomically."""
    fields = list(records[0].keys()) if records else ["row", "column"]
    lines = [",".join(fields)]
    for record in records:
        lines.append(",".join(_csv_field(record.get(field)) for field in fields))
    atomic_write_text(Path(csv_path), "\n".join(lines) + "\n")


def _csv_field(value: Any) -> str:
    text = "" if value is None else str(value)
    if any(ch in text for ch in ',"\n'):
        text = '"' + text.replace('"', '""') + '"'
    return text
