"""The command line's shared options and value parsers: one place for `KEY=VALUE` items, integer lists, JSON
objects, the config options and the resolved specs."""

from __future__ import annotations

import argparse
import json
from typing import Any

from oneshot_rlvr import config as cfg
from oneshot_rlvr.specs import EvaluationSpec, TrainingSpec
from oneshot_rlvr.tables.format import SCALES


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def json_object(text: str, option: str) -> dict[str, Any]:
    """A JSON object given on the command line (--spec, --settings); anything else is refused naming the option."""
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:
        raise ValueError(f"{option}: not valid JSON ({' '.join(str(error).split())[:120]})") from None
    if not isinstance(value, dict):
        raise ValueError(f"{option}: expected a JSON object, got {type(value).__name__}")
    return value


def pairs(items: list[str], option: str, form: str = "KEY=VALUE") -> list[tuple[str, str]]:
    """`KEY=VALUE` items in order; an item without '=' or with an empty side is refused naming the option."""
    found = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise ValueError(f"{option} {item!r} must be {form}")
        found.append((key, value))
    return found


def key_value_pairs(items: list[str], option: str) -> dict[str, str]:
    """`--option KEY=VALUE` items as a dict (a key given twice: the last wins)."""
    return dict(pairs(items, option))


def grouped_pairs(items: list[str], option: str, form: str = "NAME=PATH") -> dict[str, list[str]]:
    """`NAME=VALUE` items as name -> values, in order (a name may be given several times)."""
    grouped: dict[str, list[str]] = {}
    for name, value in pairs(items, option, form):
        grouped.setdefault(name, []).append(value)
    return grouped


def _int_at_least(text: str, minimum: int, too_small: str) -> int:
    """An argparse integer of at least `minimum`; `too_small` names what a smaller value is."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"{value} is {too_small}")
    return value


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1 (batch sizes, workers, world size)."""
    return _int_at_least(text, 1, "not a positive integer")


def non_negative_int(text: str) -> int:
    """argparse type: an integer >= 0 (steps)."""
    return _int_at_least(text, 0, "negative")


def non_negative_ints(text: str, refusal: str) -> list[int]:
    """Comma-separated integers, each 0 or more (steps, seeds); anything else raises ValueError(refusal)."""
    try:
        return [non_negative_int(item) for item in text.split(",") if item.strip()]
    except argparse.ArgumentTypeError:
        raise ValueError(refusal) from None


def seed_lists(items: list[str]) -> dict[str, list[int]]:
    """`--seeds ROW=S1,S2,...` options as row -> seeds (a row run with several seeds)."""
    return {
        row: non_negative_ints(listed, f"--seeds {row}={listed}: comma-separated integers, each 0 or more")
        for row, listed in key_value_pairs(items, "--seeds").items()
    }


def add_config_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        action="append",
        default=[],
        metavar="FILE",
        help="config file merged over config/config.yaml (repeatable, later files win), e.g. config/tiny.yaml",
    )
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE",
        help="override one config key (dotted path, YAML value; repeatable), e.g. training.max_steps=4",
    )  # fmt: skip


def training_spec_from(args: argparse.Namespace) -> TrainingSpec:
    """The run's typed training spec: the workflow's --spec JSON, or resolved here from --config/--set."""
    if getattr(args, "spec", None):
        return TrainingSpec.parse(json_object(args.spec, "--spec"), "--spec")
    loaded = cfg.load_config(args.config, args.set)
    return TrainingSpec.parse(cfg.training_spec(loaded, args.run), f"run {args.run}")


def evaluation_spec_from(args: argparse.Namespace) -> EvaluationSpec:
    """The run's typed evaluation spec: the workflow's --spec JSON, or resolved here from --config/--set."""
    if getattr(args, "spec", None):
        return EvaluationSpec.parse(json_object(args.spec, "--spec"), "--spec")
    loaded = cfg.load_config(args.config, args.set)
    return EvaluationSpec.parse(cfg.evaluation_spec(loaded, args.run), f"run {args.run}")


def add_table_outputs(parser: argparse.ArgumentParser) -> None:
    """The options every table report shares: the scale its title states and the Markdown and CSV outputs."""
    parser.add_argument("--scale", default="paper", choices=list(SCALES), help="stated in the title")
    parser.add_argument("--md", required=True, help="the Markdown table to write")
    parser.add_argument("--csv", required=True, help="the CSV table to write")


def add_comparison_options(parser: argparse.ArgumentParser) -> None:
    """How accuracy tables are compared with the paper: the grader of `ours` and the bootstrap intervals."""
    parser.add_argument(
        "--grader",
        default="qwen_eval",
        choices=["default", "deepscaler", "qwen_eval"],
        help="grader mode of the numbers compared with the paper (the configured grader's are shown beside them)",
    )
    parser.add_argument("--resamples", type=positive_int, default=10_000, help="bootstrap resamples per interval")
    parser.add_argument(
        "--bootstrap-seed", type=non_negative_int, default=0, help="seed of the bootstrap resampling (default: 0)"
    )


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (`oneshot-rlvr <command>: error: ...`, exit 2) like every other."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}\n")


def command(sub, name: str, summary: str, func, details: str = "") -> argparse.ArgumentParser:
    """A subcommand whose --help starts with what it does (the one line `oneshot-rlvr --help` lists)."""
    parser = sub.add_parser(name, help=summary, description=summary[0].upper() + summary[1:] + "." + details)
    parser.set_defaults(func=func)
    return parser
