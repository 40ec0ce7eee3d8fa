"""Evaluation of a checkpoint: prompts, decoding settings, grading, metrics and resume. A run's checkpoints evaluated by
one job, a failed step resumed (evaluation.jobs: run): tests/integration/test_evaluation_runs.py."""

from __future__ import annotations

import json
import sys
import types

import pytest
from helpers.evaluation import tiny_eval_spec

from oneshot_rlvr import cli, evaluation
from oneshot_rlvr import config as oc
from oneshot_rlvr import data as evaluation_data
from oneshot_rlvr.grading import GRADER_MODES, grade_many
from oneshot_rlvr.prompts import eval_prompt, stop_strings

ALL_METRIC_KEYS = {
    "accuracy",
    "pass_at_k",
    "maj_at_n",
    "subjects",
    "mean_response_tokens",
    "boxed_rate",
    "reflection_words",
    "reflection_responses",
    "truncated_rate",
    "repetition_rate",
    "grader",
    "graders",
    "accuracy_by_grader",
    "grader_disagreements",
    "timeouts",
    "timeouts_by_grader",
    "decoding",
    "temperature",
    "top_p",
    "max_new_tokens",
    "prompt_template",
    "responses_file",
}


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
    assert metrics["reflection_responses"] == 1
    # Rows without grader provenance or finish reasons (older files) still give every key.
    assert metrics["grader_disagreements"] is None and metrics["accuracy_by_grader"] == {}
    assert metrics["truncated_rate"] == 0.0 and metrics["repetition_rate"] == 0.0


def test_benchmark_metrics_grader_provenance_and_repetition():
    loop = "Then we add 2. " * 80
    rows = [
        {
            "id": "a",
            "correct": True,
            "extracted": "1",
            "response": "\\boxed{1}",
            "response_tokens": 5,
            "finish_reason": "stop",
            "by_grader": {"default": True, "qwen_eval": True, "deepscaler": True},
            "grader_timeouts": [],
        },
        {
            "id": "b",
            "correct": False,
            "extracted": None,
            "response": "so it is 7",
            "response_tokens": 5,
            "finish_reason": "stop",
            "by_grader": {"default": False, "qwen_eval": True, "deepscaler": False},
            "grader_timeouts": [],
        },
        {
            "id": "c",
            "correct": False,
            "extracted": None,
            "response": loop,
            "response_tokens": 32,
            "finish_reason": "length",
            "by_grader": {"default": False, "qwen_eval": False, "deepscaler": True},
            "grader_timeouts": ["qwen_eval"],
        },
        {
            "id": "d",
            "correct": False,
            "extracted": None,
            "response": "a b c d e f g h i j k",
            "response_tokens": 32,
            "finish_reason": "length",
            "by_grader": {"default": False, "qwen_eval": False, "deepscaler": False},
            "grader_timeouts": [],
        },
    ]
    metrics = evaluation.benchmark_metrics(rows, n_samples=1, grader="default", max_new_tokens=32)
    assert metrics["grader_disagreements"] == {"deepscaler": 1, "qwen_eval": 1}
    assert metrics["accuracy_by_grader"] == {"deepscaler": 50.0, "default": 25.0, "qwen_eval": 50.0}
    assert metrics["accuracy"] == metrics["accuracy_by_grader"]["default"]
    assert metrics["timeouts_by_grader"] == {"deepscaler": 0, "default": 0, "qwen_eval": 1}
    assert metrics["truncated_rate"] == 50.0  # two responses hit the token limit ...
    assert metrics["repetition_rate"] == 25.0  # ... and one of them ends in a loop
    # Without finish reasons, truncation is response_tokens >= max_new_tokens.
    bare = [{k: v for k, v in row.items() if k != "finish_reason"} for row in rows]
    assert evaluation.benchmark_metrics(bare, 1, "default", max_new_tokens=32)["repetition_rate"] == 25.0


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("The answer is 5. " * 10, len("The answer is 5. ")),
        ("Some long derivation first. " + "\\boxed{2}" * 40, len("\\boxed{2}")),
        ("x" * 5000, 1),
        ("abcabcab", None),  # the unit must occur 3 times in the last half
        ("abc" * 6, 3),
        ("loop\n  " * 8, 5),  # whitespace runs collapse
        ("A healthy start of the solution, long enough. " + "ab" * 10, None),  # the loop fills < half
        ("1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12", None),  # counting is not a loop under this rule
        ("A normal solution that ends with \\boxed{12}.", None),
        ("", None),
    ],
)
def test_repetition_period(text, period):
    assert evaluation.repetition_period(text) == period


