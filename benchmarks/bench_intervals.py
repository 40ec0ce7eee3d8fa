"""Time Table 1's report at paper scale with intervals: 7 rows, each with a best and a later checkpoint, every
benchmark at its real size (MATH500 500, AIME24 30 x 8, AMC23 40 x 8, Minerva 272, OlympiadBench 675,
AIME25 30 x 8, ARC-E/-C greedy), random verdicts; prints the wall time of `table1.table1` and of one interval.

    PYTHONPATH=src python benchmarks/bench_intervals.py [--resamples 10000]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from oneshot_rlvr import intervals
from oneshot_rlvr.tables import table1

SIZES = {"math500": (500, 1), "aime24": (30, 8), "amc23": (40, 8), "minerva_math": (272, 1),
         "olympiadbench": (675, 1), "aime25": (30, 8), "arc_e": (2376, 1), "arc_c": (1172, 1)}  # fmt: skip
ROWS = ["base", "math_train", "dsr_sub", "dsr_sub_format_reward", "pi1", "pi13", "pi1_pi13"]


def write_checkpoint(folder: Path, run: str, step: int, rng: np.random.Generator) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    benchmarks = {}
    for name, (problems, samples) in SIZES.items():
        p = rng.uniform(0.1, 0.8)
        rows = []
        for sample in range(samples):
            for problem in range(problems):
                strict = bool(rng.random() < p)
                lenient = strict or bool(rng.random() < 0.05)
                verdicts = {"default": strict, "qwen_eval": lenient}
                rows.append({"id": str(problem), "sample": sample, "correct": strict, "by_grader": verdicts})
        (folder / f"{name}.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
        accuracy = 100 * np.mean([r["correct"] for r in rows])
        qwen = 100 * np.mean([r["by_grader"]["qwen_eval"] for r in rows])
        benchmarks[name] = {"status": "ok", "accuracy": accuracy, "grader": "default", "decoding": "greedy",
                            "accuracy_by_grader": {"default": accuracy, "qwen_eval": qwen},
                            "grader_disagreements": {"qwen_eval": int(sum(r["correct"] != r["by_grader"]["qwen_eval"]
                                                                          for r in rows))},
                            "responses_file": f"{name}.jsonl"}  # fmt: skip
    path = folder / "metrics.json"
    path.write_text(json.dumps({"run": run, "step": step, "grader": "default", "benchmarks": benchmarks}))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--resamples", type=int, default=intervals.RESAMPLES)
    args = parser.parse_args()
    from oneshot_rlvr.comparison import Bootstrap

    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        rows = {}
        for row in ROWS:
            steps = [0] if row == "base" else [100, 2000]
            rows[row] = [write_checkpoint(Path(tmp) / row / str(step), row, step, rng) for step in steps]
        started = time.perf_counter()
        records = table1.table1(rows, "Qwen2.5-Math-1.5B", "paper", bootstrap=Bootstrap(args.resamples))
        elapsed = time.perf_counter() - started
        math = intervals.read_outcomes(rows["pi1"][0], "olympiadbench")
        one = time.perf_counter()
        intervals.bootstrap_accuracy(math, args.resamples)
        single = time.perf_counter() - one
    print(f"table1: {len(records)} cells, {len(ROWS)} rows, {args.resamples} resamples: {elapsed:.1f} s")
    print(f"one interval (OlympiadBench, 675 problems): {single * 1000:.0f} ms")


if __name__ == "__main__":
    main()
