"""Grading throughput and agreement on the benchmark gold answers.

For every gold answer of the six evaluation benchmarks, responses are generated with rewrites
that keep the value (boxed in a sentence, ``\\dfrac``, extra spaces, trailing period) and rewrites
that change it (integer + 1, flipped sign).  Each mode grades all of them with ``grade_many`` on
2 workers; the script prints throughput, the slowest 1% single-pair latency (p99 of ``grade_answer``
on a sample) and the number of timeouts (all three per mode, also in the summary line), how often the
expected verdict was reproduced, and how many
verdicts the modes disagree on.  A second part grades only *easy* responses (a boxed integer or decimal
answer, right or wrong, as most real responses are) and prints each mode's throughput on them.  It ends
with one summary line.

    python benchmarks/bench_grading.py [--data-dir ../shared/data] [--workers 2] [--latency-sample 300]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path

from oneshot_rlvr import grading
from oneshot_rlvr.grading import GRADER_MODES, grade_answer, grade_many, last_boxed, shutdown_pool

BENCHMARKS = ("math500", "minerva_math", "olympiadbench", "aime24", "aime25", "amc23")
INT_RE = re.compile(r"-?\d+")
NO_FLIP = (",", "=", "\\pm", "\\cup", "\\infty", "\\text", "or", "\\le", "\\ge", "<", ">")
SIMPLE_FRAC_RE = re.compile(r"\\frac\{([^{}]+)\}\{([^{}]+)\}")
DECIMAL_RE = re.compile(r"-?\d+\.\d+")


def load_golds(data_dir: Path) -> list[tuple[str, str]]:
    """``(benchmark, gold)`` pairs, with the gold chosen as the authors' evaluation does."""
    golds: list[tuple[str, str]] = []
    for name in BENCHMARKS:
        path = data_dir / "benchmarks" / name / "test.jsonl"
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    continue
                row = json.loads(line)
                if name in ("math500", "minerva_math"):
                    gold = last_boxed(row["solution"])
                elif name == "olympiadbench":
                    gold = row["final_answer"][0].strip("$")
                else:
                    answer = row["answer"]
                    if isinstance(answer, float) and answer.is_integer():
                        answer = int(answer)
                    gold = str(answer)
                if gold is not None:
                    golds.append((name, gold))
    return golds


def make_cases(golds: list[tuple[str, str]]) -> list[tuple[str, str, str, bool]]:
    """``(benchmark, response, gold, expected_correct_under_default)``."""
    cases = []
    for name, gold in golds:
        cases.append((name, f"So the final answer is $\\boxed{{{gold}}}$.", gold, True))
        if "\\frac" in gold:
            dfrac = gold.replace("\\frac", "\\dfrac")
            cases.append((name, f"Thus \\boxed{{{dfrac}}}", gold, True))
        spaced = gold.replace(",", ", ").replace("+", " + ").replace("=", " = ")
        if spaced != gold:
            cases.append((name, f"\\boxed{{ {spaced} }}", gold, True))
        cases.append((name, f"Answer: \\boxed{{{gold}}}.", gold, True))
        if INT_RE.fullmatch(gold.strip()):
            cases.append((name, f"\\boxed{{{int(gold) + 1}}}", gold, False))
            if int(gold) != 0:
                cases.append((name, f"\\boxed{{{-int(gold)}}}", gold, False))
        frac = SIMPLE_FRAC_RE.sub(r"(\1)/(\2)", gold)
        if SIMPLE_FRAC_RE.fullmatch(gold.strip()):
            cases.append((name, f"\\boxed{{{frac}}}", gold, True))
        flippable = gold.strip() not in ("", "0") and not any(tok in gold for tok in NO_FLIP)
        if flippable:
            cases.append((name, f"\\boxed{{-\\left({gold}\\right)}}", gold, False))
        cases.append((name, "I could not finish the computation.", gold, False))
    return cases


