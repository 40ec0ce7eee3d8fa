"""Answer extraction and grading for math responses.

Three graders are provided (``mode``):

``default``
    The project's own grader: strict, exact and impossible to hang.  The final answer is the
    content of the last brace-matched ``\\boxed{}`` / ``\\fbox{}``; no box means wrong.
    Equivalence is decided by (1) a cheap normalised string match, (2) an *exact* numeric
    comparison (integers, decimals, fractions, scientific notation and thousands separators are
    turned into :class:`fractions.Fraction`, so ``1000001 != 1000000`` while
    ``12.80 == 12.8 == 64/5 == \\frac{64}{5}``; percent signs and degree marks are dropped, so
    ``50\\%`` equals ``50``), also element-wise for tuples / intervals / sets of numbers, and
    (3) for everything else a symbolic check with ``math_verify`` (expressions, intervals,
    sets, matrices, equations).  Step (3) runs in a killable worker process.

``deepscaler``
    A re-implementation of the training reward of the One-Shot-RLVR code (reference §2.3-2.4):
    ``mathd`` (Hendrycks MATH normalisation + string match) OR the ``sympy`` check (its own
    normalisation, element-wise tuple split, fraction/integer guards, ``simplify(gt - ans) == 0``
    under the ``should_allow_eval`` guards).  Known differences from the original:
    the original converts LaTeX to text with ``pylatexenc``; here a small built-in converter is
    used (``\\frac``, ``\\sqrt``, ``\\cdot``/``\\times``, ``\\pi``, ``\\infty``, Greek letters and
    dropping other macros), so exotic LaTeX may normalise differently; the original scores
    ``prompt + response`` (so a response without a box extracts the prompt's empty box); here the
    response alone is used and no box gives ``None`` (same score, 0); and the original has no
    timeout while here the sympy step runs in a worker under ``timeout_s``.

``qwen_eval``
    A re-implementation of the authors' evaluation grader (``Qwen2.5-Eval``, reference §4.4-4.5):
    lenient extraction (minerva "final answer is $...$. I hope", last "boxed", "he answer is",
    "final answer is", "答案是", last number), ``strip_string`` normalisation, and ``math_equal``
    (case-insensitive string match, multiple-choice letters, numeric ``rel_tol=1e-4`` with the
    percentage rule, bracket stripping, element-wise tuples ignoring bracket types, pmatrix,
    equations, symbolic check via ``latex2sympy2_extended`` / ``sympy``).  The effective timeout
    is ``min(timeout_s, 3)`` like the original ``pebble`` pool.  Known differences: no
    ``word2number`` conversion (only a few number words), a shorter unit-word list, unit
    stripping is always applied (the original skips it for minerva_math), and sympy's ANTLR
    ``parse_latex`` is not used (``latex2sympy2_extended`` is).

Every potentially slow comparison runs in a small pool of worker processes (``forkserver`` start
method on Linux, ``spawn`` elsewhere) that are killed and replaced when they exceed the timeout.
Easy pairs (numbers, string matches) of short answers (both at most ``MAX_ANSWER_CHARS``) are decided
in the calling process, so thousands of responses per second can be graded; a longer answer or gold
goes to the workers whatever the mode, because normalising it (``strip_string``'s regular expressions)
can take time that grows with the square of its length.  Extraction is linear in the response.
No function here raises on any string input.
"""

from __future__ import annotations

import atexit
import json
import math
import multiprocessing.connection
import os
import re
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from oneshot_rlvr.io import atomic_write_text

GRADER_MODES = ("default", "qwen_eval", "deepscaler")

#: Answers or golds longer than this are never normalised in the calling process (only in a worker, under the
#: timeout); answers ten times longer are only compared as raw strings.
MAX_ANSWER_CHARS = 1000
#: qwen_eval's pebble pool used a 3 s timeout per pair.
QWEN_EVAL_TIMEOUT_S = 3.0
_WORKER_START_TIMEOUT_S = 120.0
_CACHE_SIZE = 200_000


@dataclass(frozen=True)
class Verdict:
    correct: bool
    extracted: str | None
    timed_out: bool = False


class _NeedSlow(Exception):
    """Raised by the in-process fast path when a comparison needs the (killable) slow path."""


# --------------------------------------------------------------------------------------------
# extraction
# --------------------------------------------------------------------------------------------

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


_QWEN_NUM_RE = re.compile(r"-?\d*\.?\d+")


def _qwen_extract(text: str) -> str:
    """The authors' lenient extraction chain (reference §4.4), before ``strip_string``."""
    text = text.replace("\u043a\u0438", "")
    pred: str
    if "final answer is $" in text and "$. I hope" in text:
        pred = text.split("final answer is $", 1)[1].split("$. I hope", 1)[0].strip()
    elif "boxed" in text:
        after = text[text.rfind("boxed") + len("boxed") :]
        if not after:
            return ""
        if after[0] == "{":
            depth = 0
            end = len(after)
            for brace in _BRACE_RE.finditer(after):
                depth += 1 if brace.group() == "{" else -1
                if depth == 0:
                    end = brace.start()
                    break
            pred = after[1:end]  # unclosed: the rest of the text, like the original
        else:
            pred = after.split("$", 1)[0].strip()
    elif "he answer is" in text:
        pred = text[text.rfind("he answer is") + len("he answer is") :].strip()
    elif "final answer is" in text:
        pred = text[text.rfind("final answer is") + len("final answer is") :].strip()
    elif "答案是" in text:
        pred = text[text.rfind("答案是") + 3 :].strip()
    else:
        numbers = _QWEN_NUM_RE.findall(text.replace(",", ""))
        pred = numbers[-1] if numbers else ""
    pred = re.sub(r"\n\s*", "", pred)
    if pred.startswith(":"):
        pred = pred[1:]
    if pred.endswith("."):
        pred = pred[:-1]
    if pred.endswith("/"):
        pred = pred[:-1]
    return pred


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
            pred = _qwen_extract(response)
            return pred if pred.strip() else None
        return last_boxed(response)
    except Exception:  # pragma: no cover - defensive
        return None


