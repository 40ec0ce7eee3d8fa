"""Write the testbed's data folder, in the layout the rest of the pipeline reads (data.py):

    dsr_sub/dsr_sub.parquet         the training pool in DSR-sub's verl format (`extra_info.index` 0..n-1), so the
                                    history run, `rank`, the pi<i> example sets and `make-dataset` apply unchanged
    benchmarks/<type>/test.jsonl    one held-out benchmark per task type ({"id", "question", "answer", "subject",
                                    "level"}), disjoint from the pool and from the warm-start corpus (which is also
                                    disjoint from the pool)
    testbed/warm_start.jsonl        the base model's supervised warm-start corpus ({"question", "response", ...})
    testbed/manifest.json           the settings, counts and SHA-256 of every file written

Everything is drawn from `random.Random` streams named after the seed and their purpose, so the same settings give
byte-identical files on any machine.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from oneshot_rlvr.data import benchmark_relpath, relpath_of, sha256_of
from oneshot_rlvr.io import atomic_write_bytes_from, atomic_write_json, atomic_write_jsonl
from oneshot_rlvr.testbed.model import WARM_START_FILE
from oneshot_rlvr.testbed.tasks import (
    ENDINGS,
    TASK_TYPES,
    Problem,
    TaskError,
    distinct_problems,
    render_solution,
    sample_problem,
    weighted_choice,
)

if TYPE_CHECKING:  # pandas is 0.7 s of a command-line start: the functions that read or build frames import it
    import pandas as pd

MANIFEST_FILE = "testbed/manifest.json"
POOL_SOURCE = "testbed"


def _stream(seed: int, purpose: str) -> random.Random:
    """An independent, reproducible random stream per purpose (a string seed is hashed with SHA-512)."""
    return random.Random(f"oneshot-rlvr-testbed:{seed}:{purpose}")


def check_settings(settings: Mapping[str, Any]) -> None:
    """The generator's settings, checked before anything is written; errors name the `testbed.` key."""
    types = list(settings["types"])
    unknown = [kind for kind in types if kind not in TASK_TYPES]
    if unknown or not types or len(set(types)) != len(types):
        raise TaskError(f"invalid config key 'testbed.types': {types} must be distinct names of {list(TASK_TYPES)}")
    endings = dict(settings["endings"])
    if set(endings) != set(ENDINGS) or any(float(w) < 0 for w in endings.values()) or sum(endings.values()) <= 0:
        raise TaskError(f"invalid config key 'testbed.endings': weights for exactly {list(ENDINGS)}, not all zero")
    if not 0.0 <= float(settings["steps_share"]) <= 1.0:
        raise TaskError("invalid config key 'testbed.steps_share': a share between 0 and 1")
    choice = settings.get("steps_choice")
    if choice is not None and not 0.0 <= float(choice) <= float(settings["steps_share"]):
        raise TaskError("invalid config key 'testbed.steps_choice': a share between 0 and testbed.steps_share")


def marked_steps_share(settings: Mapping[str, Any]) -> float:
    """The share of worked answers whose style marker is in the warm start's loss, so that the base picks the worked
    style with probability `steps_choice` (the direct answers' markers are all in the loss): m*s / (m*s + 1 - s)
    = c gives m = c(1 - s) / (s(1 - c)). Without `steps_choice` every marker is in the loss."""
    share = float(settings["steps_share"])
    choice = settings.get("steps_choice")
    if choice is None or share == 0.0 or float(choice) >= share:
        return 1.0
    return float(choice) * (1.0 - share) / (share * (1.0 - float(choice)))


def benchmark_problems(settings: Mapping[str, Any]) -> dict[str, list[Problem]]:
    """The held-out problems of each type (drawn first, so the pool and the corpus can avoid them)."""
    seed, size = int(settings["seed"]), int(settings["benchmark_size"])
    return {kind: distinct_problems(kind, size, _stream(seed, f"benchmark:{kind}")) for kind in settings["types"]}


def pool_problems(settings: Mapping[str, Any], held_out: Mapping[str, set[str]]) -> list[Problem]:
    """The training pool: `pool_size` distinct problems, types in turn then shuffled, none held out
    (`held_out`: the benchmark questions of each type)."""
    seed, size, types = int(settings["seed"]), int(settings["pool_size"]), list(settings["types"])
    counts = {
        kind: size // len(types) + (1 if position < size % len(types) else 0) for position, kind in enumerate(types)
    }
    problems = [
        problem
        for kind in types
        for problem in distinct_problems(kind, counts[kind], _stream(seed, f"pool:{kind}"), exclude=held_out[kind])
    ]
    _stream(seed, "pool:order").shuffle(problems)
    return problems