def test_ends_in_repetition_needs_the_token_limit():
    text = "I will recheck. " * 30
    assert evaluation.ends_in_repetition(text, truncated=True)
    assert not evaluation.ends_in_repetition(text, truncated=False)
    # Only the tail counts: a long healthy start does not hide a final loop, and the rule is linear in size.
    assert evaluation.ends_in_repetition("z" * 10**6 + "stuck " * 200, truncated=True)


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
        assert {"prompt", "response", "extracted", "correct", "answer", "finish_reason", "by_grader"} <= set(rows[0])
        metrics = benchmarks[name]
        # Every accuracy is recomputable from the graded responses.
        assert metrics["accuracy"] == pytest.approx(100.0 * sum(r["correct"] for r in rows) / len(rows))
        assert ALL_METRIC_KEYS <= set(metrics), ALL_METRIC_KEYS - set(metrics)
        assert metrics["truncated_rate"] == pytest.approx(
            100.0 * sum(r["response_tokens"] >= spec["max_new_tokens"] for r in rows) / len(rows)
        )
        assert metrics["repetition_rate"] == pytest.approx(100.0 * sum(r["repetitive"] for r in rows) / len(rows))
        if name == "arc_e":
            assert metrics["grader"] == "letter" and metrics["grader_disagreements"] == {}
            continue
        # Provenance: the grader behind `accuracy`, and the other modes' verdicts on the same responses.
        assert metrics["grader"] == "default" and set(metrics["accuracy_by_grader"]) == set(GRADER_MODES)
        assert metrics["accuracy_by_grader"]["default"] == metrics["accuracy"]
        for mode in ("qwen_eval", "deepscaler"):
            assert metrics["grader_disagreements"][mode] == sum(r["by_grader"][mode] != r["correct"] for r in rows)
            direct = grade_many([r["response"] for r in rows], [r["answer"] for r in rows], mode=mode)
            assert [r["by_grader"][mode] for r in rows] == [v.correct for v in direct]
    assert benchmarks["aime24"]["decoding"] == "avg@2, T=0.6" and benchmarks["math500"]["decoding"] == "greedy"
    assert benchmarks["aime24"]["top_p"] == 1.0 and benchmarks["math500"]["prompt_template"] == "qwen25-math-cot"
    assert result["grader"] == "default" and set(result["grader_disagreements"]) == {"qwen_eval", "deepscaler"}
    assert result["grader_disagreements"]["qwen_eval"] == sum(
        benchmarks[n]["grader_disagreements"]["qwen_eval"] for n in evaluation_data.MATH_BENCHMARKS
    )
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


# ----------------------------------------------------------------------------------------------------------
# Per-model protocols (config `models.<key>.evaluation`)
# ----------------------------------------------------------------------------------------------------------


def config_with_runs(*overrides: str) -> dict:
    config = oc.load_config(overrides=overrides)
    for key in ("qwen2.5-math-7b", "llama-3.2-3b-instruct", "deepseek-r1-distill-qwen-1.5b"):
        config["runs"][f"run_{key}"] = {"dataset": "pi1", "model": key}
    oc.validate_config(config)
    return config


