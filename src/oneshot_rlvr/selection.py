"""Example selection: rank DSR-sub by a historical score and build the duplicated 1/few-shot training sets.

Faithful to the authors' `data_selection.py`: the paper's score is the population std (`np.std`) of each
example's training-accuracy history, sorted descending with a stable sort, so ties keep the history file's key
order (which decides pi1209 among the zero-variance examples). The other scores (`var`, `mean` = difficulty,
`random`, `lim` = LIMR-style learning impact) rank the same way.

Example-set names (`example_sets` parses them): `pi<i>` (rank i), unions `pi1_pi13`, rank ranges `pi1_to_pi16`,
`random<k>` (k DSR-sub examples drawn with the selection seed), `dsr_sub`, `math_train`. Sets of k examples are
duplicated to the batch size with equal, blocked copies (128 / 16 = 8 of each for 16 examples).
"""

from __future__ import annotations

import json
import math
import random
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from oneshot_rlvr.data import INSTRUCTION_SUFFIX, load_history
from oneshot_rlvr.example_sets import PI1_SIMPLIFIED, ExampleSetError, pi_ranks, random_count
from oneshot_rlvr.example_sets import needs_ranking as needs_ranking
from oneshot_rlvr.example_sets import set_size as set_size
from oneshot_rlvr.io import atomic_write_text
from oneshot_rlvr.training.checkpoints import complete_checkpoints
from oneshot_rlvr.training.history import HISTORY_FILE

if TYPE_CHECKING:  # pandas is 0.7 s of a command-line start: the functions that read or build frames import it
    import pandas as pd

SCORES = ("std", "var", "mean", "random", "lim")
# Table 18's simplified pi'1: only the step the base model gets wrong. The paper gives neither the exact string nor
# the label; we use "Calculate ∛2048" with DSR-sub's instruction suffix and pi1's label 12.8 (docs/fidelity.md).
PI1_SIMPLIFIED_PROBLEM = "Calculate ∛2048"
PI1_SIMPLIFIED_LABEL = "12.8"
# Its extra_info.index: not a DSR-sub row (those are 0..1208), so its history key cannot collide with one.
PI1_SIMPLIFIED_INDEX = -1

# The single examples the paper names (Table 3 and §5.3): marked in the score-distribution figure.
PAPER_NAMED = (1, 2, 3, 4, 7, 11, 13, 16, 17, 605, 606, 1201, 1207, 1208, 1209)


# One error for unknown example-set names, scores and ranks.
SelectionError = ExampleSetError


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
    """Ranking table with columns rank (1-based), index (DSR-sub index) and score, best first.

    An example without any recorded accuracy has no score (np.std([]) is NaN, and one NaN breaks the sort for
    every other example), so it is refused, naming its key; every score is checked finite before sorting, so the
    ranking is a total order."""
    import pandas as pd
    if score not in SCORES:
        raise SelectionError(f"unknown score {score!r}; choose one of {', '.join(SCORES)}")
    for key, values in history.items():
        if len(values) == 0:
            raise SelectionError(f"key {key!r}: no accuracy recorded, so it has no {score} score")
    indices = {}
    for key in history:
        try:
            indices[key] = int(key)
        except ValueError:
            raise SelectionError(f"key {key!r}: not a DSR-sub index") from None
    if len(set(indices.values())) != len(indices):
        raise SelectionError("two history keys name the same DSR-sub index")
    scores = score_history(history, score, seed)
    for key, value in scores.items():
        if not math.isfinite(value):
            raise SelectionError(f"key {key!r}: its {score} score is {value}, not a finite number")
    ordered = sorted(scores.items(), key=lambda item: item[1], reverse=True)  # stable: ties keep key order
    return pd.DataFrame(
        {
            "rank": np.arange(1, len(ordered) + 1),
            "index": [indices[key] for key, _ in ordered],
            "score": [value for _, value in ordered],
        }
    )


def write_ranking(ranking: pd.DataFrame, path: Path) -> None:
    atomic_write_text(Path(path), ranking.to_csv(sep="\t", index=False, float_format="%.6f"))


def read_ranking(path: Path) -> pd.DataFrame:
    """A ranking TSV (write_ranking), checked: ranks 1..n each once and in order, integer DSR-sub indices each
    once, finite scores that never increase. A hand-edited file with a duplicated row or an index 1.5 is
    refused naming its line, not silently read."""
    import pandas as pd
    if not Path(path).is_file():
        raise SelectionError(f"{path}: ranking file not found")
    try:
        ranking = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as error:
        raise SelectionError(f"{path}: not a readable ranking TSV ({str(error).splitlines()[0]})") from None
    missing = {"rank", "index", "score"} - set(ranking.columns)
    if missing:
        raise SelectionError(f"{path}: ranking is missing column(s) {sorted(missing)}")
    if ranking.empty:
        raise SelectionError(f"{path}: ranking has no rows")
    ranks, indices, scores = [], [], []
    seen: dict[int, int] = {}
    columns = zip(ranking["rank"], ranking["index"], ranking["score"], strict=True)
    for row, (rank, index, score) in enumerate(columns, start=2):
        where = f"{path}:{row}"
        if not re.fullmatch(r"[1-9][0-9]{0,8}", rank.strip()):
            raise SelectionError(f"{where}: rank {rank[:40]!r} is not a positive integer")
        if int(rank) <= len(ranks):  # ranks so far are exactly 1..len(ranks)
            raise SelectionError(f"{where}: rank {int(rank)} appears twice (ranks 1..n, once each)")
        if int(rank) != len(ranks) + 1:
            raise SelectionError(f"{where}: rank {int(rank)} where rank {len(ranks) + 1} was expected (ranks 1..n)")
        if not re.fullmatch(r"-?(0|[1-9][0-9]{0,17})", index.strip()):
            raise SelectionError(f"{where}: index {index[:40]!r} is not an integer DSR-sub index")
        if int(index) in seen:
            raise SelectionError(f"{where}: index {int(index)} is already ranked at line {seen[int(index)]}")
        try:
            value = float(score)
        except ValueError:
            raise SelectionError(f"{where}: score {score[:40]!r} is not a number") from None
        if not math.isfinite(value):
            raise SelectionError(f"{where}: score {score!r} is not a finite number")
        if scores and value > scores[-1] + 1e-6:  # the file's scores are rounded to 6 decimals
            raise SelectionError(f"{where}: score {value} is above the previous row's {scores[-1]}; not a ranking")
        seen[int(index)] = row
        ranks.append(int(rank))
        indices.append(int(index))
        scores.append(value)
    return pd.DataFrame({"rank": ranks, "index": indices, "score": scores})