def warm_start_rows(settings: Mapping[str, Any], unseen: set[str]) -> list[dict[str, Any]]:
    """The warm-start corpus: `warm_start_examples` problems of random types, none of them in `unseen` (the
    benchmarks and the pool, so a training example is as new to the base model as a held-out one), each answered
    in the worked-steps style with probability `steps_share` (else directly) and with an ending drawn from
    `endings`. The elementary facts of the worked steps all occur; the held-out combinations of them do not.
    `style_in_loss` is false for the worked answers that practise the working without teaching the base to choose
    it (`marked_steps_share`): the warm start's loss skips their style marker."""
    rng = _stream(int(settings["seed"]), "warm_start")
    # the endings in ENDINGS' order, not the mapping's: the corpus must not depend on how the settings were written
    # (the rule passes them as JSON with sorted keys, a config file in its own order)
    types, endings = list(settings["types"]), {name: settings["endings"][name] for name in ENDINGS}
    marked = marked_steps_share(settings)
    rows = []
    while len(rows) < int(settings["warm_start_examples"]):
        problem = sample_problem(rng.choice(types), rng)
        if problem.question in unseen:
            continue
        style = "steps" if rng.random() < float(settings["steps_share"]) else "direct"
        ending = weighted_choice(endings, rng)
        in_loss = style == "direct" or marked >= 1.0 or rng.random() < marked
        rows.append(
            {
                "question": problem.question,
                "response": render_solution(problem, style, ending),
                "type": problem.kind,
                "style": style,
                "ending": ending,
                "style_in_loss": in_loss,
            }
        )
    return rows


def pool_frame(problems: list[Problem]) -> pd.DataFrame:
    """The pool in DSR-sub's verl format (prompt = one user message with the question; no instruction suffix, so
    training and evaluation prompts are the same text)."""
    import pandas as pd
    return pd.DataFrame(
        {
            "data_source": [POOL_SOURCE] * len(problems),
            "prompt": [[{"role": "user", "content": problem.question}] for problem in problems],
            "ability": ["arithmetic"] * len(problems),
            "reward_model": [{"style": "rule", "ground_truth": str(problem.answer)} for problem in problems],
            "extra_info": [
                {"index": index, "split": "train", "type": problem.kind, "level": problem.level}
                for index, problem in enumerate(problems)
            ],
        }
    )


def benchmark_rows(kind: str, problems: list[Problem]) -> list[dict[str, Any]]:
    return [
        {
            "id": f"{kind}-{number}",
            "question": problem.question,
            "answer": str(problem.answer),
            "subject": kind,
            "level": problem.level,
        }
        for number, problem in enumerate(problems)
    ]


def write_testbed_data(out_dir: Path, settings: Mapping[str, Any]) -> dict[str, Any]:
    """Generate and write the data folder; returns the manifest (also written as testbed/manifest.json)."""
    check_settings(settings)
    out_dir = Path(out_dir)
    benchmarks = benchmark_problems(settings)
    held_out = {kind: {problem.question for problem in problems} for kind, problems in benchmarks.items()}
    pool = pool_problems(settings, held_out)
    unseen = set().union(*held_out.values()) | {problem.question for problem in pool}
    corpus = warm_start_rows(settings, unseen)
    files: dict[str, str] = {}
    for kind, problems in benchmarks.items():
        path = out_dir / benchmark_relpath(kind)
        atomic_write_jsonl(path, benchmark_rows(kind, problems))
        files[benchmark_relpath(kind)] = sha256_of(path)
    pool_path = out_dir / relpath_of("dsr_sub")
    atomic_write_bytes_from(pool_path, lambda tmp: pool_frame(pool).to_parquet(tmp, index=False))
    files[relpath_of("dsr_sub")] = sha256_of(pool_path)
    corpus_path = out_dir / WARM_START_FILE
    atomic_write_jsonl(corpus_path, corpus)
    files[WARM_START_FILE] = sha256_of(corpus_path)
    manifest = {
        "settings": dict(settings),
        "benchmarks": {kind: len(problems) for kind, problems in benchmarks.items()},
        "pool": {kind: sum(problem.kind == kind for problem in pool) for kind in settings["types"]},
        "warm_start": {
            "examples": len(corpus),
            "styles": {style: sum(row["style"] == style for row in corpus) for style in ("steps", "direct")},
            "steps_style_in_loss": sum(row["style"] == "steps" and row["style_in_loss"] for row in corpus),
            "endings": {ending: sum(row["ending"] == ending for row in corpus) for ending in ENDINGS},
        },
        "files": files,
    }
    atomic_write_json(out_dir / MANIFEST_FILE, manifest)
    return manifest


def testbed_relpaths(settings: Mapping[str, Any]) -> list[str]:
    """Every file `write_testbed_data` writes, relative to the data folder (the rule's outputs)."""
    return [
        relpath_of("dsr_sub"),
        *(benchmark_relpath(kind) for kind in settings["types"]),
        WARM_START_FILE,
        MANIFEST_FILE,
    ]
