"""The tables package: the registry of the paper's facts (labels, Size, paper numbers, `paper_value`), Tables 6, 7,
10, 11, 12 and 15 built from the right runs beside the paper's numbers, runs of several seeds in every table, Table
3 compared with the paper under the paper's grader, Table 1's labels, and the config behind Tables 7 and 12 (a run's
own `evaluation` settings, `checkpoints_of`, `evaluation.dtype`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.metrics import write_fake_metrics

from oneshot_rlvr import config as oc
from oneshot_rlvr.tables import builder, registry, table1, table3

MATH6 = ["math500", "aime24", "amc23", "minerva_math", "olympiadbench", "aime25"]


def _scores(path: Path, run: str, step: int, scores: dict[str, float], **extra) -> Path:
    """A metrics file whose benchmarks score `scores` under every grader (qwen_eval included)."""
    benchmarks = {
        name: {"accuracy": value, "grader": "default", "accuracy_by_grader": {"default": value, "qwen_eval": value},
               **extra}
        for name, value in scores.items()
    }  # fmt: skip
    return write_fake_metrics(path, run, step, benchmarks)


def _cells(records):
    return {(r["row"], r["column"]): r for r in records}


# ----------------------------------------------------------------------------------------------------------
# The registry
# ----------------------------------------------------------------------------------------------------------


def test_paper_value_finds_each_runs_number_in_the_papers_order():
    assert registry.paper_value("pi1", "math500") == (72.8, "table1")
    assert registry.paper_value("qwen7b_pi605", "math500") == (77.4, "table10")
    assert registry.paper_value("qwen15b_pi1", "avg") == (15.0, "table10")
    # Table 4's R1-Distill rows are the paper's 32k numbers: our 32k runs; the 8k runs are Table 12's 8k rows
    assert registry.paper_value("r1distill_pi1_eval32k", "math500") == (83.9, "table4")
    assert registry.paper_value("r1distill_pi1", "math500") == (80.5, "table12")
    assert registry.paper_value("base_fp32", "avg") == (19.6, "table7")
    assert registry.paper_value("pi1_abl_ent", "math500") == (63.4, "table5")  # not Table 13's fixed step
    assert registry.paper_value("llama_pi1_abl_ent", "math500") is None  # only at a fixed step (Table 13)
    assert registry.paper_value("no_such_run", "math500") is None


def test_labels_and_sizes_are_the_papers():
    assert [registry.table1_label(r) for r in ("base", "math_train", "dsr_sub_format_reward", "pi1_pi13")] == [
        "NA", "MATH", "Format reward (DSR-sub)", "{π1,π13}",
    ]  # fmt: skip
    assert [registry.table1_size(r) for r in ("base", "math_train", "dsr_sub", "pi13", "pi1_to_pi16")] == [
        "–", "7500", "1209", "1", "16",
    ]  # fmt: skip
    assert registry.table1_label("pi1.seed2") == "{π1} (seed 2)" and registry.table1_label("my_run") == "my_run"
    sizes = {row.key: row.size for row in registry.TABLES[10].rows}
    assert sizes["qwen7b_pi1_to_pi16"] == "16" and sizes["instruct_dsr_sub"] == "1209" and sizes["qwen15b_base"] == "–"


def test_every_new_table_has_the_papers_numbers_for_its_rows():
    for number, rows in {6: 8, 7: 6, 10: 14, 11: 12, 12: 12, 15: 6}.items():
        table = registry.TABLES[number]
        assert len(table.rows) == rows, number
        numbers = registry.paper_rows(number)
        for row in table.rows:
            assert row.paper in numbers, (number, row.key)
            wanted = [c for c in table.columns if c != "graded"] if number == 15 else table.columns  # ours only
            assert all(column in numbers[row.paper] for column in wanted), (number, row.key)


def test_every_row_the_paper_prints_is_a_run_of_the_config_or_a_reason_in_the_fidelity_doc():
    """No row goes missing silently: every (model, algorithm, set) row of the paper's numbers is a row of our table,
    and each row is a run the paper config defines (Table 12's DeepScaleR rows: the released model, evaluated), or
    not run with its reason in the row and in docs/fidelity.md (only PPO: TRL has no PPO with a verifiable reward)."""
    config = oc.load_config()
    fidelity = (oc.REPO_ROOT / "docs" / "fidelity.md").read_text()
    for number, table in registry.TABLES.items():
        assert set(registry.paper_rows(number)) <= {row.paper for row in table.rows}, number
        for row in table.rows:
            if row.run is None:
                assert row.paper[1] == "ppo" and row.not_run == registry.PPO_NOT_RUN, (number, row.key)
                assert "| PPO rows (Tables 4, 17) |" in fidelity and row.key in fidelity, (number, row.key)
            else:
                assert oc.evaluated_steps(config, row.run), (number, row.run)  # a ConfigError names an unknown run
    deepscaler = [row for row in registry.TABLES[12].rows if row.label.startswith("DeepScaleR")]
    assert [row.run for row in deepscaler] == ["deepscaler_eval8k", "deepscaler_eval32k"]
    assert all(oc.is_evaluation_only(config, row.run) for row in deepscaler)
    spec8k, spec32k = (oc.evaluation_spec(config, row.run) for row in deepscaler)
    assert spec8k["model"]["path"] == "agentica-org/DeepScaleR-1.5B-Preview"
    assert (spec8k["max_new_tokens"], spec32k["max_new_tokens"]) == (8192, 32768)
    r1 = oc.evaluation_spec(config, "r1distill_base")  # the same rllm protocol as R1-Distill's rows
    assert {k: v for k, v in spec8k.items() if k != "model"} == {k: v for k, v in r1.items() if k != "model"}


# ----------------------------------------------------------------------------------------------------------
# Tables 6, 7, 10, 11, 12 from metrics files
# ----------------------------------------------------------------------------------------------------------


def test_new_tables_are_built_from_the_right_runs(tmp_path):
    base = _scores(tmp_path / "b.json", "base", 0, dict.fromkeys(MATH6, 30.0))
    fp32 = _scores(tmp_path / "f.json", "base_fp32", 0, dict.fromkeys(MATH6, 33.0))
    t7 = _cells(builder.build_table(7, {"base": [base], "base_fp32": [fp32]}, "paper"))
    assert t7[("base_fp32", "math500")]["ours"] == 33.0 and t7[("base_fp32", "math500")]["paper"] == 39.6
    assert t7[("base", "avg")]["ours"] == 30.0 and t7[("base", "avg")]["paper"] == 17.6
    assert t7[("qwen7b_base_fp32", "avg")]["note"].startswith("not run")

    # Table 6: MATH500 and the mean of all 6 benchmarks (not of the shown columns) at the paper's step 20
    ent = [_scores(tmp_path / f"e{s}.json", "pi1_abl_ent", s, {**dict.fromkeys(MATH6, 10.0), "math500": 60.0 + s})
           for s in (10, 20, 30)]  # fmt: skip
    t6 = _cells(builder.build_table(6, {"pi1_abl_ent": ent}, "paper"))
    assert t6[("pi1_abl_ent", "math500")]["ours"] == 80.0 and t6[("pi1_abl_ent", "math500")]["step"] == 20
    assert t6[("pi1_abl_ent", "avg")]["ours"] == round((80.0 + 5 * 10.0) / 6, 1)
    assert t6[("pi1_abl_ent", "avg")]["paper"] == 25.0

    # Table 11: best per benchmark (each cell's own step), Avg = the best average
    early = _scores(tmp_path / "q20.json", "qwen7b_pi1", 20, {**dict.fromkeys(MATH6, 40.0), "aime24": 50.0})
    late = _scores(tmp_path / "q40.json", "qwen7b_pi1", 40, {**dict.fromkeys(MATH6, 45.0), "aime24": 20.0})
    t11 = _cells(builder.build_table(11, {"qwen7b_pi1": [early, late]}, "paper"))
    assert t11[("qwen7b_pi1", "aime24")]["ours"] == 50.0 and t11[("qwen7b_pi1", "aime24")]["step"] == 20
    assert t11[("qwen7b_pi1", "math500")]["step"] == 40
    assert t11[("qwen7b_pi1", "avg")]["ours"] == round((5 * 40.0 + 50.0) / 6, 1)  # step 20's (ties: the earlier)
    assert t11[("qwen7b_pi1", "aime24")]["paper"] == 27.1 and t11[("ppo_pi1", "avg")]["paper"] == 33.8
    assert t11[("ppo_pi1", "avg")]["note"] == registry.PPO_NOT_RUN
    assert "| Qwen2.5-Math-7B + GRPO | {π1} | 1 | qwen7b_pi1 | per cell |" in builder.table_markdown(
        list(t11.values()), 11, "paper"
    )

    # Table 10 reads the 7B runs, Table 12 the 8k runs and their 32k evaluations
    assert {"qwen7b_pi605", "qwen7b_pi1209", "qwen15b_dsr_sub", "instruct_pi1"} <= set(registry.table_runs(10))
    assert registry.table_runs(12)[:2] == ["r1distill_base", "r1distill_dsr_sub"]
    assert "r1distill_pi1_eval32k" in registry.table_runs(12) and "r1distill_pi1_eval32k" in registry.table_runs(4)
    at8k = _scores(tmp_path / "r8.json", "r1distill_pi1", 20, dict.fromkeys(MATH6, 50.0))
    at32k = _scores(tmp_path / "r32.json", "r1distill_pi1_eval32k", 20, dict.fromkeys(MATH6, 55.0))
    t12 = _cells(builder.build_table(12, {"r1distill_pi1": [at8k], "r1distill_pi1_eval32k": [at32k]}, "paper"))
    assert t12[("r1distill_pi1", "math500")]["paper"] == 80.5 and t12[("r1distill_pi1", "avg")]["ours"] == 50.0
    assert t12[("r1distill_pi1_eval32k", "math500")]["paper"] == 83.9
    assert t12[("r1distill_pi1_eval32k", "avg")]["ours"] == 55.0
    assert t12[("deepscaler_eval8k", "avg")]["paper"] == 49.0 and t12[("deepscaler_eval8k", "avg")]["ours"] is None


# ----------------------------------------------------------------------------------------------------------
# Table 15: boxed share, accuracy in any format and as strictly graded
# ----------------------------------------------------------------------------------------------------------


def _with_responses(path: Path, run: str, step: int, rows: list[tuple[str, bool, bool]]) -> Path:
    """A metrics file with MATH500 responses: (response, qwen_eval verdict, strict verdict) per problem."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        json.dumps({"id": f"p{i}", "response": text, "correct": strict, "by_grader": {"qwen_eval": any_format}})
        for i, (text, any_format, strict) in enumerate(rows)
    ]
    (path.parent / "math500.jsonl").write_text("\n".join(lines) + "\n")
    accuracy = 100.0 * sum(strict for _, _, strict in rows) / len(rows)
    return write_fake_metrics(path, run, step, {"math500": {"accuracy": accuracy, "responses_file": "math500.jsonl"}})