def format_ok(response: str) -> bool:
    """True iff a final answer can be extracted: the last ``\\boxed{}`` is present, closed and non-blank."""
    boxed = extract_answer(response, "default")
    return boxed is not None and boxed.strip() != ""


def _gold_str(gold: Any) -> str:
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


# --------------------------------------------------------------------------------------------
# exact numbers
# --------------------------------------------------------------------------------------------

_MAX_EXP = 400
_DEC = r"(?:\d+(?:\.\d*)?|\.\d+)"
_NUM_PLAIN_RE = re.compile(rf"([+-]?){_DEC}(?:[eE]([+-]?\d{{1,4}}))?")
_NUM_THOUSANDS_RE = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_NUM_SCI_RE = re.compile(rf"([+-]?{_DEC})(?:\\times|\\cdot|\*|x)10\^(?:\{{([+-]?\d{{1,4}})\}}|([+-]?\d))")
_NUM_FRAC_RE = re.compile(r"([+-]?)\\frac\{([+-]?[\d.]+)\}\{([+-]?[\d.]+)\}")
_NUM_SLASH_RE = re.compile(r"([+-]?[\d.]+)/([+-]?[\d.]+)")


def _decimal(text: str) -> Fraction | None:
    match = _NUM_PLAIN_RE.fullmatch(text)
    if match is None:
        return None
    exponent = int(match.group(2)) if match.group(2) else 0
    if abs(exponent) > _MAX_EXP:
        return None
    mantissa = text[: match.start(2) - 1] if match.group(2) is not None else text
    try:
        value = Fraction(mantissa)
    except (ValueError, ZeroDivisionError):
        return None
    return value * Fraction(10) ** exponent


def _rational(text: str) -> Fraction | None:
    """Exact value of a plain number / decimal / sci-notation / integer fraction, else None.

    Expects a normalised string (no spaces).  Never evaluates powers other than bounded
    ``10^k``, so it cannot be made slow.
    """
    if not text or len(text) > 200:
        return None
    text = text.replace("−", "-")
    if text[0] == "+":
        text = text[1:]
    value = _decimal(text)
    if value is not None:
        return value
    if _NUM_THOUSANDS_RE.fullmatch(text):
        return _decimal(text.replace(",", ""))
    match = _NUM_SCI_RE.fullmatch(text)
    if match:
        exponent = int(match.group(2) or match.group(3))
        base = _decimal(match.group(1))
        if base is None or abs(exponent) > _MAX_EXP:
            return None
        return base * Fraction(10) ** exponent
    match = _NUM_FRAC_RE.fullmatch(text) or _NUM_SLASH_RE.fullmatch(text)
    if match:
        groups = match.groups()
        sign = -1 if len(groups) == 3 and groups[0] == "-" else 1
        num, den = _decimal(groups[-2]), _decimal(groups[-1])
        if num is None or den is None or den == 0:
            return None
        return sign * num / den
    return None


# --------------------------------------------------------------------------------------------
# helpers shared by the graders
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# default grader
# --------------------------------------------------------------------------------------------

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


def _normalize_default(text: str) -> str:
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
    values = [_rational(part) for part in parts]
    if any(value is None for value in values):
        return None
    return kind, values  # type: ignore[return-value]


def _default_fast(pred: str, gold: str) -> bool | None:
    if pred == gold:
        return True
    pred_n, gold_n = _normalize_default(pred), _normalize_default(gold)
    if pred_n == gold_n and pred_n != "":
        return True
    if not pred_n:
        return False
    if len(pred_n) > MAX_ANSWER_CHARS or len(pred_n) > 50 * max(len(gold_n), 20):
        return False  # absurdly long answers are never graded symbolically
    gold_value, pred_value = _rational(gold_n), _rational(pred_n)
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


def _default_slow(pred: str, gold: str) -> bool:
    from math_verify import verify

    pred_n, gold_n = _normalize_default(pred), _normalize_default(gold)
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


# --------------------------------------------------------------------------------------------
# deepscaler grader (training reward, reference §2.3-2.4)
# --------------------------------------------------------------------------------------------

_TEXT_WHOLE_RE = re.compile(r"^\\text\{(?P<text>.+?)\}$")


def _ds_fix_fracs(text: str) -> str:
    parts = text.split("\\frac")
    out = parts[0]
    for part in parts[1:]:
        out += "\\frac"
        if part and part[0] == "{":
            out += part
        elif len(part) >= 2:
            a, b = part[0], part[1]
            if b != "{":
                out += "{" + a + "}{" + b + "}" + part[2:]
            else:
                out += "{" + a + "}" + part[1:]
        else:
            return text
    return out


def _ds_fix_a_slash_b(text: str) -> str:
    match = re.fullmatch(r"(-?\d+)/(-?\d+)", text)
    if match:
        return "\\frac{" + match.group(1) + "}{" + match.group(2) + "}"
    return text


def _ds_fix_sqrt(text: str) -> str:
    return re.sub(r"\\sqrt([^{\\])", r"\\sqrt{\1}", text)


