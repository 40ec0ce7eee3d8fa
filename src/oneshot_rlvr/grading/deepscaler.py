"""The paper's training reward (``deepscaler``), re-implemented from verl's ``reward_score/deepscaler.py``.

Read beside the original (reference §2.3-2.4): ``correct = grade_answer_mathd(ans, gt) or
grade_answer_sympy(ans, gt)``; mathd is the Hendrycks MATH normalisation plus a string match, sympy is its
own normalisation, an element-wise tuple split, fraction/integer guards and ``simplify(gt - ans) == 0``
under the ``should_allow_eval`` guards.  Known differences from the original:

- LaTeX is turned into text by :func:`_latex_to_text` (``\\frac``, ``\\sqrt``, ``\\cdot``/``\\times``,
  ``\\pi``, ``\\infty``, Greek letters, other macros dropped) instead of ``pylatexenc``, so exotic LaTeX may
  normalise differently;
- the original scores ``prompt + response`` (a response without a box extracts the prompt's empty box); here
  the response alone is used and no box gives None (the same score, 0);
- the original has no timeout; here the sympy step raises :class:`NeedSlow` in-process and runs in a
  worker under ``timeout_s``.

Kept on purpose: integers are compared through ``float`` like the original.  sympy is imported where it is
called (about a second to load), so only the workers pay for it.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

from oneshot_rlvr.grading.latex import fix_a_slash_b, fix_fracs, fix_sqrt
from oneshot_rlvr.grading.limits import NeedSlow

_TEXT_WHOLE_RE = re.compile(r"^\\text\{(?P<text>.+?)\}$")


def _strip_string(text: str) -> str:
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
    text = fix_sqrt(text)
    text = text.replace(" ", "")
    text = fix_fracs(text)
    if text == "0.5":
        text = "\\frac{1}{2}"
    return fix_a_slash_b(text)


def mathd_normalize_answer(answer: str) -> str:
    try:
        answer = answer.strip()
        match = _TEXT_WHOLE_RE.search(answer)
        if match:
            answer = match.group("text").strip()
        return _strip_string(answer)
    except Exception:
        return answer


_UNITS = (
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
_UNIT_RES = [re.compile(unit + r"(es)?(s)? *(\^[0-9]+)?") for unit in _UNITS]
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


def _latex_to_text(text: str) -> str:
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


def _is_float(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _str_is_int(text: str) -> bool:
    try:
        value = float(_strip_properly_formatted_commas(text))
        return math.isfinite(value) and abs(value - int(round(value))) <= 1e-7
    except (ValueError, OverflowError):
        return False


def _normalize(expr: str) -> str:
    match = _TEXT_WHOLE_RE.search(expr)
    if match:
        expr = match.group("text")
    expr = expr.replace("\\%", "%").replace("\\$", "$").replace("$", "").replace("%", "")
    expr = expr.replace(" or ", " , ").replace(" and ", " , ")
    expr = expr.replace("million", "*10^6").replace("billion", "*10^9").replace("trillion", "*10^12")
    for unit_re in _UNIT_RES:
        expr = unit_re.sub("", expr)
    expr = re.sub(r"\^ *\\circ", "", expr)
    if len(expr) > 0 and expr[0] == "{" and expr[-1] == "}":
        expr = expr[1:-1]
    expr = re.sub(r",\\! *", "", expr)
    if _is_float(expr) and _str_is_int(expr):
        expr = str(int(round(float(expr))))
    if "\\" in expr:
        expr = _latex_to_text(expr)
    expr = re.sub(r"- *", "-", expr)
    expr = re.sub(r"([0-9]) +([0-9])", r"\1+\2", expr)  # mixed numbers "7 3/4" -> "7+3/4"
    expr = expr.replace(" ", "").replace("{", "").replace("}", "").lower()
    if _str_is_int(expr) and re.fullmatch(r"-?[\d,]+(\.0*)?", expr):
        expr = str(int(round(float(_strip_properly_formatted_commas(expr)))))
    return expr


def split_tuple(expr: str) -> list[str]:
    expr = _strip_properly_formatted_commas(expr)
    if not expr:
        return []
    if len(expr) > 2 and expr[0] in "([" and expr[-1] in ")]" and all(char not in expr[1:-1] for char in "()[]"):
        return [elem.strip() for elem in expr[1:-1].split(",")]
    return [expr]


def _is_frac(expr: str) -> bool:
    return bool(re.search(r"^-?[0-9]+.?/0*[1-9][0-9]*.?$", expr))


def should_allow_eval(expr: str) -> bool:
    stripped = expr.replace("sqrt", "").replace("frac", "")
    if len({char for char in stripped if char.isalpha()}) > 2:
        return False
    if "^{" in expr or "^(" in expr:
        return False
    if re.search(r"\^[0-9]+\^", expr) or re.search(r"\^[0-9][0-9]+", expr):
        return False
    return True


def are_equal_under_sympy(gt: str, given: str) -> bool:
    import sympy
    from sympy.parsing import sympy_parser

    expr = f"({gt})-({given})"
    if not should_allow_eval(expr):
        return False
    transformations = sympy_parser.standard_transformations + (sympy_parser.implicit_multiplication_application,)
    diff = sympy_parser.parse_expr(expr.replace("^", "**"), transformations=transformations)
    return sympy.simplify(diff) == 0


def _plain_number(text: str) -> Fraction | None:
    if re.fullmatch(r"-?\d+(\.\d+)?", text) and len(text) < 16:
        return Fraction(text)
    return None


def _elements_equal(gt_elem: str, given_elem: str, allow_slow: bool) -> bool:
    """One element of grade_answer_sympy's tuple comparison."""
    if _is_frac(gt_elem) and _is_frac(given_elem):
        return gt_elem == given_elem
    if _str_is_int(gt_elem) != _str_is_int(given_elem):
        return False
    if gt_elem == given_elem:
        return True
    gt_num, given_num = _plain_number(gt_elem), _plain_number(given_elem)
    if gt_num is not None and given_num is not None:
        return gt_num == given_num
    if not should_allow_eval(f"({gt_elem})-({given_elem})"):
        return False
    if not allow_slow:
        raise NeedSlow
    try:
        return are_equal_under_sympy(gt_elem, given_elem)
    except Exception:
        return False


def grade_answer_mathd(given: str, gt: str) -> bool:
    return mathd_normalize_answer(gt) == mathd_normalize_answer(given)


def grade_answer_sympy(given: str, gt: str, allow_slow: bool) -> bool:
    gt_n, given_n = _normalize(gt), _normalize(given)
    if gt_n == given_n:
        return True
    if not given_n:
        return False
    gt_elems, given_elems = split_tuple(gt_n), split_tuple(given_n)
    if len(gt_elems) > 1 and (gt_n[0] != given_n[0] or gt_n[-1] != given_n[-1]):
        return False
    if len(gt_elems) != len(given_elems):
        return False
    return all(
        _elements_equal(gt_elem, given_elem, allow_slow)
        for gt_elem, given_elem in zip(gt_elems, given_elems, strict=False)
    )


def is_equal(given: str, gt: str, allow_slow: bool) -> bool:
    """The reward's verdict; raises :class:`NeedSlow` when only sympy can tell and ``allow_slow`` is False."""
    return grade_answer_mathd(given, gt) or grade_answer_sympy(given, gt, allow_slow)