def test_table15_decomposes_math500_at_the_papers_steps(tmp_path):
    base = _with_responses(tmp_path / "base/step0/metrics.json", "base", 0,
                           [("the answer is 4", True, False), ("\\boxed{3}", False, False), ("5", False, False),
                            ("\\boxed{7}", True, True)])  # fmt: skip
    steps = [
        _with_responses(tmp_path / f"pi1/step{s}/metrics.json", "pi1", s, [("\\boxed{4}", True, True)] * 3
                        + [("so 3", True, False)])  # fmt: skip
        for s in (2, 4)
    ]
    records = builder.build_table(15, {"base": [base], "pi1": steps}, "miniature")
    cells = _cells(records)
    assert cells[("pi1@0", "boxed")]["ours"] == 50.0 and cells[("pi1@0", "boxed")]["paper"] == 59.6
    assert cells[("pi1@0", "any_format")]["ours"] == 50.0 and cells[("pi1@0", "graded")]["ours"] == 25.0
    assert cells[("pi1@0", "any_format")]["paper"] == 36.0 and cells[("pi1@0", "judge")]["paper"] == 35.8
    assert cells[("pi1@1860", "boxed")]["ours"] == 75.0 and cells[("pi1@1860", "any_format")]["ours"] == 100.0
    assert cells[("pi1@1860", "graded")]["step"] == 4
    assert cells[("pi1@20", "graded")]["step"] == 2  # 20 of 2000 steps: the nearest of our steps 2 and 4
    assert cells[("pi1@500", "judge")]["ours"] is None and "QwQ-32B" in cells[("pi1@500", "judge")]["note"]
    low, high = cells[("pi1@0", "graded")]["ci_low"], cells[("pi1@0", "graded")]["ci_high"]
    assert low <= 25.0 <= high and high - low > 0
    markdown = builder.table_markdown(records, 15, "miniature")
    assert "| 0→0 | base | 50.0 ±" in markdown and "MINIATURE" in markdown.splitlines()[0]


