"""Training: GRPO runs, their resolved configuration, their disk use and their per-step logs."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from oneshot_rlvr import config as cfg
from oneshot_rlvr import disk, figures
from oneshot_rlvr.cli.arguments import (
    add_config_args,
    command,
    positive_int,
    training_spec_from,
)
from oneshot_rlvr.io import atomic_write_jsonl
from oneshot_rlvr.training import resolved_training_config, train
from oneshot_rlvr.training.bad_input import record_bad_input, recorded_bad_input
from oneshot_rlvr.training.errors import BadTrainingInput


def cmd_train(args: argparse.Namespace) -> None:
    # Only a workflow job (--attempt given) keeps or reads the record; a run by hand writes nothing on bad input.
    recorded = recorded_bad_input(args.done, args.attempt) if args.attempt is not None else None
    if recorded is not None:
        raise BadTrainingInput(f"{recorded} (found by an earlier attempt; bad input is not run again)")
    spec = training_spec_from(args)
    try:
        summary = train(spec, Path(args.dataset), Path(args.checkpoint_dir), Path(args.done))
    except BadTrainingInput as error:
        if args.attempt is not None:
            record_bad_input(args.done, str(error))
        raise
    print(json.dumps(summary))


def cmd_show_config(args: argparse.Namespace) -> None:
    spec = training_spec_from(args)
    print(json.dumps(resolved_training_config(spec, args.world_size), indent=2))


def cmd_plan(args: argparse.Namespace) -> None:
    loaded = cfg.load_config(args.config, args.set)
    runs = args.run or disk.target_runs(args.target, loaded)
    label = "the given runs" if args.run else args.target
    print("\n".join(disk.plan_lines(label, [disk.run_disk(loaded, run) for run in runs])))


def cmd_collect_train_log(args: argparse.Namespace) -> None:
    rows = figures.collect_train_log(Path(args.done), Path(args.checkpoint_dir))
    atomic_write_jsonl(Path(args.out), rows)
    print(f"training log: {len(rows)} steps -> {args.out}")


def register(sub) -> None:
    """Add these subcommands to the `oneshot-rlvr` parser."""
    p = command(sub, "train", "GRPO training of one run (resumes from its last checkpoint)", cmd_train,
                 " Only the newest complete checkpoint keeps optimizer state; older ones keep the model.")  # fmt: skip
    p.add_argument("--run", required=True, help="run name (a runs: entry or an example-set name)")
    p.add_argument("--spec", help="resolved training spec as JSON (the workflow passes this; else from --config)")
    p.add_argument("--dataset", required=True, help="the training parquet (make-dataset)")
    p.add_argument("--checkpoint-dir", required=True, help="the run's checkpoints folder")
    p.add_argument("--done", required=True, help="train_done.json, written when max_steps is reached")
    p.add_argument(
        "--attempt",
        type=positive_int,
        help="Snakemake's attempt number (the workflow passes it): attempt 1 records bad input beside --done, "
        "later attempts repeat the recorded error at once",
    )
    add_config_args(p)

    p = command(sub, "show-config", "print the resolved TRL training configuration of a run", cmd_show_config)
    p.add_argument("--run", required=True, help="run name")
    p.add_argument("--spec", help="resolved training spec as JSON (else from --config)")
    p.add_argument("--world-size", type=positive_int, default=1, help="GPUs the batch is split over (default: 1)")
    add_config_args(p)

    p = command(sub, "plan", "expected disk use of a target's training runs", cmd_plan,
                 " Checkpoint weights (fp32) of every saved step plus one optimizer state per run; the runs are "
                 "the train_grpo jobs of `snakemake <target> --summary`.")  # fmt: skip
    p.add_argument("target", nargs="?", default="reproduce_table1",
                   help="Snakemake target: reproduce_table1 (default), reproduce_table<N>, sweep_1shot, figure<N>, "
                   "all_figures, paper")  # fmt: skip
    p.add_argument("--run", action="append", default=[], help="these runs instead of the target's (repeatable)")
    add_config_args(p)

    p = command(sub, "collect-train-log", "a finished run's per-step training log, from its checkpoints",
                 cmd_collect_train_log)  # fmt: skip
    p.add_argument("--done", required=True, help="the run's train_done.json")
    p.add_argument("--checkpoint-dir", required=True, help="the run's checkpoints folder")
    p.add_argument("--out", required=True, help="the JSONL to write")