def test_r1_distill_protocol_is_resolved_per_model():
    config = config_with_runs()
    spec = oc.evaluation_spec(config, "run_deepseek-r1-distill-qwen-1.5b")
    assert spec["model"]["prompt_template"] == "deepseek-distill" and spec["max_new_tokens"] == 8192
    assert spec["grade_after_think"] is True
    for name, n in [("math500", 16), ("minerva_math", 16), ("olympiadbench", 16)] + [
        (name, 64) for name in ("aime24", "amc23", "aime25")
    ]:
        settings = evaluation.benchmark_settings(spec, name)
        assert (settings["n_samples"], settings["temperature"], settings["top_p"]) == (n, 0.6, 0.95), name
    assert evaluation.decoding_label(evaluation.benchmark_settings(spec, "aime24")) == "avg@64, T=0.6, top_p=0.95"
    # Table 12's 32k evaluation is one override away; the Qwen protocol is untouched by the R1 block.
    # (model keys contain dots, so this is a config file's `models: {<key>: {evaluation: ...}}`, not --set)
    long = oc.deep_merge(
        config, {"models": {"deepseek-r1-distill-qwen-1.5b": {"evaluation": {"max_new_tokens": 32768}}}}
    )
    oc.validate_config(long)
    assert oc.evaluation_spec(long, "run_deepseek-r1-distill-qwen-1.5b")["max_new_tokens"] == 32768
    qwen = oc.evaluation_spec(config, "pi1")
    assert qwen["max_new_tokens"] == 3072 and qwen["model"]["prompt_template"] == "qwen25-math-cot"
    greedy = evaluation.benchmark_settings(qwen, "math500")
    sampled = evaluation.benchmark_settings(qwen, "aime24")
    assert (greedy["n_samples"], greedy["temperature"], greedy["top_p"]) == (1, 0.0, 1.0)
    assert (sampled["n_samples"], sampled["temperature"], sampled["top_p"]) == (8, 0.6, 1.0)
    # The evaluation block never reaches the training spec (a changed evaluation must not retrain).
    assert "evaluation" not in oc.training_spec(config, "run_deepseek-r1-distill-qwen-1.5b")["model"]


def test_other_models_templates_and_tensor_parallel():
    config = config_with_runs()
    seven = oc.evaluation_spec(config, "run_qwen2.5-math-7b")
    llama = oc.evaluation_spec(config, "run_llama-3.2-3b-instruct")
    assert evaluation.tensor_parallel_size(seven) == 4 and seven["model"]["path"] == "Qwen/Qwen2.5-Math-7B"
    assert evaluation.tensor_parallel_size(llama) == config["evaluation"]["gpus"] == 4
    assert llama["model"]["prompt_template"] == "llama"
    assert evaluation.tensor_parallel_size({"gpus": 0}) == 1
    assert eval_prompt("Q?", "llama").endswith(
        "user<|end_header_id|>\n\nQ?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
    )
    assert eval_prompt("Q?", "deepseek-distill").endswith("<\uff5cUser\uff5c>Q?<\uff5cAssistant\uff5c><think>\n")
    assert "<|eot_id|>" in stop_strings("llama") and stop_strings("qwen25-math-cot") == [
        "</s>",
        "<|im_end|>",
        "<|endoftext|>",
    ]


@pytest.mark.parametrize(
    "override",
    [
        "models.tiny.evaluation.temperature=0.6",  # not a model-level key
        "models.tiny.evaluation.benchmarks.math500.top_p=0",
        "models.tiny.evaluation.steps=[2]",
        "evaluation.benchmarks.aime24.top_p=1.5",
        "evaluation.tensor_parallel_size=0",
    ],
)
def test_schema_rejects_bad_protocol_keys(override):
    with pytest.raises(oc.ConfigError, match="invalid config key"):
        oc.load_config(overrides=[override])


def test_grade_after_think():
    rows = [
        {"response": "<think>maybe \\boxed{3}</think> so \\boxed{4}", "answer": "4"},
        {"response": "<think>\\boxed{4} wait, and then the budget ran out", "answer": "4"},
        {"response": "<think>B?</think> \\boxed{B}", "answer": "B"},
    ]
    math_rows = [dict(row) for row in rows[:2]]
    evaluation.grade_rows(math_rows, is_arc=False, grader="default", after_think=True)
    assert [r["correct"] for r in math_rows] == [True, False]
    assert all(not any(r["by_grader"].values()) for r in math_rows[1:])  # no </think>: wrong under every mode
    plain = [dict(row) for row in rows[:2]]
    evaluation.grade_rows(plain, is_arc=False, grader="default")
    assert [r["correct"] for r in plain] == [True, True]
    arc = [dict(rows[2])]
    evaluation.grade_rows(arc, is_arc=True, grader="default", after_think=True)
    assert arc[0]["correct"] and arc[0]["by_grader"] == {"letter": True}


