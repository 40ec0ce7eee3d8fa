"""The CPU miniature (config/tiny.yaml) trains every DSR-sub example: each prompt fits its prompt length."""

from __future__ import annotations

import pytest

from oneshot_rlvr import config as oc
from oneshot_rlvr import data
from oneshot_rlvr.tiny_model import corpus_from_data, train_tokenizer
from oneshot_rlvr.training.dataset import filter_long_prompts, prompt_length, prompt_lengths
from oneshot_rlvr.training.errors import TrainingError

TINY = oc.REPO_ROOT / "config" / "tiny.yaml"


def tiny_tokenizer(shared_data, settings):
    """The tokenizer build_tiny_model trains for these settings (the model weights do not matter here)."""
    corpus = corpus_from_data(shared_data, int(settings["tokenizer_corpus_rows"]))
    return train_tokenizer(corpus, settings["vocab_size"])


@pytest.fixture(scope="module")
def tokenizer(shared_data):
    """Built once per module."""
    return tiny_tokenizer(shared_data, oc.load_config([TINY])["tiny_model"])


@pytest.fixture(scope="module")
def dsr_prompts(shared_data):
    return [list(row["prompt"]) for row in data.load_dsr_sub(shared_data).to_dict("records")]


def test_every_dsr_sub_prompt_fits_every_miniature_run(tokenizer, dsr_prompts):
    config = oc.load_config([TINY])
    settings = config["tiny_model"]
    lengths = prompt_lengths(dsr_prompts, tokenizer)
    assert len(lengths) == 1209
    trained = [run for run in oc.run_names(config) if not oc.is_evaluation_only(config, run)]
    runs = [*trained, "pi1", "pi1208", "pi1209"]
    limits = {run: oc.training_spec(config, run)["max_prompt_length"] for run in runs}
    longest = max(lengths)
    too_short = {run: limit for run, limit in limits.items() if limit < longest}
    assert not too_short, f"the longest DSR-sub prompt has {longest} tokens; these runs cut it: {too_short}"
    # The paper's own limit would drop examples with this tokenizer: the check above is not vacuous.
    assert sum(length > 256 for length in lengths) > 0
    assert (
        longest + max(oc.training_spec(config, run)["max_completion_length"] for run in runs)
        <= settings["max_position_embeddings"]
    )


def test_prompt_lengths_in_one_batch_equal_one_template_and_tokenization_per_prompt(tokenizer, dsr_prompts):
    """Training's filter templates and tokenizes each distinct prompt once, all in one batch: the same counts as
    the tokenizer's chat template applied to each prompt alone, repeats and order kept."""
    prompts = [dsr_prompts[5]] * 3 + dsr_prompts[:60] + [dsr_prompts[7], dsr_prompts[1208]]

    def alone(prompt):
        ids = tokenizer.apply_chat_template(prompt, add_generation_prompt=True, tokenize=True)
        return len(ids["input_ids"] if hasattr(ids, "keys") else ids)

    expected = [alone(prompt) for prompt in prompts]
    assert len(set(expected)) > 20  # prompts of many lengths: a mix-up of rows would show
    assert prompt_lengths(prompts, tokenizer) == expected
    assert [prompt_length(prompt, tokenizer) for prompt in prompts[:5]] == expected[:5]
    assert prompt_lengths([], tokenizer) == []


def test_no_prompt_fits_names_the_shortest_length(tokenizer, dsr_prompts):
    records = [{"prompt": prompt, "answer": "1", "index": i} for i, prompt in enumerate(dsr_prompts[:3])]
    shortest = min(prompt_length(r["prompt"], tokenizer) for r in records)
    assert filter_long_prompts(records, tokenizer, shortest) != []
    with pytest.raises(TrainingError, match=rf"max_prompt_length={shortest - 1} \(the shortest is {shortest} tokens\)"):
        filter_long_prompts(records, tokenizer, shortest - 1)


def test_table1_and_example_set_runs_train_two_steps_every_other_run_one():
    """The miniature's steps (config/tiny.yaml's `runs` comment): Table 1's runs and the example-set runs 2 steps
    with a checkpoint each; every other trained run 1 step, so its list names every configured run outside Table 1."""
    config = oc.load_config([TINY])
    table1 = set(config["report"]["table1"]["rows"])
    trained = [
        r for r in oc.run_names(config) if not oc.is_evaluation_only(config, r) and not oc.checkpoints_of(config, r)
    ]
    steps = {
        run: (oc.training_spec(config, run)["max_steps"], oc.training_spec(config, run)["save_steps"])
        for run in trained
    }
    assert {run: steps[run] for run in table1 if run in steps} == {run: (2, 1) for run in table1 if run in steps}
    assert {"pi1", "dsr_sub"} <= table1 & set(steps)
    others = {run: s for run, s in steps.items() if run not in table1}
    assert others and others == {run: (1, 1) for run in others}
    for example_set in ("pi2", "pi11", "pi16", "pi1208"):  # no `runs:` entry: training's 2 steps
        spec = oc.training_spec(config, example_set)
        assert (spec["max_steps"], spec["save_steps"]) == (2, 1), example_set
