"""The training signal, proven on the testbed: 1-shot RLVR through our own trainer (`training.train`, the verl
objective) raises the training reward and the held-out accuracy of a small warm-started model -- and the same
learning predicate comes out false when the sign of the advantages is flipped.

A scaled-down testbed (a smaller model, warm start, pool and benchmarks than config/testbed.yaml), built once per
session; real TRL training, real generation, real grading.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

from oneshot_rlvr import config as oc
from oneshot_rlvr import data, selection
from oneshot_rlvr.evaluation import evaluate_checkpoint
from oneshot_rlvr.prompts import eval_prompt
from oneshot_rlvr.testbed import analysis, controls, files
from oneshot_rlvr.testbed.model import TEMPLATE, build_testbed_model
from oneshot_rlvr.testbed.tasks import final_number
from oneshot_rlvr.training import read_train_log, train

# Trains or downloads for tens of seconds: outside the fast unit loop (`-m 'not slow'`).
pytestmark = pytest.mark.slow

DATA = {
    "seed": 0,
    "types": ["add3", "add4"],
    "pool_size": 40,
    "benchmark_size": 60,
    "warm_start_examples": 160 * 64,
    "steps_share": 0.3,
    "endings": {"boxed": 0.3, "plain": 0.5, "answer": 0.2},
}
MODEL = {
    "hidden_size": 96,
    "intermediate_size": 384,
    "num_hidden_layers": 3,
    "num_attention_heads": 4,
    "num_key_value_heads": 4,
    "max_position_embeddings": 96,
    "warm_start_steps": 160,
    "warm_start_batch_size": 64,
    "warm_start_lr": 3e-3,
    "warm_start_warmup_steps": 10,
    "seed": 0,
}
STEPS = 20
# Four times the testbed's learning rate: the small lab's base is less skilled than the testbed's, and 20 steps at
# 2e-4 take its training reward well up (5e-4 collapses every held-out answer onto the example's).
LEARNING_RATE = 2e-4


@contextmanager
def one_torch_thread() -> Iterator[None]:
    """Run the lab's warm start, training and generation on one intra-op thread, then restore the setting.

    The lab's matrices are small, so a second thread gains little on an idle machine, while on a loaded one (CI
    sharing its 2 cores) two OpenMP threads per step wait for each other: a warm-start step took 3.9 s with 2
    threads and 1.2 s with 1 at load average 3-5 (benchmarks/RESULTS.md, *The learning test's time*)."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


@dataclass
class Lab:
    root: Path
    data_dir: Path
    model: Path
    config: dict
    base: analysis.Outcomes
    example: int


def solved_example(model: Path, data_dir: Path, samples: int = 16) -> int:
    """The pool index of the problem whose answer the base model's samples (temperature 1, any format) get right
    most often: a training example that earns reward from the first steps once boxed, as the paper's ranked
    examples do (the lab's base is much less skilled than the testbed's)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    pool = data.load_dsr_sub(data_dir)
    questions = [prompt[0]["content"] for prompt in pool["prompt"]]
    answers = [int(reward["ground_truth"]) for reward in pool["reward_model"]]
    policy, tokenizer = AutoModelForCausalLM.from_pretrained(model), AutoTokenizer.from_pretrained(model)
    tokenizer.padding_side = "left"  # prompts of different types differ in length
    batch = tokenizer([eval_prompt(q, TEMPLATE) for q in questions], return_tensors="pt", padding=True,
                      add_special_tokens=False)  # fmt: skip
    torch.manual_seed(0)
    with torch.no_grad():
        out = policy.generate(**batch, max_new_tokens=40, do_sample=True, temperature=1.0, top_k=0, top_p=1.0,
                              num_return_sequences=samples)  # fmt: skip
    texts = tokenizer.batch_decode(out[:, batch["input_ids"].shape[1] :], skip_special_tokens=True)
    right = [sum(final_number(text) == answers[index] for text in texts[index * samples : (index + 1) * samples])
             for index in range(len(questions))]  # fmt: skip
    assert max(right) > 0, "the lab's base model solves no pool problem: its warm start is too short to test learning"
    return right.index(max(right))


def lab_config(model: Path, data_dir: Path) -> dict:
    overrides = [
        f"models.testbed.path={model}",
        f"data_dir={data_dir}",
        f"training.max_steps={STEPS}",
        f"training.save_steps={STEPS}",
        f"training.learning_rate={LEARNING_RATE}",
        # The lab's learning rate, steps and example choice were measured at rollout temperature 1.0.
        "training.temperature=1.0",
        f"runs.pi1.training.save_steps={STEPS}",
        f"testbed.types={DATA['types']}",
        f"benchmark_set.averaged={DATA['types']}",
    ]
    return oc.load_config([oc.REPO_ROOT / "config" / "testbed.yaml"], overrides)


@pytest.fixture(scope="session")
def lab(tmp_path_factory) -> Lab:
    root = tmp_path_factory.mktemp("testbed_lab")
    files.write_testbed_data(root / "data", DATA)
    with one_torch_thread():
        model = build_testbed_model(root / "model", root / "data", MODEL)
        config = lab_config(model, root / "data")
        spec = oc.evaluation_spec(config, "base")
        evaluate_checkpoint(str(model), spec, root / "data", root / "eval" / "base", "base", 0)
        example = solved_example(model, root / "data")
    base = analysis.read_outcomes(root / "eval" / "base" / "metrics.json")
    return Lab(root, root / "data", model, config, base, example)


def one_shot(lab: Lab, name: str) -> analysis.LearningVerdict:
    """1-shot RLVR on one pool problem the base solves, duplicated to the batch, then the held-out evaluation."""
    pool = data.load_dsr_sub(lab.data_dir)
    dataset = lab.root / f"{name}.parquet"
    selection.duplicate_to_batch(pool.iloc[[lab.example]], 8).to_parquet(dataset, index=False)
    spec = oc.training_spec(lab.config, "pi1")
    checkpoints = lab.root / name / "checkpoints"
    out = lab.root / "eval" / name
    with one_torch_thread():
        train({**spec, "run": name}, dataset, checkpoints, lab.root / name / "done.json")
        evaluate_checkpoint(str(checkpoints / f"checkpoint-{STEPS}"), oc.evaluation_spec(lab.config, "pi1"),
                            lab.data_dir, out, name, STEPS)  # fmt: skip
    return analysis.learning_verdict(
        read_train_log(checkpoints), lab.base, analysis.read_outcomes(out / "metrics.json")
    )


def test_one_shot_rlvr_raises_training_reward_and_held_out_accuracy(lab):
    verdict = one_shot(lab, "pi1")
    print(verdict.summary())
    assert verdict.reward_rose, verdict.summary()
    assert verdict.heldout_improved, verdict.summary()
    assert verdict.learned


def test_the_same_predicate_fails_with_the_advantage_sign_flipped(lab):
    with controls.flipped_advantages() as flips:
        verdict = one_shot(lab, "pi1_flipped")
    print(verdict.summary())
    assert flips.calls >= STEPS  # the flipped advantages were the ones trained on
    assert not verdict.learned, verdict.summary()