def simplified_pi1() -> pd.DataFrame:
    """The one-row verl-format frame of pi'1 (Table 18), in DSR-sub's layout and with its instruction suffix."""
    import pandas as pd
    return pd.DataFrame(
        {
            "data_source": [PI1_SIMPLIFIED],
            "prompt": [[{"role": "user", "content": PI1_SIMPLIFIED_PROBLEM + INSTRUCTION_SUFFIX}]],
            "ability": ["math"],
            "reward_model": [{"style": "rule", "ground_truth": PI1_SIMPLIFIED_LABEL}],
            "extra_info": [{"index": PI1_SIMPLIFIED_INDEX, "split": "train"}],
        }
    )


def random_indices(dsr_sub: pd.DataFrame, count: int, seed: int) -> list[int]:
    """`random<k>`: k distinct DSR-sub indices drawn with `random.Random(seed)` (the paper's "Random" 16-shot set
    is 16 random DSR-sub examples whose identities it does not give)."""
    indices = [int(info["index"]) for info in dsr_sub["extra_info"]]
    if not 1 <= count <= len(indices):
        raise SelectionError(f"example set 'random{count}': DSR-sub has {len(indices)} examples")
    return random.Random(seed).sample(indices, count)


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
    import pandas as pd
    if not 1 <= batch_size <= 1_000_000:
        raise SelectionError(f"batch size {batch_size} (config key selection.batch_size) must be 1..1000000")
    copies = math.ceil(batch_size / len(rows))
    blocks = [rows.iloc[[position]] for position in range(len(rows)) for _ in range(copies)]
    return pd.concat(blocks, ignore_index=True)


def make_dataset(
    name: str,
    dsr_sub: pd.DataFrame,
    ranking: pd.DataFrame | None,
    batch_size: int,
    math_train: pd.DataFrame | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """The verl-format training frame for an example set name (`seed` draws the `random<k>` sets)."""
    if name == "dsr_sub":
        return dsr_sub.reset_index(drop=True)
    if name == "math_train":
        if math_train is None:
            raise SelectionError("example set 'math_train' needs the MATH train data")
        # Two MATH train solutions box nothing; an empty label can never be matched, so they are not trained on.
        labelled = math_train["reward_model"].map(lambda rm: str(rm["ground_truth"]).strip() != "")
        return math_train[labelled].reset_index(drop=True)
    if name == PI1_SIMPLIFIED:
        return duplicate_to_batch(simplified_pi1(), batch_size)
    count = random_count(name)
    if count is not None:
        wanted = random_indices(dsr_sub, count, seed)
    elif ranking is None:
        pi_ranks(name)  # an unknown name is named as such, not as a missing ranking
        raise SelectionError(f"example set {name!r} needs a ranking")
    else:
        wanted = indices_for(name, ranking)
    position = {int(info["index"]): row for row, info in enumerate(dsr_sub["extra_info"])}
    chosen = []
    for index in wanted:
        if index not in position:
            raise SelectionError(f"example set {name!r}: DSR-sub has no row with extra_info.index {index}")
        chosen.append(position[index])
    return duplicate_to_batch(dsr_sub.iloc[chosen].reset_index(drop=True), batch_size)


def collect_history(done_path: Path, checkpoint_dir: Path, step: int) -> dict[str, list[float]]:
    """Our own history (`selection.history: recomputed`): the one recorded at `step` by the full-set DSR-sub run.

    The run's done file must list the step, and the checkpoint must be complete (its marker written after the
    history), so a half-written checkpoint is never ranked.
    """
    try:
        done = json.loads(Path(done_path).read_text())
    except OSError as error:
        raise SelectionError(f"{done_path}: {error.strerror}") from None
    except ValueError as error:
        raise SelectionError(f"{done_path}: not valid JSON ({' '.join(str(error).split())[:120]})") from None
    if not isinstance(done, dict) or not isinstance(done.get("steps", []), list):
        raise SelectionError(f"{done_path}: expected a JSON object with a list 'steps'")
    if step not in done.get("steps", []):
        raise SelectionError(f"{done_path}: the run saved steps {done.get('steps')}, not step {step}")
    complete = dict(complete_checkpoints(Path(checkpoint_dir)))
    if step not in complete:
        raise SelectionError(f"{checkpoint_dir}: checkpoint-{step} is missing or incomplete")
    return load_history(complete[step] / HISTORY_FILE)


def history_means(history: Mapping[str, Sequence[float]]) -> dict[int, float]:
    """Mean historical training accuracy per DSR-sub index (for the score-distribution figure)."""
    return {int(key): float(np.mean(values)) if len(values) else float("nan") for key, values in history.items()}
