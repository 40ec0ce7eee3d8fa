"""`evaluation.jobs: run`: one `evaluate-run` job evaluates a run's checkpoints in turn on the tiny model, in its
own process (the transformers backend) or each in a child `oneshot-rlvr evaluate` (vLLM's way), with the same
responses either way; a failed step stops it and the re-run resumes there."""

from __future__ import annotations

import json

import pytest
from helpers.evaluation import tiny_eval_spec

from oneshot_rlvr import cli, evaluation
from oneshot_rlvr.tables.metrics import metrics_files
from oneshot_rlvr.tables.rows import ReportError


@pytest.mark.slow
def test_evaluate_run_evaluates_each_step_and_resumes_at_the_failed_one(tiny_model, shared_data, tmp_path, capsys):
    """`evaluation.jobs: run`: one job evaluates a run's checkpoints in turn into step<step>/ and writes the index
    last; a step that fails stops it with the steps before it kept, and the re-run starts at the failed step. Step 1
    is evaluated in a child process (as with vLLM), step 2 in the job's own process (the transformers backend's
    default): the same weights give the same greedy and seeded sampled responses."""

    spec = tiny_eval_spec(tiny_model)
    for name in spec["benchmarks"]:
        spec["benchmarks"][name]["enabled"] = name in ("math500", "aime24")  # greedy, and sampled at T = 0.6
    (tmp_path / "m1").symlink_to(tiny_model, target_is_directory=True)
    (tmp_path / "m2").mkdir()  # not a model: step 2's evaluation fails
    eval_dir, index = tmp_path / "eval" / "pi2", tmp_path / "eval" / "pi2" / "steps.json"
    template = str(tmp_path / "m{step}")
    with pytest.raises(evaluation.EvaluationError, match=r"run pi2: evaluating step 2 .* failed with exit code 2"):
        evaluation.evaluate_run("pi2", [1, 2], template, spec, shared_data, eval_dir, index, fresh_process=True)
    assert (eval_dir / "step1" / "metrics.json").exists() and not index.exists()
    assert evaluation.step_is_current(str(tmp_path / "m1"), spec, eval_dir / "step1")
    assert not evaluation.step_is_current(str(tmp_path / "m1"), {**spec, "max_new_tokens": 5}, eval_dir / "step1")
    kept = (eval_dir / "step1" / "math500.jsonl").stat().st_mtime_ns
    (tmp_path / "m2").rmdir()
    (tmp_path / "m2").symlink_to(tiny_model, target_is_directory=True)
    result = evaluation.evaluate_run("pi2", [1, 2], template, spec, shared_data, eval_dir, index)
    assert "pi2 step 1: already evaluated" in capsys.readouterr().out
    assert (eval_dir / "step1" / "math500.jsonl").stat().st_mtime_ns == kept  # not regenerated
    assert json.loads(index.read_text()) == result
    assert [entry["metrics"] for entry in result["steps"]] == ["step1/metrics.json", "step2/metrics.json"]
    first, second = (json.loads((eval_dir / f"step{s}" / "metrics.json").read_text()) for s in (1, 2))
    assert (first["run"], first["step"], second["step"]) == ("pi2", 1, 2)
    # the same weights, a child process (step 1) or this one (step 2): the same responses at both steps
    for name in ("math500.jsonl", "aime24.jsonl"):
        assert (eval_dir / "step1" / name).read_text() == (eval_dir / "step2" / name).read_text(), name
    assert result["steps"][1]["math_average"] == second["math_average"]
    # reports read the index as the steps it names
    assert metrics_files([index, tmp_path / "x.json"]) == [
        eval_dir / "step1" / "metrics.json",
        eval_dir / "step2" / "metrics.json",
        tmp_path / "x.json",
    ]
    index.write_text("{not json")
    with pytest.raises(ReportError, match=f"run index {index}: malformed JSON"):
        metrics_files([index])
    # a step that fails in this process names the step and why; the steps before it stay evaluated
    (tmp_path / "m3").mkdir()
    with pytest.raises(evaluation.EvaluationError, match=r"run pi2: evaluating step 3 \(.*m3\) failed \(.+\); the"):
        evaluation.evaluate_run("pi2", [1, 3], template, spec, shared_data, eval_dir, index)
    assert "pi2 step 1: already evaluated" in capsys.readouterr().out
    (tmp_path / "m3").rmdir()
    # a missing local checkpoint is named before anything runs
    with pytest.raises(evaluation.EvaluationError, match="m3 does not exist"):
        evaluation.evaluate_run("pi2", [1, 3], template, spec, shared_data, eval_dir, index)
    args = ["evaluate-run", "--run", "pi2", "--steps", "1,x", "--model-template", template, "--data-dir", "d"]
    assert cli.main([*args, "--eval-dir", str(eval_dir), "--index", str(index), "--spec", json.dumps(spec)]) == 2
    assert "--steps '1,x' must be comma-separated integers" in capsys.readouterr().err
