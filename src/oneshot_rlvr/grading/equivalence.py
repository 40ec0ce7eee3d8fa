"""Which grader decides a pair: the modes, the length guard, and the never-raising in-process check.

Each grader module exposes ``is_equal(pred, gold, allow_slow)``; this module picks one by ``mode``, turns
:class:`NeedSlow` into "ask a worker" (None) and any error into "wrong", so that no string can crash grading.
"""

from __future__ import annotations

from oneshot_rlvr.grading import deepscaler, default, qwen_eval
from oneshot_rlvr.grading.extraction import gold_str
from oneshot_rlvr.grading.limits import MAX_ANSWER_CHARS, NeedSlow

GRADER_MODES = ("default", "qwen_eval", "deepscaler")
_GRADERS = {"default": default.is_equal, "qwen_eval": qwen_eval.is_equal, "deepscaler": deepscaler.is_equal}


def check_mode(mode: str) -> str:
    if mode not in GRADER_MODES:
        raise ValueError(f"unknown grader mode {mode!r}; expected one of {GRADER_MODES}")
    return mode


def pair_equal(pred: str, gold: str, mode: str, allow_slow: bool) -> bool | None:
    """True/False, or None when ``allow_slow`` is False and a slow comparison is needed."""
    try:
        if len(pred) > MAX_ANSWER_CHARS * 10 and pred != gold:
            return False
        return _GRADERS[mode](pred, gold_str(gold), allow_slow)
    except NeedSlow:
        return None
    except Exception:
        return False


def too_long(pred: str, gold: str) -> bool | None:
    """The in-process verdict of a long pair: an answer far past any gold is wrong unless identical (as in
    `pair_equal`); everything else needs a worker."""
    if len(pred) > MAX_ANSWER_CHARS * 10 and pred != gold:
        return False
    return None


def answers_equal(pred: str, gold: str, mode: str = "default") -> bool:
    """Whether the extracted answer ``pred`` equals ``gold`` under ``mode``, in-process (may be slow).

    Never raises (an unknown mode or any internal error gives False); use :func:`grade_answer`
    for timeout protection.
    """
    if mode not in GRADER_MODES or not isinstance(pred, str) or pred is None:
        return False
    try:
        return bool(pair_equal(pred, gold, mode, allow_slow=True))
    except Exception:
        return False