# ----------------------------------------------------------------------------------------------------------
# The GPU path's contract test: the vLLM backend against a fake `vllm` module (no GPU, no vLLM here).
# It checks what our code asks vLLM for -- LLM(...) arguments, one SamplingParams per prompt copy with the
# protocol's fields, the prompts -- not vLLM itself; benchmarks/gpu_eval.sh runs the real thing on a GPU.
# ----------------------------------------------------------------------------------------------------------


class _FakeCompletion:
    def __init__(self, text, token_ids, finish_reason):
        self.text, self.token_ids, self.finish_reason = text, token_ids, finish_reason


class _FakeRequestOutput:
    def __init__(self, prompt, completion):
        self.prompt, self.outputs = prompt, [completion]


def fake_vllm_module(tokenizer_path):
    from transformers import AutoTokenizer

    module = types.ModuleType("vllm")
    module.calls = {"llm": [], "generate": []}

    class SamplingParams:
        def __init__(self, **kwargs):
            self.kwargs = kwargs

    class LLM:
        def __init__(self, **kwargs):
            module.calls["llm"].append(kwargs)
            self._tokenizer = AutoTokenizer.from_pretrained(tokenizer_path)

        def get_tokenizer(self):
            return self._tokenizer

        def generate(self, prompts, sampling_params, use_tqdm=True):
            module.calls["generate"].append((list(prompts), list(sampling_params)))
            outputs = []
            for index, (prompt, params) in enumerate(zip(prompts, sampling_params, strict=True)):
                if "\nA. " in prompt:
                    completion = _FakeCompletion("The answer is \\boxed{A}<|im_end|>", [1, 2, 3], "stop")
                elif index % 2:
                    loop = "Then 1 = 1. " * params.kwargs["max_tokens"]
                    completion = _FakeCompletion(loop, list(range(params.kwargs["max_tokens"])), "length")
                else:
                    completion = _FakeCompletion("So \\boxed{3}.", [4, 5, 6, 7], "stop")
                outputs.append(_FakeRequestOutput(prompt, completion))
            return outputs

    module.LLM, module.SamplingParams = LLM, SamplingParams
    return module


