"""Evaluation of checkpoints with the paper's protocol (docs/evaluation.md).

One job per checkpoint (`evaluate_checkpoint`): plan (`plan`: inputs checked, finished benchmarks reused), generate
(`generate` with a backend of `backends`: transformers or vLLM, the same prompts, stop strings and sampling), and
summarise (`summary`: graded under all three grader modes, `metrics`, metrics.json). Each finished benchmark leaves
its responses and metrics on disk, an unfinished one its responses so far, so an interrupted evaluation resumes
without regenerating them. `runs` evaluates a whole run's checkpoints in one job.

The protocol comes from the resolved evaluation spec (`specs.EvaluationSpec`, built by `config.evaluation_spec`):
the shared `evaluation` settings with the run's model's `evaluation` overrides merged over them (R1-Distill: T 0.6,
top_p 0.95, avg@16 / avg@64, 8k tokens), and the model's prompt template.
"""

from __future__ import annotations

from oneshot_rlvr.evaluation.backends import (
    Generation,
    TransformersGenerator,
    VLLMGenerator,
    cut_at_stop,
    make_generator,
    stop_token_ids,
)
from oneshot_rlvr.evaluation.checkpoint import evaluate_checkpoint
from oneshot_rlvr.evaluation.demonstrations import resolve_demonstrations
from oneshot_rlvr.evaluation.metrics import (
    REFLECTION_WORDS,
    REPETITION_MIN_REPEATS,
    REPETITION_WINDOW,
    benchmark_metrics,
    ends_in_repetition,
    pass_at_k,
    repetition_period,
)
from oneshot_rlvr.evaluation.plan import (
    PARTIAL_SUFFIX,
    check_inputs,
    fingerprint,
    is_local_model,
    read_partial,
    step_is_current,
)
from oneshot_rlvr.evaluation.protocol import (
    BENCHMARK_DEFAULTS,
    EvaluationError,
    benchmark_settings,
    decoding_label,
    tensor_parallel_size,
)
from oneshot_rlvr.evaluation.runs import evaluate_run, read_run_index
from oneshot_rlvr.evaluation.scoring import THINK_END, arc_letter, grade_rows, graded_text
from oneshot_rlvr.evaluation.summary import evaluation_manifest

__all__ = [
    "BENCHMARK_DEFAULTS",
    "PARTIAL_SUFFIX",
    "REFLECTION_WORDS",
    "REPETITION_MIN_REPEATS",
    "REPETITION_WINDOW",
    "THINK_END",
    "EvaluationError",
    "Generation",
    "TransformersGenerator",
    "VLLMGenerator",
    "arc_letter",
    "benchmark_metrics",
    "benchmark_settings",
    "check_inputs",
    "cut_at_stop",
    "decoding_label",
    "ends_in_repetition",
    "evaluate_checkpoint",
    "evaluate_run",
    "evaluation_manifest",
    "fingerprint",
    "grade_rows",
    "graded_text",
    "is_local_model",
    "make_generator",
    "pass_at_k",
    "read_partial",
    "read_run_index",
    "repetition_period",
    "resolve_demonstrations",
    "step_is_current",
    "stop_token_ids",
    "tensor_parallel_size",
]