def _ds_strip_string(text: str) -> str:
    """Hendrycks MATH normaliser as used by the deepscaler ``mathd`` check."""
    text = text.replace("\n", "").replace("\\!", "").replace("\\\\", "\\")
    text = text.replace("tfrac", "frac").replace("dfrac", "frac")
    text = text.replace("\\left", "").replace("\\right", "")
    text = text.replace("^{\\circ}", "").replace("^\\circ", "")
    text = text.replace("\\$", "")
    if "\\text{ " in text:
        pieces = text.split("\\text{ ")
        if len(pieces) != 2:
            raise ValueError("several units")  # the original asserts here
        text = pieces[0]
    text = text.replace("\\%", "")
    text = text.replace(" .", " 0.").replace("{.", "{0.")
    if not text:
        return text
    if text[0] == ".":
        text = "0" + text
    pieces = text.split("=")
    if len(pieces) == 2 and len(pieces[0]) <= 2:
        text = pieces[1]
    text = _ds_fix_sqrt(text)
    text = text.replace(" ", "")
    text = _ds_fix_fracs(text)
    if text == "0.5":
        text = "\\frac{1}{2}"
    return _ds_fix_a_slash_b(text)


def _ds_mathd_normalize(answer: str) -> str:
    try:
        answer = answer.strip()
        match = _TEXT_WHOLE_RE.search(answer)
        if match:
            answer = match.group("text").strip()
        return _ds_strip_string(answer)
    except Exception:
        return answer


_DS_UNITS = (
    "degree",
    "cm",
    "centimeter",
    "meter",
    "mile",
    "second",
    "minute",
    "hour",
    "day",
    "week",
    "month",
    "year",
    "foot",
    "feet",
    "inch",
    "yard",
    "liter",
)
_DS_UNIT_RES = [re.compile(unit + r"(es)?(s)? *(\^[0-9]+)?") for unit in _DS_UNITS]
_GREEK = (
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "theta",
    "lambda",
    "mu",
    "sigma",
    "phi",
    "omega",
    "tau",
)


def _ds_latex_to_text(text: str) -> str:
    """Small stand-in for ``pylatexenc``'s LaTeX-to-text conversion used by deepscaler."""

    def wrap(arg: str) -> str:
        return arg if re.fullmatch(r"[\w.]*", arg) else f"({arg})"

    for _ in range(30):
        new = re.sub(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}", lambda m: f"{wrap(m[1])}/{wrap(m[2])}", text)
        new = re.sub(r"\\sqrt\s*\{([^{}]*)\}", r"sqrt(\1)", new)
        if new == text:
            break
        text = new
    text = re.sub(r"\\(?:cdot|times)(?![a-zA-Z])", "*", text)
    text = re.sub(r"\\pi(?![a-zA-Z])", "pi", text)
    text = re.sub(r"\\infty(?![a-zA-Z])", "inf", text)
    text = re.sub(r"\\cup(?![a-zA-Z])", "U", text)
    text = re.sub(r"\\(?:left|right)(?![a-zA-Z])", "", text)
    text = re.sub(r"\\(" + "|".join(_GREEK) + r")(?![a-zA-Z])", r"\1", text)
    text = re.sub(r"\\[a-zA-Z]+", "", text)
    return text.replace("\\", "")


def _strip_properly_formatted_commas(text: str) -> str:
    pattern = re.compile(r"(\d)(,)(\d\d\d)($|\D)")
    for _ in range(20):
        new = pattern.sub(r"\1\3\4", text)
        if new == text:
            break
        text = new
    return text