def test_vllm_backend_contract_with_fake_vllm(tiny_model, shared_data, tmp_path, monkeypatch):
    fake = fake_vllm_module(tiny_model)
    monkeypatch.setitem(sys.modules, "vllm", fake)
    spec = tiny_eval_spec(tiny_model)
    spec.update(backend="vllm", gpus=2, max_new_tokens=64, max_model_len=4096)
    spec["benchmarks"]["aime24"]["top_p"] = 0.9
    result = evaluation.evaluate_checkpoint(str(tiny_model), spec, shared_data, tmp_path, "base", 0)
    # One engine per job: tensor parallel over the job's GPUs, seed 0, the configured context length.
    assert fake.calls["llm"] == [
        {
            "model": str(tiny_model),
            "tensor_parallel_size": 2,
            "seed": 0,
            "max_model_len": 4096,
            "trust_remote_code": True,
            "dtype": "auto",  # evaluation.dtype unset: the checkpoint's own
        }
    ]
    tokenizer = fake.LLM(model="x").get_tokenizer()
    qwen_stop_ids = {tokenizer.convert_tokens_to_ids(t) for t in ("<|im_end|>", "<|endoftext|>")}
    enabled = [n for n in evaluation_data.ALL_BENCHMARKS if spec["benchmarks"][n].get("enabled", True)]
    assert len(fake.calls["generate"]) == len(enabled)  # one generate call per benchmark, in order
    for name, (prompts, params) in zip(enabled, fake.calls["generate"], strict=True):
        settings = spec["benchmarks"][name]
        problems = evaluation_data.load_benchmark(name, shared_data, limit=2)
        expected = [eval_prompt(p["question"], "qwen25-math-cot", arc=name.startswith("arc")) for p in problems]
        assert prompts == expected * settings["n_samples"], name  # the test set repeated n times, in order
        sampled = settings["temperature"] > 0
        for position, p in enumerate(params):
            kwargs = dict(p.kwargs)
            assert set(kwargs.pop("stop_token_ids")) >= qwen_stop_ids
            assert kwargs == {
                "n": 1,
                "temperature": settings["temperature"],
                "top_p": settings.get("top_p", 1.0) if sampled else 1.0,
                "top_k": -1,
                "max_tokens": 64,
                "seed": position if sampled else None,
                "stop": ["</s>", "<|im_end|>", "<|endoftext|>"],
                "skip_special_tokens": True,
            }, name
    aime = result["benchmarks"]["aime24"]
    assert aime["decoding"] == "avg@2, T=0.6, top_p=0.9" and aime["backend"] == "vllm"
    rows = [json.loads(line) for line in (tmp_path / "aime24.jsonl").read_text().splitlines()]
    assert [r["finish_reason"] for r in rows] == ["stop", "length"] * 2
    assert [r["response_tokens"] for r in rows] == [4, 64] * 2
    assert aime["truncated_rate"] == 50.0 and aime["repetition_rate"] == 50.0
    arc_rows = [json.loads(line) for line in (tmp_path / "arc_e.jsonl").read_text().splitlines()]
    assert [r["response"] for r in arc_rows] == ["The answer is \\boxed{A}"] * 2  # cut at the stop string


def test_vllm_backend_r1_protocol_with_fake_vllm(tiny_model, shared_data, tmp_path, monkeypatch):
    fake = fake_vllm_module(tiny_model)
    monkeypatch.setitem(sys.modules, "vllm", fake)
    config = config_with_runs("evaluation.benchmarks.aime24.limit=1", "evaluation.benchmarks.math500.limit=1")
    spec = oc.evaluation_spec(config, "run_deepseek-r1-distill-qwen-1.5b")
    for name in spec["benchmarks"]:
        spec["benchmarks"][name]["enabled"] = name in ("math500", "aime24")
    evaluation.evaluate_checkpoint(str(tiny_model), spec, shared_data, tmp_path, "run", 20)
    assert fake.calls["llm"][0]["tensor_parallel_size"] == 4 and fake.calls["llm"][0]["seed"] == 0
    (math_prompts, math_params), (aime_prompts, aime_params) = fake.calls["generate"]
    assert len(math_prompts) == 16 and len(aime_prompts) == 64
    assert math_prompts[0].startswith("<\uff5cbegin\u2581of\u2581sentence\uff5c><\uff5cUser\uff5c>")
    for params in (math_params, aime_params):
        assert {(p.kwargs["temperature"], p.kwargs["top_p"], p.kwargs["max_tokens"]) for p in params} == {
            (0.6, 0.95, 8192)
        }
        assert [p.kwargs["seed"] for p in params] == list(range(len(params)))
        assert "<\uff5cend\u2581of\u2581sentence\uff5c>" in params[0].kwargs["stop"]


def test_vllm_missing_is_a_named_error(tiny_model, shared_data, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "vllm", None)  # import vllm raises ImportError
    spec = tiny_eval_spec(tiny_model)
    spec["backend"] = "vllm"
    with pytest.raises(evaluation.EvaluationError, match="vLLM is not installed"):
        evaluation.evaluate_checkpoint(str(tiny_model), spec, shared_data, tmp_path, "base", 0)


