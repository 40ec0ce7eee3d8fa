"""Figure 3, a text panel: at chosen steps, a training rollout on the run's example beside the response to one
MATH500 problem, with what the paper shows at that step."""

from __future__ import annotations

import re
import textwrap
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from oneshot_rlvr import data
from oneshot_rlvr.figures.paper import PAPER_FIGURE3
from oneshot_rlvr.figures.style import FONT_SIZE, finish, pyplot, run_label, set_title
from oneshot_rlvr.figures.values import FigureError, FigureInputs, point_step
from oneshot_rlvr.io import read_jsonl

WRAP = 96  # characters per line of a response (monospace, FONT_SIZE - 1 points, two columns on 17 inches)
LINE_INCHES = (FONT_SIZE - 1) * 1.2 / 72
CELL_COLOR = "#f3f4f6"


def shorten(text: str, width: int = WRAP, head: int = 9, tail: int = 6) -> str:
    """A response as wrapped lines, keeping its beginning and its end (where the final answer is)."""
    clean = "".join(ch if ch.isprintable() or ch == "\n" else " " for ch in str(text).replace("\t", "  "))
    lines = [piece for paragraph in clean.splitlines() for piece in (textwrap.wrap(paragraph, width) or [""])] or [
        "(empty response)"
    ]
    while lines and not lines[-1].strip():
        lines.pop()
    if len(lines) > head + tail + 1:
        skipped = len(lines) - head - tail
        lines = [*lines[:head], f"[... {skipped} more lines ...]", *lines[-tail:]]
    return "\n".join(lines)


def plain_text(tex: str) -> str:
    """A problem's TeX as plain text for a title: $ dropped, \\frac{a}{b} -> (a)/(b), common symbols as
    characters (≤, π, θ, ...), other commands without their backslash, braces removed."""
    text = str(tex).replace("$", "")
    text = re.sub(r"\\[dt]?frac\{([^{}]*)\}\{([^{}]*)\}", r"(\1)/(\2)", text)
    text = re.sub(r"\\(left|right)\b", "", text)
    symbols = {"cdot": "·", "times": "×", "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥", "neq": "≠", "pi": "π",
               "theta": "θ", "infty": "∞", "sqrt": "√", "boxed": ""}  # fmt: skip
    text = re.sub(r"\\([A-Za-z]+)\b", lambda match: symbols.get(match[1], match[0]), text)
    text = re.sub(r"\\([A-Za-z]+)", r"\1", text).replace("{", "").replace("}", "")
    return " ".join(text.split())


def evaluation_response(metrics: Mapping[str, Any], benchmark: str, problem_id: str) -> dict[str, Any] | None:
    """The first sample of one problem in a checkpoint's graded responses (next to its metrics.json)."""
    bench = metrics.get("benchmarks", {}).get(benchmark) or {}
    if bench.get("status") != "ok":
        return None
    path = Path(metrics["_path"]).parent / bench.get("responses_file", f"{benchmark}.jsonl")
    if not path.exists():
        raise FigureError(f"responses file {path} (named by {metrics['_path']}) does not exist")
    for row in read_jsonl(path):
        if str(row.get("id")) == problem_id and int(row.get("sample", 0)) == 0:
            return row
    return None


def training_sample(rows: Sequence[Mapping[str, Any]], step: int) -> tuple[int, dict[str, Any]] | None:
    """The first logged rollout of the training step (step 0: the first step's rollouts, sampled by the initial
    policy), or of the nearest logged step after it."""
    for row in rows:
        if int(row["step"]) >= max(step, 1) and row.get("samples"):
            return int(row["step"]), row["samples"][0]
    return None


