"""Metrics of one benchmark's graded responses: accuracy (avg@n), pass@k, maj@n, grader provenance and response
statistics (length, boxed, truncated, repetitive, reflection words; docs/evaluation.md)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from math import comb
from typing import Any

REFLECTION_WORDS = ("rethink", "recheck", "recalculate")

# Repetition rule (docs/evaluation.md): a response "ends in repetition" when it stopped at the token limit
# and the last L = min(REPETITION_WINDOW, n / 2) characters of its whitespace-normalised text (n characters)
# are periodic with a period of at most L / REPETITION_MIN_REPEATS (so the unit occurs >= 3 times in a row).
REPETITION_WINDOW = 1000
REPETITION_MIN_REPEATS = 3



def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k estimator (Chen et al., 2021) from n samples with c correct."""
    if n - c < k:
        return 1.0
    return 1.0 - comb(n - c, k) / comb(n, k)


def repetition_period(
    text: str, window: int = REPETITION_WINDOW, min_repeats: int = REPETITION_MIN_REPEATS
) -> int | None:
    """The shortest period p of the text's tail, or None when the tail is not periodic.

    Whitespace runs are collapsed to one space first (n characters remain). The tail is the last
    L = min(window, n // 2) characters: the loop must fill the last `window` characters, or the last half of a
    shorter text. It is periodic with period p when tail[i] == tail[i + p] for every i, with p <= L /
    min_repeats, i.e. the same unit of p characters repeats at least `min_repeats` times up to the end (the
    cut may fall inside a unit). Cost: at most L / min_repeats string comparisons of L characters.
    """
    normalised = " ".join(str(text)[-4 * window :].split())
    tail = normalised[-min(window, len(normalised) // 2) :] if len(normalised) >= 2 else ""
    for period in range(1, len(tail) // min_repeats + 1):
        if tail[period:] == tail[:-period]:
            return period
    return None


def ends_in_repetition(text: str, truncated: bool) -> bool:
    """The repetition rule: the response hit the token limit and its tail repeats a short unit."""
    return bool(truncated) and repetition_period(text) is not None


def _truncated(row: Mapping[str, Any], max_new_tokens: int | None) -> bool:
    if "finish_reason" in row:
        return row["finish_reason"] == "length"
    return max_new_tokens is not None and int(row.get("response_tokens", 0)) >= max_new_tokens


def benchmark_metrics(
    rows: Sequence[Mapping[str, Any]],
    n_samples: int,
    grader: str | None = None,
    max_new_tokens: int | None = None,
) -> dict[str, Any]:
    """Accuracy (mean over all samples, i.e. avg@n), pass@k, maj@n, grader provenance and response statistics.

    `rows` are graded response rows (`grade_rows`); `grader` is the mode behind `correct` (for the
    disagreement counts against the other modes in `by_grader`).
    """
    by_problem: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        by_problem.setdefault(str(row["id"]), []).append(row)
    n_rows = max(len(rows), 1)
    accuracy = 100.0 * sum(bool(row["correct"]) for row in rows) / n_rows
    ks = sorted({k for k in (1, 2, 4, 8, 16, 32, 64) if k <= n_samples} | {n_samples})
    pass_k = {
        str(k): 100.0
        * sum(pass_at_k(len(s), sum(bool(r["correct"]) for r in s), k) for s in by_problem.values())
        / max(len(by_problem), 1)
        for k in ks
    }
    majority_correct = 0
    for samples in by_problem.values():
        answers = Counter(r["extracted"] for r in samples if r["extracted"] is not None)
        if answers:
            top = answers.most_common(1)[0][0]
            majority_correct += any(r["correct"] for r in samples if r["extracted"] == top)
    subjects: dict[str, list[bool]] = {}
    for row in rows:
        if row.get("subject"):
            subjects.setdefault(str(row["subject"]), []).append(bool(row["correct"]))
    texts = [str(row["response"]) for row in rows]
    truncated = [_truncated(row, max_new_tokens) for row in rows]
    repetitive = [
        bool(row["repetitive"]) if "repetitive" in row else ends_in_repetition(text, cut)
        for row, text, cut in zip(rows, texts, truncated, strict=True)
    ]
    modes = sorted({mode for row in rows for mode in row.get("by_grader", {})})
    by_grader = {mode: 100.0 * sum(bool(row.get("by_grader", {}).get(mode)) for row in rows) / n_rows for mode in modes}
    disagreements = None
    if grader is not None and modes and grader in modes:
        disagreements = {
            mode: sum(bool(row["by_grader"].get(mode)) != bool(row["correct"]) for row in rows)
            for mode in modes
            if mode != grader
        }
    reflection_pattern = re.compile("|".join(REFLECTION_WORDS), flags=re.IGNORECASE)
    return {
        "accuracy": accuracy,
        "n_problems": len(by_problem),
        "n_samples": n_samples,
        "n_responses": len(rows),
        "pass_at_k": pass_k,
        "maj_at_n": 100.0 * majority_correct / max(len(by_problem), 1),
        "accuracy_by_grader": by_grader,
        "grader_disagreements": disagreements,
        "mean_response_tokens": sum(int(row.get("response_tokens", 0)) for row in rows) / n_rows,
        "boxed_rate": 100.0 * sum("\\boxed" in text for text in texts) / n_rows,
        "truncated_rate": 100.0 * sum(truncated) / n_rows,
        "repetition_rate": 100.0 * sum(repetitive) / n_rows,
        "reflection_words": {
            word: sum(len(re.findall(word, text, flags=re.IGNORECASE)) for text in texts) for word in REFLECTION_WORDS
        },
        "reflection_responses": sum(bool(reflection_pattern.search(text)) for text in texts),
        "subjects": {name: 100.0 * sum(hits) / len(hits) for name, hits in sorted(subjects.items())},
        "timeouts": sum(bool(row.get("timed_out")) for row in rows),
        "timeouts_by_grader": {
            mode: sum(mode in row.get("grader_timeouts", ()) for row in rows) for mode in modes if mode != "letter"
        },
    }

