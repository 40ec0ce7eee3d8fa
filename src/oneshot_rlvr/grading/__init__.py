"""Answer extraction and grading of math responses, under three graders (``mode``).

``default`` (ours, `default.py`): strict and exact; the last ``\\boxed{}`` is the answer, exact rationals,
math-verify for the rest.  ``deepscaler`` (`deepscaler.py`): the paper's training reward, re-implemented
from verl's ``deepscaler.py``.  ``qwen_eval`` (`qwen_eval.py`): the authors' evaluation grader, re-implemented
from ``Qwen2.5-Eval``'s ``parser.py`` and ``grader.py``.  Each module's docstring lists its differences from
the original.

The rest is shared: `extraction.py` (final answers), `numbers.py` (exact values), `latex.py` (the Hendrycks
fixes both references copy), `limits.py` (what may run in-process), `equivalence.py` (pick a grader by mode,
never raise), `dispatch.py` (grade many: easy pairs in-process, the rest de-duplicated to the killable
`pool.py`, its workers forked from `zygote.py`), `jsonl.py` (grade a file).  No function here raises on any
string input.

This module is the public API; importing it stays cheap (sympy and math-verify load only in the workers).
"""

from __future__ import annotations

from oneshot_rlvr.grading import dispatch
from oneshot_rlvr.grading.dispatch import _RESULT_CACHE, Verdict, grade_answer, grade_many
from oneshot_rlvr.grading.equivalence import GRADER_MODES, answers_equal
from oneshot_rlvr.grading.extraction import extract_answer, format_ok, last_boxed
from oneshot_rlvr.grading.jsonl import grade_jsonl
from oneshot_rlvr.grading.limits import MAX_ANSWER_CHARS
from oneshot_rlvr.grading.pool import shutdown_pool, worker_pids
from oneshot_rlvr.grading.qwen_eval import TIMEOUT_S as QWEN_EVAL_TIMEOUT_S

__all__ = [
    "GRADER_MODES",
    "MAX_ANSWER_CHARS",
    "QWEN_EVAL_TIMEOUT_S",
    "Verdict",
    "_RESULT_CACHE",
    "answers_equal",
    "dispatch",
    "extract_answer",
    "format_ok",
    "grade_answer",
    "grade_jsonl",
    "grade_many",
    "last_boxed",
    "shutdown_pool",
    "worker_pids",
]