def test_cli_evaluate_every_benchmark(tiny_model, shared_data, tmp_path, capsys):
    """`oneshot-rlvr evaluate` on the tiny model: every benchmark of the miniature config, all metrics."""
    limits = [f"evaluation.benchmarks.{name}.limit=1" for name in evaluation_data.ALL_BENCHMARKS]
    args = ["evaluate", "--run", "base", "--step", "0", "--model", str(tiny_model), "--data-dir", str(shared_data)]
    args += ["--out-dir", str(tmp_path), "--config", str(oc.REPO_ROOT / "config" / "tiny.yaml")]
    for item in limits:
        args += ["--set", item]
    assert cli.main(args) == 0
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(printed["accuracy"]) == set(evaluation_data.ALL_BENCHMARKS)
    summary = json.loads((tmp_path / "metrics.json").read_text())
    assert summary["math_average"] is not None and set(summary["grader_disagreements"]) == {"qwen_eval", "deepscaler"}
    for name in evaluation_data.ALL_BENCHMARKS:
        metrics = summary["benchmarks"][name]
        assert metrics["status"] == "ok" and ALL_METRIC_KEYS <= set(metrics), name
        assert metrics == json.loads((tmp_path / f"{name}.metrics.json").read_text())


def test_evaluated_checkpoints_reach_tensorboard_and_release_their_weights(tiny_model, shared_data, tmp_path, capsys):
    """Each evaluated checkpoint's accuracies go to its run's TensorBoard folder at its step (beside TRL's training
    curves); `--release-weights` (training.keep_checkpoints: false) deletes an evaluated checkpoint's weights once
    its metrics are written, never the run's newest; the progress bar names run, step and benchmark."""
    import shutil

    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from oneshot_rlvr import training
    from oneshot_rlvr.evaluation_log import evaluation_log_dir

    checkpoints = tmp_path / "checkpoints"
    for step in (1, 2):
        checkpoint = checkpoints / f"checkpoint-{step}"
        shutil.copytree(tiny_model, checkpoint)
        (checkpoint / training.HISTORY_FILE).write_text("{}")
        (checkpoint / "trainer_state.json").write_text(json.dumps({"global_step": step}))
        training.write_complete_marker(checkpoint, step)
    spec = tiny_eval_spec(tiny_model)
    for name in spec["benchmarks"]:
        spec["benchmarks"][name]["enabled"] = name == "math500"
    accuracy = {}
    for step in (1, 2):
        out = tmp_path / "eval" / f"step{step}"
        args = ["evaluate", "--run", "pi1", "--step", str(step), "--model", str(checkpoints / f"checkpoint-{step}")]
        args += ["--data-dir", str(shared_data), "--out-dir", str(out), "--spec", json.dumps(spec), "--release-weights"]
        capsys.readouterr()
        assert cli.main(args) == 0
        printed = capsys.readouterr()
        assert f"pi1 step {step} math500: 100%" in printed.err
        accuracy[step] = json.loads((out / "metrics.json").read_text())["benchmarks"]["math500"]["accuracy"]
        released = "deleted model.safetensors (evaluated)" if step == 1 else "weights kept"
        assert f"{checkpoints / f'checkpoint-{step}'}: {released}" in printed.out
    assert not (checkpoints / "checkpoint-1" / "model.safetensors").exists()
    assert (checkpoints / "checkpoint-2" / "model.safetensors").exists()
    # Evaluated again (e.g. a longer run re-triggers every evaluation): the finished one is recognised, not redone.
    args = ["evaluate", "--run", "pi1", "--step", "1", "--model", str(checkpoints / "checkpoint-1"), "--data-dir"]
    args += [str(shared_data), "--out-dir", str(tmp_path / "eval" / "step1"), "--spec", json.dumps(spec)]
    assert cli.main(args) == 0
    again = capsys.readouterr()
    assert "math500: " not in again.err and json.loads(again.out.splitlines()[0])["accuracy"]["math500"] == round(
        accuracy[1], 1
    )
    events = EventAccumulator(str(checkpoints / "runs" / "evaluation"))
    events.Reload()
    assert [(e.step, e.value) for e in events.Scalars("eval/math500")] == [(1, accuracy[1]), (2, accuracy[2])]
    assert evaluation_log_dir(tiny_model) is None  # a base model has no run folder: not logged
