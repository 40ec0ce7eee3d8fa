"""The evaluation protocol of one benchmark: its settings with defaults filled in, and how they are labelled."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

BENCHMARK_DEFAULTS: dict[str, Any] = {"enabled": True, "n_samples": 1, "temperature": 0.0, "limit": None}


class EvaluationError(RuntimeError):
    """The model or the benchmark cannot be evaluated; the message names the path."""


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
