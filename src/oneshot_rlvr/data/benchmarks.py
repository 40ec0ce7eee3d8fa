"""Benchmark test sets read into normalised rows (question, gold answer, subject, level), as Qwen2.5-Eval parses
them; every problem is a DataError naming the file, the 1-based line and the field."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from oneshot_rlvr.data.sources import ALL_BENCHMARKS, ARC_BENCHMARKS, DataError, benchmark_relpath
from oneshot_rlvr.grading import last_boxed
from oneshot_rlvr.io import iter_jsonl


def read_jsonl_rows(path: Path) -> Iterable[tuple[int, dict]]:
    """(1-based line number, object) for each non-blank line; a missing file or a malformed line is a DataError."""
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    yield from iter_jsonl(path, DataError)


def field(row: Mapping, key: str, path: Path, line: int) -> Any:
    value = row.get(key)
    if value is None:
        raise DataError(f"{path}:{line}: missing field {key!r}")
    return value


def boxed_answer(solution: str) -> str | None:
    """Final answer of a reference solution: the last ``\\boxed{...}``, also accepting ``\\boxed 9``."""
    start = solution.rfind("\\boxed")
    if start >= 0:
        rest = solution[start + len("\\boxed") :]
        if rest.startswith(" "):  # "\boxed 2$." (two MATH-train solutions are written this way)
            token = rest.lstrip().split("$")[0].strip()
            return token or None
    return last_boxed(solution)


def _number_text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _question_of(row: Mapping, gold: str, path: Path, line: int) -> str:
    for key in ("question", "problem", "Question", "input"):
        value = row.get(key)
        if isinstance(value, str):
            question = value.strip()
            break
    else:
        raise DataError(f"{path}:{line}: missing field 'question' (or 'problem', 'Question', 'input')")
    if gold.lower() in ("true", "false"):
        question += " (True or False)"
    elif gold.lower() in ("yes", "no"):
        question += " (Yes or No)"
    return question


def _gold_of(name: str, row: Mapping, path: Path, line: int) -> str:
    if name in ("math500", "minerva_math"):
        solution = field(row, "solution", path, line)
        gold = boxed_answer(str(solution))
        if gold is None:
            raise DataError(f"{path}:{line}: no \\boxed{{}} answer in field 'solution'")
        return gold
    if name == "olympiadbench":
        final = field(row, "final_answer", path, line)
        if not isinstance(final, list) or not final:
            raise DataError(f"{path}:{line}: field 'final_answer' must be a non-empty list")
        return str(final[0]).strip("$")
    return _number_text(field(row, "answer", path, line))


def _row_id(row: Mapping, fallback: int) -> str:
    for key in ("unique_id", "id", "idx"):
        if row.get(key) is not None:
            return str(row[key])
    return str(fallback)


def _math_row(name: str, row: Mapping, path: Path, line: int, position: int) -> dict:
    gold = _gold_of(name, row, path, line)
    subject = row.get("subject") or row.get("type") or row.get("subfield")
    level = row.get("level")
    return {
        "id": _row_id(row, position),
        "question": _question_of(row, gold, path, line),
        "answer": gold,
        "subject": None if subject is None else str(subject),
        "level": None if level is None else str(level),
    }


def _arc_letter(label: str) -> str:
    label = str(label).strip()
    if label.isdigit() and 1 <= int(label) <= 26:
        return chr(ord("A") + int(label) - 1)
    return label.upper()


def _arc_row(row: Mapping, path: Path, line: int, position: int) -> dict:
    stem = str(field(row, "question", path, line)).strip()
    choices = field(row, "choices", path, line)
    if not isinstance(choices, Mapping):
        raise DataError(f"{path}:{line}: field 'choices' must be an object with 'text' and 'label'")
    texts = field(choices, "text", path, line)
    labels = field(choices, "label", path, line)
    if len(texts) != len(labels) or not texts:
        raise DataError(f"{path}:{line}: 'choices.text' and 'choices.label' differ in length or are empty")
    letters = [_arc_letter(label) for label in labels]
    if letters != [chr(ord("A") + i) for i in range(len(letters))]:
        raise DataError(f"{path}:{line}: unexpected choice labels {labels}")
    mapping = dict(zip((str(label).strip() for label in labels), letters, strict=True))
    key = str(field(row, "answerKey", path, line)).strip()
    if key not in mapping:
        raise DataError(f"{path}:{line}: answerKey {key!r} is not one of the labels {labels}")
    texts = [str(text).strip() for text in texts]
    body = "\n".join(f"{letter}. {text}" for letter, text in zip(letters, texts, strict=True))
    return {
        "id": _row_id(row, position),
        "question": f"{stem}\n{body}",
        "answer": mapping[key],
        "subject": None,
        "level": None,
        "choices": texts,
    }


def load_benchmark(name: str, data_dir: Path, limit: int | None = None) -> list[dict]:
    """Normalised test rows of benchmark ``name`` read from ``data_dir / benchmark_relpath(name)``.

    Each row is ``{"id", "question", "answer", "subject", "level"}`` (strings; subject/level may be None).
    The question is the first present key of question/problem/Question/input, stripped (as Qwen2.5-Eval's
    ``parse_question``; a " (True or False)" / " (Yes or No)" hint is appended for such answers). The gold
    answer follows ``parse_ground_truth``: the last ``\\boxed{}`` of ``solution`` for math500 and
    minerva_math, ``final_answer[0].strip("$")`` for olympiadbench, ``str(answer)`` for aime24/aime25/amc23
    (integer-valued floats such as 27.0 give "27"). It is not yet passed through ``strip_string``.

    ARC rows: the question is the stem followed by one ``"A. text"`` line per choice, the answer is the
    letter of ``answerKey`` (numeric labels 1-4 become A-D, position by position), and ``"choices"`` is
    the list of choice texts in letter order.

    Other benchmarks (``benchmarks/<name>/test.jsonl``, e.g. the testbed's) are read like AIME: ``question`` and
    ``answer``, with ``subject`` and ``level`` when present.

    ``limit`` keeps the first N rows.
    """
    if limit is not None and limit < 0:
        raise DataError(f"limit must be >= 0, got {limit}")
    path = Path(data_dir) / benchmark_relpath(name)
    if name not in ALL_BENCHMARKS and not path.is_file():
        raise DataError(
            f"unknown benchmark {name!r}: not one of the paper's ({', '.join(ALL_BENCHMARKS)}) and no file {path}"
        )
    rows: list[dict] = []
    for line, raw in read_jsonl_rows(path):
        if limit is not None and len(rows) >= limit:
            break
        if name in ARC_BENCHMARKS:
            rows.append(_arc_row(raw, path, line, len(rows)))
        else:
            rows.append(_math_row(name, raw, path, line, len(rows)))
    if not rows and limit != 0:
        raise DataError(f"{path}: no rows")
    return rows