def _ds_is_float(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _ds_str_is_int(text: str) -> bool:
    try:
        value = float(_strip_properly_formatted_commas(text))
        return math.isfinite(value) and abs(value - int(round(value))) <= 1e-7
    except (ValueError, OverflowError):
        return False


def _ds_normalize(expr: str) -> str:
    match = _TEXT_WHOLE_RE.search(expr)
    if match:
        expr = match.group("text")
    expr = expr.replace("\\%", "%").replace("\\$", "$").replace("$", "").replace("%", "")
    expr = expr.replace(" or ", " , ").replace(" and ", " , ")
    expr = expr.replace("million", "*10^6").replace("billion", "*10^9").replace("trillion", "*10^12")
    for unit_re in _DS_UNIT_RES:
        expr = unit_re.sub("", expr)
    expr = re.sub(r"\^ *\\circ", "", expr)
    if len(expr) > 0 and expr[0] == "{" and expr[-1] == "}":
        expr = expr[1:-1]
    expr = re.sub(r",\\! *", "", expr)
    if _ds_is_float(expr) and _ds_str_is_int(expr):
        expr = str(int(round(float(expr))))
    if "\\" in expr:
        expr = _ds_latex_to_text(expr)
    expr = re.sub(r"- *", "-", expr)
    expr = re.sub(r"([0-9]) +([0-9])", r"\1+\2", expr)  # mixed numbers "7 3/4" -> "7+3/4"
    expr = expr.replace(" ", "").replace("{", "").replace("}", "").lower()
    if _ds_str_is_int(expr) and re.fullmatch(r"-?[\d,]+(\.0*)?", expr):
        expr = str(int(round(float(_strip_properly_formatted_commas(expr)))))
    return expr


def _ds_split_tuple(expr: str) -> list[str]:
    expr = _strip_properly_formatted_commas(expr)
    if not expr:
        return []
    if len(expr) > 2 and expr[0] in "([" and expr[-1] in ")]" and all(char not in expr[1:-1] for char in "()[]"):
        return [elem.strip() for elem in expr[1:-1].split(",")]
    return [expr]


def _ds_is_frac(expr: str) -> bool:
    return bool(re.search(r"^-?[0-9]+.?/0*[1-9][0-9]*.?$", expr))


def _ds_should_allow_eval(expr: str) -> bool:
    stripped = expr.replace("sqrt", "").replace("frac", "")
    if len({char for char in stripped if char.isalpha()}) > 2:
        return False
    if "^{" in expr or "^(" in expr:
        return False
    if re.search(r"\^[0-9]+\^", expr) or re.search(r"\^[0-9][0-9]+", expr):
        return False
    return True


def _ds_sympy_diff_is_zero(gt: str, given: str) -> bool:
    import sympy
    from sympy.parsing import sympy_parser

    expr = f"({gt})-({given})"
    if not _ds_should_allow_eval(expr):
        return False
    transformations = sympy_parser.standard_transformations + (sympy_parser.implicit_multiplication_application,)
    diff = sympy_parser.parse_expr(expr.replace("^", "**"), transformations=transformations)
    return sympy.simplify(diff) == 0


def _ds_plain_number(text: str) -> Fraction | None:
    if re.fullmatch(r"-?\d+(\.\d+)?", text) and len(text) < 16:
        return Fraction(text)
    return None


def _deepscaler_equal(given: str, gt: str, allow_slow: bool) -> bool:
    # mathd
    if _ds_mathd_normalize(gt) == _ds_mathd_normalize(given):
        return True
    # sympy
    gt_n, given_n = _ds_normalize(gt), _ds_normalize(given)
    if gt_n == given_n:
        return True
    if not given_n:
        return False
    gt_elems, given_elems = _ds_split_tuple(gt_n), _ds_split_tuple(given_n)
    if len(gt_elems) > 1 and (gt_n[0] != given_n[0] or gt_n[-1] != given_n[-1]):
        return False
    if len(gt_elems) != len(given_elems):
        return False
    for gt_elem, given_elem in zip(gt_elems, given_elems, strict=False):
        if _ds_is_frac(gt_elem) and _ds_is_frac(given_elem):
            ok = gt_elem == given_elem
        elif _ds_str_is_int(gt_elem) != _ds_str_is_int(given_elem):
            ok = False
        elif gt_elem == given_elem:
            ok = True
        else:
            gt_num, given_num = _ds_plain_number(gt_elem), _ds_plain_number(given_elem)
            if gt_num is not None and given_num is not None:
                ok = gt_num == given_num
            elif not _ds_should_allow_eval(f"({gt_elem})-({given_elem})"):
                ok = False
            elif not allow_slow:
                raise _NeedSlow
            else:
                try:
                    ok = _ds_sympy_diff_is_zero(gt_elem, given_elem)
                except Exception:
                    ok = False
        if not ok:
            return False
    return True


# --------------------------------------------------------------------------------------------
# qwen_eval grader (authors' evaluation, reference §4.4-4.5)
# --------------------------------------------------------------------------------------------

_QWEN_UNITS = (
    "east",
    "degree",
    "mph",
    "kmph",
    "ft",
    "m sqaure",
    "m east",
    "sq m",
    "deg",
    "mile",
    "monkey",
    "profit of rs",
    "gm",
    "lb",
    "tile",
    "dm",
    "lt",
    "gain",
    "west",
    "no change",
    "men",
    "soldier",
    "excess",
    "inches",
    "noon",
    "percent",
    "gal",
    "kmh",
    "acre",
    "sq",
    "mark",
    "toy",
    "coin",
    "sq . m",
    "gallon",
    "yr",
    "women",
    "feet",
    "hr",
    "cu cm",
    "square",
    "rupee",
    "rounds",
    "cubic",
    "cc",
    "mtr",
    "ohm",
    "day",
    "hour",
    "minute",
    "min",
    "second",
    "man",
    "woman",
    "sec",
    "cube",
    "mt",
    "sq inch",
    "hectare",
    "unit",
    "cu . m",
    "cm 2",
    "rs .",
    "rs",
    "kg",
    "month",
    "km",
    "m",
    "cm",
    "mm",
    "apple",
    "liter",
    "loss",
    "yard",
    "year",
    "increase",
    "decrease",
    "litre",
    "pi sq m",
    "metre",
    "meter",
    "inch",
)
_QWEN_UNIT_ALT = "|".join(re.escape(u) for u in sorted(set(_QWEN_UNITS), key=len, reverse=True))
_QWEN_UNIT_RE = re.compile(r"(^|\W)(?:" + _QWEN_UNIT_ALT + r")($|\W)")
_QWEN_WORDS = {
    "zero": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
}


def _qwen_strip_string(text: str, skip_unit: bool = False) -> str:
    """The authors' ``strip_string`` (approximation, see module docstring)."""
    text = str(text).strip().replace("\n", "").rstrip(".").replace("\\!", "")
    text = re.sub(r"\\begin\{array\}\{.*?\}", r"\\begin{pmatrix}", text)
    text = re.sub(r"\\end\{array\}", r"\\end{pmatrix}", text)
    text = text.replace("bmatrix", "pmatrix")
    text = text.replace("tfrac", "frac").replace("dfrac", "frac")
    text = text.replace("\\neq", "\\ne").replace("\\leq", "\\le").replace("\\geq", "\\ge")
    text = text.replace("\\left", "").replace("\\right", "").replace("\\{", "{").replace("\\}", "}")
    stripped = re.sub(r"\\text\{.*?\}$", "", text).strip()
    if stripped and stripped != text:
        text = stripped
    if not skip_unit:
        for _ in range(2):
            text = _QWEN_UNIT_RE.sub(r"\1\2", text)
    text = text.replace("^{\\circ}", "").replace("^\\circ", "")
    text = text.replace("\\$", "").replace("$", "").replace("\\(", "").replace("\\)", "")
    if text.strip().lower() in _QWEN_WORDS:
        text = _QWEN_WORDS[text.strip().lower()]
    text = re.sub(r"\\text\{(.*?)\}", r"\1", text)
    for key in ("x=", "y=", "z=", "x\\in", "y\\in", "z\\in", "x\\to", "y\\to", "z\\to"):
        text = text.replace(key, "")
    text = text.replace("\\emptyset", "{}").replace("(-\\infty,\\infty)", "\\mathbb{R}")
    text = text.replace("\\%", "").replace("%", "")
    text = text.replace(" .", " 0.").replace("{.", "{0.")
    if text.startswith("{") and text.endswith("}") and text.isalnum() is False and text[1:-1].isalnum():
        text = text[1:-1]
    if text.startswith("(") and text.endswith(")") and text[1:-1].isalnum():
        text = text[1:-1]
    if text.startswith("[") and text.endswith("]") and text[1:-1].isalnum():
        text = text[1:-1]
    for key in ("infinity", "inf"):
        if key in text and "\\infty" not in text:
            text = text.replace(key, "\\infty")
    text = text.replace("+\\inity", "\\infty")
    text = text.replace("and", "").replace("\\mathbf", "")
    text = re.sub(r"\\mbox\{.*?\}", "", text)
    text = text.replace("'", "").replace('"', "")
    if "j" in text and "i" not in text:
        text = text.replace("j", "i")
    # (?<!\d): a match starts where a run of digits starts; without it every digit of a long run retries the
    # run, which is quadratic in its length (same matches, since a match can only begin at a run's start).
    text = re.sub(r"(?<!\d)(\d+)\.0*([^\d])", r"\1\2", text)
    text = re.sub(r"(?<!\d)(\d+)\.0*$", r"\1", text)
    if not text:
        return text
    if text[0] == ".":
        text = "0" + text
    pieces = text.split("=")
    if len(pieces) == 2 and len(pieces[0]) <= 2:
        text = pieces[1]
    text = _ds_fix_sqrt(text)
    text = text.replace(" ", "")
    text = _ds_fix_fracs(text)
    return _ds_fix_a_slash_b(text)


def _qwen_parse_digits(text: str) -> float | None:
    text = re.sub(",", "", str(text))
    try:
        return float(text)
    except ValueError:
        if text.endswith("%"):
            text = text[:-1].rstrip("\\")
            try:
                return float(text) / 100
            except ValueError:
                return None
    return None


def _qwen_choice_clean(pred: str) -> str:
    pred = pred.strip("\n").rstrip(".").rstrip("/").strip(" ").lstrip(":")
    found = re.findall(r"\b(A|B|C|D|E)\b", pred.upper())
    if found:
        pred = found[-1]
    return pred.strip().strip(".")


def _qwen_symbolic(a_text: str, b_text: str, allow_slow: bool) -> bool:
    a_val, b_val = _rational(a_text), _rational(b_text)
    if a_val is not None and b_val is not None:
        return a_val == b_val or math.isclose(float(a_val), float(b_val), rel_tol=1e-4)
    if not allow_slow:
        raise _NeedSlow
    import sympy

    def _parse(text: str):
        try:
            from latex2sympy2_extended import latex2sympy

            return latex2sympy(text)
        except Exception:
            pass
        try:
            from sympy.parsing.sympy_parser import parse_expr

            return parse_expr(text.replace("^", "**"))
        except Exception:
            return text

    a, b = _parse(a_text), _parse(b_text)
    try:
        if str(a) == str(b) or a == b:
            return True
    except Exception:
        pass
    try:
        if a.equals(b) or sympy.simplify(a - b) == 0:
            return True
    except Exception:
        pass
    try:
        if isinstance(a, sympy.Eq) and isinstance(b, sympy.Eq):
            if abs(a.lhs - a.rhs).equals(abs(b.lhs - b.rhs)):
                return True
    except Exception:
        pass
    try:
        if math.isclose(float(sympy.N(a)), float(sympy.N(b)), rel_tol=1e-4):
            return True
    except Exception:
        pass
    try:
        if a.shape == b.shape:
            if a.applyfunc(lambda x: round(x, 3)).equals(b.applyfunc(lambda x: round(x, 3))):
                return True
    except Exception:
        pass
    return False


def _qwen_str_to_pmatrix(text: str) -> str:
    text = text.strip()
    rows = re.findall(r"\{.*,.*\}", text)
    out = []
    for row in rows:
        row = row.strip("{}").replace(",", "\\")
        out.append("\\begin{pmatrix}" + row + "\\end{pmatrix}")
    return ", ".join(out) if out else text


def _qwen_math_equal(pred: str, ref: str, allow_slow: bool, depth: int = 0) -> bool:
    if depth > 8:
        return False
    pred, ref = str(pred).strip(), str(ref).strip()
    if pred.lower() == ref.lower():
        return True
    if ref in ("A", "B", "C", "D", "E") and _qwen_choice_clean(pred) == ref:
        return True
    pred_num, ref_num = _qwen_parse_digits(pred), _qwen_parse_digits(ref)
    if pred_num is not None and ref_num is not None:
        for item in (ref_num / 100, ref_num, ref_num * 100):
            try:
                if math.isclose(item, pred_num, rel_tol=1e-4):
                    return True
            except Exception:
                continue
        return False
    if not pred:
        return False
    if "pmatrix" in pred and "pmatrix" not in ref:
        ref = _qwen_str_to_pmatrix(ref)
    pred_str, ref_str = pred, ref
    if (pred.startswith("[") and pred.endswith("]") and not ref.startswith("(")) or (
        pred.startswith("(") and pred.endswith(")") and not ref.startswith("[")
    ):
        pred_str, ref_str = pred.strip("[]()"), ref.strip("[]()")
    for char in "{}()":
        pred_str, ref_str = pred_str.replace(char, ""), ref_str.replace(char, "")
    if pred_str.lower() == ref_str.lower():
        return True
    bracket = re.compile(r"(\(|\[).+(\)|\])")
    if bracket.fullmatch(pred) and bracket.fullmatch(ref):
        pred_parts, ref_parts = pred[1:-1].split(","), ref[1:-1].split(",")
        if len(pred_parts) == len(ref_parts) and all(
            _qwen_math_equal(p, r, allow_slow, depth + 1) for p, r in zip(pred_parts, ref_parts, strict=False)
        ):
            return True
    if pred.startswith("\\begin{pmatrix}") and ref.startswith("\\begin{pmatrix}"):
        if pred.endswith("\\end{pmatrix}") and ref.endswith("\\end{pmatrix}"):
            pred_rows = pred[len("\\begin{pmatrix}") : -len("\\end{pmatrix}")].split("\\\\")
            ref_rows = ref[len("\\begin{pmatrix}") : -len("\\end{pmatrix}")].split("\\\\")
            if len(pred_rows) == len(ref_rows):
                pred_cells = [row.split("&") for row in pred_rows]
                ref_cells = [row.split("&") for row in ref_rows]
                if all(len(p) == len(r) for p, r in zip(pred_cells, ref_cells, strict=False)) and all(
                    _qwen_math_equal(pc, rc, allow_slow, depth + 1)
                    for p, r in zip(pred_cells, ref_cells, strict=False)
                    for pc, rc in zip(p, r, strict=False)
                ):
                    return True
    if pred.count("=") == 1 and ref.count("=") == 1:
        pred_eq = "{} - ({})".format(*(part.strip() for part in pred.split("=")))
        ref_eq = "{} - ({})".format(*(part.strip() for part in ref.split("=")))
        if _qwen_symbolic(pred_eq, ref_eq, allow_slow) or _qwen_symbolic(f"-({pred_eq})", ref_eq, allow_slow):
            return True
    elif pred.count("=") == 1 and len(pred.split("=")[0].strip()) <= 2 and "=" not in ref:
        if _qwen_math_equal(pred.split("=")[1], ref, allow_slow, depth + 1):
            return True
    elif ref.count("=") == 1 and len(ref.split("=")[0].strip()) <= 2 and "=" not in pred:
        if _qwen_math_equal(pred, ref.split("=")[1], allow_slow, depth + 1):
            return True
    return _qwen_symbolic(pred, ref, allow_slow)


# --------------------------------------------------------------------------------------------
# dispatch
# --------------------------------------------------------------------------------------------


def _check_mode(mode: str) -> str:
    if mode not in GRADER_MODES:
        raise ValueError(f"unknown grader mode {mode!r}; expected one of {GRADER_MODES}")
    return mode


def _prepare(pred: str, gold: str, mode: str) -> tuple[str, str]:
    gold = _gold_str(gold)
    if mode == "qwen_eval":
        return _qwen_strip_string(pred), _qwen_strip_string(gold)
    return pred, gold


def _equal(pred: str, gold: str, mode: str, allow_slow: bool) -> bool | None:
    """True/False, or None when ``allow_slow`` is False and a slow comparison is needed."""
    try:
        if len(pred) > MAX_ANSWER_CHARS * 10 and pred != gold:
            return False
        pred, gold = _prepare(pred, gold, mode)
        if mode == "qwen_eval":
            return _qwen_math_equal(pred, gold, allow_slow)
        if mode == "deepscaler":
            return _deepscaler_equal(pred, gold, allow_slow)
        fast = _default_fast(pred, gold)
        if fast is not None:
            return fast
        if not allow_slow:
            return None
        return _default_slow(pred, gold)
    except _NeedSlow:
        return None
    except Exception:
        return False


def _too_long(pred: str, gold: str) -> bool | None:
    """The in-process verdict of a long pair: an answer far past any gold is wrong unless identical (as in
    `_equal`); everything else needs a worker."""
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
        return bool(_equal(pred, gold, mode, allow_slow=True))
    except Exception:
        return False


# --------------------------------------------------------------------------------------------
# killable worker pool
# --------------------------------------------------------------------------------------------

_WORKER_CODE = (
    "import sys; from oneshot_rlvr.grading import _worker_main; _worker_main(int(sys.argv[1]), int(sys.argv[2]))"
)


def _worker_main(read_fd: int, write_fd: int) -> None:  # pragma: no cover - runs in child processes
    """Entry point of a grading worker: reads ``(pred, gold, mode)`` tuples, answers booleans."""
    from multiprocessing.connection import Connection

    parent = os.getppid()

    def _watchdog() -> None:  # exit when the parent dies without closing the pipe
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=_watchdog, daemon=True).start()
    reader, writer = Connection(read_fd, writable=False), Connection(write_fd, readable=False)
    try:
        import logging

        import latex2sympy2_extended  # noqa: F401
        import math_verify  # noqa: F401
        import sympy  # noqa: F401

        logging.getLogger("math_verify").setLevel(logging.ERROR)
        writer.send(("ready", os.getpid()))
        while True:
            message = reader.recv()
            if message is None:
                return
            pred, gold, mode = message
            try:
                result = bool(_equal(pred, gold, mode, allow_slow=True))
            except BaseException:
                result = False
            writer.send(result)
    except (KeyboardInterrupt, EOFError, OSError):
        return