def figure3(inputs: FigureInputs, png: Path, pdf: Path | None = None) -> list[str]:
    """At chosen steps: a training rollout on the run's example and the response to one MATH500 problem."""
    spec, run = inputs.spec, inputs.runs[0]
    benchmark = spec.get("benchmark", "math500")
    problem_id = str(spec.get("problem_id", ""))
    steps = [int(step) for step in spec.get("steps") or []]
    if not steps:
        raise FigureError("invalid config key 'figures.figure3.steps': no steps given")
    by_step = {point_step(point): point for point in inputs.curve(run)}
    if spec.get("base") and inputs.curves.get(spec["base"]):
        by_step[0] = inputs.curves[spec["base"]][-1]
    question = _problem_text(inputs.data_dir, benchmark, problem_id)
    rows = inputs.log(run)
    cells = []
    for step in steps:
        sample = training_sample(rows, step)
        if sample is None:
            left = (f"step {step}: training rollout ({run})", "(no rollout logged at or after this step)")
        else:
            logged_step, rollout = sample
            verdict = "correct" if rollout.get("correct") else "wrong"
            header = (
                f"step {step}: training rollout ({run}, logged step {logged_step}, "
                f"label {rollout.get('label')}: {verdict})"
            )
            left = (header, shorten(rollout.get("completion", "")))
        point = by_step.get(step)
        response = evaluation_response(point, benchmark, problem_id) if point is not None else None
        if response is None:
            right = (
                f"step {step}: {benchmark} {problem_id}",
                "(no evaluated response: checkpoint not evaluated, or the problem is beyond the benchmark limit)",
            )
        else:
            verdict = "correct" if response.get("correct") else "wrong"
            right = (
                f"step {step}: {benchmark} response (extracted {response.get('extracted')!s}: {verdict})",
                shorten(response.get("response", "")),
            )
        paper = PAPER_FIGURE3.get(step, (None, None)) if inputs.paper_lines else (None, None)
        cells.append(((*left, paper[0]), (*right, paper[1])))
    # Each row as tall as its longer cell (lines of text, at least 4, the header and the paper's note).
    heights = [max(4, *(body.count("\n") + 1 for _, body, _ in row)) * LINE_INCHES + 0.5 for row in cells]
    plt = pyplot()
    fig, axes = plt.subplots(len(steps), 2, figsize=(17, sum(heights) + 0.9), squeeze=False, layout="constrained",
                             gridspec_kw={"height_ratios": heights})  # fmt: skip
    for ax_row, row in zip(axes, cells, strict=True):
        for ax, (header, body, paper) in zip(ax_row, row, strict=True):
            _text_cell(ax, header, body, paper)
    what = plain_text(question) if question else problem_id
    title = f"Figure 3: responses of {run_label(run)} over training\ntest problem: {textwrap.shorten(what, 150)}"
    set_title(fig, title, inputs.scale)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # glyphs the font lacks (multilingual responses) are drawn as boxes
        return finish(fig, inputs.name, png, pdf)


def _text_cell(ax, header: str, body: str, paper: str | None) -> None:
    """A shaded box with the response in monospace, its header above and the paper's note at its foot."""
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor(CELL_COLOR)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(header, loc="left", fontsize=FONT_SIZE, fontweight="bold", parse_math=False)
    ax.text(0.008, 0.985, body, va="top", ha="left", family="monospace", fontsize=FONT_SIZE - 1,
            transform=ax.transAxes, parse_math=False)  # fmt: skip
    if paper:
        ax.text(0.992, 0.02, f"paper: {paper}", va="bottom", ha="right", fontsize=FONT_SIZE - 1, color="#444",
                transform=ax.transAxes, parse_math=False, style="italic")  # fmt: skip


def _problem_text(data_dir: Path | None, benchmark: str, problem_id: str) -> str | None:
    if data_dir is None:
        return None
    for problem in data.load_benchmark(benchmark, Path(data_dir)):
        if str(problem["id"]) == problem_id:
            return f"{problem['question']} (answer {problem['answer']})"
    raise FigureError(f"invalid config key 'figures.figure3.problem_id': {problem_id!r} is not a {benchmark} problem")
