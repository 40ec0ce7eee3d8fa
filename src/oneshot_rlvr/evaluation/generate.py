"""Generation of one benchmark's responses, saved after every chunk so that a killed job resumes where it was."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tqdm import tqdm

from oneshot_rlvr.evaluation.backends import cut_at_stop
from oneshot_rlvr.evaluation.metrics import ends_in_repetition
from oneshot_rlvr.evaluation.plan import PARTIAL_SUFFIX, BenchmarkPlan
from oneshot_rlvr.io import atomic_write_jsonl


def generate_responses(
    plan: BenchmarkPlan,
    generator: Any,
    out_dir: Path,
    stops: Sequence[str],
    max_new_tokens: int,
    seed: int,
    label: str,
) -> list[dict[str, Any]]:
    """Every response of `plan` (the saved ones first), ungraded, in generation order.

    Until the last chunk, the responses so far are written to <name>.partial.jsonl behind a fingerprint line."""
    rows = list(plan.rows)
    expanded = plan.expanded
    partial_path = Path(out_dir) / f"{plan.name}{PARTIAL_SUFFIX}"
    if rows:
        print(f"{plan.name}: resuming at {len(rows)}/{len(expanded)} responses from {partial_path}", flush=True)
    chunk = getattr(generator, "chunk_size", None) or len(expanded)
    bar = tqdm(total=len(expanded), initial=len(rows), desc=f"{label} {plan.name}", unit="response")
    for start in range(len(rows), len(expanded), chunk):
        part = expanded[start : start + chunk]
        # Seeded by position, so a resumed evaluation draws exactly what an uninterrupted one draws.
        outputs = generator.generate(
            [prompt for _, _, prompt in part],
            plan.settings["temperature"],
            plan.settings["top_p"],
            max_new_tokens,
            seed + start,
        )
        for (sample, problem, prompt), output in zip(part, outputs, strict=True):
            response = cut_at_stop(output.text, stops)
            truncated = output.finish_reason == "length"
            rows.append(
                {
                    "id": problem["id"],
                    "sample": sample,
                    "subject": problem.get("subject"),
                    "prompt": prompt,
                    "response": response,
                    "response_tokens": output.tokens,
                    "finish_reason": output.finish_reason,
                    "repetitive": ends_in_repetition(response, truncated),
                    "answer": problem["answer"],
                }
            )
        if len(rows) < len(expanded):
            atomic_write_jsonl(partial_path, [{"fingerprint": plan.fingerprint}, *rows])
        bar.update(len(part))
    bar.close()
    return rows