class _Worker:
    """One grading subprocess (a fresh interpreter: independent of the caller's ``__main__``,
    its threads and torch/CUDA state), talking over two private pipes."""

    def __init__(self) -> None:
        import subprocess
        from multiprocessing.connection import Connection

        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        env = dict(os.environ)
        src_dir = str(Path(__file__).resolve().parents[1])
        env["PYTHONPATH"] = src_dir + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        env.setdefault("OMP_NUM_THREADS", "1")
        quiet = not os.environ.get("ONESHOT_RLVR_GRADER_DEBUG")
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _WORKER_CODE, str(to_child_r), str(from_child_w)],
                pass_fds=(to_child_r, from_child_w),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL if quiet else None,
                stderr=subprocess.DEVNULL if quiet else None,
                env=env,
                close_fds=True,
            )
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        self.writer = Connection(to_child_w, readable=False)
        self.reader = Connection(from_child_r, writable=False)
        self.ready = False
        self.started = time.monotonic()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def take_ready(self) -> bool:
        """Consume the worker's ready message (call when ``reader`` is readable)."""
        try:
            message = self.reader.recv()
            self.ready = isinstance(message, tuple) and message[0] == "ready"
        except (EOFError, OSError):
            self.ready = False
        return self.ready

    def kill(self) -> None:
        for conn in (self.writer, self.reader):
            try:
                conn.close()
            except Exception:
                pass
        try:
            self.proc.kill()
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except Exception:
            pass

    def stop(self) -> None:
        try:
            self.writer.send(None)
            self.proc.wait(timeout=2)
        except Exception:
            pass
        self.kill()


