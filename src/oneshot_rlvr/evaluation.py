"""Evaluate one checkpoint on every enabled benchmark with the paper's protocol (docs/evaluation.md).

One job per checkpoint: all benchmarks are generated and graded here. Each finished benchmark leaves its
responses and metrics on disk, and an unfinished one its responses so far (after every batch), so an interrupted
evaluation resumes without regenerating them.
Backends: vLLM (GPU, `evaluation.backend: vllm`) and transformers batched generation (CPU or GPU); both use
the same prompts, stop strings, sampling settings and grading.

The protocol comes from the resolved evaluation spec (`config.evaluation_spec`): the shared `evaluation`
settings with the run's model's `evaluation` overrides merged over them (R1-Distill: T 0.6, top_p 0.95,
avg@16 / avg@64, 8k tokens), and the model's prompt template. Every response is graded under all three
grader modes; `grader` names the mode behind `accuracy`, and `grader_disagreements` counts the verdicts the
other modes give differently.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from math import comb
from pathlib import Path
from typing import Any, NamedTuple

from tqdm import tqdm

from oneshot_rlvr import icl_examples, paths
from oneshot_rlvr.evaluation_log import log_to_tensorboard
from oneshot_rlvr.io import atomic_write_json, atomic_write_jsonl
from oneshot_rlvr.training.checkpoints import removed_file_stats

REFLECTION_WORDS = ("rethink", "recheck", "recalculate")

# Repetition rule (docs/evaluation.md): a response "ends in repetition" when it stopped at the token limit
# and the last L = min(REPETITION_WINDOW, n / 2) characters of its whitespace-normalised text (n characters)
# are periodic with a period of at most L / REPETITION_MIN_REPEATS (so the unit occurs >= 3 times in a row).
REPETITION_WINDOW = 1000
REPETITION_MIN_REPEATS = 3

THINK_END = "</think>"

BENCHMARK_DEFAULTS: dict[str, Any] = {"enabled": True, "n_samples": 1, "temperature": 0.0, "limit": None}


class EvaluationError(RuntimeError):
    """The model or the benchmark cannot be evaluated; the message names the path."""


PARTIAL_SUFFIX = ".partial.jsonl"


def read_partial(path: Path, fingerprint: str, total: int) -> list[dict[str, Any]]:
    """The responses an interrupted evaluation of one benchmark already generated (ungraded), or [].

    The file's first line holds the fingerprint of (model, settings); a file of another fingerprint is stale and
    ignored. A malformed line is an error naming the file and line (the file is written atomically, so a kill
    never leaves one).
    """
    from oneshot_rlvr.io import read_jsonl

    if not path.exists():
        return []
    lines = read_jsonl(path)
    if not lines or lines[0].get("fingerprint") != fingerprint:
        return []
    rows = lines[1:]
    required = ("id", "sample", "prompt", "response", "response_tokens", "finish_reason", "answer")
    for number, row in enumerate(rows, start=2):
        missing = [key for key in required if key not in row]
        if missing:
            raise EvaluationError(f"{path}:{number}: partial response row lacks {', '.join(missing)}")
    if len(rows) > total:
        raise EvaluationError(f"{path}: {len(rows)} responses for {total} prompts; delete it to re-evaluate")
    return rows


class Generation(NamedTuple):
    """One generated response: its text (before stop-string cutting), token count and why it ended."""

    text: str
    tokens: int
    finish_reason: str  # "stop" (a stop token or string) or "length" (max_new_tokens reached)


# ----------------------------------------------------------------------------------------------------------
# Protocol
# ----------------------------------------------------------------------------------------------------------


def benchmark_settings(spec: Mapping[str, Any], name: str) -> dict[str, Any]:
    """One benchmark's settings with the defaults filled in (top_p falls back to `evaluation.top_p`, then 1)."""
    settings = {**BENCHMARK_DEFAULTS, **spec.get("benchmarks", {}).get(name, {})}
    settings.setdefault("top_p", spec.get("top_p", 1.0))
    settings["n_samples"] = int(settings["n_samples"])
    settings["temperature"] = float(settings["temperature"])
    # Greedy decoding ignores top_p; the authors force it to 1 at T = 0 (math_eval.py).
    settings["top_p"] = 1.0 if settings["temperature"] == 0 else float(settings["top_p"])
    return settings


