"""Final-answer extraction: the last ``\\boxed{}`` (default, deepscaler) or the authors' lenient chain (qwen_eval).

Extraction is linear in the response and never raises, so a hostile response costs no more than its length.
"""

from __future__ import annotations

import math
import re
from typing import Any

from oneshot_rlvr.grading import qwen_eval

_BOX_RE = re.compile(r"\\(?:boxed|fbox)(?![a-zA-Z])")
_BRACE_RE = re.compile(r"[{}]")


def last_boxed(text: str) -> str | None:
    """Content of the last brace-matched ``\\boxed{...}`` (or ``\\fbox{...}``) in ``text``, else None.

    The last ``\\boxed``/``\\fbox`` macro is used; if it is not followed by ``{`` (whitespace
    allowed) or its brace is never closed, the result is None.  Linear in ``len(text)``.
    """
    if not isinstance(text, str):
        return None
    start = max(text.rfind("\\boxed"), text.rfind("\\fbox"))
    while start >= 0:
        match = _BOX_RE.match(text, start)
        if match is not None:
            break
        # e.g. "\boxedx": not the macro; look further left
        start = max(text.rfind("\\boxed", 0, start), text.rfind("\\fbox", 0, start))
    if start < 0:
        return None
    pos = match.end()
    while pos < len(text) and text[pos] in " \t":
        pos += 1
    if pos >= len(text) or text[pos] != "{":
        return None
    begin = pos + 1
    depth = 0
    for brace in _BRACE_RE.finditer(text, pos):
        if brace.group() == "{":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return text[begin : brace.start()]
    return None


def extract_answer(response: str, mode: str = "default") -> str | None:
    """Final answer string of ``response``.

    ``default`` and ``deepscaler``: the last ``\\boxed{}`` content (None without a closed box).
    ``qwen_eval``: the authors' lenient chain (boxed, "the answer is", last number, ...); None
    only when nothing at all could be extracted.
    """
    try:
        if not isinstance(response, str):
            return None
        if mode == "qwen_eval":
            pred = qwen_eval.extract_answer(response)
            return pred if pred.strip() else None
        return last_boxed(response)
    except Exception:  # pragma: no cover - defensive
        return None


def format_ok(response: str) -> bool:
    """True iff a final answer can be extracted: the last ``\\boxed{}`` is present, closed and non-blank."""
    boxed = extract_answer(response, "default")
    return boxed is not None and boxed.strip() != ""


def gold_str(gold: Any) -> str:
    """Ground truth as a string: integral floats (AMC's ``27.0``) become ``"27"``; boxed golds are unboxed."""
    if isinstance(gold, bool):
        return str(gold)
    if isinstance(gold, float):
        if math.isfinite(gold) and gold.is_integer():
            return str(int(gold))
        return repr(gold)
    text = gold if isinstance(gold, str) else str(gold)
    if "\\boxed" in text or "\\fbox" in text:
        inner = last_boxed(text)
        if inner is not None:
            return inner
    return text
