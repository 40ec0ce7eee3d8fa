"""Table 2 and Tables 21-42: the named examples' cards come from DSR-sub and the ranking, not from typed text."""

from __future__ import annotations

import csv

import pytest

from oneshot_rlvr import data, paper_cards, selection
from oneshot_rlvr.cli import main


@pytest.fixture(scope="module")
def released(shared_data):
    history = data.load_history(shared_data / data.relpath_of("history"))
    return data.load_dsr_sub(shared_data), selection.rank_examples(history, "std", 0), history


def test_cards_of_the_released_ranking_are_the_papers_examples(released):
    dsr_sub, ranking, history = released
    cards = paper_cards.example_cards(dsr_sub, ranking, history, "std")
    assert [c["example"] for c in cards][:4] == ["π1", "π13", "π2", "π3"] and len(cards) == 23
    assert [c["paper_table"] for c in cards] == [2, *range(21, 43)]
    assert all(c["same_as_paper"] for c in cards)
    pi1 = cards[0]
    assert (pi1["dsr_sub_index"], pi1["label"], round(pi1["score"], 4), pi1["history_mean_accuracy"]) == (
        124, "12.8", 0.4068, 0.441,
    )  # fmt: skip
    assert pi1["prompt"].startswith("The pressure \\( P \\) exerted by wind") and "Let's think" not in pi1["prompt"]
    assert cards[-1]["label"] == "-\\frac{2023}{2024}" and cards[-1]["score"] == 0.0


def test_a_different_ranking_gives_different_cards_and_says_so(released):
    dsr_sub, ranking, history = released
    swapped = ranking.copy()
    swapped.loc[[0, 1], "index"] = swapped.loc[[1, 0], "index"].to_numpy()  # pi1 <-> pi2
    cards = paper_cards.example_cards(dsr_sub, swapped.head(5), history, "std")
    assert [c["example"] for c in cards] == ["π1", "π2", "π3", "π4", "π5"]  # only ranks the ranking has
    assert (cards[0]["dsr_sub_index"], cards[0]["label"], cards[0]["same_as_paper"]) == (267, "24", False)
    markdown = paper_cards.cards_markdown(cards, "miniature", "x")
    assert "| π1 | Table 2 | 267 (124) **differs** |" in markdown and "(MINIATURE)" in markdown.splitlines()[0]
    with pytest.raises(paper_cards.CardError, match="none of the named examples"):
        paper_cards.example_cards(dsr_sub, ranking.iloc[0:0], history, "std")


def test_cli_writes_both_files_and_refuses_a_bad_ranking(shared_data, released, tmp_path, capsys):
    _, ranking, _ = released
    selection.write_ranking(ranking, tmp_path / "ranking.tsv")
    history = shared_data / data.relpath_of("history")
    args = ["example-cards", "--data-dir", str(shared_data), "--ranking", str(tmp_path / "ranking.tsv"),
            "--history", str(history), "--md", str(tmp_path / "t2.md"), "--csv", str(tmp_path / "t2.csv")]  # fmt: skip
    assert main(args) == 0
    assert "23 example cards; 23 have the paper's DSR-sub index" in capsys.readouterr().out
    rows = list(csv.DictReader((tmp_path / "t2.csv").open(encoding="utf-8")))
    assert rows[0]["example"] == "π1" and rows[0]["dsr_sub_index"] == "124" and rows[0]["label"] == "12.8"
    assert "## π1 (Table 2): label `12.8`" in (tmp_path / "t2.md").read_text(encoding="utf-8")
    (tmp_path / "bad.tsv").write_text("rank\tindex\tscore\n1\t124\t0.4\n1\t267\t0.3\n")
    args[args.index(str(tmp_path / "ranking.tsv"))] = str(tmp_path / "bad.tsv")
    assert main(args) == 2
    assert "bad.tsv:3: rank 1 appears twice" in capsys.readouterr().err