class _Pool:
    def __init__(self) -> None:
        self.pid = os.getpid()
        self.workers: list[_Worker] = []

    def pids(self) -> list[int]:
        return [w.pid for w in self.workers if w.alive()]

    def _start(self) -> _Worker | None:
        try:
            worker = _Worker()
        except Exception:
            return None
        self.workers.append(worker)
        return worker

    def _drop(self, worker: _Worker) -> None:
        worker.kill()
        if worker in self.workers:
            self.workers.remove(worker)

    def run(self, tasks: list[tuple[str, str, str]], workers: int, timeout_s: float, on_done=None):
        """``(correct, timed_out)`` for each task, in order.  The timeout counts from when the task
        reaches a ready worker; killed workers are replaced in the background."""
        results: list[tuple[bool, bool] | None] = [None] * len(tasks)
        wanted = max(1, min(workers, len(tasks)))
        for worker in list(self.workers):
            if not worker.alive():
                self._drop(worker)
        idle = [w for w in self.workers if w.ready]
        starting = {w.reader: w for w in self.workers if not w.ready}
        while len(idle) + len(starting) < wanted:
            worker = self._start()
            if worker is None:
                break
            starting[worker.reader] = worker
        pending = list(range(len(tasks) - 1, -1, -1))
        busy: dict[Any, tuple[_Worker, int, float]] = {}
        start_failures = 0

        def finish(index: int, outcome: tuple[bool, bool]) -> None:
            results[index] = outcome
            if on_done is not None:
                on_done()

        def replace(worker: _Worker) -> None:
            nonlocal start_failures
            self._drop(worker)
            if pending and len(idle) + len(starting) + len(busy) < wanted:
                fresh = self._start()
                if fresh is None:
                    start_failures += 1
                else:
                    starting[fresh.reader] = fresh

        while pending or busy:
            while pending and idle:
                worker = idle.pop()
                index = pending.pop()
                try:
                    worker.writer.send(tasks[index])
                except Exception:
                    pending.append(index)
                    replace(worker)
                    continue
                busy[worker.reader] = (worker, index, time.monotonic() + timeout_s)
            if not busy and not starting:
                break  # no worker could be started: give up on the rest
            now = time.monotonic()
            deadlines = [deadline for _, _, deadline in busy.values()]
            deadlines += [w.started + _WORKER_START_TIMEOUT_S for w in starting.values()]
            wait_for = max(0.0, min(deadlines) - now)
            for conn in multiprocessing.connection.wait(list(busy) + list(starting), timeout=wait_for):
                if conn in starting:
                    worker = starting.pop(conn)
                    if worker.take_ready():
                        idle.append(worker)
                    else:
                        start_failures += 1
                        replace(worker)
                    continue
                worker, index, _ = busy.pop(conn)
                try:
                    finish(index, (bool(conn.recv()), False))
                    idle.append(worker)
                except Exception:  # the worker died (e.g. out of memory): wrong, not a timeout
                    finish(index, (False, False))
                    replace(worker)
            now = time.monotonic()
            for conn in [c for c, (_, _, deadline) in busy.items() if deadline <= now]:
                worker, index, _ = busy.pop(conn)
                finish(index, (False, True))
                replace(worker)
            for conn in [c for c, w in starting.items() if w.started + _WORKER_START_TIMEOUT_S <= now]:
                start_failures += 1
                replace(starting.pop(conn))
            if start_failures > 3 * wanted + 3:
                break
        return [r if r is not None else (False, True) for r in results]

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.workers = []


