"""The project's own grader (``default``): strict, exact, and impossible to hang.

The final answer is the last brace-matched ``\\boxed{}``; no box means wrong.  Equivalence is decided by
(1) a cheap normalised string match, (2) an exact numeric comparison (`numbers.py`; percent signs, degree
marks and trailing units are dropped first), element-wise for tuples, intervals and sets of numbers, and
(3) for everything else a symbolic check with ``math_verify`` (expressions, intervals, sets, matrices,
equations), which runs only in a killable worker.  Steps (1) and (2) run in the calling process.
``math_verify`` is imported where it is called: it loads sympy (about a second), which only the workers pay.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from fractions import Fraction
from typing import Any

from oneshot_rlvr.grading.limits import MAX_ANSWER_CHARS, NeedSlow
from oneshot_rlvr.grading.numbers import rational

_SPACING_RE = re.compile(r"\\(?:displaystyle|textstyle|left|right|bigl|bigr|Bigl|Bigr|big|Big|bigg|Bigg)(?![a-zA-Z])")
_SPACE_CMDS_RE = re.compile(r"(?<!\\)\\[!,;: ]|\\q?quad(?![a-zA-Z])|~")
_DEGREE_RE = re.compile(r"\^\s*\{\s*\\circ\s*\}|\^\s*\\circ(?![a-zA-Z])|°|\\degree(?![a-zA-Z])")
_TEXT_CMD = r"\\(?:text|textbf|textit|textrm|mathrm|mbox|operatorname|mathbf)"
_UNIT_AFTER_NUM_RE = re.compile(rf"^([^\\]*?\d\.?)\s*{_TEXT_CMD}\s*\{{[^{{}}]*\}}(?:\^\s*\{{?\d\}}?)?\s*$")
_TEXT_UNWRAP_RE = re.compile(rf"{_TEXT_CMD}\s*\{{([^{{}}]*)\}}")
_LHS_RE = re.compile(r"^(?:[a-zA-Z]|\\[a-zA-Z]+)(?:_\{?[a-zA-Z0-9]+\}?)?\s*=\s*(?=\S)")
_SINGLE_CHAR_GROUP_RE = re.compile(r"([\^_])\{([a-zA-Z0-9])\}")
_SQRT_BARE_RE = re.compile(r"\\sqrt(\w)")
_FRAC_BARE_RE = re.compile(r"\\frac(\d)(\d)")
_PLAIN_UNITS_RE = re.compile(
    r"^([+-]?[\d.,]+)\s*(?:units?|degrees?|cm|centimeters?|meters?|m|km|miles?|mph|inches|inch|feet|foot|ft"
    r"|seconds?|minutes?|hours?|days?|years?|dollars?|cents?|grams?|kg|pounds?|percent)\.?$"
)


def _normalize(text: str) -> str:
    """Cheap, linear normalisation used for the default grader's string/numeric matching."""
    text = text.strip()
    if len(text) > MAX_ANSWER_CHARS:
        return text
    text = text.replace("\n", " ").replace("−", "-").replace("\\$", "")  # currency before math-mode "$"
    for token in ("\\(", "\\)", "\\[", "\\]", "$"):
        text = text.replace(token, "")
    text = _SPACING_RE.sub("", text)
    text = _SPACE_CMDS_RE.sub(" ", text)
    text = re.sub(r"\\[dt]frac(?![a-zA-Z])", r"\\frac", text)
    text = _DEGREE_RE.sub("", text)
    text = text.replace("\\%", "%").replace("\\$", "")
    text = text.strip().rstrip(".").strip()
    for _ in range(2):
        text = _UNIT_AFTER_NUM_RE.sub(r"\1", text).strip()
    match = _PLAIN_UNITS_RE.match(text)
    if match:
        text = match.group(1)
    text = _TEXT_UNWRAP_RE.sub(r"\1", text).strip()
    match = _LHS_RE.match(text)
    if match and "=" not in text[match.end() :]:
        text = text[match.end() :]
    text = re.sub(r"\s+", "", text)
    text = text.rstrip(".")
    if text.endswith("%"):
        text = text[:-1]
    text = _SINGLE_CHAR_GROUP_RE.sub(r"\1\2", text)
    text = _SQRT_BARE_RE.sub(r"\\sqrt{\1}", text)
    text = _FRAC_BARE_RE.sub(r"\\frac{\1}{\2}", text)
    for _ in range(5):
        if len(text) >= 2 and text[0] == "{" and text[-1] == "}" and _outer_braces_match(text):
            text = text[1:-1]
        else:
            break
    if len(text) == 3 and text[0] == "(" and text[2] == ")" and text[1].isalpha():
        text = text[1]
    return text


def _outer_braces_match(text: str) -> bool:
    depth = 0
    for index, char in enumerate(text):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0 and index != len(text) - 1:
                return False
    return depth == 0


