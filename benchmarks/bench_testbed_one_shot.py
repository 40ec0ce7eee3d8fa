"""One 1-shot RLVR run on the CPU testbed, outside Snakemake but through the same functions the DAG's jobs call
(`write_testbed_data`, `build_testbed_model`, `training.train`, `evaluate_checkpoint`): the base model and every
saved checkpoint decomposed into boxed rate, accuracy in any format, accuracy as graded and worked-steps share, each
with a 95% bootstrap interval and the paired difference to the base; per type at the last step; the last step
against the first evaluated step after the training reward's peak; the most frequent final answers.

    python benchmarks/bench_testbed_one_shot.py DIR [--type add4] [--seed N] [--set key=value ...] [--no-forced-styles]
    python benchmarks/bench_testbed_one_shot.py DIR --pool-sampling N   (the base's sampled accuracy only)

DIR keeps the data, model and runs (a second call reuses what is there). The example is the pool's first problem of
`--type`, duplicated to the batch as for pi1; settings are config/testbed.yaml's (`--set` overrides them).
"""

from __future__ import annotations

import argparse
import collections
import math
import re
import sys
import time
from pathlib import Path

from oneshot_rlvr import config as oc
from oneshot_rlvr import data, selection
from oneshot_rlvr.evaluation import evaluate_checkpoint
from oneshot_rlvr.io import read_jsonl
from oneshot_rlvr.testbed import analysis, files
from oneshot_rlvr.testbed.model import build_testbed_model
from oneshot_rlvr.training import read_train_log, train

_INTEGER = re.compile(r"-?\d+")


def evaluated(config: dict, model: Path, root: Path, run: str, step: int) -> analysis.Outcomes:
    out = root / "eval" / run / f"step{step}"
    if not (out / "metrics.json").is_file():
        evaluate_checkpoint(str(model), oc.evaluation_spec(config, "base"), root / "data", out, run, step)
    return analysis.read_outcomes(out / "metrics.json")


def row(label: str, outcomes: analysis.Outcomes, base: analysis.Outcomes | None) -> str:
    cells = [analysis.measure(outcomes, name).format() for name in analysis.MEASURES]
    if base is not None:
        cells += [analysis.difference(outcomes, base, name).format() for name in ("any_format", "graded")]
    else:
        cells += ["–", "–"]
    return f"| {label} | {outcomes.step} | " + " | ".join(cells) + " |"


def top_answers(outcomes_dir: Path, count: int = 3) -> str:
    answers: collections.Counter = collections.Counter()
    for path in sorted(outcomes_dir.glob("*.jsonl")):
        for record in read_jsonl(path):
            numbers = _INTEGER.findall(str(record["response"]))
            answers[numbers[-1] if numbers else None] += 1
    total = sum(answers.values())
    return ", ".join(f"{answer} ({100 * n / total:.1f} %)" for answer, n in answers.most_common(count))


