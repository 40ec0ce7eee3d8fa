"""Variance ranking and the duplicated training sets, checked against the authors' released files."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from helpers.commands import cli_here

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
    ranked = cli_here("rank", "--history", shared_data / "dsr_sub" / "acc_step_500.json", "--out", out)
    assert ranked.returncode == 0, ranked.stderr
    table = pd.read_csv(out, sep="\t")
    assert list(table.columns) == ["rank", "index", "score"] and table["index"].iloc[0] == 124
    parquet = tmp_path / "pi13.parquet"
    made = cli_here("make-dataset", "--name", "pi13", "--data-dir", shared_data, "--ranking", out, "--out", parquet)
    assert made.returncode == 0, made.stderr
    frame = pd.read_parquet(parquet)
    assert set(frame["extra_info"].map(lambda e: e["index"])) == {682}
    bad = cli_here(
        "make-dataset", "--name", "pi1x", "--data-dir", shared_data, "--ranking", out, "--out", tmp_path / "x.parquet"
    )
    assert bad.returncode == 2 and "pi1x" in bad.stderr and not (tmp_path / "x.parquet").exists()


# ----------------------------------------------------------------------------------------------------------
# The other scores, the named sets pi1_to_pi16 / random16, our own history, the score figure
# ----------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def history(shared_data):
    return data.load_history(shared_data / "dsr_sub" / "acc_step_500.json")


def test_lim_score_matches_the_authors_unused_method(history):
    """reference-implementation.md §3.3: LIMR-style scores, records aligned by position over the shortest list."""
    lim = selection.rank_examples(history, "lim")
    assert list(lim["index"][:5]) == [416, 964, 569, 317, 369]
    rank_of = dict(zip(lim["index"], lim["rank"], strict=True))
    assert [rank_of[index] for index in (124, 267, 682, 789)] == [500, 499, 216, 915]
    assert lim["score"].is_monotonic_decreasing and len(lim) == 1209


def test_var_mean_and_random_scores(history):
    std = selection.rank_examples(history, "std")
    var = selection.rank_examples(history, "var")
    # Same order as std for every named example (np.var only reorders exact float ties).
    by_rank = dict(zip(var["rank"], var["index"], strict=True))
    assert (by_rank[1], by_rank[2], by_rank[13]) == (124, 267, 682)
    assert var["score"].iloc[0] == pytest.approx(std["score"].iloc[0] ** 2)
    # mean = difficulty: hardest first (the 99 never-solved examples), easiest last.
    mean = selection.rank_examples(history, "mean")
    assert mean["score"].iloc[0] == 0.0 and mean["score"].iloc[-1] == -1.0
    assert (mean["score"].iloc[:99] == 0.0).all() and mean["score"].iloc[99] < 0.0
    assert sum(score == -1.0 for score in mean["score"]) == 5
    first = selection.rank_examples(history, "random", seed=3)
    again = selection.rank_examples(history, "random", seed=3)
    other = selection.rank_examples(history, "random", seed=4)
    assert list(first["index"]) == list(again["index"]) != list(other["index"])
    assert sorted(first["index"]) == sorted(int(key) for key in history)
    with pytest.raises(selection.SelectionError, match="unknown score 'entropy'"):
        selection.rank_examples(history, "entropy")


def test_pi1_to_pi16_has_eight_copies_of_each_top_example(shared_data, ranking):
    frame = selection.make_dataset("pi1_to_pi16", data.load_dsr_sub(shared_data), ranking, 128)
    indices = frame["extra_info"].map(lambda info: info["index"]).tolist()
    top16 = list(ranking["index"][:16])
    assert len(frame) == 128 and indices == [index for index in top16 for _ in range(8)]  # blocked, rank order
    assert selection.pi_ranks("pi1_to_pi16") == list(range(1, 17)) and selection.set_size("pi1_to_pi16") == 16
    with pytest.raises(selection.SelectionError, match="must run upwards"):
        selection.pi_ranks("pi5_to_pi2")


def test_random16_is_seeded_and_duplicated_equally(shared_data):
    dsr = data.load_dsr_sub(shared_data)
    first = selection.make_dataset("random16", dsr, None, 128, seed=0)
    again = selection.make_dataset("random16", dsr, None, 128, seed=0)
    other = selection.make_dataset("random16", dsr, None, 128, seed=1)

    def index(frame):
        return frame["extra_info"].map(lambda info: info["index"]).tolist()

    assert len(first) == 128 and index(first) == index(again) != index(other)
    counts = first["extra_info"].map(lambda info: info["index"]).value_counts()
    assert len(counts) == 16 and set(counts) == {8}
    assert index(first)[::8] == selection.random_indices(dsr, 16, 0)
    assert not selection.needs_ranking("random16") and selection.needs_ranking("pi1_to_pi16")
    assert selection.set_size("random16") == 16 and selection.set_size("pi1_pi13") == 2
    with pytest.raises(selection.SelectionError, match="DSR-sub has 1209 examples"):
        selection.make_dataset("random5000", dsr, None, 128)


def _fake_checkpoint(root, step, history):
    from oneshot_rlvr.training import COMPLETE_MARKER, HISTORY_FILE

    checkpoint = root / f"checkpoint-{step}"
    checkpoint.mkdir(parents=True)
    (checkpoint / HISTORY_FILE).write_text(json.dumps(history))
    (checkpoint / COMPLETE_MARKER).write_text("{}")


def test_collect_history_reads_the_complete_checkpoint(tmp_path):
    recorded = {"7": [0.5, 1.0], "3": [0.0, 0.125], "11": [1.0, 1.0]}
    _fake_checkpoint(tmp_path / "ck", 2, recorded)
    (tmp_path / "ck" / "checkpoint-4").mkdir()  # incomplete: no marker
    done = tmp_path / "done.json"
    done.write_text(json.dumps({"steps": [2, 4]}))
    history = selection.collect_history(done, tmp_path / "ck", 2)
    assert history == recorded and list(history) == ["7", "3", "11"]  # key order kept (ties)
    with pytest.raises(selection.SelectionError, match="checkpoint-4 is missing or incomplete"):
        selection.collect_history(done, tmp_path / "ck", 4)
    with pytest.raises(selection.SelectionError, match="not step 6"):
        selection.collect_history(done, tmp_path / "ck", 6)
    out = tmp_path / "history.json"
    result = cli_here(
        "collect-history", "--done", done, "--checkpoint-dir", tmp_path / "ck", "--step", "2", "--out", out
    )
    assert result.returncode == 0, result.stderr
    assert list(data.load_history(out)) == ["7", "3", "11"]
    ranked = selection.rank_examples(data.load_history(out))
    assert list(ranked["index"]) == [7, 3, 11]


def test_score_distribution_figure(shared_data, tmp_path):
    ranking_path = tmp_path / "ranking.tsv"
    history_path = shared_data / "dsr_sub" / "acc_step_500.json"
    selection.write_ranking(selection.rank_examples(data.load_history(history_path)), ranking_path)
    png, pdf = tmp_path / "fig" / "scores.png", tmp_path / "fig" / "scores.pdf"
    result = cli_here(
        *["plot-scores", "--ranking", ranking_path, "--history", history_path]
        + ["--mark", "pi1", "--mark", "pi13", "--mark", "1209", "--mark", "pi5000"]
        + ["--png", png, "--pdf", pdf]
    )
    assert result.returncode == 0, result.stderr
    assert "3 examples marked" in result.stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and pdf.read_bytes()[:5] == b"%PDF-"
    from oneshot_rlvr import figures

    marked = figures.score_distribution(selection.read_ranking(ranking_path), [1, 2, 13, 1209], tmp_path / "a.png")
    assert [(m["rank"], m["index"]) for m in marked] == [(1, 124), (2, 267), (13, 682), (1209, 789)]