_POOL: _Pool | None = None
_POOL_LOCK = threading.RLock()


def _get_pool() -> _Pool:
    global _POOL
    if _POOL is None or _POOL.pid != os.getpid():
        _POOL = _Pool()  # a forked child never touches its parent's workers
    return _POOL


def shutdown_pool() -> None:
    """Stop the grading worker processes (they are restarted lazily on the next slow comparison)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is not None and _POOL.pid == os.getpid():
            _POOL.close()
        _POOL = None


def worker_pids() -> list[int]:
    """Process ids of the live grading workers (for diagnostics and tests)."""
    with _POOL_LOCK:
        if _POOL is None or _POOL.pid != os.getpid():
            return []
        return _POOL.pids()


atexit.register(shutdown_pool)

_RESULT_CACHE: OrderedDict[tuple[str, str, str], bool] = OrderedDict()


def _cache_get(key: tuple[str, str, str]) -> bool | None:
    with _POOL_LOCK:
        value = _RESULT_CACHE.get(key)
        if value is not None:
            _RESULT_CACHE.move_to_end(key)
        return value


def _cache_put(key: tuple[str, str, str], value: bool) -> None:
    with _POOL_LOCK:
        _RESULT_CACHE[key] = value
        if len(_RESULT_CACHE) > _CACHE_SIZE:
            _RESULT_CACHE.popitem(last=False)


# --------------------------------------------------------------------------------------------
# public grading API
# --------------------------------------------------------------------------------------------


def _effective_timeout(mode: str, timeout_s: float) -> float:
    try:
        timeout = float(timeout_s)
    except (TypeError, ValueError):
        timeout = 5.0
    if not math.isfinite(timeout) or timeout <= 0:
        timeout = 5.0
    if mode == "qwen_eval":
        timeout = min(timeout, QWEN_EVAL_TIMEOUT_S)
    return timeout


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
    _check_mode(mode)
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
            gold_text = _gold_str(gold)
            key = (extracted, gold_text, mode)
            cached = _cache_get(key)
            if cached is not None:
                verdicts[index] = Verdict(cached, extracted)
                continue
            # Long answers or golds are never normalised here, only in a worker under the timeout.
            short = len(extracted) <= MAX_ANSWER_CHARS and len(gold_text) <= MAX_ANSWER_CHARS
            fast = _equal(extracted, gold_text, mode, allow_slow=False) if short else _too_long(extracted, gold_text)
            if fast is not None:
                verdicts[index] = Verdict(bool(fast), extracted)
                continue
            hard.setdefault(key, []).append((index, extracted))
        except Exception:
            verdicts[index] = Verdict(False, None)
    if hard:
        keys = list(hard)
        bar = None
        on_done = None
        if progress:
            try:
                from tqdm import tqdm

                bar = tqdm(total=len(keys), desc=f"grading[{mode}]", unit="pair")
                on_done = bar.update
            except Exception:
                bar = None
        try:
            with _POOL_LOCK:
                outcomes = _get_pool().run(keys, max(1, int(workers)), timeout, on_done)
        except Exception:
            outcomes = [(False, True)] * len(keys)
        finally:
            if bar is not None:
                bar.close()
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


def grade_jsonl(
    input_path: str | os.PathLike,
    output_path: str | os.PathLike,
    mode: str = "default",
    workers: int = 2,
    timeout_s: float = 5.0,
) -> dict:
    """Grade a JSONL file of ``{"response": ..., "answer": ...}`` rows.

    Writes the same rows plus ``correct`` and ``extracted`` to ``output_path`` atomically and
    returns ``{"n", "correct", "timeouts"}``.  Blank lines are skipped.  A malformed line, a row
    that is not an object or lacks ``response``/``answer`` raises ValueError naming the file and
    the 1-based line number (and nothing is written).
    """
    _check_mode(mode)
    input_path, output_path = Path(input_path), Path(output_path)
    rows: list[dict] = []

    def no_constant(name: str) -> Any:  # json accepts NaN/Infinity, which would be written back as invalid JSON
        raise ValueError(f"{name} is not valid JSON")

    with open(input_path, encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line, parse_constant=no_constant)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{input_path}:{lineno}: malformed JSON ({exc.msg})") from None
            except (ValueError, RecursionError) as exc:
                raise ValueError(f"{input_path}:{lineno}: malformed JSON ({str(exc)[:120]})") from None
            if not isinstance(row, dict):
                raise ValueError(f"{input_path}:{lineno}: expected a JSON object, got {type(row).__name__}")
            for key in ("response", "answer"):
                if key not in row:
                    raise ValueError(f"{input_path}:{lineno}: missing key {key!r}")
            if not isinstance(row["response"], str):
                raise ValueError(f"{input_path}:{lineno}: 'response' must be a string")
            if isinstance(row["answer"], (dict, list)) or row["answer"] is None:
                raise ValueError(f"{input_path}:{lineno}: 'answer' must be a string or a number")
            rows.append(row)
    verdicts = grade_many(
        [row["response"] for row in rows],
        [row["answer"] for row in rows],
        mode=mode,
        workers=workers,
        timeout_s=timeout_s,
    )
    atomic_write_text(
        output_path,
        "".join(
            json.dumps({**row, "correct": verdict.correct, "extracted": verdict.extracted}, ensure_ascii=False) + "\n"
            for row, verdict in zip(rows, verdicts, strict=False)
        ),
    )
    return {
        "n": len(rows),
        "correct": sum(v.correct for v in verdicts),
        "timeouts": sum(v.timed_out for v in verdicts),
    }