def style_accuracy(model_dir: Path, data_dir: Path, types: list[str], problems: int = 100) -> None:
    """Greedy accuracy of the base model when its first characters are forced to each style's marker (`": "` for
    worked steps, `"="` for direct): which style the model can actually do, on the first `problems` of each
    benchmark."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from oneshot_rlvr.prompts import eval_prompt
    from oneshot_rlvr.testbed.model import TEMPLATE
    from oneshot_rlvr.testbed.tasks import STYLE_MARKERS, final_number

    model, tokenizer = AutoModelForCausalLM.from_pretrained(model_dir), AutoTokenizer.from_pretrained(model_dir)
    tokenizer.padding_side = "left"
    model.eval()
    for kind in types:
        rows = data.load_benchmark(kind, data_dir, limit=problems)
        cells = []
        for style, marker in STYLE_MARKERS.items():
            prompts = [eval_prompt(r["question"], TEMPLATE) + marker for r in rows]
            batch = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
            with torch.no_grad():
                out = model.generate(**batch, max_new_tokens=50, do_sample=False)
            texts = tokenizer.batch_decode(out[:, batch["input_ids"].shape[1] :], skip_special_tokens=True)
            right = sum(final_number(marker + t) == int(r["answer"]) for t, r in zip(texts, rows, strict=True))
            cells.append(f"{style} {100 * right / len(rows):.0f} %")
        print(f"  {kind}: " + ", ".join(cells) + f" ({len(rows)} problems)")


def pool_sampling(model_dir: Path, data_dir: Path, problems: int, temperatures: list[float], samples: int = 8) -> None:
    """How often the base model's *sampled* answers (any format) are right on the first `problems` pool problems, at
    each rollout temperature: the training reward a 1-shot run can reach once every sample is boxed, without
    memorising its example's answer."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from oneshot_rlvr.prompts import eval_prompt
    from oneshot_rlvr.testbed.model import TEMPLATE
    from oneshot_rlvr.testbed.tasks import final_number, response_style

    model, tokenizer = AutoModelForCausalLM.from_pretrained(model_dir), AutoTokenizer.from_pretrained(model_dir)
    tokenizer.padding_side = "left"
    model.eval()
    pool = data.load_dsr_sub(data_dir).iloc[:problems]
    questions = [prompt[0]["content"] for prompt in pool["prompt"]]
    answers = [int(reward["ground_truth"]) for reward in pool["reward_model"]]
    batch = tokenizer([eval_prompt(q, TEMPLATE) for q in questions], return_tensors="pt", padding=True,
                      add_special_tokens=False)  # fmt: skip
    with torch.no_grad():
        greedy_out = model.generate(**batch, max_new_tokens=40, do_sample=False)
    greedy = [final_number(text) == answer for text, answer in zip(
        tokenizer.batch_decode(greedy_out[:, batch["input_ids"].shape[1] :], skip_special_tokens=True), answers,
        strict=True)]  # fmt: skip
    print(f"greedy: right (any format) {100 * sum(greedy) / len(greedy):.1f} % of {len(greedy)} pool problems")
    for temperature in temperatures:
        torch.manual_seed(0)
        with torch.no_grad():
            out = model.generate(**batch, max_new_tokens=40, do_sample=True, temperature=temperature, top_k=0,
                                 top_p=1.0, num_return_sequences=samples)  # fmt: skip
        texts = tokenizer.batch_decode(out[:, batch["input_ids"].shape[1] :], skip_special_tokens=True)
        right = [sum(final_number(texts[i * samples + j]) == answers[i] for j in range(samples)) / samples
                 for i in range(len(questions))]  # fmt: skip
        boxed = sum("\\boxed" in text for text in texts) / len(texts)
        print(f"temperature {temperature}: sampled answers right (any format) {100 * sum(right) / len(right):.1f} % "
              f"over {len(right)} pool problems x {samples}; boxed {100 * boxed:.1f} %; problems right in >= 6 of "
              f"{samples} samples: {100 * sum(r >= 0.75 for r in right) / len(right):.1f} %; pool index 0 "
              f"({questions[0]} = {answers[0]}): {100 * right[0]:.0f} %")  # fmt: skip
        # The room for a skill gain: problems the greedy answer gets wrong but some sample gets right (what
        # reinforcing right samples could turn into greedy answers), against the reverse.
        gain = sum(not g and r > 0 for g, r in zip(greedy, right, strict=True)) / len(right)
        loss = sum(g and r < 0.5 for g, r in zip(greedy, right, strict=True)) / len(right)
        print(f"  pass@{samples} {100 * sum(r > 0 for r in right) / len(right):.1f} %; greedy wrong but >= 1 sample "
              f"right: {100 * gain:.1f} % of problems; greedy right but most samples wrong: {100 * loss:.1f} %")
        # Are the right samples a procedure some problems get and others do not, or independent guesses at one
        # rate? Per-problem counts of right samples against the binomial of the mean rate.
        rate = sum(right) / len(right)
        counts = collections.Counter(round(r * samples) for r in right)
        observed = " ".join(f"{k}:{100 * counts[k] / len(right):.0f}" for k in range(samples + 1))
        expected = " ".join(f"{k}:{100 * math.comb(samples, k) * rate**k * (1 - rate) ** (samples - k):.0f}"
                            for k in range(samples + 1))  # fmt: skip
        print(f"  problems (%) by right samples of {samples}: observed {observed}; binomial at {100 * rate:.1f} %: "
              f"{expected}")
        styles = collections.Counter(response_style(text) for text in texts)
        worked = [final_number(t) == answers[i // samples] for i, t in enumerate(texts) if response_style(t) == "steps"]
        near = sum(abs((final_number(t) or -99) - answers[i // samples]) <= 1 for i, t in enumerate(texts))
        print(f"  samples worked in steps {100 * styles['steps'] / len(texts):.1f} % (right "
              f"{100 * sum(worked) / max(len(worked), 1):.0f} % of them); answer within 1 of the truth "
              f"{100 * near / len(texts):.1f} %")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--type", default="add4", help="task type of the training example")
    parser.add_argument("--seed", type=int, help="training.seed of the run (default: the configured one)")
    parser.add_argument("--set", nargs="*", default=[], help="config overrides key=value")
    parser.add_argument("--no-forced-styles", action="store_true", help="skip the base's forced-style accuracy")
    parser.add_argument("--pool-sampling", type=int, metavar="N",
                        help="only print the base's sampled accuracy on the first N pool problems, then stop")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    overrides = [f"data_dir={root / 'data'}", f"models.testbed.path={root / 'model'}", *args.set]
    if args.seed is not None:
        overrides.append(f"training.seed={args.seed}")
    config = oc.load_config([oc.REPO_ROOT / "config" / "testbed.yaml"], overrides)
    settings = config["testbed"]
    started = time.perf_counter()
    if not (root / "data" / files.MANIFEST_FILE).is_file():
        files.write_testbed_data(root / "data", {k: v for k, v in settings.items() if k != "model"})
    if not (root / "model").is_dir():
        build_testbed_model(root / "model", root / "data", settings["model"])
    print(f"data and model: {time.perf_counter() - started:.0f} s")
    if args.pool_sampling:
        temperatures = sorted({float(config["training"]["temperature"]), 1.0})
        pool_sampling(root / "model", root / "data", args.pool_sampling, temperatures)
        return 0
    base = evaluated(config, root / "model", root, "base", 0)
    if not args.no_forced_styles:
        print("base model, greedy accuracy in any format with the first characters forced to a style:")
        style_accuracy(root / "model", root / "data", list(settings["types"]))

    pool = data.load_dsr_sub(root / "data")
    index = next(int(info["index"]) for info in pool["extra_info"] if info["type"] == args.type)
    example = pool.iloc[index]
    print(f"example: pool index {index}, {example['prompt'][0]['content']} = {example['reward_model']['ground_truth']}")
    run = f"one_shot_{args.type}" + ("" if args.seed is None else f"_seed{args.seed}")
    dataset = root / f"{run}.parquet"
    selection.duplicate_to_batch(pool.iloc[[index]], int(config["selection"]["batch_size"])).to_parquet(dataset)
    spec = {**oc.training_spec(config, "pi1"), "run": run}
    checkpoints = root / run / "checkpoints"
    if not (root / run / "done.json").is_file():
        started = time.perf_counter()
        train(spec, dataset, checkpoints, root / run / "done.json")
        print(f"training: {time.perf_counter() - started:.0f} s")
    curve = analysis.reward_curve(read_train_log(checkpoints))
    print("training reward by step: " + " ".join(f"{value:.2f}" for _, value in curve))
    peak_reward = max(value for _, value in curve)
    print(f"saturation (3-step mean >= 0.9) at step {analysis.saturation_step(curve)}; peak {peak_reward:.2f}")

    steps = [step for step in oc.evaluated_steps(config, "pi1") if step > 0]
    outcomes = {step: evaluated(config, checkpoints / f"checkpoint-{step}", root, run, step) for step in steps}
    print("\n| row | step | " + " | ".join(analysis.MEASURE_TITLES[m] for m in analysis.MEASURES)
          + " | any format − base | graded − base |")  # fmt: skip
    print("|---|---|" + "---|" * (len(analysis.MEASURES) + 2))
    print(row("base", base, None))
    for step in steps:
        print(row(run, outcomes[step], base))
    last = outcomes[steps[-1]]
    print(f"\nper type at step {last.step} (graded = any format when every response is boxed):")
    for benchmark in last.benchmarks():
        part, before = last.select([benchmark]), base.select([benchmark])
        graded, skill = analysis.measure(part, "graded"), analysis.measure(part, "any_format")
        print(f"  {benchmark}: graded {graded.format()}, any format {skill.format()} "
              f"(base {analysis.measure(before, 'any_format').format()})")  # fmt: skip
    peak = max(steps, key=lambda step: analysis.measure(outcomes[step], "graded").estimate)
    for name in ("graded", "any_format"):
        change = analysis.difference(last, outcomes[peak], name)
        print(f"last step - best step {peak}, {name}: {change.format()} points")
    print("most frequent final answers: base " + top_answers(root / "eval" / "base" / "step0")
          + f"; step {last.step} " + top_answers(root / "eval" / run / f"step{last.step}"))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