# ----------------------------------------------------------------------------------------------------------
# Seeds in every table; Table 3 under the paper's grader; Table 1's labels
# ----------------------------------------------------------------------------------------------------------


def test_runs_of_several_seeds_show_each_seed_and_their_mean_and_spread(tmp_path):
    runs = {
        name: [_scores(tmp_path / f"{name}.json", name, 20, dict.fromkeys(MATH6, value))]
        for name, value in (("pi1", 60.0), ("pi1.seed2", 40.0), ("pi1.seed3", 50.0))
    }
    records = builder.build_table(18, runs, "paper", seeds={"pi1": [1, 2, 3]})
    cells = _cells(records)
    assert cells[("pi1.seed2", "math500")]["ours"] == 40.0 and cells[("pi1.seed2", "math500")]["seed"] == 2
    assert cells[("pi1", "math500")]["seed_group"] == "pi1" and cells[("pi1.seed3", "avg")]["seed_group"] == "pi1"
    assert cells[("pi1.seed2", "math500")]["paper"] == cells[("pi1", "math500")]["paper"] == 72.8
    markdown = builder.table_markdown(records, 18, "paper")
    assert "| pi1 | MATH500 | 1,2,3 | 50.0 | 10.0 | 60.0;40.0;50.0 |" in markdown
    assert "{π1} (seed 3)" in markdown
    # a table without seeds has no such section
    assert "Across seeds" not in builder.table_markdown(builder.build_table(18, {"pi1": runs["pi1"]}, "paper"), 18,
                                                        "paper")  # fmt: skip


