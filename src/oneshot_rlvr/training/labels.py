"""Label changes for the ablations of Table 5 (label override) and Table 17 (random wrong labels)."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from typing import Any

_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_FRACTION = re.compile(r"^(-?)\\[dt]?frac\{(-?\d+)\}\{(-?\d+)\}$|^(-?)(\d+)/(\d+)$")


def _shift(value: str, rng: random.Random) -> str:
    """Add or subtract a random amount in 1..10, then flip the sign with probability 1/2 (App. C.2.4)."""
    number = float(value)
    is_int = "." not in value
    for _ in range(100):
        moved = number + rng.choice([-1, 1]) * rng.randint(1, 10)
        moved = -moved if rng.random() < 0.5 else moved
        if moved != number:
            return str(int(moved)) if is_int else repr(round(moved, 10))
    return str(number + 1)


def corrupt_label(label: str, rng: random.Random) -> str | None:
    """A wrong label by the paper's rule; fractions change numerator and denominator. None if not numeric."""
    text = label.strip()
    if _NUMBER.match(text):
        return _shift(text, rng)
    match = _FRACTION.match(text)
    if match:
        sign = match.group(1) or match.group(4) or ""
        numerator = match.group(2) or match.group(5)
        denominator = match.group(3) or match.group(6)
        new_numerator = _shift(numerator, rng)
        new_denominator = _shift(denominator, rng)
        while new_denominator in ("0", "-0"):
            new_denominator = _shift(denominator, rng)
        return f"{sign}\\frac{{{new_numerator}}}{{{new_denominator}}}"
    return None


def apply_label_changes(records: list[dict[str, Any]], spec: Mapping[str, Any]) -> dict[str, int]:
    """Label override (every record) or seeded random wrong labels for a fraction of the examples, in place."""
    if spec.get("label_override") is not None:
        for record in records:
            record["answer"] = str(spec["label_override"])
        return {"overridden": len(records)}
    fraction = float(spec.get("wrong_label_fraction") or 0.0)
    if fraction <= 0:
        return {}
    rng = random.Random(int(spec.get("wrong_label_seed", 0)))
    indices = sorted({record["index"] for record in records})
    chosen = set(rng.sample(indices, round(fraction * len(indices))))
    wrong: dict[int, str | None] = {index: None for index in chosen}
    labels = {record["index"]: record["answer"] for record in records}
    for index in sorted(chosen):
        wrong[index] = corrupt_label(labels[index], rng)
    for record in records:
        if wrong.get(record["index"]) is not None:
            record["answer"] = wrong[record["index"]]
    return {"chosen": len(chosen), "corrupted": sum(v is not None for v in wrong.values())}
