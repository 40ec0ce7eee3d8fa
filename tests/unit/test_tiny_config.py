"""The CPU miniature (config/tiny.yaml) trains every DSR-sub example: each prompt fits its prompt length."""

from __future__ import annotations

import pytest
from helpers.workflow import WORKFLOW_TEST_OVERRIDES

from oneshot_rlvr import config as oc
from oneshot_rlvr import data
from oneshot_rlvr.tiny_model import corpus_from_data, train_tokenizer
from oneshot_rlvr.training.dataset import filter_long_prompts, prompt_length
from oneshot_rlvr.training.errors import TrainingError

TINY = oc.REPO_ROOT / "config" / "tiny.yaml"


def tiny_tokenizer(shared_data, settings):
    """The tokenizer build_tiny_model trains for these settings (the model weights do not matter here)."""
    corpus = corpus_from_data(shared_data, int(settings["tokenizer_corpus_rows"]))
    return train_tokenizer(corpus, settings["vocab_size"])


@pytest.fixture(scope="module")
def tokenizers(shared_data):
    """Built once per module, keyed by the overrides' name (the parametrize ids below)."""
    settings = oc.load_config([TINY])["tiny_model"]
    return {
        "tiny.yaml": tiny_tokenizer(shared_data, settings),
        "e2e-tests": tiny_tokenizer(shared_data, {**settings, **WORKFLOW_TEST_OVERRIDES["tiny_model"]}),
    }


@pytest.fixture(scope="module")
def dsr_prompts(shared_data):
    return [list(row["prompt"]) for row in data.load_dsr_sub(shared_data).to_dict("records")]


@pytest.mark.parametrize("settings_name", ["tiny.yaml", "e2e-tests"])
def test_every_dsr_sub_prompt_fits_every_miniature_run(tokenizers, dsr_prompts, settings_name):
    config = oc.load_config([TINY])
    overrides = WORKFLOW_TEST_OVERRIDES["tiny_model"] if settings_name == "e2e-tests" else {}
    settings = {**config["tiny_model"], **overrides}
    tokenizer = tokenizers[settings_name]
    lengths = [prompt_length(prompt, tokenizer) for prompt in dsr_prompts]
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


def test_no_prompt_fits_names_the_shortest_length(tokenizers, dsr_prompts):
    tokenizer = tokenizers["tiny.yaml"]
    records = [{"prompt": prompt, "answer": "1", "index": i} for i, prompt in enumerate(dsr_prompts[:3])]
    shortest = min(prompt_length(r["prompt"], tokenizer) for r in records)
    assert filter_long_prompts(records, tokenizer, shortest) != []
    with pytest.raises(TrainingError, match=rf"max_prompt_length={shortest - 1} \(the shortest is {shortest} tokens\)"):
        filter_long_prompts(records, tokenizer, shortest - 1)