def main(argv: list[str] | None = None) -> int:
    repo = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=repo.parent / "shared" / "data")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--latency-sample", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--easy-responses", type=int, default=20000)
    args = parser.parse_args(argv)

    golds = load_golds(args.data_dir)
    cases = make_cases(golds)
    responses = [c[1] for c in cases]
    gold_texts = [c[2] for c in cases]
    print(f"{len(golds)} gold answers, {len(cases)} responses")

    verdicts = {}
    summary = []
    for mode in GRADER_MODES:
        shutdown_pool()  # every mode pays its own worker start-up
        start = time.perf_counter()
        result = grade_many(responses, gold_texts, mode=mode, workers=args.workers, timeout_s=args.timeout)
        elapsed = time.perf_counter() - start
        verdicts[mode] = result
        timeouts = sum(v.timed_out for v in result)
        agree = sum(v.correct == c[3] for v, c in zip(result, cases, strict=True))
        # per-pair latency on a sample (cache-free: fresh pool, single-pair calls)
        rng = random.Random(args.seed)
        sample = rng.sample(range(len(cases)), min(args.latency_sample, len(cases)))
        latencies = []
        grading._RESULT_CACHE.clear()  # measure real work, not cache hits
        for index in sample:
            t0 = time.perf_counter()
            grade_answer(responses[index] + " ", gold_texts[index] + " ", mode=mode, timeout_s=args.timeout)
            latencies.append(time.perf_counter() - t0)
        latencies.sort()
        p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)] if latencies else float("nan")
        rate = len(cases) / elapsed
        print(
            f"[{mode:10s}] {rate:9.1f} responses/s ({elapsed:6.2f} s), p99 latency {p99 * 1000:8.1f} ms, "
            f"timeouts {timeouts}, matches default expectation {agree}/{len(cases)}"
        )
        summary.append(f"{mode}={rate:.0f}/s,p99={p99 * 1000:.1f}ms,timeouts={timeouts}")
        if mode == "default":
            pairs = list(zip(result, cases, strict=True))
            misses = [(c[0], c[2], c[1], v.correct) for v, c in pairs if v.correct != c[3]]
            misses += [(c[0], c[2], c[1], "timeout") for v, c in pairs if v.timed_out]
            for name, gold, response, got in misses[:15]:
                print(f"    unexpected {got!s:5s} {name:13s} gold={gold!r} response={response[:80]!r}")
    easy = [
        (c[1], c[2])
        for c in cases
        if any(rx.fullmatch(c[2].strip()) for rx in (INT_RE, DECIMAL_RE))
        and any(rx.fullmatch((last_boxed(c[1]) or "x").strip()) for rx in (INT_RE, DECIMAL_RE))
    ]
    easy = (easy * (1 + args.easy_responses // max(len(easy), 1)))[: args.easy_responses]
    easy_rates = []
    for mode in GRADER_MODES:
        shutdown_pool()  # so "workers started" counts this part's workers only
        grading._RESULT_CACHE.clear()
        start = time.perf_counter()
        result = grade_many([e[0] for e in easy], [e[1] for e in easy], mode=mode, workers=args.workers)
        rate = len(easy) / (time.perf_counter() - start)
        easy_rates.append(f"{mode}={rate:.0f}/s")
        print(
            f"[easy {mode:10s}] {rate:9.1f} responses/s on {len(easy)} boxed numeric responses, "
            f"workers started: {len(grading.worker_pids())}, timeouts {sum(v.timed_out for v in result)}"
        )
    modes = list(GRADER_MODES)
    disagreements = []
    for i, first in enumerate(modes):
        for second in modes[i + 1 :]:
            pairs = zip(verdicts[first], verdicts[second], strict=True)
            count = sum(a.correct != b.correct for a, b in pairs)
            disagreements.append(f"{first}/{second}={count}")
            print(f"verdicts differing {first} vs {second}: {count}")
    total_timeouts = sum(v.timed_out for mode in modes for v in verdicts[mode])
    shutdown_pool()
    print(
        f"SUMMARY responses={len(cases)} {' '.join(summary)} timeouts={total_timeouts} "
        f"disagree[{' '.join(disagreements)}] easy[{' '.join(easy_rates)}]"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
