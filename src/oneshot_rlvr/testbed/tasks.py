"""The testbed's task family: short arithmetic chains on single digits, of four types, each solvable two ways.

Every problem can be answered in one of two *styles*, chosen by the first character of the response:

- `steps` (`": "` then the worked steps, e.g. `": 3+5=8, 8+9=17"`): one operation on the running result per
  step, each an elementary fact the warm start shows many times;
- `direct` (`"="` then the result, e.g. `"=17"`): the whole chain at once, which on a held-out combination of
  operands a tiny model must compute rather than recall, and gets wrong far more often;

and closed by one of three *endings*, chosen by the character after the result: `boxed` (`" \\boxed{17}"`, what
the reward and the graded accuracy need), `answer` (`". answer: 17"`) or `plain` (nothing). So "does the response
box its answer" (format) and "is its result right" (skill, whatever the format) are separate, measurable
properties of every response, and a base model that prefers `direct` and `plain` under greedy decoding has room to
improve in both. Types: `add3` (a+b+c), `add4` (a+b+c+d), `addsub` (a+b+c-d >= 0), `muladd` (a*b+c+d);
difficulty is the number of worked steps (2, 3, 3, 3).
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

TASK_TYPES = ("add3", "add4", "addsub", "muladd")
STYLES = ("steps", "direct")
ENDINGS = ("boxed", "plain", "answer")
# The first character of a response names its style; the separator joins the worked steps.
STYLE_MARKERS = {"steps": ": ", "direct": "="}
STEP_SEPARATOR = ", "
_INTEGER = re.compile(r"-?\d+")
# Per type: the operators between the operands (left to right) and the digits each operand is drawn from.
_FACTORS = (2, 3, 4, 5, 6, 7, 8, 9)
_DIGITS = (1, 2, 3, 4, 5, 6, 7, 8, 9)
_TYPES: dict[str, tuple[str, tuple[tuple[int, ...], ...]]] = {
    "add3": ("++", (_DIGITS,) * 3),
    "add4": ("+++", (_DIGITS,) * 4),
    "addsub": ("++-", (_DIGITS,) * 4),
    "muladd": ("*++", (_FACTORS,) * 2 + (_DIGITS,) * 2),
}
_RANGES = {name: digits for name, (_, digits) in _TYPES.items()}
_OPERATORS = {name: operators for name, (operators, _) in _TYPES.items()}


class TaskError(ValueError):
    """An unknown task type, style or ending, or a request the type's problem space cannot meet."""


@dataclass(frozen=True)
class Problem:
    """One problem: its type and single-digit operands; the question, answer and worked steps follow from them."""

    kind: str
    operands: tuple[int, ...]

    @property
    def operators(self) -> str:
        if self.kind not in _OPERATORS:
            raise TaskError(f"unknown task type {self.kind!r}; known: {', '.join(TASK_TYPES)}")
        return _OPERATORS[self.kind]

    @property
    def question(self) -> str:
        text = str(self.operands[0])
        for operator, operand in zip(self.operators, self.operands[1:], strict=True):
            text += f"{operator}{operand}"
        return text

    def steps(self) -> list[str]:
        """The worked solution, left to right, one operation on the running result per step (`*` only ever comes
        first, so left to right is the usual order). The last number is the answer."""
        value, steps = self.operands[0], []
        for operator, operand in zip(self.operators, self.operands[1:], strict=True):
            result = {"+": value + operand, "-": value - operand, "*": value * operand}[operator]
            steps.append(f"{value}{operator}{operand}={result}")
            value = result
        return steps

    @property
    def answer(self) -> int:
        """The chain's value."""
        return int(self.steps()[-1].rsplit("=", 1)[1])

    @property
    def level(self) -> int:
        """Difficulty: the number of worked steps."""
        return len(self.steps())


def render_solution(problem: Problem, style: str, ending: str, result: int | None = None) -> str:
    """A response in the given style and ending (`result` replaces the answer, to write a wrong one)."""
    value = problem.answer if result is None else result
    if style == "steps":
        body = STYLE_MARKERS["steps"] + STEP_SEPARATOR.join(problem.steps())
    elif style == "direct":
        body = f"{STYLE_MARKERS['direct']}{value}"
    else:
        raise TaskError(f"unknown style {style!r}; known: {', '.join(STYLES)}")
    if ending == "boxed":
        return f"{body} \\boxed{{{value}}}"
    if ending == "answer":
        return f"{body}. answer: {value}"
    if ending == "plain":
        return body
    raise TaskError(f"unknown ending {ending!r}; known: {', '.join(ENDINGS)}")


def sample_problem(kind: str, rng: random.Random) -> Problem:
    """One problem of a type, operands drawn uniformly from the type's ranges."""
    if kind not in _RANGES:
        raise TaskError(f"unknown task type {kind!r}; known: {', '.join(TASK_TYPES)}")
    while True:
        problem = Problem(kind, tuple(rng.choice(digits) for digits in _RANGES[kind]))
        if problem.answer >= 0:
            return problem


def problem_space(kind: str) -> int:
    """How many distinct questions a type has."""
    if kind not in _RANGES:
        raise TaskError(f"unknown task type {kind!r}; known: {', '.join(TASK_TYPES)}")
    return sum(1 for operands in itertools.product(*_RANGES[kind]) if Problem(kind, operands).answer >= 0)


def distinct_problems(kind: str, count: int, rng: random.Random, exclude: Iterable[str] = ()) -> list[Problem]:
    """`count` problems of a type with distinct questions, none of them in `exclude` (questions of that type)."""
    excluded = set(exclude)
    if count > problem_space(kind) - len(excluded):
        raise TaskError(
            f"task type {kind!r} has {problem_space(kind)} questions, {len(excluded)} taken; cannot draw {count} more"
        )
    chosen: dict[str, Problem] = {}
    while len(chosen) < count:
        problem = sample_problem(kind, rng)
        if problem.question not in excluded and problem.question not in chosen:
            chosen[problem.question] = problem
    return list(chosen.values())


def weighted_choice(weights: dict[str, float], rng: random.Random) -> str:
    """A key drawn with probability proportional to its weight (keys in their given order)."""
    names = list(weights)
    return rng.choices(names, weights=[float(weights[name]) for name in names], k=1)[0]


# ----------------------------------------------------------------------------------------------------------
# Reading a response back: its style, its final number in any format


def response_style(response: str) -> str | None:
    """`steps` or `direct` by the response's first characters, None for anything else."""
    text = response.lstrip(" ")
    if text.startswith(STYLE_MARKERS["steps"].strip()):
        return "steps"
    if text.startswith(STYLE_MARKERS["direct"]):
        return "direct"
    return None


def final_number(response: str) -> int | None:
    """The response's last integer, whatever the ending (boxed, `answer:` or none): its answer in any format."""
    numbers = _INTEGER.findall(response)
    return int(numbers[-1]) if numbers else None


def types_of(problems: Sequence[Problem]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for problem in problems:
        counts[problem.kind] = counts.get(problem.kind, 0) + 1
    return counts