def _numeric_items(text: str) -> tuple[str, list[Fraction]] | None:
    """('(' / '[' / '\\{' / '' + close, values) if ``text`` is a tuple/interval/set/list of numbers."""
    span = _outer_bracket_span(text)
    if span is not None:
        opening, inner, closing = span
        kind = opening + closing
    else:
        inner, kind = text, ""
    parts = _split_top_level(inner)
    if len(parts) < 2:
        return None
    values = [rational(part) for part in parts]
    if any(value is None for value in values):
        return None
    return kind, values  # type: ignore[return-value]


def equal_fast(pred: str, gold: str) -> bool | None:
    """Steps (1) and (2): the verdict, or None when only the symbolic check can tell."""
    if pred == gold:
        return True
    pred_n, gold_n = _normalize(pred), _normalize(gold)
    if pred_n == gold_n and pred_n != "":
        return True
    if not pred_n:
        return False
    if len(pred_n) > MAX_ANSWER_CHARS or len(pred_n) > 50 * max(len(gold_n), 20):
        return False  # absurdly long answers are never graded symbolically
    gold_value, pred_value = rational(gold_n), rational(pred_n)
    if gold_value is not None and pred_value is not None:
        return gold_value == pred_value
    gold_items, pred_items = _numeric_items(gold_n), _numeric_items(pred_n)
    if gold_items is not None and pred_items is not None and gold_items[0] == pred_items[0]:
        kind = gold_items[0]
        if len(gold_items[1]) != len(pred_items[1]):
            return False
        if kind in ("", "\\{\\}"):
            return sorted(gold_items[1]) == sorted(pred_items[1])
        return gold_items[1] == pred_items[1]
    return None


def _mv_parse(text: str):
    # Only the boxed content is parsed: with the default configuration math-verify falls back to
    # any parsable fragment (e.g. "\\frac{1}{3}E_{1}+\\frac{2}{3}E_{2}" became 2/3).
    from math_verify import LatexExtractionConfig, parse

    config = [LatexExtractionConfig(try_extract_without_anchor=False, boxed_match_priority=0)]
    return parse(f"\\boxed{{{text}}}", extraction_config=config, parsing_timeout=None)


_GOLD_PARSE_CACHE: OrderedDict[str, Any] = OrderedDict()


def _mv_parse_gold(text: str):
    if text in _GOLD_PARSE_CACHE:
        _GOLD_PARSE_CACHE.move_to_end(text)
        return _GOLD_PARSE_CACHE[text]
    parsed = _mv_parse(text)
    _GOLD_PARSE_CACHE[text] = parsed
    if len(_GOLD_PARSE_CACHE) > 2000:
        _GOLD_PARSE_CACHE.popitem(last=False)
    return parsed


def equal_slow(pred: str, gold: str) -> bool:
    """Step (3): math-verify on the normalised pair, then on the raw pair (workers only: may be slow)."""
    from math_verify import verify

    pred_n, gold_n = _normalize(pred), _normalize(gold)
    candidates = [(pred_n, gold_n)]
    if (pred, gold) != (pred_n, gold_n):
        candidates.append((pred.strip(), gold.strip()))
    for pred_text, gold_text in candidates:
        gold_parsed = _mv_parse_gold(gold_text)
        pred_parsed = _mv_parse(pred_text) if gold_parsed else []
        if gold_parsed and pred_parsed:
            # both sides understood: the verdict is final (no second, raw-text attempt)
            return bool(verify(gold_parsed, pred_parsed, timeout_seconds=None))
    return False


def _outer_bracket_span(text: str) -> tuple[str, str, str] | None:
    """(open, inner, close) if ``text`` is entirely wrapped in one bracket pair (types may differ)."""
    if len(text) < 2:
        return None
    if text.startswith("\\{") and text.endswith("\\}"):
        opening, closing, inner = "\\{", "\\}", text[2:-2]
    elif text[0] in "([" and text[-1] in ")]":
        opening, closing, inner = text[0], text[-1], text[1:-1]
    else:
        return None
    depth = 0
    for char in inner:
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth < 0:
                return None
    if depth != 0:
        return None
    return opening, inner, closing


def _split_top_level(text: str, sep: str = ",") -> list[str]:
    parts: list[str] = []
    depth = 0
    start = 0
    for index, char in enumerate(text):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == sep and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts


def is_equal(pred: str, gold: str, allow_slow: bool) -> bool:
    """Whether ``pred`` equals ``gold``; raises :class:`NeedSlow` when only math-verify can tell and
    ``allow_slow`` is False."""
    fast = equal_fast(pred, gold)
    if fast is not None:
        return fast
    if not allow_slow:
        raise NeedSlow
    return equal_slow(pred, gold)
