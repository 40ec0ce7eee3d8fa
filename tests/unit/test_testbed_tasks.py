"""The testbed's task generator and data folder: determinism, disjointness, correct answers, the formats a response
can take and how they are read back, and the benchmark/data plumbing that carries generated benchmarks."""

from __future__ import annotations

import json
import random

import pandas as pd
import pytest

from oneshot_rlvr import data, selection
from oneshot_rlvr.grading import extract_answer, grade_many
from oneshot_rlvr.prompts import eval_prompt
from oneshot_rlvr.testbed import files, tasks

SMALL = {
    "seed": 3,
    "types": list(tasks.TASK_TYPES),
    "pool_size": 101,
    "benchmark_size": 40,
    "warm_start_examples": 300,
    "steps_share": 0.3,
    "endings": {"boxed": 0.35, "plain": 0.45, "answer": 0.2},
}


def value_of(question: str) -> int:
    """A question's value computed independently of the generator: Python's arithmetic."""
    return eval(question)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("testbed_data")
    return out, files.write_testbed_data(out, SMALL)


@pytest.mark.parametrize("kind", tasks.TASK_TYPES)
def test_answers_and_worked_steps_are_right(kind):
    """Every step is a true equation on the previous step's result, the chain's value is the question's and the
    last number of the last step; every operand is a single digit."""
    rng = random.Random(0)
    for _ in range(200):
        problem = tasks.sample_problem(kind, rng)
        assert problem.answer == value_of(problem.question) >= 0
        assert all(0 < operand < 10 for operand in problem.operands)
        previous = problem.operands[0]
        for step in problem.steps():
            left, right = step.split("=")
            assert eval(left) == int(right) >= 0 and left.startswith(str(previous)), step
            previous = int(right)
        assert previous == problem.answer
        assert problem.level == len(problem.steps())


def test_styles_and_endings_are_one_decision_each_and_read_back():
    problem = tasks.Problem("add4", (9, 7, 6, 4))
    assert problem.question == "9+7+6+4" and problem.answer == 26
    assert tasks.render_solution(problem, "steps", "boxed") == ": 9+7=16, 16+6=22, 22+4=26 \\boxed{26}"
    assert tasks.render_solution(problem, "direct", "answer") == "=26. answer: 26"
    assert tasks.render_solution(problem, "direct", "plain") == "=26"
    # the first character names the style; the character after the result names the ending
    firsts = {tasks.render_solution(problem, style, "plain")[0] for style in tasks.STYLES}
    assert firsts == {":", "="}
    for style in tasks.STYLES:
        for ending in tasks.ENDINGS:
            text = tasks.render_solution(problem, style, ending)
            assert tasks.response_style(text) == style
            assert tasks.final_number(text) == 26
    assert tasks.final_number(tasks.render_solution(problem, "direct", "boxed", result=24)) == 24
    assert tasks.response_style("6") is None and tasks.final_number("none") is None


def test_graders_read_the_formats_as_documented():
    """Graded accuracy needs the box; the qwen_eval grader (accuracy in any format) takes the result of every
    ending, which is what the testbed's decomposition relies on."""
    problem = tasks.Problem("muladd", (7, 6, 3, 9))
    texts = [tasks.render_solution(problem, style, ending) for style in tasks.STYLES for ending in tasks.ENDINGS]
    answers = [str(problem.answer)] * len(texts)
    graded = [v.correct for v in grade_many(texts, answers, mode="default", workers=1)]
    lenient = [v.correct for v in grade_many(texts, answers, mode="qwen_eval", workers=1)]
    assert graded == ["\\boxed" in text for text in texts]
    assert all(lenient)
    assert extract_answer(": 7*6=42, 42+3=45, 45+9=54", "qwen_eval") == "54"


def test_generation_is_deterministic(folder, tmp_path):
    out, manifest = folder
    again = files.write_testbed_data(tmp_path / "again", SMALL)
    assert again["files"] == manifest["files"]  # byte-identical files (SHA-256)
    # the same settings written in another key order (the rule's JSON sorts keys, a config file does not)
    reordered = {**SMALL, "endings": dict(reversed(list(SMALL["endings"].items())))}
    assert files.write_testbed_data(tmp_path / "reordered", reordered)["files"] == manifest["files"]
    other = files.write_testbed_data(tmp_path / "other", {**SMALL, "seed": 4})
    assert other["files"][data.relpath_of("dsr_sub")] != manifest["files"][data.relpath_of("dsr_sub")]


def test_pool_benchmarks_and_corpus_are_disjoint_and_sized(folder):
    out, manifest = folder
    pool = data.load_dsr_sub(out)
    assert len(pool) == SMALL["pool_size"]
    assert [info["index"] for info in pool["extra_info"]] == list(range(SMALL["pool_size"]))
    pool_questions = {prompt[0]["content"] for prompt in pool["prompt"]}
    assert len(pool_questions) == SMALL["pool_size"]
    corpus = [json.loads(line) for line in (out / files.WARM_START_FILE).read_text().splitlines()]
    assert len(corpus) == SMALL["warm_start_examples"]
    corpus_questions = {row["question"] for row in corpus}
    for kind in SMALL["types"]:
        rows = data.load_benchmark(kind, out)
        questions = {row["question"] for row in rows}
        assert len(rows) == len(questions) == SMALL["benchmark_size"]
        assert not questions & pool_questions and not questions & corpus_questions
        for row in rows:
            assert int(row["answer"]) == value_of(row["question"]) and row["subject"] == kind
    assert not pool_questions & corpus_questions
    for prompt, reward in zip(pool["prompt"], pool["reward_model"], strict=True):
        assert int(reward["ground_truth"]) == value_of(prompt[0]["content"])
    assert set(manifest["pool"]) == set(SMALL["types"]) and sum(manifest["pool"].values()) == SMALL["pool_size"]
    styles = manifest["warm_start"]["styles"]
    assert 0.2 < styles["steps"] / SMALL["warm_start_examples"] < 0.4


