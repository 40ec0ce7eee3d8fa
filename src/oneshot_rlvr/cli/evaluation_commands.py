"""Evaluation: checkpoints and runs on the benchmarks, grading a JSONL, and what produced a metrics file."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from oneshot_rlvr import manifest
from oneshot_rlvr.cli.arguments import (
    add_config_args,
    command,
    evaluation_spec_from,
    non_negative_int,
    non_negative_ints,
    positive_int,
)
from oneshot_rlvr.evaluation import evaluate_checkpoint, evaluate_run
from oneshot_rlvr.grading import GRADER_MODES, grade_jsonl
from oneshot_rlvr.tables.metrics import metrics_files
from oneshot_rlvr.training.checkpoints import release_weights


def cmd_evaluate(args: argparse.Namespace) -> None:
    spec = evaluation_spec_from(args)
    result = evaluate_checkpoint(args.model, spec, Path(args.data_dir), Path(args.out_dir), args.run, args.step)
    scores = {name: round(b["accuracy"], 1) for name, b in result["benchmarks"].items() if b.get("status") == "ok"}
    print(json.dumps({"run": args.run, "step": args.step, "accuracy": scores}))
    if args.release_weights:
        _release_weights([Path(args.model)])


def _release_weights(models: list[Path]) -> None:
    """`training.keep_checkpoints: false`: the evaluated checkpoints' weights go (never a run's newest)."""
    for model in models:
        removed = release_weights(model)
        print(f"{model}: " + (f"deleted {', '.join(removed)} (evaluated)" if removed else "weights kept"), flush=True)


def cmd_evaluate_run(args: argparse.Namespace) -> None:
    steps = non_negative_ints(args.steps, f"--steps {args.steps!r} must be comma-separated integers, each 0 or more")
    if not steps:
        raise ValueError("--steps names no step")
    if len(set(steps)) != len(steps):
        raise ValueError(f"--steps {args.steps!r} names a step twice")
    spec = evaluation_spec_from(args)
    index = evaluate_run(
        args.run, steps, args.model_template, spec, Path(args.data_dir), Path(args.eval_dir), Path(args.index)
    )
    averages = {entry["step"]: entry["math_average"] for entry in index["steps"]}
    print(json.dumps({"run": args.run, "steps": len(steps), "math_average": averages}))
    if args.release_weights:
        _release_weights([Path(args.model_template.replace("{step}", str(step))) for step in steps])


def cmd_grade(args: argparse.Namespace) -> None:
    print(json.dumps(grade_jsonl(args.input, args.output, mode=args.mode, workers=args.workers)))


def cmd_manifest(args: argparse.Namespace) -> None:
    files = metrics_files([Path(args.metrics)])
    blocks = []
    for path in files:
        found = manifest.read_manifest(path)
        if args.json:
            blocks.append(json.dumps({"metrics_file": str(path), **found}, indent=2))
        else:
            blocks.append(manifest.format_manifest(found, f"# {path}"))
    print("\n\n".join(blocks))


RELEASE_HELP = (
    "delete the checkpoint's model weights once its metrics are written (training.keep_checkpoints: false); "
    "a run's newest checkpoint and folders that are no training checkpoint are never touched"
)


def register(sub) -> None:
    """Add these subcommands to the `oneshot-rlvr` parser."""
    release = RELEASE_HELP
    p = command(sub, "evaluate", "evaluate one checkpoint on every enabled benchmark", cmd_evaluate,
                 " Finished benchmarks are kept and reused on a re-run.")  # fmt: skip
    p.add_argument("--run", required=True, help="run name")
    p.add_argument("--step", type=non_negative_int, required=True, help="the checkpoint's step (0: the base model)")
    p.add_argument("--model", required=True, help="model folder (e.g. ck/checkpoint-4) or hub id")
    p.add_argument("--data-dir", required=True, help="the data folder")
    p.add_argument("--out-dir", required=True, help="folder of <bench>.jsonl, <bench>.metrics.json, metrics.json")
    p.add_argument("--spec", help="resolved evaluation spec as JSON (the workflow passes this; else from --config)")
    p.add_argument("--release-weights", action="store_true", help=release)
    add_config_args(p)

    p = command(sub, "evaluate-run", "evaluate a run's checkpoints one after another, then write its steps.json",
                 cmd_evaluate_run)  # fmt: skip
    p.add_argument("--run", required=True, help="run name")
    p.add_argument("--steps", required=True, help="comma-separated steps, e.g. 20,40,60")
    p.add_argument("--model-template", required=True, help="checkpoint path with {step}, e.g. ck/checkpoint-{step}")
    p.add_argument("--data-dir", required=True, help="the data folder")
    p.add_argument("--eval-dir", required=True, help="the run's folder: step<step>/ goes under it")
    p.add_argument("--index", required=True, help="the steps.json written when every step is evaluated")
    p.add_argument("--spec", help="resolved evaluation spec as JSON (the workflow passes this; else from --config)")
    p.add_argument("--release-weights", action="store_true", help=release.replace("checkpoint's", "checkpoints'"))
    add_config_args(p)

    p = command(sub, "grade", "grade a JSONL of responses (keys response, answer)", cmd_grade)
    p.add_argument("--input", required=True, help="JSONL with response and answer per line")
    p.add_argument("--output", required=True, help="the graded JSONL to write")
    p.add_argument("--mode", default="default", choices=GRADER_MODES, help="grader (default: default)")
    p.add_argument("--workers", type=positive_int, default=2, help="grading processes (default: 2)")

    p = command(sub, "manifest", "print what produced a metrics.json (versions, device, commit, seeds, data)",
                 cmd_manifest)  # fmt: skip
    p.add_argument("metrics", help="a metrics.json written by evaluate (or a run's steps.json: every step's)")
    p.add_argument("--json", action="store_true", help="print JSON instead of one line per field")
