"""Grading a JSONL file of responses (``oneshot-rlvr grade``): strict row checks, atomic output.

A bad row names the file and its 1-based line and nothing is written, so a partly graded file never
replaces a good one.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from oneshot_rlvr.grading.dispatch import grade_many
from oneshot_rlvr.grading.equivalence import check_mode
from oneshot_rlvr.io import atomic_write_text


def _no_constant(name: str) -> Any:
    """json accepts NaN/Infinity, which would be written back as invalid JSON."""
    raise ValueError(f"{name} is not valid JSON")


def _parse_row(input_path: Path, lineno: int, line: str) -> dict:
    try:
        row = json.loads(line, parse_constant=_no_constant)
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
    return row


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
    check_mode(mode)
    input_path, output_path = Path(input_path), Path(output_path)
    with open(input_path, encoding="utf-8") as handle:
        rows = [_parse_row(input_path, lineno, line) for lineno, line in enumerate(handle, start=1) if line.strip()]
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
