"""One style for every figure: a colour per run kind (1-shot, few-shot, full set, format reward, base) that is the
same in every figure, the paper's labels, constrained layout, a y-range set by our data with the paper's values
visible, and the atomic PNG/PDF writer that records each figure's panel titles in its metadata."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from oneshot_rlvr.figures.paper import RUN_LABELS, split_model
from oneshot_rlvr.io import commit

STEP_LABEL = "training step"
ACCURACY_LABEL = "accuracy (%)"
PAPER_LINE_NOTE = "dashed: the paper's reported value"
MINIATURE_NOTE = "\nMINIATURE run (tiny model, few steps and problems; not comparable to the paper)"
# Notes under a figure's title by report.scale; the testbed draws no paper values (its tasks are not the paper's).
SCALE_NOTES = {
    "miniature": MINIATURE_NOTE,
    "testbed": "\nTESTBED: generated arithmetic, a character-level model built by the workflow (docs/testbed.md)",
}
BENCHMARK_TITLES = {
    "math500": "MATH500",
    "aime24": "AIME24 (avg@n)",
    "amc23": "AMC23 (avg@n)",
    "minerva_math": "Minerva Math",
    "olympiadbench": "OlympiadBench",
    "aime25": "AIME25 (avg@n)",
    "avg": "6-benchmark average",
}
SUBJECT_TITLES = {
    "algebra": "Algebra",
    "counting_and_probability": "Counting & Probability",
    "geometry": "Geometry",
    "intermediate_algebra": "Intermediate Algebra",
    "number_theory": "Number Theory",
    "prealgebra": "Prealgebra",
    "precalculus": "Precalculus",
}
# One hue per run kind, as the paper's Figure 1 (green 1-shot, blue full set, gold format reward); runs of one kind
# in one figure are told apart by shade and marker.
KIND_SHADES = {
    "1-shot": ("#0b6b0b", "#52b84a", "#a6d96a", "#2e8b57", "#7fbf7b"),
    "few-shot": ("#6a3d9a", "#9e6ebd", "#c2a5cf", "#3f1f66"),
    "full set": ("#1f5fa8", "#5b9bd5", "#0b3a70", "#9cc3e6"),
    "format reward": ("#c98a00", "#e6b84d", "#8a5d00", "#f2d28a"),
    "base": ("#555555",),
    "other": ("#a0522d", "#d2691e", "#8b4513"),
}
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
# A run's dataset: a full training set, one example (pi<N>) or several (unions, ranges, random<k>).
FULL_SETS = ("dsr_sub", "math_train", "full_pool")
FONT_SIZE = 10
MIN_SPAN = 5.0  # the smallest y-range of a panel, in its units (accuracy points)


@dataclass(frozen=True)
class RunStyle:
    color: str
    marker: str
    label: str
    kind: str


def run_kind(run: str) -> str:
    """1-shot, few-shot, full set, format reward, base or other, from the run's name."""
    _, name = split_model(run)
    if name == "base" or name.endswith("_base"):
        return "base"
    if "format_reward" in name:
        return "format reward"
    if name.startswith(FULL_SETS):
        return "full set"
    if re.fullmatch(r"pi\d+(_(to_)?pi\d+)+", name) or re.fullmatch(r"random\d+", name):
        return "few-shot"
    if re.match(r"pi\d+(_|$)", name):
        return "1-shot"
    return "other"


def run_label(run: str) -> str:
    """The paper's label of a run: π1, {π1, π13}, {π1, …, π16}, DSR-sub (1209), format reward (DSR-sub), ..."""
    _, name = split_model(run)
    if name in RUN_LABELS:
        return RUN_LABELS[name]
    if match := re.fullmatch(r"pi(\d+)_to_pi(\d+)", name):
        return f"{{π{match[1]}, …, π{match[2]}}}"
    if re.fullmatch(r"pi\d+(_pi\d+)+", name):
        return "{" + ", ".join(f"π{number}" for number in re.findall(r"\d+", name)) + "}"
    if re.fullmatch(r"pi\d+", name):
        return f"π{name[2:]}"
    if match := re.fullmatch(r"random(\d+)", name):
        return f"random {match[1]}"
    return name


def run_styles(runs: Sequence[str], labels: Mapping[str, str] | None = None) -> dict[str, RunStyle]:
    """Each run's colour (its kind's hue; the n-th run of a kind in this figure gets the kind's n-th shade),
    marker and label (`labels` first, then the paper's label)."""
    seen: dict[str, int] = {}
    styles = {}
    for run in runs:
        kind = run_kind(run)
        number = seen.get(kind, 0)
        seen[kind] = number + 1
        shades = KIND_SHADES[kind]
        label = (labels or {}).get(run) or run_label(run)
        styles[run] = RunStyle(shades[number % len(shades)], MARKERS[number % len(MARKERS)], label, kind)
    return styles


def pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": FONT_SIZE, "axes.titlesize": FONT_SIZE + 1, "legend.fontsize": FONT_SIZE - 1})
    return plt


def new_figure(rows: int, columns: int, width: float = 4.6, height: float = 3.4, **kwargs):
    """A figure of rows x columns panels with constrained layout (axes fill the canvas; legends placed outside)."""
    plt = pyplot()
    fig, axes = plt.subplots(
        rows, columns, figsize=(width * columns, height * rows + 0.9), squeeze=False, layout="constrained", **kwargs
    )
    return fig, axes


def grid(panels: int, columns: int, width: float = 4.6, height: float = 3.4):
    """`panels` panels in rows of `columns`; the unused cells of the last row are removed."""
    fig, axes = new_figure(math.ceil(panels / columns), columns, width, height)
    flat = list(axes.flat)
    for ax in flat[panels:]:
        fig.delaxes(ax)
    return fig, flat[:panels]


def step_axis(ax, ylabel: str = ACCURACY_LABEL) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.set_xlabel(STEP_LABEL)
    ax.set_ylabel(ylabel)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)


def no_data(ax, text: str = "no data") -> None:
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", color="#888")


def fit_range(ax, values: Iterable[float], references: Sequence[float] = (), floor: float = 0.0,
              ceiling: float = 100.0) -> None:  # fmt: skip
    """The y-range of our values; a paper value near it widens the range to include it (by at most the range's own
    height, at least 10 points); one farther away is left out (`mark_references` writes it at the edge)."""
    data = [value for value in values if math.isfinite(value)]
    if not data:
        data = list(references) or [floor, ceiling]
    low, high = min(data), max(data)
    reach = max(high - low, 10.0)
    near = [value for value in references if low - reach <= value <= high + reach]
    low, high = min([low, *near]), max([high, *near])
    if high - low < MIN_SPAN:  # flat curves (a miniature at 0 %): a few points of range, none below the floor
        low = max(floor, (low + high - MIN_SPAN) / 2)
        high = low + MIN_SPAN
    pad = (high - low) * 0.06
    ax.set_ylim(max(low - pad, floor - pad), min(high + pad, ceiling + pad))


def mark_references(ax, references: Sequence[tuple[float, str]]) -> None:
    """The paper's values (value, colour): dashed lines where inside the y-range, else written with an arrow,
    stacked in the upper (lower) left corner, where rising (falling) curves are not yet."""
    low, high = ax.get_ylim()
    above = sorted((item for item in references if item[0] > high), reverse=True)
    below = sorted(item for item in references if item[0] < low)
    for value, color in references:
        if low <= value <= high:
            ax.axhline(value, color=color, ls="--", lw=1.0, alpha=0.8)
    for group, start, step, arrow, va in ((above, 0.97, -0.075, "↑", "top"), (below, 0.03, 0.075, "↓", "bottom")):
        for number, (value, color) in enumerate(group):
            ax.text(0.02, start + step * number, f"paper {value:.1f} {arrow}", transform=ax.transAxes, ha="left",
                    va=va, fontsize=FONT_SIZE - 2, color=color)  # fmt: skip


def legend_below(fig, entries: Mapping[str, Mapping[str, Any]], note: str | None = None, columns: int = 6) -> None:
    """One legend under the panels: label -> line properties (color, marker, ls), and the paper-value note."""
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], lw=1.6, ms=4, label=label, **props) for label, props in entries.items()]
    if note:
        handles.append(Line2D([], [], color="#555", ls="--", lw=1.0, label=note))
    fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), columns), frameon=False)


def style_entries(styles: Mapping[str, RunStyle]) -> dict[str, dict[str, Any]]:
    return {style.label: {"color": style.color, "marker": style.marker} for style in styles.values()}


def set_title(fig, text: str, scale: str) -> None:
    # parse_math=False: problem texts carry unbalanced or unsupported TeX that mathtext would reject.
    fig.suptitle(text + SCALE_NOTES.get(scale, ""), fontsize=FONT_SIZE + 2, parse_math=False)


def save_atomic(fig, path: Path, metadata: Mapping[str, str] | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{path.suffix}")
    try:
        fig.savefig(tmp, dpi=150, metadata=dict(metadata) if metadata else None)
        commit(tmp, path)  # fsynced, umask permissions, renamed
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def finish(fig, name: str, png: Path, pdf: Path | None) -> list[str]:
    """Save PNG and PDF atomically with the panel titles in their metadata; return the titles."""
    titles = [ax.get_title() or ax.get_title(loc="left") for ax in fig.axes]
    panels = [title for title in titles if title]
    title = fig._suptitle.get_text() if fig._suptitle is not None else name
    save_atomic(fig, Path(png), {"Title": title, "Panels": json.dumps(panels), "Figure": name})
    if pdf is not None:
        save_atomic(fig, Path(pdf), {"Title": title, "Subject": " | ".join(panels)})
    pyplot().close(fig)
    return panels
