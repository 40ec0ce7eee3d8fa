"""Grading of one benchmark's responses: the part of a response that is graded, ARC's option letter, and the
verdict of every grader mode per response."""

from __future__ import annotations

import re
from typing import Any

from oneshot_rlvr import grading
from oneshot_rlvr.grading import last_boxed

THINK_END = "</think>"

_LETTER = re.compile(r"[A-E]")


def arc_letter(response: str) -> str | None:
    """The option letter in the last \\boxed{} (our ARC protocol), e.g. `\\text{B}` or `B.` -> B."""
    boxed = last_boxed(response)
    if boxed is None:
        return None
    cleaned = re.sub(r"\\text\{([^{}]*)\}|\\textbf\{([^{}]*)\}", lambda m: m.group(1) or m.group(2), boxed).strip()
    match = _LETTER.search(cleaned.upper()) if len(cleaned) <= 3 else _LETTER.match(cleaned)
    return match.group(0) if match else None


def graded_text(response: str, after_think: bool) -> str:
    """The part of a response that is graded: all of it, or (R1-Distill) the text after the last </think>,
    and nothing when the thinking never ended (as rllm, whose reward is 0 without </think>)."""
    if not after_think:
        return response
    position = response.rfind(THINK_END)
    return response[position + len(THINK_END) :] if position >= 0 else ""


def grade_rows(
    rows: list[dict[str, Any]], is_arc: bool, grader: str, after_think: bool = False, workers: int = 2
) -> None:
    """Add `extracted`, `correct`, `timed_out` (under `grader`) and `by_grader` to each row, in place.

    Math responses are graded under every mode of `grading.GRADER_MODES`: `by_grader` maps each mode to its
    verdict and `grader_timeouts` lists the modes that timed out. ARC rows are graded by letter only.
    """
    texts = [graded_text(r["response"], after_think) for r in rows]
    if is_arc:
        for row, text in zip(rows, texts, strict=True):
            row["extracted"] = arc_letter(text)
            row["correct"] = row["extracted"] == row["answer"]
            row["timed_out"] = False
            row["by_grader"] = {"letter": row["correct"]}
            row["grader_timeouts"] = []
        return
    golds = [r["answer"] for r in rows]
    verdicts = {mode: grading.grade_many(texts, golds, mode=mode, workers=workers) for mode in grading.GRADER_MODES}
    for index, row in enumerate(rows):
        primary = verdicts[grader][index]
        row["extracted"] = primary.extracted
        row["correct"] = bool(primary.correct)
        row["timed_out"] = bool(primary.timed_out)
        row["by_grader"] = {mode: bool(results[index].correct) for mode, results in verdicts.items()}
        row["grader_timeouts"] = [mode for mode, results in verdicts.items() if results[index].timed_out]

