"""Grading many responses at once: easy pairs in this process, the rest de-duplicated to the worker pool.

Thousands of responses per second must be graded during training and evaluation, so extraction and the
graders' fast paths run here, verdicts are cached by ``(answer, gold, mode)``, and only pairs a grader
cannot decide cheaply (or longer than ``MAX_ANSWER_CHARS``) reach the killable workers, each under the
timeout (``min(timeout_s, 3)`` in qwen_eval, as the authors' pebble pool).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from tqdm import tqdm

from oneshot_rlvr.grading import qwen_eval
from oneshot_rlvr.grading.equivalence import check_mode, pair_equal, too_long
from oneshot_rlvr.grading.extraction import extract_answer, gold_str
from oneshot_rlvr.grading.limits import MAX_ANSWER_CHARS
from oneshot_rlvr.grading.pool import POOL_LOCK, get_pool

_CACHE_SIZE = 200_000
#: Verdicts that did not time out, by (extracted answer, gold, mode); the benchmark and tests clear it.
_RESULT_CACHE: OrderedDict[tuple[str, str, str], bool] = OrderedDict()


@dataclass(frozen=True)
class Verdict:
    """One graded response: the verdict, the answer it was drawn from (None: nothing extracted), and whether
    the pair ran out of time (then ``correct`` is False and the pair is counted in ``timeouts``)."""

    correct: bool
    extracted: str | None
    timed_out: bool = False


def _cache_get(key: tuple[str, str, str]) -> bool | None:
    with POOL_LOCK:
        value = _RESULT_CACHE.get(key)
        if value is not None:
            _RESULT_CACHE.move_to_end(key)
        return value


def _cache_put(key: tuple[str, str, str], value: bool) -> None:
    with POOL_LOCK:
        _RESULT_CACHE[key] = value
        if len(_RESULT_CACHE) > _CACHE_SIZE:
            _RESULT_CACHE.popitem(last=False)


def _effective_timeout(mode: str, timeout_s: float) -> float:
    try:
        timeout = float(timeout_s)
    except (TypeError, ValueError):
        timeout = 5.0
    if not math.isfinite(timeout) or timeout <= 0:
        timeout = 5.0
    if mode == "qwen_eval":
        timeout = min(timeout, qwen_eval.TIMEOUT_S)
    return timeout


def _verdict_in_process(extracted: str, gold_text: str, mode: str) -> bool | None:
    """The cached or cheaply decided verdict of a pair, or None when it needs a worker."""
    cached = _cache_get((extracted, gold_text, mode))
    if cached is not None:
        return cached
    # Long answers or golds are never normalised here, only in a worker under the timeout.
    if len(extracted) <= MAX_ANSWER_CHARS and len(gold_text) <= MAX_ANSWER_CHARS:
        return pair_equal(extracted, gold_text, mode, allow_slow=False)
    return too_long(extracted, gold_text)


def _run_in_workers(
    keys: list[tuple[str, str, str]], mode: str, workers: int, timeout: float, progress: bool
) -> list[tuple[bool, bool]]:
    """``(correct, timed_out)`` per pair from the worker pool; every pair times out if the pool fails."""
    bar = None
    if progress:
        try:
            bar = tqdm(total=len(keys), desc=f"grading[{mode}]", unit="pair")
        except Exception:
            bar = None
    try:
        with POOL_LOCK:
            return get_pool().run(keys, max(1, int(workers)), timeout, bar.update if bar is not None else None)
    except Exception:
        return [(False, True)] * len(keys)
    finally:
        if bar is not None:
            bar.close()


def grade_many(
    responses: Sequence[str],
    golds: Sequence[str],
    mode: str = "default",
    workers: int = 2,
    timeout_s: float = 5.0,
    progress: bool = False,
) -> list[Verdict]:
    """Grade ``responses`` against ``golds`` (same length).

    Easy pairs are decided in this process; the others are de-duplicated and sent to ``workers``
    killable worker processes with ``timeout_s`` per pair (``min(timeout_s, 3)`` in qwen_eval).
    A timed-out pair is wrong with ``timed_out=True``.
    """
    check_mode(mode)
    if len(responses) != len(golds):
        raise ValueError(f"got {len(responses)} responses but {len(golds)} golds")
    timeout = _effective_timeout(mode, timeout_s)
    verdicts: list[Verdict | None] = [None] * len(responses)
    hard: dict[tuple[str, str, str], list[tuple[int, str]]] = {}
    for index, (response, gold) in enumerate(zip(responses, golds, strict=False)):
        try:
            extracted = extract_answer(response if isinstance(response, str) else str(response), mode)
            if extracted is None:
                verdicts[index] = Verdict(False, None)
                continue
            gold_text = gold_str(gold)
            fast = _verdict_in_process(extracted, gold_text, mode)
            if fast is not None:
                verdicts[index] = Verdict(bool(fast), extracted)
                continue
            hard.setdefault((extracted, gold_text, mode), []).append((index, extracted))
        except Exception:
            verdicts[index] = Verdict(False, None)
    keys = list(hard)
    outcomes = _run_in_workers(keys, mode, workers, timeout, progress) if keys else []
    for key, (correct, timed_out) in zip(keys, outcomes, strict=False):
        if not timed_out:
            _cache_put(key, correct)
        for index, extracted in hard[key]:
            verdicts[index] = Verdict(correct, extracted, timed_out)
    return [v if v is not None else Verdict(False, None) for v in verdicts]


def grade_answer(response: str, gold: str, mode: str = "default", timeout_s: float = 5.0) -> Verdict:
    """Grade one response (extraction + equivalence) with timeout protection."""
    try:
        return grade_many([response], [gold], mode=mode, workers=1, timeout_s=timeout_s)[0]
    except Exception:
        return Verdict(False, None)
