"""Example selection: rank DSR-sub by historical variance and build the duplicated 1/few-shot training sets.

Faithful to the authors' `data_selection.py`: the score is the population std (`np.std`) of each example's
training-accuracy history, sorted descending with a stable sort, so ties keep the history file's key order
(which decides pi1209 among the zero-variance examples).
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

SCORES = ("std", "var", "mean", "random", "lim")
_PI_SET = re.compile(r"^pi\d+(_pi\d+)*$")


class SelectionError(ValueError):
    """An unknown example-set name, score or rank."""


def score_history(history: Mapping[str, Sequence[float]], score: str = "std", seed: int = 0) -> dict[str, float]:
    """One score per example key, in the history's key order."""
    if score == "std":
        return {key: float(np.std(values)) for key, values in history.items()}
    if score == "var":
        return {key: float(np.var(values)) for key, values in history.items()}
    if score == "mean":
        # Difficulty: harder examples (lower mean accuracy) rank first.
        return {key: -float(np.mean(values)) for key, values in history.items()}
    if score == "random":
        rng = random.Random(seed)
        return {key: rng.random() for key in history}
    if score == "lim":
        # LIMR-style learning impact: closeness of the example's curve to the average curve, normalised by the
        # room left to improve; records are aligned by position, as in the authors' implementation.
        length = min(len(values) for values in history.values())
        matrix = np.array([list(values)[:length] for values in history.values()], dtype=float)
        average = matrix.mean(axis=0)
        denominator = float(np.sum((1.0 - average) ** 2)) or 1.0
        scores = 1.0 - np.sum((matrix - average) ** 2, axis=1) / denominator
        return {key: float(value) for key, value in zip(history, scores, strict=True)}
    raise SelectionError(f"unknown score {score!r}; choose one of {', '.join(SCORES)}")


def rank_examples(history: Mapping[str, Sequence[float]], score: str = "std", seed: int = 0) -> pd.DataFrame:
    """Ranking table with columns rank (1-based), index (DSR-sub index) and score, best first."""
    scores = score_history(history, score, seed)
    ordered = sorted(scores.items(), key=lambda item: item[1], reverse=True)  # stable: ties keep key order
    return pd.DataFrame(
        {
            "rank": np.arange(1, len(ordered) + 1),
            "index": [int(key) for key, _ in ordered],
            "score": [value for _, value in ordered],
        }
    )


def write_ranking(ranking: pd.DataFrame, path: Path) -> None:
    from oneshot_rlvr.io import atomic_write_text

    atomic_write_text(Path(path), ranking.to_csv(sep="\t", index=False, float_format="%.6f"))


def read_ranking(path: Path) -> pd.DataFrame:
    ranking = pd.read_csv(path, sep="\t")
    missing = {"rank", "index", "score"} - set(ranking.columns)
    if missing:
        raise SelectionError(f"{path}: ranking is missing column(s) {sorted(missing)}")
    return ranking


def pi_ranks(name: str) -> list[int]:
    """`pi1_pi13` -> [1, 13]."""
    if not _PI_SET.match(name):
        raise SelectionError(
            f"unknown example set {name!r}: expected pi<i>, a union like pi1_pi13, dsr_sub or math_train"
        )
    return [int(part[2:]) for part in name.split("_")]


def indices_for(name: str, ranking: pd.DataFrame) -> list[int]:
    """DSR-sub indices of the examples in a pi set, in the order the name lists them."""
    by_rank = dict(zip(ranking["rank"].astype(int), ranking["index"].astype(int), strict=True))
    indices = []
    for rank in pi_ranks(name):
        if rank not in by_rank:
            raise SelectionError(f"example set {name!r}: rank {rank} is outside the ranking (1..{len(by_rank)})")
        indices.append(by_rank[rank])
    return indices


def duplicate_to_batch(rows: pd.DataFrame, batch_size: int) -> pd.DataFrame:
    """Blocked equal duplication: every example repeated ceil(batch/k) times, in the given order."""
    copies = math.ceil(batch_size / len(rows))
    blocks = [rows.iloc[[position]] for position in range(len(rows)) for _ in range(copies)]
    return pd.concat(blocks, ignore_index=True)


def make_dataset(
    name: str,
    dsr_sub: pd.DataFrame,
    ranking: pd.DataFrame | None,
    batch_size: int,
    math_train: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The verl-format training frame for an example set name."""
    if name == "dsr_sub":
        return dsr_sub.reset_index(drop=True)
    if name == "math_train":
        if math_train is None:
            raise SelectionError("example set 'math_train' needs the MATH train data")
        # Two MATH train solutions box nothing; an empty label can never be matched, so they are not trained on.
        labelled = math_train["reward_model"].map(lambda rm: str(rm["ground_truth"]).strip() != "")
        return math_train[labelled].reset_index(drop=True)
    if ranking is None:
        raise SelectionError(f"example set {name!r} needs a ranking")
    position = {int(info["index"]): row for row, info in enumerate(dsr_sub["extra_info"])}
    chosen = []
    for index in indices_for(name, ranking):
        if index not in position:
            raise SelectionError(f"example set {name!r}: DSR-sub has no row with extra_info.index {index}")
        chosen.append(position[index])
    return duplicate_to_batch(dsr_sub.iloc[chosen].reset_index(drop=True), batch_size)
