"""Table 2 and Tables 21-42 of the paper: one card per named example (its prompt, label, our rank and score).

Every card is generated from the DSR-sub rows, our ranking (results/selection/ranking.tsv) and the history the
ranking came from; the paper's own DSR-sub index of each rank stands beside ours, so a card says whether our
π<i> is the paper's.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from oneshot_rlvr.data import INSTRUCTION_SUFFIX
from oneshot_rlvr.io import atomic_write_text
from oneshot_rlvr.selection import history_means

if TYPE_CHECKING:  # pandas is 0.7 s of a command-line start: the functions that read or build frames import it
    import pandas as pd

# The paper's named examples: (rank i of π_i, the paper's table showing it, the paper's DSR-sub index of π_i).
# Table 2 is π1; Tables 21-42 are π13, π2, π3, π4..π17 without π13, π605, π606, π1201, π1207, π1208, π1209.
NAMED_EXAMPLES: tuple[tuple[int, int, int], ...] = (
    (1, 2, 124),
    (13, 21, 682),
    (2, 22, 267),
    (3, 23, 531),
    (4, 24, 931),
    (5, 25, 212),
    (6, 26, 25),
    (7, 27, 568),
    (8, 28, 131),
    (9, 29, 649),
    (10, 30, 724),
    (11, 31, 875),
    (12, 32, 925),
    (14, 33, 100),
    (15, 34, 291),
    (16, 35, 50),
    (17, 36, 870),
    (605, 37, 60),
    (606, 38, 906),
    (1201, 39, 847),
    (1207, 40, 174),
    (1208, 41, 770),
    (1209, 42, 789),
)
CARD_COLUMNS = (
    "example", "paper_table", "rank", "dsr_sub_index", "paper_dsr_sub_index", "same_as_paper", "score",
    "history_mean_accuracy", "history_entries", "label", "prompt",
)  # fmt: skip


class CardError(ValueError):
    """The ranking or the data cannot make the cards; the message names the file and rank or index."""


def example_cards(
    dsr_sub: pd.DataFrame, ranking: pd.DataFrame, history: Mapping[str, Sequence[float]], score: str
) -> list[dict[str, Any]]:
    """One card per named example whose rank the ranking has, in the paper's table order."""
    by_rank = ranking.set_index("rank")
    rows = {int(row["extra_info"]["index"]): row for row in dsr_sub.to_dict("records")}
    means = history_means(history)
    cards = []
    for rank, table, paper_index in NAMED_EXAMPLES:
        if rank not in by_rank.index:
            continue
        index = int(by_rank.loc[rank, "index"])
        if index not in rows:
            raise CardError(f"rank {rank}: DSR-sub has no row with extra_info.index {index}")
        row = rows[index]
        prompt = str(row["prompt"][-1]["content"])
        if prompt.endswith(INSTRUCTION_SUFFIX):
            prompt = prompt[: -len(INSTRUCTION_SUFFIX)]
        mean = means.get(index, math.nan)
        cards.append(
            {
                "example": f"π{rank}",
                "paper_table": table,
                "rank": rank,
                "dsr_sub_index": index,
                "paper_dsr_sub_index": paper_index,
                "same_as_paper": index == paper_index,
                "score": float(by_rank.loc[rank, "score"]),
                "score_name": score,
                "history_mean_accuracy": None if math.isnan(mean) else round(mean, 4),
                "history_entries": len(history.get(str(index), [])),
                "label": str(row["reward_model"]["ground_truth"]),
                "prompt": prompt,
            }
        )
    if not cards:
        raise CardError(f"the ranking ({len(ranking)} ranks) has none of the named examples' ranks")
    return cards


def cards_markdown(cards: Sequence[Mapping[str, Any]], scale: str, source: str) -> str:
    title = "# Table 2 and Tables 21-42: the named examples"
    if scale == "miniature":
        title += " (MINIATURE)"
    lines = [
        title,
        "",
        f"Generated from DSR-sub and our ranking ({source}). Score: the {cards[0]['score_name']} of each example's "
        "historical training accuracy; the paper's DSR-sub index of the same rank beside ours. The prompts omit "
        f"the instruction suffix {INSTRUCTION_SUFFIX.strip()!r}.",
        "",
        "| example | paper table | DSR-sub index (paper) | score | history mean (entries) | label |",
        "|---|---|---|---|---|---|",
    ]
    for card in cards:
        same = "" if card["same_as_paper"] else " **differs**"
        mean = "–" if card["history_mean_accuracy"] is None else f"{card['history_mean_accuracy']:.3f}"
        lines.append(
            f"| {card['example']} | Table {card['paper_table']} | {card['dsr_sub_index']} "
            f"({card['paper_dsr_sub_index']}){same} | {card['score']:.4f} | {mean} ({card['history_entries']}) "
            f"| `{card['label']}` |"
        )
    for card in cards:
        lines += ["", f"## {card['example']} (Table {card['paper_table']}): label `{card['label']}`", ""]
        lines += ["> " + line if line.strip() else ">" for line in card["prompt"].splitlines()]
    return "\n".join(lines) + "\n"


def write_cards(cards: Sequence[Mapping[str, Any]], scale: str, source: str, md_path: Path, csv_path: Path) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CARD_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(cards)
    atomic_write_text(Path(csv_path), buffer.getvalue())
    atomic_write_text(Path(md_path), cards_markdown(cards, scale, source))
