"""Data and models: fetch the data files, build the miniature's tiny model and the testbed's data and model."""

from __future__ import annotations

import argparse
from pathlib import Path

from oneshot_rlvr import config as cfg
from oneshot_rlvr import data
from oneshot_rlvr.cli.arguments import (
    add_config_args,
    command,
    json_object,
)
from oneshot_rlvr.testbed.files import write_testbed_data
from oneshot_rlvr.testbed.model import build_testbed_model
from oneshot_rlvr.tiny_model import build_tiny_model


def cmd_fetch_data(args: argparse.Namespace) -> None:
    local = Path(args.local_data_dir) if args.local_data_dir else None
    for name in args.name:
        path = data.fetch(name, Path(args.dest_dir), local_data_dir=local, force=args.force)
        print(f"{name}: {path} sha256={data.sha256_of(path)}")


def cmd_build_tiny_model(args: argparse.Namespace) -> None:
    if args.settings:
        loaded = cfg.load_config()
        loaded["tiny_model"] = cfg.deep_merge(loaded["tiny_model"], json_object(args.settings, "--settings"))
        cfg.validate_config(loaded)  # a bad setting is refused naming its key, before the model is built
        settings = loaded["tiny_model"]
    else:
        settings = cfg.load_config(args.config, args.set)["tiny_model"]
    out = build_tiny_model(Path(args.out), Path(args.data_dir), settings)
    print(f"tiny model saved to {out}")


def cmd_generate_testbed_data(args: argparse.Namespace) -> None:
    if args.settings:
        settings = json_object(args.settings, "--settings")
    else:
        settings = cfg.load_config(args.config, args.set)["testbed"]
    settings = {key: value for key, value in settings.items() if key != "model"}
    manifest = write_testbed_data(Path(args.out_dir), settings)
    print(f"testbed data in {args.out_dir}: benchmarks {manifest['benchmarks']}, pool {manifest['pool']}, "
          f"warm start {manifest['warm_start']['examples']} examples")  # fmt: skip


def cmd_build_testbed_model(args: argparse.Namespace) -> None:
    if args.settings:
        settings = json_object(args.settings, "--settings")
    else:
        settings = cfg.load_config(args.config, args.set)["testbed"]["model"]
    out = build_testbed_model(Path(args.out), Path(args.data_dir), settings)
    print(f"testbed model saved to {out}")


def register(sub) -> None:
    """Add these subcommands to the `oneshot-rlvr` parser."""
    datasets = ", ".join(data.RELPATHS)
    p = command(sub, "fetch-data", "download (or copy from --local-data-dir) and verify data files", cmd_fetch_data,
                 " Every file is checked against its SHA-256.")  # fmt: skip
    p.add_argument("--name", action="append", required=True, metavar="NAME", help=f"dataset (repeatable): {datasets}")
    p.add_argument("--dest-dir", required=True, help="the data folder to fill (resources/data in the workflow)")
    p.add_argument("--local-data-dir", help="copy from this folder (same layout) instead of downloading")
    p.add_argument("--force", action="store_true", help="fetch again even where a verified copy is there")

    p = command(sub, "build-tiny-model", "build the miniature's random Qwen2-architecture model", cmd_build_tiny_model,
                 " Tokenizer trained on the local text, random weights, a short supervised warm start.")  # fmt: skip
    p.add_argument("--data-dir", required=True, help="the data folder (DSR-sub and MATH-train are read)")
    p.add_argument("--out", required=True, help="the model folder to write")
    p.add_argument("--settings", help="tiny_model settings as a JSON object (default: from the config)")
    add_config_args(p)

    p = command(sub, "generate-testbed-data", "write the testbed's pool, benchmarks and warm-start corpus",
                 cmd_generate_testbed_data, " Seeded and deterministic (docs/testbed.md).")  # fmt: skip
    p.add_argument("--out-dir", required=True, help="the data folder (config key data_dir)")
    p.add_argument("--settings", help="the `testbed` settings as a JSON object (default: from the config)")
    add_config_args(p)

    p = command(sub, "build-testbed-model", "build and warm-start the testbed's character-level model",
                 cmd_build_testbed_model, " The warm start is TRL's SFTTrainer on the generated corpus.")  # fmt: skip
    p.add_argument("--data-dir", required=True, help="the testbed data folder (its warm-start corpus)")
    p.add_argument("--out", required=True, help="the model folder to write")
    p.add_argument("--settings", help="the `testbed.model` settings as a JSON object (default: from the config)")
    add_config_args(p)
