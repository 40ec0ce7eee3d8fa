"""Evaluation of a checkpoint: prompts, decoding settings, grading, metrics and resume."""

from __future__ import annotations

import json

import pytest

from oneshot_rlvr import config as oc
from oneshot_rlvr import evaluation
from oneshot_rlvr.prompts import eval_prompt


def test_pass_at_k_estimator():
    assert evaluation.pass_at_k(8, 0, 1) == 0.0
    assert evaluation.pass_at_k(8, 2, 1) == pytest.approx(0.25)
    assert evaluation.pass_at_k(8, 1, 8) == 1.0
    assert evaluation.pass_at_k(4, 1, 2) == pytest.approx(0.5)


def test_benchmark_metrics_avg_pass_and_majority():
    rows = [
        {"id": "a", "correct": True, "extracted": "1", "response": "\\boxed{1} recheck", "response_tokens": 4},
        {"id": "a", "correct": False, "extracted": "2", "response": "\\boxed{2}", "response_tokens": 6},
        {"id": "b", "correct": False, "extracted": "3", "response": "no", "response_tokens": 2},
        {"id": "b", "correct": False, "extracted": "3", "response": "\\boxed{3}", "response_tokens": 8},
    ]
    metrics = evaluation.benchmark_metrics(rows, n_samples=2)
    assert metrics["accuracy"] == 25.0
    assert metrics["pass_at_k"] == {"1": 25.0, "2": 50.0}
    assert metrics["maj_at_n"] == 50.0  # tie in problem a: the first most common answer (correct)
    assert metrics["mean_response_tokens"] == 5.0
    assert metrics["boxed_rate"] == 75.0
    assert metrics["reflection_words"]["recheck"] == 1


@pytest.mark.parametrize(
    ("response", "letter"),
    [
        ("\\boxed{B}", "B"),
        ("so \\boxed{\\text{C}}.", "C"),
        ("\\boxed{(D)}", "D"),
        ("\\boxed{B. water}", "B"),
        ("no box A", None),
        ("\\boxed{42}", None),
    ],
)
def test_arc_letters(response, letter):
    assert evaluation.arc_letter(response) == letter


def test_eval_prompt_matches_the_qwen_template():
    prompt = eval_prompt("What is 1+1? ", "qwen25-math-cot")
    assert prompt == (
        "<|im_start|>system\nPlease reason step by step, and put your final answer within \\boxed{}.<|im_end|>\n"
        "<|im_start|>user\nWhat is 1+1?<|im_end|>\n<|im_start|>assistant\n"
    )
    assert "Let's think step by step" not in prompt
    with pytest.raises(ValueError, match="unknown prompt template"):
        eval_prompt("x", "chatml")


def test_cut_at_stop():
    assert evaluation.cut_at_stop("a \\boxed{1}<|im_end|>junk", ["</s>", "<|im_end|>"]) == "a \\boxed{1}"


def tiny_eval_spec(model_path) -> dict:
    config = oc.load_config([oc.REPO_ROOT / "config" / "tiny.yaml"])
    spec = oc.evaluation_spec(config, oc.BASE_RUN)
    for name in spec["benchmarks"]:
        spec["benchmarks"][name]["limit"] = 2
    spec["benchmarks"]["arc_c"]["enabled"] = False
    return spec


def test_evaluate_checkpoint_end_to_end_and_resume(tiny_model, shared_data, tmp_path):
    spec = tiny_eval_spec(tiny_model)
    result = evaluation.evaluate_checkpoint(str(tiny_model), spec, shared_data, tmp_path, "base", 0)
    benchmarks = result["benchmarks"]
    assert benchmarks["arc_c"]["status"] == "not run"
    for name in ("math500", "aime24", "amc23", "minerva_math", "olympiadbench", "aime25", "arc_e"):
        assert benchmarks[name]["status"] == "ok", name
        rows = [json.loads(line) for line in (tmp_path / f"{name}.jsonl").read_text().splitlines()]
        samples = spec["benchmarks"][name]["n_samples"]
        assert len(rows) == 2 * samples == benchmarks[name]["n_responses"]
        assert {"prompt", "response", "extracted", "correct", "answer"} <= set(rows[0])
        # Every accuracy is recomputable from the graded responses.
        assert benchmarks[name]["accuracy"] == pytest.approx(100.0 * sum(r["correct"] for r in rows) / len(rows))
    assert benchmarks["aime24"]["decoding"] == "avg@2, T=0.6" and benchmarks["math500"]["decoding"] == "greedy"
    assert result["math_average"] == pytest.approx(
        sum(
            benchmarks[n]["accuracy"] for n in ("math500", "aime24", "amc23", "minerva_math", "olympiadbench", "aime25")
        )
        / 6
    )
    # Greedy decoding is deterministic, and an interrupted evaluation only regenerates what is missing.
    kept = (tmp_path / "math500.jsonl").stat().st_mtime_ns
    before = (tmp_path / "minerva_math.jsonl").read_text()
    (tmp_path / "minerva_math.metrics.json").unlink()
    (tmp_path / "metrics.json").unlink()
    again = evaluation.evaluate_checkpoint(str(tiny_model), spec, shared_data, tmp_path, "base", 0)
    assert (tmp_path / "math500.jsonl").stat().st_mtime_ns == kept
    assert (tmp_path / "minerva_math.jsonl").read_text() == before
    assert again["benchmarks"]["minerva_math"]["accuracy"] == benchmarks["minerva_math"]["accuracy"]
    # Changed settings invalidate the finished benchmarks.
    spec["max_new_tokens"] = 5
    evaluation.evaluate_checkpoint(str(tiny_model), spec, shared_data, tmp_path, "base", 0)
    assert (tmp_path / "math500.jsonl").stat().st_mtime_ns != kept


def test_missing_model_path_is_named(shared_data, tmp_path):
    spec = tiny_eval_spec(tmp_path)
    with pytest.raises(evaluation.EvaluationError, match="does not exist"):
        evaluation.evaluate_checkpoint(str(tmp_path / "nope"), spec, shared_data, tmp_path / "out", "base", 0)
