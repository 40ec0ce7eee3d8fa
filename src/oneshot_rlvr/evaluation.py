"""Evaluate one checkpoint on every enabled benchmark with the paper's protocol.

One job per checkpoint: all benchmarks are generated and graded here. Each finished benchmark leaves its
responses and metrics on disk, so an interrupted evaluation resumes without regenerating them.
Backends: vLLM (GPU, `evaluation.backend: vllm`) and transformers batched generation (CPU or GPU); both use
the same prompts, stop strings, sampling settings and grading.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from math import comb
from pathlib import Path
from typing import Any

from oneshot_rlvr.io import atomic_write_json, atomic_write_jsonl

REFLECTION_WORDS = ("rethink", "recheck", "recalculate")


class EvaluationError(RuntimeError):
    """The model or the benchmark cannot be evaluated; the message names the path."""


# ----------------------------------------------------------------------------------------------------------
# Metrics
# ----------------------------------------------------------------------------------------------------------


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k estimator (Chen et al., 2021) from n samples with c correct."""
    if n - c < k:
        return 1.0
    return 1.0 - comb(n - c, k) / comb(n, k)


def benchmark_metrics(rows: Sequence[Mapping[str, Any]], n_samples: int) -> dict[str, Any]:
    """Accuracy (mean over all samples, i.e. avg@n), pass@k, maj@n, and response statistics."""
    by_problem: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        by_problem.setdefault(str(row["id"]), []).append(row)
    accuracy = 100.0 * sum(bool(row["correct"]) for row in rows) / max(len(rows), 1)
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
    return {
        "accuracy": accuracy,
        "n_problems": len(by_problem),
        "n_samples": n_samples,
        "n_responses": len(rows),
        "pass_at_k": pass_k,
        "maj_at_n": 100.0 * majority_correct / max(len(by_problem), 1),
        "mean_response_tokens": sum(int(row.get("response_tokens", 0)) for row in rows) / max(len(rows), 1),
        "boxed_rate": 100.0 * sum("\\boxed" in text for text in texts) / max(len(texts), 1),
        "reflection_words": {
            word: sum(len(re.findall(word, text, flags=re.IGNORECASE)) for text in texts) for word in REFLECTION_WORDS
        },
        "subjects": {name: 100.0 * sum(hits) / len(hits) for name, hits in sorted(subjects.items())},
        "timeouts": sum(bool(row.get("timed_out")) for row in rows),
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


def grade_rows(rows: list[dict[str, Any]], is_arc: bool, grader: str) -> None:
    """Add `extracted`, `correct` (and `timed_out`) to each response row, in place."""
    from oneshot_rlvr import grading

    if is_arc:
        for row in rows:
            row["extracted"] = arc_letter(row["response"])
            row["correct"] = row["extracted"] == row["answer"]
            row["timed_out"] = False
        return
    verdicts = grading.grade_many([r["response"] for r in rows], [r["answer"] for r in rows], mode=grader)
    for row, verdict in zip(rows, verdicts, strict=True):
        row["extracted"] = verdict.extracted
        row["correct"] = bool(verdict.correct)
        row["timed_out"] = bool(verdict.timed_out)


# ----------------------------------------------------------------------------------------------------------
# Generation backends
# ----------------------------------------------------------------------------------------------------------


def cut_at_stop(text: str, stops: Sequence[str]) -> str:
    """Cut a response at the first stop string, as the authors' evaluation does."""
    positions = [text.find(stop) for stop in stops if stop in text]
    return text[: min(positions)] if positions else text


class TransformersGenerator:
    """Batched generation with transformers (left padding); greedy at temperature 0, else seeded sampling."""

    def __init__(self, model_path: str, batch_size: int):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.torch = torch
        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        self.tokenizer = AutoTokenizer.from_pretrained(model_path)
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        dtype = "auto" if self.device == "cuda" else torch.float32
        self.model = AutoModelForCausalLM.from_pretrained(model_path, dtype=dtype).to(self.device).eval()
        self.batch_size = batch_size
        self.stop_ids = _stop_token_ids(self.tokenizer, self.model.generation_config)

    def generate(
        self, prompts: Sequence[str], temperature: float, max_new_tokens: int, seed: int
    ) -> list[tuple[str, int]]:
        from tqdm import tqdm

        torch = self.torch
        torch.manual_seed(seed)
        outputs: list[tuple[str, int]] = []
        for start in tqdm(range(0, len(prompts), self.batch_size), desc="generate", leave=False):
            batch = list(prompts[start : start + self.batch_size])
            encoded = self.tokenizer(batch, return_tensors="pt", padding=True, add_special_tokens=False).to(self.device)
            sampling = {"do_sample": True, "temperature": temperature, "top_p": 1.0, "top_k": 0}
            greedy = {"do_sample": False, "temperature": None, "top_p": None, "top_k": None}
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
                length = next((i + 1 for i, token in enumerate(row) if token in self.stop_ids), len(row))
                text = self.tokenizer.decode(row[:length], skip_special_tokens=True)
                outputs.append((text, length))
        return outputs


class VLLMGenerator:
    """vLLM generation (GPU): one LLM per job, tensor parallel over the job's GPUs, explicit SamplingParams."""

    def __init__(self, model_path: str, tensor_parallel_size: int, seed: int, max_model_len: int | None = None):
        try:
            from vllm import LLM
        except ImportError as error:  # pragma: no cover - GPU path
            raise EvaluationError(
                "evaluation.backend is vllm but vLLM is not installed (pip install '.[gpu]')"
            ) from error
        self.llm = LLM(
            model=model_path,
            tensor_parallel_size=max(tensor_parallel_size, 1),
            seed=seed,
            max_model_len=max_model_len,
            trust_remote_code=True,
        )
        self.tokenizer = self.llm.get_tokenizer()
        self.stop_ids = _stop_token_ids(self.tokenizer, None)

    def generate(
        self, prompts: Sequence[str], temperature: float, max_new_tokens: int, seed: int
    ) -> list[tuple[str, int]]:
        from vllm import SamplingParams  # pragma: no cover - GPU path

        from oneshot_rlvr.prompts import EVAL_STOP_STRINGS

        params = SamplingParams(
            temperature=temperature,
            top_p=1.0,
            max_tokens=max_new_tokens,
            n=1,
            seed=None,
            stop=EVAL_STOP_STRINGS,
            stop_token_ids=self.stop_ids,
        )
        results = self.llm.generate(list(prompts), params)
        return [(result.outputs[0].text, len(result.outputs[0].token_ids)) for result in results]


def _stop_token_ids(tokenizer, generation_config) -> list[int]:
    from oneshot_rlvr.prompts import EVAL_STOP_STRINGS

    ids: set[int] = set()
    for token in EVAL_STOP_STRINGS:
        token_id = tokenizer.convert_tokens_to_ids(token)
        if isinstance(token_id, int) and token_id != getattr(tokenizer, "unk_token_id", None) and token_id >= 0:
            ids.add(token_id)
    if tokenizer.eos_token_id is not None:
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
    from oneshot_rlvr.prompts import EVAL_STOP_STRINGS, eval_prompt

    model_dir = Path(model_path)
    if not model_dir.exists() and (model_path.startswith((".", "/")) or model_path.startswith("results")):
        raise EvaluationError(f"model path {model_path} does not exist")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.time()
    generator = None
    summary: dict[str, Any] = {}
    for name in data.ALL_BENCHMARKS:
        settings = spec["benchmarks"].get(name, {})
        if not settings.get("enabled", True):
            summary[name] = {"status": "not run", "reason": "disabled in config"}
            continue
        metrics_path = out_dir / f"{name}.metrics.json"
        fingerprint = _fingerprint(model_path, spec, name)
        if metrics_path.exists():
            previous = json.loads(metrics_path.read_text())
            if previous.get("fingerprint") == fingerprint:
                summary[name] = previous
                continue
        try:
            problems = data.load_benchmark(name, Path(data_dir), limit=settings.get("limit"))
        except data.DataError as error:
            summary[name] = {"status": "not run", "reason": str(error)}
            continue
        if generator is None:
            generator = _make_generator(model_path, spec)
        n_samples = int(settings.get("n_samples", 1))
        temperature = float(settings.get("temperature", 0.0))
        is_arc = name in data.ARC_BENCHMARKS
        prompts = [eval_prompt(p["question"], spec["model"]["prompt_template"], arc=is_arc) for p in problems]
        # Like the authors' x8 files: the whole test set repeated n times, in order.
        expanded = [
            (sample, problem, prompt)
            for sample in range(n_samples)
            for problem, prompt in zip(problems, prompts, strict=True)
        ]
        outputs = generator.generate(
            [p for _, _, p in expanded], temperature, int(spec["max_new_tokens"]), int(spec["seed"])
        )
        rows = []
        for (sample, problem, prompt), (text, length) in zip(expanded, outputs, strict=True):
            rows.append(
                {
                    "id": problem["id"],
                    "sample": sample,
                    "subject": problem.get("subject"),
                    "prompt": prompt,
                    "response": cut_at_stop(text, EVAL_STOP_STRINGS),
                    "response_tokens": length,
                    "answer": problem["answer"],
                }
            )
        grade_rows(rows, is_arc, spec["grader"])
        atomic_write_jsonl(out_dir / f"{name}.jsonl", rows)
        metrics = {
            "status": "ok",
            "benchmark": name,
            "temperature": temperature,
            "decoding": "greedy" if temperature == 0 else f"avg@{n_samples}, T={temperature}",
            "grader": "letter" if is_arc else spec["grader"],
            "responses_file": f"{name}.jsonl",
            "fingerprint": fingerprint,
            **benchmark_metrics(rows, n_samples),
        }
        atomic_write_json(metrics_path, metrics)
        summary[name] = metrics
    math_scores = [summary[name]["accuracy"] for name in data.MATH_BENCHMARKS if summary[name].get("status") == "ok"]
    result = {
        "run": run,
        "step": step,
        "model": str(model_path),
        "backend": spec["backend"],
        "grader": spec["grader"],
        "benchmarks": summary,
        "math_average": sum(math_scores) / len(math_scores) if len(math_scores) == len(data.MATH_BENCHMARKS) else None,
        "wall_time_s": round(time.time() - started, 1),
    }
    atomic_write_json(out_dir / "metrics.json", result)
    return result


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
    return spec_hash({"model": str(model_path), "files": files, "spec": spec, "benchmark": benchmark})


def _make_generator(model_path: str, spec: Mapping[str, Any]):
    if spec["backend"] == "vllm":
        return VLLMGenerator(model_path, int(spec.get("gpus", 1)), int(spec["seed"]))
    return TransformersGenerator(model_path, int(spec["batch_size"]))
