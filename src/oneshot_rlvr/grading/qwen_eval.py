"""The authors' evaluation grader (``qwen_eval``), re-implemented from ``Qwen2.5-Eval/evaluation``.

Read beside the original (reference §4.4-4.5): :func:`extract_answer` and :func:`strip_string` follow
``parser.py``; :func:`math_equal`, :func:`symbolic_equal` and their helpers follow ``grader.py``.  The pebble
pool's 3-s timeout per pair is :data:`TIMEOUT_S`.  Known differences: no ``word2number`` conversion (only a
few number words), a shorter unit-word list, unit stripping is always applied (the original skips it for
minerva_math), sympy's ANTLR ``parse_latex`` is not used (``latex2sympy2_extended`` is), and the symbolic
steps raise :class:`NeedSlow` in-process so that they run in a killable worker.  sympy and latex2sympy2 are
imported where they are called (about a second to load), so only the workers pay for them.
"""

from __future__ import annotations

import math
import re

from oneshot_rlvr.grading.latex import fix_a_slash_b, fix_fracs, fix_sqrt
from oneshot_rlvr.grading.limits import NeedSlow
from oneshot_rlvr.grading.numbers import rational

#: evaluate.py's ``pebble`` pool gave each pair 3 s.
TIMEOUT_S = 3.0

# --------------------------------------------------------------------------------------------
# parser.py: extraction and strip_string
# --------------------------------------------------------------------------------------------

_BRACE_RE = re.compile(r"[{}]")
_NUMBER_RE = re.compile(r"-?\d*\.?\d+")


def _after_last_boxed(text: str) -> str:
    """Step 2: what follows the last "boxed", brace-matched (unclosed: the rest), or up to a "$" without a brace."""
    after = text[text.rfind("boxed") + len("boxed") :]
    if not after:
        return ""
    if after[0] != "{":
        return after.split("$", 1)[0].strip()
    depth = 0
    end = len(after)
    for brace in _BRACE_RE.finditer(after):
        depth += 1 if brace.group() == "{" else -1
        if depth == 0:
            end = brace.start()
            break
    return after[1:end]  # unclosed: the rest of the text, like the original


def extract_answer(text: str) -> str:
    """The authors' lenient extraction chain (reference §4.4), before ``strip_string``."""
    text = text.replace("\u043a\u0438", "")
    pred: str
    if "final answer is $" in text and "$. I hope" in text:
        pred = text.split("final answer is $", 1)[1].split("$. I hope", 1)[0].strip()
    elif "boxed" in text:
        pred = _after_last_boxed(text)
    elif "he answer is" in text:
        pred = text[text.rfind("he answer is") + len("he answer is") :].strip()
    elif "final answer is" in text:
        pred = text[text.rfind("final answer is") + len("final answer is") :].strip()
    elif "答案是" in text:
        pred = text[text.rfind("答案是") + 3 :].strip()
    else:
        numbers = _NUMBER_RE.findall(text.replace(",", ""))
        pred = numbers[-1] if numbers else ""
    pred = re.sub(r"\n\s*", "", pred)
    if pred.startswith(":"):
        pred = pred[1:]
    if pred.endswith("."):
        pred = pred[:-1]
    if pred.endswith("/"):
        pred = pred[:-1]
    return pred


