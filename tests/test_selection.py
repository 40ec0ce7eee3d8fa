"""Variance ranking and the duplicated training sets, checked against the authors' released files."""

from __future__ import annotations

import subprocess

import pandas as pd
import pytest

from oneshot_rlvr import data, selection


@pytest.fixture(scope="module")
def ranking(shared_data):
    return selection.rank_examples(data.load_history(shared_data / "dsr_sub" / "acc_step_500.json"))


def test_ranking_reproduces_the_paper_indices(ranking):
    by_rank = dict(zip(ranking["rank"], ranking["index"], strict=True))
    assert (by_rank[1], by_rank[2], by_rank[13], by_rank[1209]) == (124, 267, 682, 789)
    # Named examples of paper.md §5.3 and the tail of the ranking (ties keep the history's key order).
    named = {3: 531, 4: 931, 7: 568, 11: 875, 16: 50, 17: 870, 605: 60, 606: 906, 1201: 847, 1207: 174, 1208: 770}
    assert {rank: by_rank[rank] for rank in named} == named
    assert [by_rank[r] for r in range(1200, 1210)] == [706, 847, 979, 114, 395, 485, 1167, 174, 770, 789]
    assert ranking["score"].iloc[0] == pytest.approx(0.406756, abs=1e-6)
    assert list(ranking["rank"]) == list(range(1, 1210))


def test_ties_keep_history_key_order():
    history = {"5": [0.0, 0.0], "2": [0.5, 0.0], "9": [0.0, 0.0], "1": [1.0, 1.0]}
    ranked = selection.rank_examples(history)
    assert list(ranked["index"]) == [2, 5, 9, 1]


@pytest.mark.parametrize(
    ("name", "authors_file"),
    [
        ("pi1", "pi1_r128"),
        ("pi2", "pi2_r128"),
        ("pi13", "pi13_r128"),
        ("pi1209", "pi1209_r128"),
        ("pi1_pi13", "merge_pi1_pi13_r128"),
        ("pi1_pi2_pi13_pi1209", "merge_pi1_pi2_pi13_pi1209_r128"),
    ],
)
def test_datasets_equal_the_authors_files(shared_data, ranking, name, authors_file):
    ours = selection.make_dataset(name, data.load_dsr_sub(shared_data), ranking, 128)
    theirs = pd.read_parquet(shared_data / "dsr_sub" / f"{authors_file}.parquet")
    assert len(ours) == len(theirs) == 128
    for mine, reference in zip(ours.to_dict("records"), theirs.to_dict("records"), strict=True):
        assert mine["prompt"][0]["content"] == reference["prompt"][0]["content"]
        assert mine["reward_model"]["ground_truth"] == reference["reward_model"]["ground_truth"]
        assert mine["extra_info"]["index"] == reference["extra_info"]["index"]


def test_full_sets_and_bad_names(shared_data, ranking):
    dsr = data.load_dsr_sub(shared_data)
    assert len(selection.make_dataset("dsr_sub", dsr, ranking, 128)) == 1209
    math_train = selection.make_dataset("math_train", dsr, None, 128, data.load_math_train(shared_data))
    assert len(math_train) == 7498  # two MATH solutions box nothing
    three = selection.make_dataset("pi1_pi2_pi3", dsr, ranking, 128)
    assert len(three) == 129 and three["extra_info"].map(lambda e: e["index"]).value_counts().tolist() == [43] * 3
    with pytest.raises(selection.SelectionError, match="unknown example set 'random'"):
        selection.make_dataset("random", dsr, ranking, 128)
    with pytest.raises(selection.SelectionError, match="rank 5000"):
        selection.make_dataset("pi5000", dsr, ranking, 128)


def test_rank_and_make_dataset_cli(shared_data, tmp_path):
    out = tmp_path / "ranking.tsv"
    subprocess.run(
        ["oneshot-rlvr", "rank", "--history", str(shared_data / "dsr_sub" / "acc_step_500.json"), "--out", str(out)],
        check=True,
        capture_output=True,
    )
    table = pd.read_csv(out, sep="\t")
    assert list(table.columns) == ["rank", "index", "score"] and table["index"].iloc[0] == 124
    parquet = tmp_path / "pi13.parquet"
    subprocess.run(
        [
            "oneshot-rlvr",
            "make-dataset",
            "--name",
            "pi13",
            "--data-dir",
            str(shared_data),
            "--ranking",
            str(out),
            "--out",
            str(parquet),
        ],
        check=True,
        capture_output=True,
    )
    frame = pd.read_parquet(parquet)
    assert set(frame["extra_info"].map(lambda e: e["index"])) == {682}
    bad = subprocess.run(
        [
            "oneshot-rlvr",
            "make-dataset",
            "--name",
            "pi1x",
            "--data-dir",
            str(shared_data),
            "--ranking",
            str(out),
            "--out",
            str(tmp_path / "x.parquet"),
        ],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "pi1x" in bad.stderr and not (tmp_path / "x.parquet").exists()
