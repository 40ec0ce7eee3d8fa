"""The miniature's self-built model: Qwen2 architecture, Qwen-style chat template, boxed answers."""

from __future__ import annotations

import json


def test_tiny_model_is_a_loadable_qwen2_with_the_chat_template(tiny_model):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    config = json.loads((tiny_model / "config.json").read_text())
    assert config["model_type"] == "qwen2"
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    text = tokenizer.apply_chat_template(
        [{"role": "user", "content": "Hi"}], add_generation_prompt=True, tokenize=False
    )
    assert text == (
        "<|im_start|>system\nPlease reason step by step, and put your final answer within \\boxed{}.<|im_end|>\n"
        "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
    )
    for token in ("<|im_start|>", "<|im_end|>", "<|endoftext|>"):
        assert len(tokenizer(token, add_special_tokens=False)["input_ids"]) == 1
    generation = json.loads((tiny_model / "generation_config.json").read_text())
    assert tokenizer.convert_tokens_to_ids("<|im_end|>") in generation["eos_token_id"]
    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    assert model.config.vocab_size == len(tokenizer)


def test_warm_start_teaches_the_boxed_format(tiny_model):
    """The warm-started weights make a boxed answer far more likely than the same model at random init."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from oneshot_rlvr.prompts import eval_prompt

    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    warm = AutoModelForCausalLM.from_pretrained(tiny_model)
    torch.manual_seed(0)
    cold = type(warm)(warm.config)
    prompt = tokenizer(eval_prompt("What is $3+4$?", "qwen25-math-cot"), add_special_tokens=False)["input_ids"]
    answer = tokenizer("The final answer is \\boxed{7}.<|im_end|>", add_special_tokens=False)["input_ids"]
    input_ids = torch.tensor([prompt + answer])
    labels = torch.tensor([[-100] * len(prompt) + answer])
    with torch.inference_mode():
        warm_loss = warm(input_ids=input_ids, labels=labels).loss.item()
        cold_loss = cold(input_ids=input_ids, labels=labels).loss.item()
    assert warm_loss < 0.5 * cold_loss, (warm_loss, cold_loss)