def tensor_parallel_size(spec: Mapping[str, Any]) -> int:
    """vLLM tensor parallel size: `tensor_parallel_size` (per model, e.g. 7B) or else `gpus`, at least 1."""
    size = spec.get("tensor_parallel_size") or spec.get("gpus") or 1
    return max(int(size), 1)


def decoding_label(settings: Mapping[str, Any]) -> str:
    if settings["temperature"] == 0:
        return "greedy" if settings["n_samples"] == 1 else f"greedy x{settings['n_samples']}"
    label = f"avg@{settings['n_samples']}, T={settings['temperature']:g}"
    return label if settings["top_p"] == 1.0 else f"{label}, top_p={settings['top_p']:g}"


# ----------------------------------------------------------------------------------------------------------
# Metrics
# ----------------------------------------------------------------------------------------------------------


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k estimator (Chen et al., 2021) from n samples with c correct."""
    if n - c < k:
        return 1.0
    return 1.0 - comb(n - c, k) / comb(n, k)


def repetition_period(
    text: str, window: int = REPETITION_WINDOW, min_repeats: int = REPETITION_MIN_REPEATS
) -> int | None:
    """The shortest period p of the text's tail, or None when the tail is not periodic.

    Whitespace runs are collapsed to one space first (n characters remain). The tail is the last
    L = min(window, n // 2) characters: the loop must fill the last `window` characters, or the last half of a
    shorter text. It is periodic with period p when tail[i] == tail[i + p] for every i, with p <= L /
    min_repeats, i.e. the same unit of p characters repeats at least `min_repeats` times up to the end (the
    cut may fall inside a unit). Cost: at most L / min_repeats string comparisons of L characters.
    """
    normalised = " ".join(str(text)[-4 * window :].split())
    tail = normalised[-min(window, len(normalised) // 2) :] if len(normalised) >= 2 else ""
    for period in range(1, len(tail) // min_repeats + 1):
        if tail[period:] == tail[:-period]:
            return period
    return None


def ends_in_repetition(text: str, truncated: bool) -> bool:
    """The repetition rule: the response hit the token limit and its tail repeats a short unit."""
    return bool(truncated) and repetition_period(text) is not None


def _truncated(row: Mapping[str, Any], max_new_tokens: int | None) -> bool:
    if "finish_reason" in row:
        return row["finish_reason"] == "length"
    return max_new_tokens is not None and int(row.get("response_tokens", 0)) >= max_new_tokens


def benchmark_metrics(
    rows: Sequence[Mapping[str, Any]],
    n_samples: int,
    grader: str | None = None,
    max_new_tokens: int | None = None,
) -> dict[str, Any]:
    """Accuracy (mean over all samples, i.e. avg@n), pass@k, maj@n, grader provenance and response statistics.

    `rows` are graded response rows (`grade_rows`); `grader` is the mode behind `correct` (for the
    disagreement counts against the other modes in `by_grader`).
    """
    by_problem: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        by_problem.setdefault(str(row["id"]), []).append(row)
    n_rows = max(len(rows), 1)
    accuracy = 100.0 * sum(bool(row["correct"]) for row in rows) / n_rows
    ks = sorted({k for k in (1, 2, 4, 8, 16, 32, 64) if k <= n_samples} | {n_samples})
    pass_k = {
        str(k): 100.0
        * sum(pass_at_k(len(s), sum(bool(r["correct"]) for r in s), k) for s in by_problem.values())
        / max(len(by_problem), 1)
        for k in ks
    }
    majority_correct = 0
    for samples in by_problem.values():
        answers = Counter(r["extracted"] for r in samples if r["extracted"] is not None)
        if answers:
            top = answers.most_common(1)[0][0]
            majority_correct += any(r["correct"] for r in samples if r["extracted"] == top)
    subjects: dict[str, list[bool]] = {}
    for row in rows:
        if row.get("subject"):
            subjects.setdefault(str(row["subject"]), []).append(bool(row["correct"]))
    texts = [str(row["response"]) for row in rows]
    truncated = [_truncated(row, max_new_tokens) for row in rows]
    repetitive = [
        bool(row["repetitive"]) if "repetitive" in row else ends_in_repetition(text, cut)
        for row, text, cut in zip(rows, texts, truncated, strict=True)
    ]
    modes = sorted({mode for row in rows for mode in row.get("by_grader", {})})
    by_grader = {mode: 100.0 * sum(bool(row.get("by_grader", {}).get(mode)) for row in rows) / n_rows for mode in modes}
    disagreements = None
    if grader is not None and modes and grader in modes:
        disagreements = {
            mode: sum(bool(row["by_grader"].get(mode)) != bool(row["correct"]) for row in rows)
            for mode in modes
            if mode != grader
        }
    reflection_pattern = re.compile("|".join(REFLECTION_WORDS), flags=re.IGNORECASE)
    return {
        "accuracy": accuracy,
        "n_problems": len(by_problem),
        "n_samples": n_samples,
        "n_responses": len(rows),
        "pass_at_k": pass_k,
        "maj_at_n": 100.0 * majority_correct / max(len(by_problem), 1),
        "accuracy_by_grader": by_grader,
        "grader_disagreements": disagreements,
        "mean_response_tokens": sum(int(row.get("response_tokens", 0)) for row in rows) / n_rows,
        "boxed_rate": 100.0 * sum("\\boxed" in text for text in texts) / n_rows,
        "truncated_rate": 100.0 * sum(truncated) / n_rows,
        "repetition_rate": 100.0 * sum(repetitive) / n_rows,
        "reflection_words": {
            word: sum(len(re.findall(word, text, flags=re.IGNORECASE)) for text in texts) for word in REFLECTION_WORDS
        },
        "reflection_responses": sum(bool(reflection_pattern.search(text)) for text in texts),
        "subjects": {name: 100.0 * sum(hits) / len(hits) for name, hits in sorted(subjects.items())},
        "timeouts": sum(bool(row.get("timed_out")) for row in rows),
        "timeouts_by_grader": {
            mode: sum(mode in row.get("grader_timeouts", ()) for row in rows) for mode in modes if mode != "letter"
        },
    }


# ----------------------------------------------------------------------------------------------------------
# Grading of one benchmark's responses
# ----------------------------------------------------------------------------------------------------------

_LETTER = re.compile(r"[A-E]")


def arc_letter(response: str) -> str | None:
    """The option letter in the last \\boxed{} (our ARC protocol), e.g. `\\text{B}` or `B.` -> B."""
    from oneshot_rlvr.grading import last_boxed

    boxed = last_boxed(response)
    if boxed is None:
        return None
    cleaned = re.sub(r"\\text\{([^{}]*)\}|\\textbf\{([^{}]*)\}", lambda m: m.group(1) or m.group(2), boxed).strip()
    match = _LETTER.search(cleaned.upper()) if len(cleaned) <= 3 else _LETTER.match(cleaned)
    return match.group(0) if match else None


def graded_text(response: str, after_think: bool) -> str:
    """The part of a response that is graded: all of it, or (R1-Distill) the text after the last </think>,
    and nothing when the thinking never ended (as rllm, whose reward is 0 without </think>)."""
    if not after_think:
        return response
    position = response.rfind(THINK_END)
    return response[position + len(THINK_END) :] if position >= 0 else ""


def grade_rows(
    rows: list[dict[str, Any]], is_arc: bool, grader: str, after_think: bool = False, workers: int = 2
) -> None:
    """Add `extracted`, `correct`, `timed_out` (under `grader`) and `by_grader` to each row, in place.

    Math responses are graded under every mode of `grading.GRADER_MODES`: `by_grader` maps each mode to its
    verdict and `grader_timeouts` lists the modes that timed out. ARC rows are graded by letter only.
    """
    from oneshot_rlvr import grading

    texts = [graded_text(r["response"], after_think) for r in rows]
    if is_arc:
        for row, text in zip(rows, texts, strict=True):
            row["extracted"] = arc_letter(text)
            row["correct"] = row["extracted"] == row["answer"]
            row["timed_out"] = False
            row["by_grader"] = {"letter": row["correct"]}
            row["grader_timeouts"] = []
        return
    golds = [r["answer"] for r in rows]
    verdicts = {mode: grading.grade_many(texts, golds, mode=mode, workers=workers) for mode in grading.GRADER_MODES}
    for index, row in enumerate(rows):
        primary = verdicts[grader][index]
        row["extracted"] = primary.extracted
        row["correct"] = bool(primary.correct)
        row["timed_out"] = bool(primary.timed_out)
        row["by_grader"] = {mode: bool(results[index].correct) for mode, results in verdicts.items()}
        row["grader_timeouts"] = [mode for mode, results in verdicts.items() if results[index].timed_out]


# ----------------------------------------------------------------------------------------------------------
# Generation backends
# ----------------------------------------------------------------------------------------------------------


def cut_at_stop(text: str, stops: Sequence[str]) -> str:
    """Cut a response at the first stop string, as the authors' evaluation does."""
    positions = [text.find(stop) for stop in stops if stop in text]
    return text[: min(positions)] if positions else text


class TransformersGenerator:
    """Batched generation with transformers (left padding); greedy at temperature 0, else seeded sampling."""

    def __init__(self, model_path: str, batch_size: int, stop_strings: Sequence[str], dtype: str = "auto"):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.torch = torch
        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        self.tokenizer = AutoTokenizer.from_pretrained(model_path)
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        # `evaluation.dtype`: auto = the checkpoint's own dtype on a GPU, float32 on the CPU
        loaded = getattr(torch, dtype) if dtype != "auto" else ("auto" if self.device == "cuda" else torch.float32)
        self.model = AutoModelForCausalLM.from_pretrained(model_path, dtype=loaded).to(self.device).eval()
        self.batch_size = batch_size
        self.chunk_size = batch_size  # evaluate_checkpoint saves the responses after every batch
        self.stop_ids = stop_token_ids(self.tokenizer, self.model.generation_config, stop_strings)

    def generate(
        self, prompts: Sequence[str], temperature: float, top_p: float, max_new_tokens: int, seed: int
    ) -> list[Generation]:
        torch = self.torch
        torch.manual_seed(seed)
        outputs: list[Generation] = []
        sampling = {"do_sample": True, "temperature": temperature, "top_p": top_p, "top_k": 0}
        greedy = {"do_sample": False, "temperature": None, "top_p": None, "top_k": None}
        for start in range(0, len(prompts), self.batch_size):  # evaluate_checkpoint's bar counts the responses
            batch = list(prompts[start : start + self.batch_size])
            encoded = self.tokenizer(batch, return_tensors="pt", padding=True, add_special_tokens=False).to(self.device)
            with torch.inference_mode():
                generated = self.model.generate(
                    **encoded,
                    max_new_tokens=max_new_tokens,
                    eos_token_id=self.stop_ids,
                    pad_token_id=self.tokenizer.pad_token_id,
                    **(sampling if temperature > 0 else greedy),
                )
            new_tokens = generated[:, encoded["input_ids"].shape[1] :]
            for row in new_tokens.tolist():
                stop = next((i + 1 for i, token in enumerate(row) if token in self.stop_ids), None)
                length = stop if stop is not None else len(row)
                text = self.tokenizer.decode(row[:length], skip_special_tokens=True)
                outputs.append(Generation(text, length, "stop" if stop is not None else "length"))
        return outputs


class VLLMGenerator:
    """vLLM generation (GPU): one `LLM` per job (tensor parallel, engine seed), explicit `SamplingParams`.

    Sampling layout, as the authors' x8 files: every prompt copy is its own request with `n=1` (the test set
    repeated n_samples times in order). Unlike the authors, who rely on the engine seed alone, each sampled
    request also gets its own seed (`seed + position in the expanded list`), so a response does not depend on
    how vLLM batches requests or on the tensor parallel size. Greedy requests get no seed and top_p 1.
    """

    def __init__(
        self,
        model_path: str,
        tensor_parallel_size: int,
        seed: int,
        stop_strings: Sequence[str],
        max_model_len: int | None = None,
        dtype: str = "auto",
    ):
        try:
            import vllm
        except ImportError as error:
            raise EvaluationError(
                "evaluation.backend is vllm but vLLM is not installed (pip install '.[gpu]')"
            ) from error
        self.vllm = vllm
        self.llm = vllm.LLM(
            model=model_path,
            tensor_parallel_size=max(int(tensor_parallel_size), 1),
            seed=seed,
            max_model_len=max_model_len,
            trust_remote_code=True,
            dtype=dtype,  # `evaluation.dtype` (auto: the checkpoint's config.json torch_dtype)
        )
        self.tokenizer = self.llm.get_tokenizer()
        self.stop_strings = list(stop_strings)
        self.stop_ids = stop_token_ids(self.tokenizer, _generation_config(model_path), self.stop_strings)

    def sampling_params(self, temperature: float, top_p: float, max_new_tokens: int, seed: int | None):
        greedy = temperature == 0
        return self.vllm.SamplingParams(
            n=1,
            temperature=temperature,
            top_p=1.0 if greedy else top_p,
            top_k=-1,
            max_tokens=max_new_tokens,
            seed=None if greedy else seed,
            stop=list(self.stop_strings),
            stop_token_ids=list(self.stop_ids),
            skip_special_tokens=True,
        )

    def generate(
        self, prompts: Sequence[str], temperature: float, top_p: float, max_new_tokens: int, seed: int
    ) -> list[Generation]:
        params = [
            self.sampling_params(temperature, top_p, max_new_tokens, seed + position)
            for position in range(len(prompts))
        ]
        results = self.llm.generate(list(prompts), params, use_tqdm=True)
        outputs = []
        for result in results:
            completion = result.outputs[0]
            finish = "length" if completion.finish_reason == "length" else "stop"
            outputs.append(Generation(completion.text, len(completion.token_ids), finish))
        return outputs


def _generation_config(model_path: str):
    try:
        from transformers import GenerationConfig

        return GenerationConfig.from_pretrained(model_path)
    except Exception:
        return None


def stop_token_ids(tokenizer, generation_config, stop_strings: Sequence[str]) -> list[int]:
    """Token ids that end a response: the stop strings that are single tokens, the tokenizer's EOS and the
    model's generation_config eos ids (the authors pass [151645, 151643] for Qwen2 models)."""
    ids: set[int] = set()
    for token in stop_strings:
        try:
            token_id = tokenizer.convert_tokens_to_ids(token)
        except Exception:
            continue
        if isinstance(token_id, int) and token_id != getattr(tokenizer, "unk_token_id", None) and token_id >= 0:
            ids.add(token_id)
    if getattr(tokenizer, "eos_token_id", None) is not None:
        ids.add(int(tokenizer.eos_token_id))
    eos = getattr(generation_config, "eos_token_id", None) if generation_config is not None else None
    if isinstance(eos, int):
        ids.add(eos)
    elif isinstance(eos, list):
        ids.update(int(x) for x in eos)
    return sorted(ids)


# ----------------------------------------------------------------------------------------------------------
# Entry point
# ----------------------------------------------------------------------------------------------------------


def evaluate_checkpoint(
    model_path: str, spec: Mapping[str, Any], data_dir: Path, out_dir: Path, run: str, step: int
) -> dict[str, Any]:
    """Generate, grade and score every enabled benchmark; returns (and writes) the summary metrics."""
    from oneshot_rlvr import data
    from oneshot_rlvr.grading import GRADER_MODES
    from oneshot_rlvr.prompts import eval_prompt, stop_strings

    check_inputs(model_path, spec, Path(data_dir))
    template = spec["model"]["prompt_template"]
    stops = stop_strings(template)
    grader = spec["grader"]
    max_new_tokens = int(spec["max_new_tokens"])
    after_think = bool(spec.get("grade_after_think", False))
    out_dir = Path(out_dir)  # created by the first write, so a refused evaluation leaves no folder behind
    for leftover in out_dir.glob(".*.json*.*"):  # temporary files of a killed atomic write
        leftover.unlink()
    started = time.time()
    generator = None
    icl = spec.get("icl")
    demonstrations: list[tuple[str, str]] = []
    if icl:
        generator = _make_generator(model_path, spec, stops)
        demonstrations = resolve_demonstrations(icl, generator, template, stops, max_new_tokens, int(spec["seed"]))
        atomic_write_json(
            out_dir / "icl_demonstrations.json",
            {
                "demonstrations": icl["demonstrations"],
                "items": [{"question": q, "response": a} for q, a in demonstrations],
            },
        )
    summary: dict[str, Any] = {}
    # First every check (finished benchmarks, benchmark files, saved partial responses), so that bad input stops
    # the job before the model is loaded; then the generation of what is missing.
    pending: dict[str, tuple[dict[str, Any], str, list, list[dict[str, Any]]]] = {}
    averaged, extra = data.benchmark_set(spec)
    for name in (*averaged, *extra):
        settings = benchmark_settings(spec, name)
        if not settings["enabled"]:
            summary[name] = {"status": "not run", "reason": "disabled in config"}
            continue
        metrics_path = out_dir / f"{name}.metrics.json"
        fingerprint = _fingerprint(model_path, spec, name)
        if metrics_path.exists():
            try:
                previous = json.loads(metrics_path.read_text())
            except json.JSONDecodeError as error:
                message = f"{metrics_path}: malformed JSON ({error.msg}); delete it to re-evaluate"
                raise EvaluationError(message) from None
            if previous.get("fingerprint") == fingerprint:
                summary[name] = previous
                continue
        # A benchmark file that is there but malformed (missing fields, no rows) stops the evaluation.
        problems = data.load_benchmark(name, Path(data_dir), limit=settings["limit"])
        is_arc = name in data.ARC_BENCHMARKS
        # In-context demonstrations (Table 16) go before the math problems; ARC stays zero-shot.
        shots = () if is_arc else demonstrations
        prompts = [eval_prompt(p["question"], template, arc=is_arc, demonstrations=shots) for p in problems]
        # Like the authors' x8 files: the whole test set repeated n times, in order.
        expanded = [
            (sample, problem, prompt)
            for sample in range(settings["n_samples"])
            for problem, prompt in zip(problems, prompts, strict=True)
        ]
        rows = read_partial(out_dir / f"{name}{PARTIAL_SUFFIX}", fingerprint, len(expanded))
        pending[name] = (settings, fingerprint, expanded, rows)
    for name, (settings, fingerprint, expanded, rows) in pending.items():
        if generator is None:
            generator = _make_generator(model_path, spec, stops)
        n_samples = settings["n_samples"]
        is_arc = name in data.ARC_BENCHMARKS
        metrics_path = out_dir / f"{name}.metrics.json"
        partial_path = out_dir / f"{name}{PARTIAL_SUFFIX}"
        if rows:
            print(f"{name}: resuming at {len(rows)}/{len(expanded)} responses from {partial_path}", flush=True)
        chunk = getattr(generator, "chunk_size", None) or len(expanded)
        bar = tqdm(total=len(expanded), initial=len(rows), desc=f"{run} step {step} {name}", unit="response")
        for start in range(len(rows), len(expanded), chunk):
            part = expanded[start : start + chunk]
            # Seeded by position, so a resumed evaluation draws exactly what an uninterrupted one draws.
            outputs = generator.generate(
                [p for _, _, p in part],
                settings["temperature"],
                settings["top_p"],
                max_new_tokens,
                int(spec["seed"]) + start,
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
                atomic_write_jsonl(partial_path, [{"fingerprint": fingerprint}, *rows])
            bar.update(len(part))
        bar.close()
        grade_rows(rows, is_arc, grader, after_think)
        atomic_write_jsonl(out_dir / f"{name}.jsonl", rows)
        metrics = {
            "status": "ok",
            "benchmark": name,
            "temperature": settings["temperature"],
            "top_p": settings["top_p"],
            "max_new_tokens": max_new_tokens,
            "prompt_template": template,
            "backend": spec["backend"],
            "decoding": decoding_label(settings),
            "grader": "letter" if is_arc else grader,
            "graders": ["letter"] if is_arc else list(GRADER_MODES),
            "grade_after_think": after_think,
            "responses_file": f"{name}.jsonl",
            "fingerprint": fingerprint,
            **benchmark_metrics(rows, n_samples, "letter" if is_arc else grader, max_new_tokens),
        }
        atomic_write_json(metrics_path, metrics)
        partial_path.unlink(missing_ok=True)
        summary[name] = metrics
    summary = {name: summary[name] for name in (*averaged, *extra)}
    math_ok = [name for name in averaged if summary[name].get("status") == "ok"]
    math_scores = [summary[name]["accuracy"] for name in math_ok]
    disagreements: dict[str, int] = {}
    for name in math_ok:
        for mode, count in (summary[name].get("grader_disagreements") or {}).items():
            disagreements[mode] = disagreements.get(mode, 0) + int(count)
    result = {
        "run": run,
        "step": step,
        "model": str(model_path),
        "model_key": spec["model"].get("key"),
        "prompt_template": template,
        "backend": spec["backend"],
        "grader": grader,
        "grader_disagreements": disagreements,
        "icl": None if not icl else {"demonstrations": icl["demonstrations"], "count": len(demonstrations)},
        "benchmarks": summary,
        # the mean of the averaged benchmarks of the benchmark set (the paper's six math benchmarks by default)
        "math_average": sum(math_scores) / len(math_scores) if len(math_scores) == len(averaged) else None,
        "average_of": list(averaged),
        "wall_time_s": round(time.time() - started, 1),
    }
    result["manifest"] = evaluation_manifest(model_path, spec, Path(data_dir), result["wall_time_s"])
    atomic_write_json(out_dir / "metrics.json", result)
    if pending:  # a checkpoint whose benchmarks were all finished before was logged then
        log_to_tensorboard(model_path, result)
    return result


def evaluation_manifest(model_path: str, spec: Mapping[str, Any], data_dir: Path, wall_time_s: float) -> dict:
    """What produced this evaluation's numbers (manifest.py): versions, device, commit, seeds, the resolved
    spec's hash, the grader and the SHA-256 of every enabled benchmark file."""
    from oneshot_rlvr import data
    from oneshot_rlvr.config import spec_hash
    from oneshot_rlvr.manifest import build_manifest, training_seed

    files = {
        name: data_dir / data.relpath_of(name)
        for name in data.ALL_BENCHMARKS
        if benchmark_settings(spec, name)["enabled"]
    }
    return build_manifest(
        config_hash=spec_hash(spec),
        grader=spec["grader"],
        seeds={"evaluation": int(spec["seed"]), "training": training_seed(model_path)},
        data_files=files,
        wall_time_s=wall_time_s,
    )


# A hub id: `name` or `owner/name` (letters, digits, '.', '_', '-').
_HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?$")
# The trainer's checkpoint folders (ck/checkpoint-4, the README's form) are local, never hub repositories.
_CHECKPOINT_FOLDER = re.compile(r"^checkpoint-\d+$")


def is_local_model(model_path: str) -> bool:
    """Whether a model path names a local folder rather than a hub id such as Qwen/Qwen2.5-Math-1.5B: it exists,
    or it is written as a path (starts with '.', '/', '~' or results/, has more than one '/', or is no valid hub
    id), or it ends in a trainer checkpoint folder (checkpoint-<step>). A missing local folder is then an error,
    never a download attempt (which retries the network for a minute and then fails with a hub message)."""
    path = str(model_path)
    if Path(path).exists():
        return True
    if path.startswith((".", "/", "~", paths.RESULTS_DIR)) or not _HUB_ID.match(path):
        return True
    return bool(_CHECKPOINT_FOLDER.match(Path(path).name))


def _missing_local_model(model_path: str) -> bool:
    """A local model path (not a hub id such as Qwen/Qwen2.5-Math-1.5B) that does not exist."""
    return is_local_model(model_path) and not Path(model_path).exists()


def check_inputs(model_path: str, spec: Mapping[str, Any], data_dir: Path) -> None:
    """Every input an evaluation reads, checked before it creates anything: the model folder (when local), the
    data folder, and the file of every enabled benchmark."""
    from oneshot_rlvr import data

    if _missing_local_model(model_path):
        raise EvaluationError(f"model path {model_path} does not exist (a local folder, not a hub id)")
    if not Path(data_dir).is_dir():
        raise EvaluationError(f"data folder {data_dir} does not exist (--data-dir)")
    averaged, extra = data.benchmark_set(spec)
    for name in (*averaged, *extra):
        if benchmark_settings(spec, name)["enabled"]:
            path = Path(data_dir) / data.benchmark_relpath(name)
            if not path.is_file():
                raise EvaluationError(
                    f"{path}: file not found (benchmark {name!r} is enabled: evaluation.benchmarks.{name}.enabled)"
                )


def step_is_current(model_path: str, spec: Mapping[str, Any], out_dir: Path) -> bool:
    """Whether out_dir already holds this model's evaluation under this spec: its metrics.json exists and every
    enabled benchmark in it carries the fingerprint of (model files, spec), as evaluate_checkpoint would reuse."""
    metrics_path = Path(out_dir) / "metrics.json"
    try:
        summary = json.loads(metrics_path.read_text())["benchmarks"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    for name in summary:
        if benchmark_settings(spec, name)["enabled"]:
            if summary[name].get("fingerprint") != _fingerprint(model_path, spec, name):
                return False
    return True


def evaluate_run(
    run: str,
    steps: Sequence[int],
    model_template: str,
    spec: Mapping[str, Any],
    data_dir: Path,
    eval_dir: Path,
    index_path: Path,
) -> dict[str, Any]:
    """Evaluate a run's checkpoints one after another (`evaluation.jobs: run`), then write its index.

    Each step is `oneshot-rlvr evaluate` in a child process, exactly the per-checkpoint job's command, into the
    same eval_dir/step<step>/ folder: each model (and vLLM's engine) is freed with its process, and a step
    already evaluated under this spec is skipped, so a killed job resumes at the step it was on. The index
    (step -> metrics file, relative to it) is written last: its existence means every step is there.
    """
    import subprocess
    import sys

    models = {step: model_template.replace("{step}", str(step)) for step in steps}
    missing = [path for path in models.values() if _missing_local_model(path)]
    if missing:
        raise EvaluationError(f"run {run}: model path {missing[0]} does not exist ({len(missing)} missing)")
    check_inputs(next(iter(models.values())), spec, Path(data_dir))
    spec_json = json.dumps(spec, sort_keys=True)
    index_path = Path(index_path)
    entries = []
    for step in tqdm(steps, desc=f"evaluate {run}", unit="checkpoint"):
        out_dir = Path(eval_dir) / f"step{step}"
        if step_is_current(models[step], spec, out_dir):
            print(f"{run} step {step}: already evaluated in {out_dir}", flush=True)
        else:
            command = [sys.executable, "-m", "oneshot_rlvr.cli", "evaluate", "--run", run, "--step", str(step)]
            command += ["--model", models[step], "--data-dir", str(data_dir), "--out-dir", str(out_dir)]
            completed = subprocess.run([*command, "--spec", spec_json], check=False)
            if completed.returncode != 0:
                raise EvaluationError(
                    f"run {run}: evaluating step {step} ({models[step]}) failed with exit code "
                    f"{completed.returncode}; the steps before it are kept and a re-run resumes there"
                )
        metrics = json.loads((out_dir / "metrics.json").read_text())
        relative = Path(os.path.relpath(out_dir / "metrics.json", index_path.parent)).as_posix()
        entries.append({"step": int(step), "metrics": relative, "math_average": metrics.get("math_average")})
    index = {"run": run, "steps": entries}
    atomic_write_json(index_path, index)
    return index


def read_run_index(path: Path) -> list[Path]:
    """The per-step metrics files a run index (steps.json of `evaluate_run`) names, in step order."""
    try:
        index = json.loads(Path(path).read_text())
        files = [Path(path).parent / str(entry["metrics"]) for entry in index["steps"]]
    except OSError as error:
        raise EvaluationError(f"run index {path}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise EvaluationError(f"run index {path}: malformed JSON ({error.msg} at line {error.lineno})") from None
    except (KeyError, TypeError):
        raise EvaluationError(f"run index {path}: expected {{'steps': [{{'step': ..., 'metrics': ...}}]}}") from None
    return files


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
    from oneshot_rlvr.data import INSTRUCTION_SUFFIX, load_verl_parquet
    from oneshot_rlvr.prompts import ICL_SETS, eval_prompt, load_demonstrations

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


def _fingerprint(model_path: str, spec: Mapping[str, Any], benchmark: str) -> str:
    """Identifies (model weights, evaluation settings): finished benchmarks are reused only when it matches."""
    from oneshot_rlvr.config import spec_hash

    model_dir = Path(model_path)
    files = []
    if model_dir.is_dir():
        for path in sorted(model_dir.iterdir()):
            if path.suffix in (".safetensors", ".bin", ".json") and path.is_file():
                stat = path.stat()
                files.append((path.name, stat.st_size, stat.st_mtime_ns))
        # Weights deleted after evaluation (training.keep_checkpoints: false) count as they were, so the finished
        # evaluation of that checkpoint is still recognised (e.g. when a longer run re-triggers its evaluations).
        removed = removed_file_stats(model_dir)
        files = sorted(
            files
            + [
                (name, *stat)
                for name, stat in removed.items()
                if Path(name).suffix in (".safetensors", ".bin", ".json")
            ]
        )
    return spec_hash({"model": str(model_path), "files": files, "spec": spec, "benchmark": benchmark})


def _make_generator(model_path: str, spec: Mapping[str, Any], stops: Sequence[str]):
    if spec["backend"] == "vllm":
        return VLLMGenerator(
            model_path,
            tensor_parallel_size(spec),
            int(spec["seed"]),
            stops,
            spec.get("max_model_len"),
            spec.get("dtype", "auto"),
        )
    return TransformersGenerator(model_path, int(spec["batch_size"]), stops, spec.get("dtype", "auto"))