def _table3_metrics(path: Path, run: str, strict: float, paper_graded: float | None) -> Path:
    """MATH500 of 2 algebra problems: the strict grader gives `strict`; qwen_eval (if given) `paper_graded`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [{"id": str(i), "subject": "Algebra", "response": "x", "correct": i < strict / 50,
             "by_grader": {} if paper_graded is None else {"qwen_eval": i < paper_graded / 50}}
            for i in range(2)]  # fmt: skip
    (path.parent / "math500.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    by_grader = {} if paper_graded is None else {"accuracy_by_grader": {"qwen_eval": paper_graded}}
    bench = {"accuracy": strict, "grader": "default", "subjects": {"Algebra": strict}}
    bench["responses_file"] = "math500.jsonl"
    return write_fake_metrics(path, run, 20, {"math500": {**bench, **by_grader}, "aime24": {"accuracy": 10.0}})


def test_table3_is_compared_with_the_paper_under_the_papers_grader_with_seeds(tmp_path):
    rows = {
        "pi1": [_table3_metrics(tmp_path / "a/metrics.json", "pi1", 50.0, 100.0)],
        "pi1.seed2": [_table3_metrics(tmp_path / "b/metrics.json", "pi1.seed2", 0.0, 50.0)],
        "pi13": [_table3_metrics(tmp_path / "c/metrics.json", "pi13", 50.0, None)],  # graded by `default` only
    }
    records = table3.table3(rows, "Qwen2.5-Math-1.5B", "paper", seeds={"pi1": [1, 2]})
    cells = _cells(records)
    algebra = cells[("pi1", "algebra")]
    assert algebra["ours"] == 100.0 and algebra["grader"] == "qwen_eval" and algebra["ours_strict"] == 50.0
    assert algebra["diff"] == round(100.0 - algebra["paper"], 1)
    assert cells[("pi1.seed2", "math500")]["ours"] == 50.0 and cells[("pi1.seed2", "algebra")]["seed"] == 2
    # no qwen_eval verdicts: shown under the strict grader, not compared with the paper
    assert cells[("pi13", "algebra")]["grader"] == "default" and cells[("pi13", "algebra")]["diff"] is None
    assert cells[("pi13", "algebra")]["paper"] is not None
    markdown = table3.table3_markdown(records, "Qwen2.5-Math-1.5B", "paper")
    assert "50.0† (" in markdown and "| pi1 | Alg | 1,2 | 75.0 | 35.4 | 100.0;50.0 |" in markdown


def test_table1_shows_the_papers_labels_size_and_problems(tmp_path):
    files = {
        row: [_scores(tmp_path / f"{row}.json", row, 0 if row == "base" else 20, dict.fromkeys(MATH6, 40.0),
                      n_problems=30, n_samples=8)]
        for row in ("base", "pi1_pi13")
    }  # fmt: skip
    records = table1.table1(files, "Qwen2.5-Math-1.5B", "paper")
    assert {(r["label"], r["size"]) for r in records if r["row"] == "pi1_pi13"} == {("{π1,π13}", "2")}
    text = table1.table1_markdown(records, "Qwen2.5-Math-1.5B", "paper")
    assert "| RL dataset | Size | run | step | MATH500 |" in text
    assert "| {π1,π13} | 2 | pi1_pi13 | 20 | 40.0" in text and "| NA | – | base | 0 |" in text
    assert "Size: the number of training examples" in text
    assert "| *problems × samples* | | | | 30×8 | 30×8 |" in text


# ----------------------------------------------------------------------------------------------------------
# Config behind Tables 7 and 12
# ----------------------------------------------------------------------------------------------------------


def test_a_second_evaluation_of_a_runs_checkpoints_and_an_fp32_evaluation():
    config = oc.load_config()
    run, parent = "r1distill_pi1_eval32k", "r1distill_pi1"
    assert oc.checkpoints_of(config, run) == parent and oc.checkpoints_of(config, parent) is None
    assert oc.evaluated_steps(config, run) == oc.evaluated_steps(config, parent)
    assert oc.evaluation_spec(config, run)["max_new_tokens"] == 32768
    assert oc.evaluation_spec(config, parent)["max_new_tokens"] == 8192
    assert oc.evaluation_spec(config, run)["top_p"] == 0.95  # the model's protocol stays
    assert not oc.is_evaluation_only(config, run) and oc.keeps_checkpoints(config, run)
    # the 8k run keeps its checkpoints for the 32k evaluation even where checkpoints are deleted after evaluation
    dropping = oc.load_config(overrides=["training.keep_checkpoints=false"])
    assert oc.keeps_checkpoints(dropping, parent) and not oc.keeps_checkpoints(dropping, "pi1")
    assert oc.evaluation_spec(config, "base_fp32")["dtype"] == "float32" and "dtype" not in oc.evaluation_spec(
        config, "base"
    )
    assert oc.evaluated_steps(config, "base_fp32") == [0]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"checkpoints_of": "no_such_run"}, "runs.bad.checkpoints_of"),
        ({"checkpoints_of": "qwen7b_base"}, "not a trained run"),
        ({"checkpoints_of": "pi1", "dataset": "pi1"}, "trains nothing"),
        ({"checkpoints_of": "pi1", "model": "qwen2.5-math-7b"}, "runs.bad.model"),
        ({"model": "qwen2.5-math-7b", "evaluation": {"dtype": "float16"}}, "runs.bad.evaluation.dtype"),
    ],
)
def test_bad_evaluation_runs_are_refused_naming_the_key(entry, message):
    with pytest.raises(oc.ConfigError, match=message):
        oc.load_config(overrides=[f"runs.bad={json.dumps(entry)}"])
