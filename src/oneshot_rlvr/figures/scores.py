"""The example-selection figure: the distribution of the selection score (histogram, rank curve, score against
mean accuracy) with the named examples (π1, π13, ...) marked."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from oneshot_rlvr.figures.style import pyplot, save_atomic

if TYPE_CHECKING:  # pandas is 0.7 s of a command-line start: the functions that read or build frames import it
    import pandas as pd

SCORE_TITLES = {
    "std": "historical std of training accuracy",
    "var": "historical variance of training accuracy",
    "mean": "difficulty (minus mean training accuracy)",
    "random": "random score",
    "lim": "LIMR-style learning impact",
}


def score_distribution(
    ranking: pd.DataFrame,
    marks: Sequence[int],
    png: Path,
    pdf: Path | None = None,
    score: str = "std",
    means: Mapping[int, float] | None = None,
    source: str = "",
) -> list[dict[str, float]]:
    """Histogram and rank curve of the scores (and score against mean accuracy when `means` is given), with the
    examples at ranks `marks` marked as pi<rank>. Returns the marked points (rank, index, score)."""
    plt = pyplot()
    ranks = ranking["rank"].astype(int).tolist()
    scores = ranking["score"].astype(float).tolist()
    indices = ranking["index"].astype(int).tolist()
    by_rank = {rank: (index, value) for rank, index, value in zip(ranks, indices, scores, strict=True)}
    marked = [
        {"rank": rank, "index": by_rank[rank][0], "score": by_rank[rank][1]}
        for rank in sorted(set(marks))
        if rank in by_rank
    ]

    panels = 3 if means else 2
    fig, axes = plt.subplots(1, panels, figsize=(5.2 * panels, 4.2), constrained_layout=True)
    title = SCORE_TITLES.get(score, score)

    finite = [value for value in scores if math.isfinite(value)]
    hist = axes[0]
    hist.hist(finite, bins=40, color="#9ab", edgecolor="#456")
    for point in marked:
        hist.axvline(point["score"], color="#c33", lw=0.8, alpha=0.7)
    hist.set_xlabel(title)
    hist.set_ylabel("examples")
    hist.set_title(f"score distribution ({len(scores)} examples)")
    if 0 < len(marked) <= 20:
        listing = "\n".join(f"π{p['rank']}: idx {p['index']}, {p['score']:.3f}" for p in marked)
        box = {"facecolor": "white", "alpha": 0.85, "edgecolor": "none"}
        style = {"ha": "right", "va": "top", "fontsize": 8, "color": "#c33", "bbox": box}
        hist.text(0.98, 0.97, listing, transform=hist.transAxes, **style)

    curve = axes[1]
    curve.plot(ranks, scores, color="#456", lw=1.2)
    curve.set_xscale("log")
    curve.set_xlabel("rank i (log scale)")
    curve.set_ylabel(title)
    curve.set_title("ranked scores: π_i has the i-th highest")
    for number, group in enumerate(_clusters(marked, lambda p: math.log10(p["rank"]), 0.03)):
        for point in group:
            curve.plot(point["rank"], point["score"], "o", color="#c33", ms=4)
        label = "/".join(f"π{point['rank']}" for point in group)
        right_end = math.log10(group[0]["rank"]) > 0.8 * math.log10(max(ranks[-1], 2))
        curve.annotate(
            label,
            (group[0]["rank"], group[0]["score"]),
            xytext=(-5 if right_end else 5, 8 if number % 2 or right_end else -12),
            textcoords="offset points",
            ha="right" if right_end else "left",
            fontsize=8,
            color="#c33",
        )

    if means:
        scatter = axes[2]
        xs = [means.get(index, float("nan")) for index in indices]
        scatter.scatter(xs, scores, s=5, color="#9ab")
        located = [{**point, "x": means.get(point["index"], float("nan"))} for point in marked]
        # Points whose labels would overlap (within 12 % of the width and 4 % of the height) share one label.
        finite_x = [x for x in xs if math.isfinite(x)] or [0.0, 1.0]
        width = max(max(finite_x) - min(finite_x), 1e-9)
        height = max(max(finite) - min(finite), 1e-9) if finite else 1.0
        groups: list[list[dict]] = []
        for point in sorted(located, key=lambda p: (p["score"], p["x"])):
            near = next((group for group in groups if abs(group[0]["x"] - point["x"]) < 0.12 * width
                         and abs(group[0]["score"] - point["score"]) < 0.04 * height), None)  # fmt: skip
            if near is None:
                groups.append([point])
            else:
                near.append(point)
        for group in groups:
            x, y = group[0]["x"], group[0]["score"]
            for point in group:
                scatter.plot(point["x"], point["score"], "o", color="#c33", ms=4)
            label = "/".join(f"π{point['rank']}" for point in sorted(group, key=lambda p: p["rank"]))
            right_end = x > min(finite_x) + 0.8 * width
            scatter.annotate(label, (x, y), xytext=(-4 if right_end else 4, 4), textcoords="offset points",
                             ha="right" if right_end else "left", fontsize=8, color="#c33")  # fmt: skip
        scatter.set_xlabel("mean historical training accuracy")
        scatter.set_ylabel(title)
        scatter.set_title("score against accuracy")

    fig.suptitle(f"Example selection score: {score}" + (f" — history: {source}" if source else ""))
    png = Path(png)
    png.parent.mkdir(parents=True, exist_ok=True)
    save_atomic(fig, png)
    if pdf is not None:
        save_atomic(fig, Path(pdf))
    plt.close(fig)
    return marked


def _clusters(points: Sequence[dict], position, gap: float) -> list[list[dict]]:
    """Consecutive points (in the given order) closer than `gap` share one label."""
    groups: list[list[dict]] = []
    for point in points:
        if groups and abs(position(point) - position(groups[-1][-1])) < gap:
            groups[-1].append(point)
        else:
            groups.append([point])
    return groups