def test_pool_feeds_ranking_and_example_sets_unchanged(folder):
    """The pool is a DSR-sub: a history over its indices ranks it, and pi<i> sets are built from it as in the paper."""
    out, _ = folder
    pool = data.load_dsr_sub(out)
    history = {str(i): [0.0, 1.0] if i == 7 else [0.5, 0.5] for i in range(SMALL["pool_size"])}
    ranking = selection.rank_examples(history)
    pi1 = selection.make_dataset("pi1", pool, ranking, batch_size=8)
    assert len(pi1) == 8 and {info["index"] for info in pi1["extra_info"]} == {7}
    assert pi1["extra_info"].iloc[0]["type"] in SMALL["types"]


def test_steps_choice_keeps_the_worked_style_out_of_the_style_decision(tmp_path):
    """`steps_choice` below `steps_share`: more worked answers to learn the working from, but only enough of their
    style markers in the warm start's loss that the base chooses the worked style at the `steps_choice` rate."""
    from oneshot_rlvr.testbed.model import char_tokenizer, tokenized_examples

    settings = {**SMALL, "warm_start_examples": 2000, "steps_share": 0.6, "steps_choice": 0.25}
    files.write_testbed_data(tmp_path, settings)
    corpus = [json.loads(line) for line in (tmp_path / files.WARM_START_FILE).read_text().splitlines()]
    marked = [row for row in corpus if row["style_in_loss"]]
    assert 0.5 < sum(row["style"] == "steps" for row in corpus) / len(corpus) < 0.7
    assert all(row["style_in_loss"] for row in corpus if row["style"] == "direct")
    assert 0.2 < sum(row["style"] == "steps" for row in marked) / len(marked) < 0.3
    records = [{**corpus[0], "style_in_loss": flag} for flag in (True, False)]
    records = [{**record, "response": ": 1+2=3 \\boxed{3}"} for record in records]
    labels = tokenized_examples(records, char_tokenizer())["labels"]
    first = labels[0].index(next(label for label in labels[0] if label != -100))
    assert labels[1][first : first + 2] == [-100, -100] and labels[1][first + 2 :] == labels[0][first + 2 :]
    with pytest.raises(tasks.TaskError, match="testbed.steps_choice"):
        files.write_testbed_data(tmp_path / "bad", {**SMALL, "steps_choice": 0.5})


def test_testbed_relpaths_are_what_is_written(folder):
    out, manifest = folder
    relpaths = files.testbed_relpaths(SMALL)
    assert all((out / relpath).is_file() for relpath in relpaths)
    assert set(manifest["files"]) | {files.MANIFEST_FILE} == set(relpaths)


def test_bad_settings_name_the_key(tmp_path):
    with pytest.raises(tasks.TaskError, match="testbed.types"):
        files.write_testbed_data(tmp_path, {**SMALL, "types": ["add3", "div"]})
    with pytest.raises(tasks.TaskError, match="testbed.endings"):
        files.write_testbed_data(tmp_path, {**SMALL, "endings": {"boxed": 1.0}})
    with pytest.raises(tasks.TaskError, match="cannot draw"):
        files.write_testbed_data(tmp_path, {**SMALL, "types": ["add3"], "benchmark_size": 700, "pool_size": 100})
    assert not any(tmp_path.iterdir())  # nothing written


def test_generated_benchmarks_load_through_the_generic_path(tmp_path):
    """A benchmark that is not the paper's is read from benchmarks/<name>/test.jsonl; an unknown name without a
    file is still refused."""
    path = tmp_path / data.benchmark_relpath("add3")
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"id": "a", "question": "1+2+3", "answer": "6", "subject": "add3", "level": 2}) + "\n")
    assert data.load_benchmark("add3", tmp_path) == [
        {"id": "a", "question": "1+2+3", "answer": "6", "subject": "add3", "level": "2"}
    ]
    assert data.benchmark_relpath("math500") == data.relpath_of("math500")
    with pytest.raises(data.DataError, match="unknown benchmark 'gsm8k'"):
        data.load_benchmark("gsm8k", tmp_path)
    with pytest.raises(data.DataError, match="may only contain"):
        data.benchmark_relpath("../etc")
    assert data.benchmark_set({}) == (data.MATH_BENCHMARKS, data.ARC_BENCHMARKS)
    assert data.benchmark_set({"benchmark_set": {"averaged": ["add3"], "extra": []}}) == (("add3",), ())


def test_testbed_prompt_template_is_the_chat_template():
    """Training prompts (the tokenizer's chat template, applied by TRL) and evaluation prompts (prompts.eval_prompt)
    are the same text."""
    from oneshot_rlvr.testbed.model import char_tokenizer

    tokenizer = char_tokenizer()
    chat = tokenizer.apply_chat_template([{"role": "user", "content": "3*7+4+2"}], add_generation_prompt=True,
                                         tokenize=False)  # fmt: skip
    assert chat == eval_prompt("3*7+4+2", "testbed") == "<|im_start|>3*7+4+2<|im_end|>"
    ids = tokenizer(chat, add_special_tokens=False)["input_ids"]
    assert len(ids) == 2 + len("3*7+4+2")  # one token per character
    assert tokenizer.decode(ids) == chat


def test_pool_parquet_is_verl_format(folder):
    out, _ = folder
    frame = pd.read_parquet(out / data.relpath_of("dsr_sub"))
    assert list(frame.columns) == list(data.VERL_COLUMNS)
    assert frame["prompt"].iloc[0][0]["role"] == "user"
