"""The few-shot demonstrations of the Qwen2.5-Math evaluation (Table 16's "Qwen official" rows).

The authors' evaluation keeps them in Python source (`examples.py`, a dict of lists of (question, response)
pairs); the data folder holds the sets the paper's runs use as JSONL rows `{"set", "position", "question",
"response"}` (icl/qwen_eval_examples.jsonl). `convert_examples_source` makes those rows from the source text
without running it (the fetcher's converter); `load_demonstrations_set` reads one set back.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

from oneshot_rlvr.io import iter_jsonl

RELPATH = "icl/qwen_eval_examples.jsonl"
# The sets kept, in the data file's order: the MATH few-shot list ("Qwen official 4 examples" are its first 4,
# "Example 1" its first), Minerva's, and the authors' one-example lists for MATH500 and AIME24 (pi1).
SETS = ("math", "minerva_math", "math500", "aime24")
ROWS = 11
# `runs.<name>.icl` values that name Qwen demonstrations: (set, how many from its start).
DEMONSTRATIONS = {"qwen_math4": ("math", 4), "qwen_math1": ("math", 1)}


class ExamplesError(ValueError):
    """The examples source or file does not hold the expected sets; the message names the file and set or row."""


def _assigned_sets(tree: ast.AST, source: str) -> dict[str, list]:
    """Every `examples["<set>"] = [(question, response), ...]` of the module, as literal values."""
    found: dict[str, list] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Assign) or len(node.targets) != 1:
            continue
        target = node.targets[0]
        if not (isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant)):
            continue
        key = target.slice.value
        if key not in SETS:
            continue
        try:
            found[key] = ast.literal_eval(node.value)
        except ValueError:
            raise ExamplesError(f"{source}: examples[{key!r}] is not a literal list (line {node.lineno})") from None
    return found


def convert_examples_source(text: str, source: str) -> list[str]:
    """The data file's JSONL lines from the text of the evaluation's examples.py (parsed, never executed)."""
    try:
        tree = ast.parse(text)
    except SyntaxError as error:
        raise ExamplesError(f"{source}: not Python source ({error.msg}, line {error.lineno})") from None
    found = _assigned_sets(tree, source)
    lines = []
    for name in SETS:
        if name not in found:
            raise ExamplesError(f"{source}: no examples[{name!r}] list")
        for position, pair in enumerate(found[name]):
            if not (isinstance(pair, tuple | list) and len(pair) == 2 and all(isinstance(t, str) for t in pair)):
                raise ExamplesError(f"{source}: examples[{name!r}][{position}] is not a (question, response) pair")
            row = {"set": name, "position": position, "question": pair[0], "response": pair[1]}
            lines.append(json.dumps(row))
    return lines


def load_demonstrations_set(path: Path, set_name: str, count: int) -> list[tuple[str, str]]:
    """The first `count` (question, response) pairs of one set of the data file, in their order."""
    pairs: dict[int, tuple[str, str]] = {}
    for number, row in iter_jsonl(Path(path), ExamplesError):
        try:
            if row["set"] == set_name:
                pairs[int(row["position"])] = (str(row["question"]), str(row["response"]))
        except (KeyError, TypeError, ValueError) as error:
            raise ExamplesError(f"{path}:{number}: expected set, position, question, response ({error})") from None
    chosen = [pairs.get(position) for position in range(count)]
    if any(pair is None for pair in chosen):
        raise ExamplesError(f"{path}: set {set_name!r} has positions {sorted(pairs)}, not the first {count}")
    return chosen
