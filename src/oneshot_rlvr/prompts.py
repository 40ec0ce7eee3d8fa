"""Prompt templates of the paper's training and evaluation (see docs/fidelity.md)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from oneshot_rlvr.io import iter_jsonl

QWEN_MATH_SYSTEM = "Please reason step by step, and put your final answer within \\boxed{}."

# Evaluation templates of the authors' Qwen2.5-Math evaluation fork, keyed by prompt type.
EVAL_TEMPLATES: dict[str, str] = {
    "qwen25-math-cot": (
        "<|im_start|>system\n" + QWEN_MATH_SYSTEM + "<|im_end|>\n<|im_start|>user\n{input}<|im_end|>\n"
        "<|im_start|>assistant\n"
    ),
    "llama": (
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\n"
        "Today Date: 17 Apr 2025\n\n <|eot_id|><|start_header_id|>user<|end_header_id|>\n\n{input}<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\n"
    ),
    "deepseek-distill": "<｜begin▁of▁sentence｜><｜User｜>{input}<｜Assistant｜><think>\n",
    # The CPU testbed's character-level model (docs/testbed.md): the Qwen turn tokens without the system message and
    # role headers (90 characters a prompt); its tokenizer's chat template renders the same text.
    "testbed": "<|im_start|>{input}<|im_end|>",
}

# Stop strings of the evaluation (math_eval.py); token ids come from the tokenizer.
EVAL_STOP_STRINGS = ["</s>", "<|im_end|>", "<|endoftext|>"]

# Per template: math_eval.py's list plus the template's own end-of-turn token, so a model that ends its turn
# with it stops there (for Qwen the token is already in the list). The ids of the tokenizer's EOS and of
# generation_config's eos ids are added by the generators.
TEMPLATE_STOP_STRINGS: dict[str, list[str]] = {
    "qwen25-math-cot": EVAL_STOP_STRINGS,
    "llama": [*EVAL_STOP_STRINGS, "<|eot_id|>"],
    "deepseek-distill": [*EVAL_STOP_STRINGS, "<｜end▁of▁sentence｜>"],
    "testbed": EVAL_STOP_STRINGS,
}

# Our ARC protocol (the paper gives none): zero-shot, the lettered options, the letter in \boxed{}.
ARC_INSTRUCTION = "Answer with the letter of the correct option, and put only that letter within \\boxed{}."


# ----------------------------------------------------------------------------------------------------------
# In-context learning (Table 16): demonstrations prepended to the problem inside the user turn
# ----------------------------------------------------------------------------------------------------------

# OUR OWN STAND-IN for "Qwen official 4 examples" (the 4-shot MATH prompt of the Qwen2.5-Math evaluation code).
# Those texts are not in this project's sources, so these four short worked problems were written for this
# project: same shape (problem, worked solution ending in \boxed{}), NOT the official examples. To use the
# official ones, put them in a JSONL file ({"question", "response"} per line) and set `runs.<name>.icl: <file>`.
MATH_STANDIN_DEMONSTRATIONS: tuple[tuple[str, str], ...] = (
    (
        "What is the value of $\\sqrt{36 \\times \\sqrt{16}}$?",
        "We have $\\sqrt{16} = 4$, so the expression is $\\sqrt{36 \\times 4} = \\sqrt{144} = 12$.\n"
        "The final answer is $\\boxed{12}$.",
    ),
    (
        "How many positive divisors does $36$ have?",
        "Since $36 = 2^2 \\cdot 3^2$, a divisor is $2^a 3^b$ with $0 \\le a, b \\le 2$, which gives "
        "$(2+1)(2+1) = 9$ divisors.\nThe final answer is $\\boxed{9}$.",
    ),
    (
        "Solve for $x$: $3x - 7 = 11$.",
        "Adding $7$ to both sides gives $3x = 18$, and dividing by $3$ gives $x = 6$.\n"
        "The final answer is $\\boxed{6}$.",
    ),
    (
        "A bag holds 3 red and 5 blue marbles. One marble is drawn at random. What is the probability that it is "
        "red? Express your answer as a common fraction.",
        "There are $3 + 5 = 8$ marbles and $3$ of them are red, so the probability is $\\frac{3}{8}$.\n"
        "The final answer is $\\boxed{\\frac{3}{8}}$.",
    ),
)

# Built-in demonstration sets (`runs.<name>.icl`); `pi1_self` is built at evaluation time (evaluation.py).
ICL_SETS: dict[str, tuple[tuple[str, str], ...]] = {
    "math4_standin": MATH_STANDIN_DEMONSTRATIONS,
    "math1_standin": MATH_STANDIN_DEMONSTRATIONS[:1],
}
# Between demonstrations, and between the last one and the problem, as the authors' evaluation joins them
# (construct_prompt for the qwen25-math-cot template; the data folder's README, icl/ row).
ICL_SEPARATOR = "\n\n\n"


def icl_input(question: str, demonstrations: Sequence[tuple[str, str]]) -> str:
    """The user-turn text with demonstrations: "q1\\na1", ..., then the problem, separated by ICL_SEPARATOR."""
    blocks = [f"{q.strip()}\n{a.strip()}" for q, a in demonstrations]
    return ICL_SEPARATOR.join([*blocks, question])


def load_demonstrations(path: Path) -> list[tuple[str, str]]:
    """Demonstrations from a JSONL file, one {"question": ..., "response": ...} object per line."""
    demonstrations = []
    for number, row in iter_jsonl(Path(path)):
        try:
            demonstrations.append((str(row["question"]), str(row["response"])))
        except KeyError as error:
            raise ValueError(f"{path}:{number}: a demonstration needs 'question' and 'response' ({error})") from None
    if not demonstrations:
        raise ValueError(f"{path}: no demonstrations")
    return demonstrations


def eval_prompt(question: str, template: str, arc: bool = False, demonstrations: Sequence[tuple[str, str]] = ()) -> str:
    """The evaluation prompt text for one problem (no "Let's think step by step" suffix, as in the paper),
    with in-context demonstrations before the problem when given."""
    if template not in EVAL_TEMPLATES:
        raise ValueError(f"unknown prompt template {template!r}; known: {', '.join(EVAL_TEMPLATES)}")
    text = question.strip(" ")
    if arc:
        text = f"{text}\n{ARC_INSTRUCTION}"
    if demonstrations:
        text = icl_input(text, demonstrations)
    return EVAL_TEMPLATES[template].replace("{input}", text)


def stop_strings(template: str) -> list[str]:
    """The stop strings of the evaluation for a prompt template (see TEMPLATE_STOP_STRINGS)."""
    if template not in TEMPLATE_STOP_STRINGS:
        raise ValueError(f"unknown prompt template {template!r}; known: {', '.join(TEMPLATE_STOP_STRINGS)}")
    return list(TEMPLATE_STOP_STRINGS[template])
