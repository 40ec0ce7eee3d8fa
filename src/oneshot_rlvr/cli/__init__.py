"""The `oneshot-rlvr` command line: every workflow step runs by hand with the same code the rules call."""

from __future__ import annotations

import argparse
import os
import sys

from oneshot_rlvr.cli import (
    data_commands,
    evaluation_commands,
    report_commands,
    selection_commands,
    training_commands,
)
from oneshot_rlvr.cli.arguments import (
    OneLineParser,
    json_object,
    key_value_pairs,
    non_negative_int,
    positive_int,
)
from oneshot_rlvr.console import EXPECTED_ERRORS, error_message

# One module per stage, in flow order (the order `oneshot-rlvr --help` lists their subcommands).
STAGES = (data_commands, selection_commands, training_commands, evaluation_commands, report_commands)

# Exit status of a command ended by Ctrl-C (SIGINT), as a shell reports it.
INTERRUPTED_STATUS = 130


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="oneshot-rlvr", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser, metavar="COMMAND")
    for stage in STAGES:
        stage.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except EXPECTED_ERRORS as error:  # one line and exit code 2; ONESHOT_RLVR_TRACEBACK=1 shows the traceback
        if os.environ.get("ONESHOT_RLVR_TRACEBACK"):
            raise
        print(f"oneshot-rlvr {args.command}: error: {error_message(error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        _exit_interrupted(args.command)
    return 0


def _exit_interrupted(command: str) -> None:
    """End a command that Ctrl-C (or Snakemake passing it on to its jobs) interrupted, now, without the
    interpreter's exit: that waits for every non-daemon thread, and a library thread whose start the interrupt broke
    (transformers' weight-loading pool, seen in the interrupted-workflow test) never ends, so the job, and the
    Snakemake waiting for it, would hang. Files are written atomically, so nothing half-written is left behind."""
    print(f"oneshot-rlvr {command}: interrupted", file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(INTERRUPTED_STATUS)


__all__ = [
    "EXPECTED_ERRORS",
    "build_parser",
    "json_object",
    "key_value_pairs",
    "main",
    "non_negative_int",
    "positive_int",
]
