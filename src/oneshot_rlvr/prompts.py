"""Prompt templates of the paper's training and evaluation (see docs/fidelity.md)."""

from __future__ import annotations

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
}

# Our ARC protocol (the paper gives none): zero-shot, the lettered options, the letter in \boxed{}.
ARC_INSTRUCTION = "Answer with the letter of the correct option, and put only that letter within \\boxed{}."


def eval_prompt(question: str, template: str, arc: bool = False) -> str:
    """The evaluation prompt text for one problem (no "Let's think step by step" suffix, as in the paper)."""
    if template not in EVAL_TEMPLATES:
        raise ValueError(f"unknown prompt template {template!r}; known: {', '.join(EVAL_TEMPLATES)}")
    text = question.strip(" ")
    if arc:
        text = f"{text}\n{ARC_INSTRUCTION}"
    return EVAL_TEMPLATES[template].replace("{input}", text)


def stop_strings(template: str) -> list[str]:
    """The stop strings of the evaluation for a prompt template (see TEMPLATE_STOP_STRINGS)."""
    if template not in TEMPLATE_STOP_STRINGS:
        raise ValueError(f"unknown prompt template {template!r}; known: {', '.join(TEMPLATE_STOP_STRINGS)}")
    return list(TEMPLATE_STOP_STRINGS[template])