_UNIT_TEXTS_JOINED = (
    "east|degree|mph|kmph|ft|m sqaure|m east|sq m|deg|mile|monkey|profit of rs|gm|lb|tile|dm|lt|gain|west|"
    "no change|men|soldier|excess|inches|noon|percent|gal|kmh|acre|sq|mark|toy|coin|sq . m|gallon|yr|women|"
    "feet|hr|cu cm|square|rupee|rounds|cubic|cc|mtr|ohm|day|hour|minute|min|second|man|woman|sec|cube|mt|"
    "sq inch|hectare|unit|cu . m|cm 2|rs .|rs|kg|month|km|m|cm|mm|apple|liter|loss|yard|year|increase|"
    "decrease|litre|pi sq m|metre|meter|inch"
)
#: The unit words strip_string removes (parser.py's ``unit_texts``, shortened; longer units are tried first).
UNIT_TEXTS = tuple(_UNIT_TEXTS_JOINED.split("|"))
_UNIT_ALTERNATIVES = "|".join(re.escape(u) for u in sorted(set(UNIT_TEXTS), key=len, reverse=True))
_UNIT_RE = re.compile(r"(^|\W)(?:" + _UNIT_ALTERNATIVES + r")($|\W)")
_NUMBER_WORDS = {
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


def strip_string(text: str, skip_unit: bool = False) -> str:
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
            text = _UNIT_RE.sub(r"\1\2", text)
    text = text.replace("^{\\circ}", "").replace("^\\circ", "")
    text = text.replace("\\$", "").replace("$", "").replace("\\(", "").replace("\\)", "")
    if text.strip().lower() in _NUMBER_WORDS:
        text = _NUMBER_WORDS[text.strip().lower()]
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
    text = fix_sqrt(text)
    text = text.replace(" ", "")
    text = fix_fracs(text)
    return fix_a_slash_b(text)


# --------------------------------------------------------------------------------------------
# grader.py: math_equal and symbolic_equal
# --------------------------------------------------------------------------------------------


def parse_digits(text: str) -> float | None:
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


def choice_answer_clean(pred: str) -> str:
    pred = pred.strip("\n").rstrip(".").rstrip("/").strip(" ").lstrip(":")
    found = re.findall(r"\b(A|B|C|D|E)\b", pred.upper())
    if found:
        pred = found[-1]
    return pred.strip().strip(".")


def _parse_symbolic(text: str):
    """latex2sympy, else sympy's ``parse_expr``, else the text itself (as grader.py's ``_parse``)."""
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


def _same_text_or_value(a, b, sympy) -> bool:
    return str(a) == str(b) or a == b


def _difference_is_zero(a, b, sympy) -> bool:
    return a.equals(b) or sympy.simplify(a - b) == 0


def _same_equation(a, b, sympy) -> bool:
    return isinstance(a, sympy.Eq) and isinstance(b, sympy.Eq) and abs(a.lhs - a.rhs).equals(abs(b.lhs - b.rhs))


def _numerically_close(a, b, sympy) -> bool:
    return math.isclose(float(sympy.N(a)), float(sympy.N(b)), rel_tol=1e-4)


def _matrices_close(a, b, sympy) -> bool:
    return a.shape == b.shape and a.applyfunc(lambda x: round(x, 3)).equals(b.applyfunc(lambda x: round(x, 3)))


#: symbolic_equal's checks in grader.py's order; the first that holds decides, an error counts as "no".
_SYMBOLIC_CHECKS = (_same_text_or_value, _difference_is_zero, _same_equation, _numerically_close, _matrices_close)


def symbolic_equal(a_text: str, b_text: str, allow_slow: bool) -> bool:
    a_val, b_val = rational(a_text), rational(b_text)
    if a_val is not None and b_val is not None:
        return a_val == b_val or math.isclose(float(a_val), float(b_val), rel_tol=1e-4)
    if not allow_slow:
        raise NeedSlow
    import sympy

    a, b = _parse_symbolic(a_text), _parse_symbolic(b_text)
    for check in _SYMBOLIC_CHECKS:
        try:
            if check(a, b, sympy):
                return True
        except Exception:
            continue
    return False


def str_to_pmatrix(text: str) -> str:
    text = text.strip()
    rows = re.findall(r"\{.*,.*\}", text)
    out = []
    for row in rows:
        row = row.strip("{}").replace(",", "\\")
        out.append("\\begin{pmatrix}" + row + "\\end{pmatrix}")
    return ", ".join(out) if out else text


def _numeric_equal(pred: str, ref: str) -> bool | None:
    """Step 3: when both are numbers, pred against ref/100, ref, ref*100 (rel_tol 1e-4); None otherwise."""
    pred_num, ref_num = parse_digits(pred), parse_digits(ref)
    if pred_num is None or ref_num is None:
        return None
    for item in (ref_num / 100, ref_num, ref_num * 100):
        try:
            if math.isclose(item, pred_num, rel_tol=1e-4):
                return True
        except Exception:
            continue
    return False


def _brackets_stripped_equal(pred: str, ref: str) -> bool:
    """Step 4: equal once the outer brackets (of a different kind) and all braces/parentheses are dropped."""
    pred_str, ref_str = pred, ref
    if (pred.startswith("[") and pred.endswith("]") and not ref.startswith("(")) or (
        pred.startswith("(") and pred.endswith(")") and not ref.startswith("[")
    ):
        pred_str, ref_str = pred.strip("[]()"), ref.strip("[]()")
    for char in "{}()":
        pred_str, ref_str = pred_str.replace(char, ""), ref_str.replace(char, "")
    return pred_str.lower() == ref_str.lower()


_BRACKETED_RE = re.compile(r"(\(|\[).+(\)|\])")


def _tuples_equal(pred: str, ref: str, allow_slow: bool, depth: int) -> bool:
    """Step 5: tuples and intervals element-wise, ignoring the bracket kinds."""
    if not (_BRACKETED_RE.fullmatch(pred) and _BRACKETED_RE.fullmatch(ref)):
        return False
    pred_parts, ref_parts = pred[1:-1].split(","), ref[1:-1].split(",")
    return len(pred_parts) == len(ref_parts) and all(
        math_equal(p, r, allow_slow, depth + 1) for p, r in zip(pred_parts, ref_parts, strict=False)
    )


def _pmatrices_equal(pred: str, ref: str, allow_slow: bool, depth: int) -> bool:
    """Step 6: pmatrix cell by cell."""
    begin, end = "\\begin{pmatrix}", "\\end{pmatrix}"
    if not (pred.startswith(begin) and ref.startswith(begin) and pred.endswith(end) and ref.endswith(end)):
        return False
    pred_rows = pred[len(begin) : -len(end)].split("\\\\")
    ref_rows = ref[len(begin) : -len(end)].split("\\\\")
    if len(pred_rows) != len(ref_rows):
        return False
    pred_cells = [row.split("&") for row in pred_rows]
    ref_cells = [row.split("&") for row in ref_rows]
    return all(len(p) == len(r) for p, r in zip(pred_cells, ref_cells, strict=False)) and all(
        math_equal(pc, rc, allow_slow, depth + 1)
        for p, r in zip(pred_cells, ref_cells, strict=False)
        for pc, rc in zip(p, r, strict=False)
    )


def _equations_equal(pred: str, ref: str, allow_slow: bool, depth: int) -> bool:
    """Step 7: two equations as ``lhs - (rhs)`` up to sign, or a short ``x=`` dropped from one side."""
    if pred.count("=") == 1 and ref.count("=") == 1:
        pred_eq = "{} - ({})".format(*(part.strip() for part in pred.split("=")))
        ref_eq = "{} - ({})".format(*(part.strip() for part in ref.split("=")))
        return symbolic_equal(pred_eq, ref_eq, allow_slow) or symbolic_equal(f"-({pred_eq})", ref_eq, allow_slow)
    if pred.count("=") == 1 and len(pred.split("=")[0].strip()) <= 2 and "=" not in ref:
        return math_equal(pred.split("=")[1], ref, allow_slow, depth + 1)
    if ref.count("=") == 1 and len(ref.split("=")[0].strip()) <= 2 and "=" not in pred:
        return math_equal(pred, ref.split("=")[1], allow_slow, depth + 1)
    return False


def math_equal(pred: str, ref: str, allow_slow: bool, depth: int = 0) -> bool:
    """grader.py's ``math_equal``: the first of its steps (numbered as in reference §4.5) that holds decides."""
    if depth > 8:
        return False
    pred, ref = str(pred).strip(), str(ref).strip()
    if pred.lower() == ref.lower():
        return True
    if ref in ("A", "B", "C", "D", "E") and choice_answer_clean(pred) == ref:
        return True
    numeric = _numeric_equal(pred, ref)
    if numeric is not None:
        return numeric
    if not pred:
        return False
    if "pmatrix" in pred and "pmatrix" not in ref:
        ref = str_to_pmatrix(ref)
    return (
        _brackets_stripped_equal(pred, ref)
        or _tuples_equal(pred, ref, allow_slow, depth)
        or _pmatrices_equal(pred, ref, allow_slow, depth)
        or _equations_equal(pred, ref, allow_slow, depth)
        or symbolic_equal(pred, ref, allow_slow)
    )


def is_equal(pred: str, gold: str, allow_slow: bool) -> bool:
    """``math_equal`` of both sides after ``strip_string``, as ``math_eval.py`` applies it to prediction and
    ground truth; raises :class:`NeedSlow` when only sympy can tell and ``allow_slow`` is False."""
    return math_equal(strip_string(pred), strip_string(gold), allow_slow)
