"""In-context demonstrations of an evaluation-only ICL run (`runs.<name>.icl`), resolved to (question, response)
pairs placed before every math problem (Table 16)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from oneshot_rlvr import icl_examples
from oneshot_rlvr.data import INSTRUCTION_SUFFIX, load_verl_parquet
from oneshot_rlvr.evaluation.backends import cut_at_stop
from oneshot_rlvr.evaluation.protocol import EvaluationError
from oneshot_rlvr.io import atomic_write_json
from oneshot_rlvr.prompts import ICL_SETS, eval_prompt, load_demonstrations


def resolve_demonstrations(
    icl: Mapping[str, Any], generator: Any, template: str, stops: Sequence[str], max_new_tokens: int, seed: int
) -> list[tuple[str, str]]:
    """The (question, response) demonstrations of an ICL run (`runs.<name>.icl`, resolved by the config):

    - `pi1_self`: pi1's problem (from its example-set parquet, without the training instruction suffix) with a
      response the evaluated model itself generates greedily under the evaluation prompt (the paper: "pi1 with a
      self-generated response"; it does not say how it was generated);
    - `qwen_math4` / `qwen_math1`: the first 4 / first 1 of the Qwen2.5-Math evaluation's MATH few-shot list
      (the data folder's icl/qwen_eval_examples.jsonl, spec key icl.files);
    - `math4_standin` / `math1_standin`: our own stand-in worked examples (prompts.ICL_SETS; not Qwen's texts);
    - a `.jsonl` path: demonstrations from that file.
    """
    name = str(icl["demonstrations"])
    files = list(icl.get("files") or [])
    if name in ICL_SETS:
        return list(ICL_SETS[name])
    if name in icl_examples.DEMONSTRATIONS:
        if not files:
            raise EvaluationError(f"icl {name} needs {icl_examples.RELPATH} of the data folder (spec key icl.files)")
        return icl_examples.load_demonstrations_set(Path(files[0]), *icl_examples.DEMONSTRATIONS[name])
    if name.endswith(".jsonl"):
        return load_demonstrations(Path(files[0] if files else name))
    if name == "pi1_self":
        if not files:
            raise EvaluationError("icl pi1_self needs the pi1 example-set parquet (spec key icl.files)")
        frame = load_verl_parquet(Path(files[0]))
        messages = frame["prompt"].iloc[0]
        question = str(messages[-1]["content"])
        if question.endswith(INSTRUCTION_SUFFIX):
            question = question[: -len(INSTRUCTION_SUFFIX)]
        output = generator.generate([eval_prompt(question, template)], 0.0, 1.0, max_new_tokens, seed)[0]
        return [(question, cut_at_stop(output.text, stops))]
    raise EvaluationError(f"unknown in-context demonstrations {name!r} (config key runs.<name>.icl)")


def write_demonstrations(path: Path, icl: Mapping[str, Any], demonstrations: Sequence[tuple[str, str]]) -> None:
    """Record the demonstrations an ICL evaluation used (the self-generated one differs per model)."""
    items = [{"question": question, "response": response} for question, response in demonstrations]
    atomic_write_json(path, {"demonstrations": icl["demonstrations"], "items": items})
