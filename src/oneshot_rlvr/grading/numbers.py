"""Exact numbers for the in-process fast paths: integers, decimals, fractions, scientific notation.

Values become :class:`fractions.Fraction`, so ``1000001 != 1000000`` while ``12.80 == 64/5``; only bounded
``10^k`` powers are evaluated, so no input can make this slow.
"""

from __future__ import annotations

import re
from fractions import Fraction

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


def rational(text: str) -> Fraction | None:
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
