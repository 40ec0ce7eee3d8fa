"""The Hendrycks MATH LaTeX fixes that both reference graders copy: ``\\frac12``, ``a/b`` and ``\\sqrt3``.

deepscaler's ``_strip_string`` and Qwen2.5-Eval's ``strip_string`` call the same three helpers
(``_fix_fracs``, ``_fix_a_slash_b``, ``_fix_sqrt``); one copy here keeps them identical.
"""

from __future__ import annotations

import re


def fix_fracs(text: str) -> str:
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


def fix_a_slash_b(text: str) -> str:
    match = re.fullmatch(r"(-?\d+)/(-?\d+)", text)
    if match:
        return "\\frac{" + match.group(1) + "}{" + match.group(2) + "}"
    return text


def fix_sqrt(text: str) -> str:
    return re.sub(r"\\sqrt([^{\\])", r"\\sqrt{\1}", text)
