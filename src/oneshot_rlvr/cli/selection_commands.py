"""Example selection: rank DSR-sub, build the training sets, our own history, the example cards and score figure."""

from __future__ import annotations

import argparse
from pathlib import Path

from oneshot_rlvr import data, figures, paper_cards, selection
from oneshot_rlvr.cli.arguments import (
    add_table_outputs,
    command,
    non_negative_int,
    positive_int,
)
from oneshot_rlvr.example_sets import pi_ranks
from oneshot_rlvr.io import atomic_write_bytes_from, atomic_write_json


def cmd_rank(args: argparse.Namespace) -> None:
    history = data.load_history(Path(args.history))
    try:
        ranking = selection.rank_examples(history, args.score, args.seed)
    except selection.SelectionError as error:
        raise selection.SelectionError(f"{args.history}: {error}") from None
    selection.write_ranking(ranking, Path(args.out))
    top = ", ".join(f"pi{r}={i}" for r, i in zip(ranking["rank"][:3], ranking["index"][:3], strict=True))
    print(f"ranked {len(ranking)} examples by {args.score}: {top}")


def cmd_make_dataset(args: argparse.Namespace) -> None:
    data_dir = Path(args.data_dir)
    math_train = data.load_math_train(data_dir) if args.name == "math_train" else None
    dsr_sub = data.load_dsr_sub(data_dir)
    ranking = selection.read_ranking(Path(args.ranking)) if args.ranking else None
    frame = selection.make_dataset(args.name, dsr_sub, ranking, args.batch_size, math_train, seed=args.seed)
    atomic_write_bytes_from(Path(args.out), lambda tmp: frame.to_parquet(tmp, index=False))
    examples = frame["extra_info"].map(lambda info: info["index"]).nunique()
    print(f"{args.name}: {len(frame)} rows ({examples} examples) -> {args.out}")


def cmd_collect_history(args: argparse.Namespace) -> None:
    history = selection.collect_history(Path(args.done), Path(args.checkpoint_dir), args.step)
    atomic_write_json(Path(args.out), history)
    entries = sum(len(values) for values in history.values())
    print(f"history at step {args.step}: {len(history)} examples, {entries} records -> {args.out}")


def cmd_example_cards(args: argparse.Namespace) -> None:
    ranking = selection.read_ranking(Path(args.ranking))
    history = data.load_history(Path(args.history))
    try:
        cards = paper_cards.example_cards(data.load_dsr_sub(Path(args.data_dir)), ranking, history, args.score)
    except paper_cards.CardError as error:
        raise paper_cards.CardError(f"{args.ranking}: {error}") from None
    source = f"{args.ranking}, from {args.history}"
    paper_cards.write_cards(cards, args.scale, source, Path(args.md), Path(args.csv))
    same = sum(card["same_as_paper"] for card in cards)
    print(f"{len(cards)} example cards; {same} have the paper's DSR-sub index")


def _rank_of(mark: str) -> int:
    """A rank given as `pi13` (one example's set name) or `13`."""
    if not mark.startswith("pi"):
        return int(mark)
    (rank,) = pi_ranks(mark)  # a union such as pi1_pi13 is no single rank
    return rank


def cmd_plot_scores(args: argparse.Namespace) -> None:
    ranking = selection.read_ranking(Path(args.ranking))
    means = selection.history_means(data.load_history(Path(args.history))) if args.history else None
    try:
        marks = [_rank_of(mark) for mark in args.mark]
    except ValueError:
        raise ValueError(f"--mark: {args.mark} must be ranks such as pi13 or 13") from None
    marks = marks or list(selection.PAPER_NAMED)
    pdf = Path(args.pdf) if args.pdf else None
    marked = figures.score_distribution(ranking, marks, Path(args.png), pdf, args.score, means, args.source)
    print(f"wrote {args.png}" + (f" and {args.pdf}" if args.pdf else "") + f" ({len(marked)} examples marked)")


def register(sub) -> None:
    """Add these subcommands to the `oneshot-rlvr` parser."""
    p = command(sub, "rank", "rank DSR-sub examples by a historical-accuracy score", cmd_rank,
                 " Writes a TSV of rank, index and score, highest score first (pi1 is rank 1).")  # fmt: skip
    p.add_argument("--history", required=True, help="the training-accuracy history (acc_step_500.json layout)")
    p.add_argument("--out", required=True, help="the ranking TSV to write")
    p.add_argument("--score", default="std", choices=selection.SCORES, help="ranking score (default: std, the paper)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random score (default: 0)")

    p = command(sub, "make-dataset", "build a duplicated 1/few-shot (or full) training parquet", cmd_make_dataset)
    p.add_argument(
        "--name", required=True, help="example set: pi<i>, unions pi1_pi13, ranges pi1_to_pi16, random<k>, dsr_sub, "
        "math_train, pi1_simplified"
    )  # fmt: skip
    p.add_argument("--data-dir", required=True, help="the data folder")
    p.add_argument("--ranking", help="ranking TSV (needed for pi<i> sets)")
    p.add_argument("--batch-size", type=positive_int, default=128, help="rows of a duplicated set (default: 128)")
    p.add_argument("--seed", type=int, default=0, help="selection seed (draws the random<k> sets; default: 0)")
    p.add_argument("--out", required=True, help="the parquet file to write")

    p = command(sub, "collect-history", "our own history: the one a DSR-sub run recorded at a saved step",
                 cmd_collect_history)  # fmt: skip
    p.add_argument("--done", required=True, help="the run's train_done.json")
    p.add_argument("--checkpoint-dir", required=True, help="the run's checkpoints folder")
    p.add_argument("--step", type=non_negative_int, required=True, help="a saved step of the run")
    p.add_argument("--out", required=True, help="the history JSON to write")

    p = command(sub, "example-cards", "Table 2 and Tables 21-42: a card per named example from the ranking",
                 cmd_example_cards)  # fmt: skip
    p.add_argument("--data-dir", required=True, help="the data folder")
    p.add_argument("--ranking", required=True, help="ranking TSV (oneshot-rlvr rank)")
    p.add_argument("--history", required=True, help="the history the ranking was computed from")
    p.add_argument("--score", default="std", help="the score the ranking used (printed in the table)")
    add_table_outputs(p)

    p = command(sub, "plot-scores", "figure of the selection-score distribution with named examples marked",
                 cmd_plot_scores)  # fmt: skip
    p.add_argument("--ranking", required=True, help="ranking TSV (oneshot-rlvr rank)")
    p.add_argument("--history", help="the history the ranking came from (adds score against mean accuracy)")
    p.add_argument("--score", default="std", choices=selection.SCORES, help="the ranking's score (default: std)")
    p.add_argument("--source", default="", help="history label for the title (released / recomputed)")
    p.add_argument("--mark", action="append", default=[], help="pi<i> or rank to mark (default: the paper's)")
    p.add_argument("--png", required=True, help="the PNG to write")
    p.add_argument("--pdf", help="also a PDF")
