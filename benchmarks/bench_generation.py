"""Tokens per second of the CPU (transformers) generation backend on the tiny model at batch sizes 1, 8, 32.

    python benchmarks/bench_generation.py [--model results/models/tiny] [--data-dir ../shared/data]

Builds the tiny model from config/tiny.yaml if --model does not exist. Prints one line per batch size and a
SUMMARY line to compare across commits.
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=str(REPO / "results" / "models" / "tiny"))
    parser.add_argument("--data-dir", default=str(REPO.parent / "shared" / "data"))
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--prompts", type=int, default=64)
    args = parser.parse_args()

    import torch

    from oneshot_rlvr import config as oc
    from oneshot_rlvr import data
    from oneshot_rlvr.evaluation import TransformersGenerator
    from oneshot_rlvr.prompts import EVAL_STOP_STRINGS, eval_prompt
    from oneshot_rlvr.tiny_model import build_tiny_model

    model = Path(args.model)
    if not model.exists():
        settings = oc.load_config([REPO / "config" / "tiny.yaml"])["tiny_model"]
        model = build_tiny_model(Path(tempfile.mkdtemp()) / "tiny", Path(args.data_dir), settings)
    problems = data.load_benchmark("math500", Path(args.data_dir), limit=args.prompts)
    prompts = [eval_prompt(p["question"], "qwen25-math-cot") for p in problems]
    results = {}
    for batch_size in (1, 8, 32):
        generator = TransformersGenerator(str(model), batch_size, EVAL_STOP_STRINGS)
        generator.stop_ids = [-1]  # measure full-length generation: never stop early
        count = min(len(prompts), max(8, batch_size * 2))
        start = time.perf_counter()
        outputs = generator.generate(prompts[:count], 0.6, 1.0, args.new_tokens, seed=0)
        elapsed = time.perf_counter() - start
        tokens = sum(output.tokens for output in outputs)
        results[batch_size] = tokens / elapsed
        print(
            f"batch={batch_size:<3d} prompts={count:<3d} tokens={tokens:<6d} seconds={elapsed:7.2f} "
            f"tokens_per_s={tokens / elapsed:9.1f}"
        )
    print(
        f"SUMMARY generation cpu threads={torch.get_num_threads()} python={platform.python_version()} "
        f"torch={torch.__version__} " + " ".join(f"bs{b}={v:.0f}tok/s" for b, v in results.items())
    )


if __name__ == "__main__":
    main()
