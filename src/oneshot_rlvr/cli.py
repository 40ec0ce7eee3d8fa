"""The `oneshot-rlvr` command line: every workflow step runs by hand with the same code the rules call."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from oneshot_rlvr.reporting import SCALES


def _spec_from(args: argparse.Namespace, kind: str) -> dict[str, Any]:
    """A resolved spec: given as JSON by the workflow (--spec), or resolved from config files here."""
    from oneshot_rlvr import config as cfg

    if getattr(args, "spec", None):
        return json_object(args.spec, "--spec")
    loaded = cfg.load_config(args.config, args.set)
    if kind == "training":
        return cfg.training_spec(loaded, args.run)
    return cfg.evaluation_spec(loaded, args.run)


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


def key_value_pairs(items: list[str], option: str) -> dict[str, str]:
    """`--option KEY=VALUE` items as a dict; an item without '=' or with an empty side is refused."""
    pairs = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise ValueError(f"{option} {item!r} must be KEY=VALUE")
        pairs[key] = value
    return pairs


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1 (batch sizes, workers, world size)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a positive integer")
    return value


def non_negative_int(text: str) -> int:
    """argparse type: an integer >= 0 (steps)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative")
    return value


def _add_config_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", action="append", default=[], help="config file merged over config/config.yaml")
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="override, e.g. training.max_steps=4"
    )


def cmd_fetch_data(args: argparse.Namespace) -> None:
    from oneshot_rlvr import data

    local = Path(args.local_data_dir) if args.local_data_dir else None
    for name in args.name:
        path = data.fetch(name, Path(args.dest_dir), local_data_dir=local, force=args.force)
        print(f"{name}: {path} sha256={data.sha256_of(path)}")


def cmd_build_tiny_model(args: argparse.Namespace) -> None:
    from oneshot_rlvr import config as cfg
    from oneshot_rlvr.tiny_model import build_tiny_model

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
    from oneshot_rlvr import config as cfg
    from oneshot_rlvr.testbed.files import write_testbed_data

    settings = json.loads(args.settings) if args.settings else cfg.load_config(args.config, args.set)["testbed"]
    settings = {key: value for key, value in settings.items() if key != "model"}
    manifest = write_testbed_data(Path(args.out_dir), settings)
    print(f"testbed data in {args.out_dir}: benchmarks {manifest['benchmarks']}, pool {manifest['pool']}, "
          f"warm start {manifest['warm_start']['examples']} examples")  # fmt: skip


def cmd_build_testbed_model(args: argparse.Namespace) -> None:
    from oneshot_rlvr import config as cfg
    from oneshot_rlvr.testbed.model import build_testbed_model

    if args.settings:
        settings = json.loads(args.settings)
    else:
        settings = cfg.load_config(args.config, args.set)["testbed"]["model"]
    out = build_testbed_model(Path(args.out), Path(args.data_dir), settings)
    print(f"testbed model saved to {out}")


def cmd_rank(args: argparse.Namespace) -> None:
    from oneshot_rlvr import data, selection

    history = data.load_history(Path(args.history))
    try:
        ranking = selection.rank_examples(history, args.score, args.seed)
    except selection.SelectionError as error:
        raise selection.SelectionError(f"{args.history}: {error}") from None
    selection.write_ranking(ranking, Path(args.out))
    top = ", ".join(f"pi{r}={i}" for r, i in zip(ranking["rank"][:3], ranking["index"][:3], strict=True))
    print(f"ranked {len(ranking)} examples by {args.score}: {top}")


def cmd_make_dataset(args: argparse.Namespace) -> None:
    from oneshot_rlvr import data, selection
    from oneshot_rlvr.io import atomic_write_bytes_from

    data_dir = Path(args.data_dir)
    math_train = data.load_math_train(data_dir) if args.name == "math_train" else None
    dsr_sub = data.load_dsr_sub(data_dir)
    ranking = selection.read_ranking(Path(args.ranking)) if args.ranking else None
    frame = selection.make_dataset(args.name, dsr_sub, ranking, args.batch_size, math_train, seed=args.seed)
    atomic_write_bytes_from(Path(args.out), lambda tmp: frame.to_parquet(tmp, index=False))
    examples = frame["extra_info"].map(lambda info: info["index"]).nunique()
    print(f"{args.name}: {len(frame)} rows ({examples} examples) -> {args.out}")


def cmd_train(args: argparse.Namespace) -> None:
    from oneshot_rlvr.training import train
    from oneshot_rlvr.training.bad_input import record_bad_input, recorded_bad_input
    from oneshot_rlvr.training.errors import BadTrainingInput

    # Only a workflow job (--attempt given) keeps or reads the record; a run by hand writes nothing on bad input.
    recorded = recorded_bad_input(args.done, args.attempt) if args.attempt is not None else None
    if recorded is not None:
        raise BadTrainingInput(f"{recorded} (found by an earlier attempt; bad input is not run again)")
    spec = _spec_from(args, "training")
    try:
        summary = train(spec, Path(args.dataset), Path(args.checkpoint_dir), Path(args.done))
    except BadTrainingInput as error:
        if args.attempt is not None:
            record_bad_input(args.done, str(error))
        raise
    print(json.dumps(summary))


def cmd_evaluate(args: argparse.Namespace) -> None:
    from oneshot_rlvr.evaluation import evaluate_checkpoint

    spec = _spec_from(args, "evaluation")
    result = evaluate_checkpoint(args.model, spec, Path(args.data_dir), Path(args.out_dir), args.run, args.step)
    scores = {name: round(b["accuracy"], 1) for name, b in result["benchmarks"].items() if b.get("status") == "ok"}
    print(json.dumps({"run": args.run, "step": args.step, "accuracy": scores}))


def cmd_evaluate_run(args: argparse.Namespace) -> None:
    from oneshot_rlvr.evaluation import evaluate_run

    try:
        steps = [non_negative_int(step) for step in args.steps.split(",") if step.strip()]
    except argparse.ArgumentTypeError:
        raise ValueError(f"--steps {args.steps!r} must be comma-separated integers, each 0 or more") from None
    if not steps:
        raise ValueError("--steps names no step")
    if len(set(steps)) != len(steps):
        raise ValueError(f"--steps {args.steps!r} names a step twice")
    spec = _spec_from(args, "evaluation")
    index = evaluate_run(
        args.run, steps, args.model_template, spec, Path(args.data_dir), Path(args.eval_dir), Path(args.index)
    )
    averages = {entry["step"]: entry["math_average"] for entry in index["steps"]}
    print(json.dumps({"run": args.run, "steps": len(steps), "math_average": averages}))


def cmd_grade(args: argparse.Namespace) -> None:
    from oneshot_rlvr.grading import grade_jsonl

    print(json.dumps(grade_jsonl(args.input, args.output, mode=args.mode, workers=args.workers)))


def cmd_show_config(args: argparse.Namespace) -> None:
    from oneshot_rlvr.training import resolved_training_config

    spec = _spec_from(args, "training")
    print(json.dumps(resolved_training_config(spec, args.world_size), indent=2))


def cmd_report_table1(args: argparse.Namespace) -> None:
    from oneshot_rlvr import comparison, reporting

    rows: dict[str, list[Path]] = {}
    for item in args.metrics:
        row, _, path = item.partition("=")
        if not path:
            raise ValueError(f"--metrics {item!r} must be ROW=PATH")
        rows.setdefault(row, []).extend(reporting.metrics_files([Path(path)]))
    hashes = key_value_pairs(args.config_hash, "--config-hash")
    bootstrap = comparison.Bootstrap(resamples=args.resamples, seed=args.bootstrap_seed)
    seeds = {}
    for row, listed in key_value_pairs(args.seeds, "--seeds").items():
        try:
            seeds[row] = [non_negative_int(seed) for seed in listed.split(",")]
        except argparse.ArgumentTypeError:
            raise ValueError(f"--seeds {row}={listed}: comma-separated integers, each 0 or more") from None
    averaged = args.averaged or list(reporting.MATH_BENCHMARKS)
    extra = args.extra if args.averaged else list(reporting.ARC_BENCHMARKS)
    records = reporting.table1(
        rows, args.model, args.scale, hashes, args.grader, bootstrap, seeds=seeds, averaged=averaged, extra=extra
    )
    reporting.write_table1(records, args.model, args.scale, Path(args.md), Path(args.csv))
    print(f"wrote {args.md} and {args.csv} ({len(rows)} rows)")


def cmd_manifest(args: argparse.Namespace) -> None:
    from oneshot_rlvr import manifest, reporting

    paths = reporting.metrics_files([Path(args.metrics)])
    blocks = []
    for path in paths:
        found = manifest.read_manifest(path)
        if args.json:
            blocks.append(json.dumps({"metrics_file": str(path), **found}, indent=2))
        else:
            blocks.append(manifest.format_manifest(found, f"# {path}"))
    print("\n\n".join(blocks))


def _pairs(items: list[str], option: str) -> dict[str, list[Path]]:
    """`NAME=PATH` options as name -> paths (in order)."""
    pairs: dict[str, list[Path]] = {}
    for item in items:
        name, _, path = item.partition("=")
        if not name or not path:
            raise ValueError(f"{option} {item!r} must be NAME=PATH")
        pairs.setdefault(name, []).append(Path(path))
    return pairs


def cmd_report_testbed(args: argparse.Namespace) -> None:
    from oneshot_rlvr import reporting
    from oneshot_rlvr.testbed import report

    rows = {row: reporting.metrics_files(paths) for row, paths in _pairs(args.metrics, "--metrics").items()}
    logs = {run: paths[0] for run, paths in _pairs(args.train_log, "--train-log").items()}
    datasets = {run: paths[0] for run, paths in _pairs(args.dataset, "--dataset").items()}
    records = report.testbed_report(rows, logs, datasets, base=args.base)
    report.write_report(records, Path(args.md), Path(args.csv))
    print(f"wrote {args.md} and {args.csv} ({len(rows)} rows, {len(records)} records)")


def cmd_collect_history(args: argparse.Namespace) -> None:
    from oneshot_rlvr import selection
    from oneshot_rlvr.io import atomic_write_json

    history = selection.collect_history(Path(args.done), Path(args.checkpoint_dir), args.step)
    atomic_write_json(Path(args.out), history)
    entries = sum(len(values) for values in history.values())
    print(f"history at step {args.step}: {len(history)} examples, {entries} records -> {args.out}")


def cmd_example_cards(args: argparse.Namespace) -> None:
    from oneshot_rlvr import data, paper_cards, selection

    ranking = selection.read_ranking(Path(args.ranking))
    history = data.load_history(Path(args.history))
    try:
        cards = paper_cards.example_cards(data.load_dsr_sub(Path(args.data_dir)), ranking, history, args.score)
    except paper_cards.CardError as error:
        raise paper_cards.CardError(f"{args.ranking}: {error}") from None
    source = f"{args.ranking}, from {args.history}"
    paper_cards.write_cards(cards, args.scale, source, Path(args.md), Path(args.csv))
    same = sum(card["same_as_paper"] for card in cards)
    print(f"{len(cards)} example cards; {same} have the paper's DSR-sub index")


def cmd_plot_scores(args: argparse.Namespace) -> None:
    from oneshot_rlvr import data, figures, selection

    ranking = selection.read_ranking(Path(args.ranking))
    means = selection.history_means(data.load_history(Path(args.history))) if args.history else None
    try:
        marks = [int(mark[2:]) if str(mark).startswith("pi") else int(mark) for mark in args.mark]
    except ValueError:
        raise ValueError(f"--mark: {args.mark} must be ranks such as pi13 or 13") from None
    marks = marks or list(selection.PAPER_NAMED)
    pdf = Path(args.pdf) if args.pdf else None
    marked = figures.score_distribution(ranking, marks, Path(args.png), pdf, args.score, means, args.source)
    print(f"wrote {args.png}" + (f" and {args.pdf}" if args.pdf else "") + f" ({len(marked)} examples marked)")


def cmd_report_table3(args: argparse.Namespace) -> None:
    from oneshot_rlvr import reporting, selection

    items = list(args.metrics)
    for listing in args.metrics_file:
        items += [line.strip() for line in Path(listing).read_text().splitlines() if line.strip()]
    rows: dict[str, list[Path]] = {}
    for item in items:
        row, _, path = item.partition("=")
        if not path:
            raise ValueError(f"metrics entry {item!r} must be ROW=PATH")
        rows.setdefault(row, []).extend(reporting.metrics_files([Path(path)]))
    ranking = selection.read_ranking(Path(args.ranking)) if args.ranking else None
    sizes: dict[str, int] = {}
    examples: dict[str, str] = {}
    for row in rows:
        if row == "base":
            sizes[row] = 0
            continue
        try:
            sizes[row] = selection.set_size(row)
            if ranking is not None and selection.needs_ranking(row) and sizes[row] <= 4:
                examples[row] = ",".join(str(index) for index in selection.indices_for(row, ranking))
        except selection.SelectionError:
            continue  # a run that is not named after its example set (e.g. dsr_sub_format_reward)
    hashes = key_value_pairs(args.config_hash, "--config-hash")
    records = reporting.table3(rows, args.model, args.scale, sizes, examples, hashes)
    reporting.write_table3(records, args.model, args.scale, Path(args.md), Path(args.csv))
    print(f"wrote {args.md} and {args.csv} ({len(rows)} rows)")


def cmd_table5_convergence(args: argparse.Namespace) -> None:
    from oneshot_rlvr import convergence, figures

    logs = figures.load_train_logs([Path(path) for path in args.log])
    try:
        records = convergence.table5_convergence(logs)
    except convergence.ConvergenceError as error:
        raise convergence.ConvergenceError(f"{', '.join(args.log)}: {error}") from None
    convergence.write_convergence(records, args.scale, Path(args.md), Path(args.csv))
    judged = [r for r in records if r["converges"] is not None]
    print(f"Table 5 train converges: {sum(r['converges'] for r in judged)} of {len(judged)} runs")


def cmd_collect_train_log(args: argparse.Namespace) -> None:
    from oneshot_rlvr import figures
    from oneshot_rlvr.io import atomic_write_jsonl

    rows = figures.collect_train_log(Path(args.done), Path(args.checkpoint_dir))
    atomic_write_jsonl(Path(args.out), rows)
    print(f"training log: {len(rows)} steps -> {args.out}")


def cmd_plot_figure(args: argparse.Namespace) -> None:
    from oneshot_rlvr import figures, reporting

    spec = json_object(args.spec, "--spec")
    inputs = figures.FigureInputs(
        name=args.figure,
        spec={"base": None, **spec},
        curves=figures.load_curves(reporting.metrics_files([Path(path) for path in args.metrics])),
        logs=figures.load_train_logs([Path(path) for path in args.train_log]),
        scale=args.scale,
        data_dir=Path(args.data_dir) if args.data_dir else None,
    )
    panels = figures.draw(inputs, Path(args.png), Path(args.pdf) if args.pdf else None)
    print(f"wrote {args.png}" + (f" and {args.pdf}" if args.pdf else "") + f": {len(panels)} panels")


def cmd_report_table(args: argparse.Namespace) -> None:
    from oneshot_rlvr import comparison, paper_tables

    runs: dict[str, list[Path]] = {}
    for item in args.run:
        run, _, steps = item.partition("=")
        if not run or not steps:
            raise ValueError(f"--run {item!r} must be RUN=STEP[,STEP...]")
        try:
            numbers = [int(step) for step in steps.split(",")]
        except ValueError:
            raise ValueError(f"--run {item!r}: steps must be integers") from None
        runs[run] = [Path(args.eval_dir) / run / f"step{step}" / "metrics.json" for step in numbers]
    hashes = key_value_pairs(args.config_hash, "--config-hash")
    bootstrap = comparison.Bootstrap(resamples=args.resamples, seed=args.bootstrap_seed)
    records = paper_tables.build_table(args.table, runs, args.scale, hashes, args.grader, bootstrap)
    paper_tables.write_table(records, args.table, args.scale, Path(args.md), Path(args.csv))
    print(f"wrote {args.md} and {args.csv} (table {args.table}, {len(runs)} runs)")


def cmd_reports_readme(args: argparse.Namespace) -> None:
    from oneshot_rlvr import artefacts

    entries = artefacts.parse_artefacts(args.artefacts)
    artefacts.write_readme(entries, args.scale, Path(args.out))
    print(f"wrote {args.out} ({len(entries)} artefacts)")


def add_table_outputs(parser: argparse.ArgumentParser) -> None:
    """The options every table report shares: the scale its title states and the Markdown and CSV outputs."""
    parser.add_argument("--scale", default="paper", choices=list(SCALES))
    parser.add_argument("--md", required=True)
    parser.add_argument("--csv", required=True)


def add_comparison_options(parser: argparse.ArgumentParser) -> None:
    """How accuracy tables are compared with the paper: the grader of `ours` and the bootstrap intervals."""
    parser.add_argument(
        "--grader",
        default="qwen_eval",
        choices=["default", "deepscaler", "qwen_eval"],
        help="grader mode of the numbers compared with the paper (the configured grader's are shown beside them)",
    )
    parser.add_argument("--resamples", type=positive_int, default=10_000, help="bootstrap resamples per interval")
    parser.add_argument("--bootstrap-seed", type=non_negative_int, default=0)


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (`oneshot-rlvr <command>: error: ...`, exit 2) like every other."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="oneshot-rlvr", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    p = sub.add_parser("fetch-data", help="download (or copy from --local-data-dir) and verify data files")
    p.add_argument("--name", action="append", required=True, help="dataset name, e.g. dsr_sub, math500, history")
    p.add_argument("--dest-dir", required=True)
    p.add_argument("--local-data-dir")
    p.add_argument("--force", action="store_true")
    p.set_defaults(func=cmd_fetch_data)

    p = sub.add_parser("build-tiny-model", help="build the miniature's random Qwen2-architecture model")
    p.add_argument("--data-dir", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--settings", help="tiny_model settings as JSON (default: from config)")
    _add_config_args(p)
    p.set_defaults(func=cmd_build_tiny_model)

    p = sub.add_parser("generate-testbed-data", help="write the testbed's pool, benchmarks and warm-start corpus")
    p.add_argument("--out-dir", required=True, help="the data folder (config key data_dir)")
    p.add_argument("--settings", help="the `testbed` settings as JSON (default: from config)")
    _add_config_args(p)
    p.set_defaults(func=cmd_generate_testbed_data)

    p = sub.add_parser("build-testbed-model", help="build and warm-start the testbed's character-level model")
    p.add_argument("--data-dir", required=True, help="the testbed data folder (its warm-start corpus)")
    p.add_argument("--out", required=True)
    p.add_argument("--settings", help="the `testbed.model` settings as JSON (default: from config)")
    _add_config_args(p)
    p.set_defaults(func=cmd_build_testbed_model)

    p = sub.add_parser("rank", help="rank DSR-sub examples by historical variance")
    p.add_argument("--history", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--score", default="std")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_rank)

    p = sub.add_parser("make-dataset", help="build a duplicated 1/few-shot (or full) training parquet")
    p.add_argument("--name", required=True, help="pi1, pi1_pi13, dsr_sub, math_train, ...")
    p.add_argument("--data-dir", required=True)
    p.add_argument("--ranking")
    p.add_argument("--batch-size", type=positive_int, default=128)
    p.add_argument("--seed", type=int, default=0, help="selection seed (draws the random<k> sets)")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_make_dataset)

    p = sub.add_parser("collect-history", help="our own history: the one a DSR-sub run recorded at a saved step")
    p.add_argument("--done", required=True, help="the run's train_done.json")
    p.add_argument("--checkpoint-dir", required=True)
    p.add_argument("--step", type=non_negative_int, required=True)
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_collect_history)

    p = sub.add_parser("table5-convergence", help='Table 5\'s "train converges" column from the training logs')
    p.add_argument("--log", action="append", default=[], help="a collected train_log.jsonl (collect-train-log)")
    p.add_argument("--scale", default="paper", choices=["paper", "miniature"])
    p.add_argument("--md", required=True)
    p.add_argument("--csv", required=True)
    p.set_defaults(func=cmd_table5_convergence)

    p = sub.add_parser("example-cards", help="Table 2 and Tables 21-42: a card per named example from the ranking")
    p.add_argument("--data-dir", required=True)
    p.add_argument("--ranking", required=True)
    p.add_argument("--history", required=True, help="the history the ranking was computed from")
    p.add_argument("--score", default="std", help="the score the ranking used (printed in the table)")
    p.add_argument("--scale", default="paper", choices=["paper", "miniature"])
    p.add_argument("--md", required=True)
    p.add_argument("--csv", required=True)
    p.set_defaults(func=cmd_example_cards)

    p = sub.add_parser("plot-scores", help="figure of the selection-score distribution with named examples marked")
    p.add_argument("--ranking", required=True)
    p.add_argument("--history", help="the history the ranking came from (adds score against mean accuracy)")
    p.add_argument("--score", default="std")
    p.add_argument("--source", default="", help="history label for the title (released / recomputed)")
    p.add_argument("--mark", action="append", default=[], help="pi<i> or rank to mark (default: the paper's)")
    p.add_argument("--png", required=True)
    p.add_argument("--pdf")
    p.set_defaults(func=cmd_plot_scores)

    p = sub.add_parser("collect-train-log", help="a finished run's per-step training log, from its checkpoints")
    p.add_argument("--done", required=True, help="the run's train_done.json")
    p.add_argument("--checkpoint-dir", required=True)
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_collect_train_log)

    p = sub.add_parser("plot-figure", help="draw one of the paper's figures (PNG and PDF) from metrics and logs")
    p.add_argument("--figure", required=True, help="figure1 ... figure16 (figures.FIGURE_NAMES)")
    p.add_argument("--spec", required=True, help='the figure\'s config as JSON, e.g. {"runs": ["pi1"], "base": "base"}')
    p.add_argument("--metrics", nargs="*", default=[], help="metrics.json files (grouped by their run)")
    p.add_argument("--train-log", nargs="*", default=[], help="collected training logs (collect-train-log)")
    p.add_argument("--data-dir", help="data folder (Figure 3 prints the test problem's text)")
    p.add_argument("--scale", default="paper", choices=list(SCALES))
    p.add_argument("--png", required=True)
    p.add_argument("--pdf")
    p.set_defaults(func=cmd_plot_figure)

    p = sub.add_parser("train", help="GRPO training of one run (resumes from its last checkpoint)")
    p.add_argument("--run", required=True)
    p.add_argument("--spec", help="resolved training spec as JSON (the workflow passes this)")
    p.add_argument("--dataset", required=True)
    p.add_argument("--checkpoint-dir", required=True)
    p.add_argument("--done", required=True)
    p.add_argument(
        "--attempt",
        type=positive_int,
        help="Snakemake's attempt number (the workflow passes it): attempt 1 records bad input beside --done, "
        "later attempts repeat the recorded error at once",
    )
    _add_config_args(p)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("evaluate", help="evaluate one checkpoint on every enabled benchmark")
    p.add_argument("--run", required=True)
    p.add_argument("--step", type=non_negative_int, required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--data-dir", required=True)
    p.add_argument("--out-dir", required=True)
    p.add_argument("--spec", help="resolved evaluation spec as JSON (the workflow passes this)")
    _add_config_args(p)
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser(
        "evaluate-run", help="evaluate a run's checkpoints one after another, then write its steps.json index"
    )
    p.add_argument("--run", required=True)
    p.add_argument("--steps", required=True, help="comma-separated steps, e.g. 20,40,60")
    p.add_argument("--model-template", required=True, help="checkpoint path with {step}, e.g. ck/checkpoint-{step}")
    p.add_argument("--data-dir", required=True)
    p.add_argument("--eval-dir", required=True, help="the run's folder: step<step>/ goes under it")
    p.add_argument("--index", required=True, help="the steps.json written when every step is evaluated")
    p.add_argument("--spec", help="resolved evaluation spec as JSON (the workflow passes this)")
    _add_config_args(p)
    p.set_defaults(func=cmd_evaluate_run)

    p = sub.add_parser("grade", help="grade a JSONL of responses (keys response, answer)")
    p.add_argument("--input", required=True)
    p.add_argument("--output", required=True)
    p.add_argument("--mode", default="default")
    p.add_argument("--workers", type=positive_int, default=2)
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser("show-config", help="print the resolved TRL training configuration of a run")
    p.add_argument("--run", required=True)
    p.add_argument("--spec")
    p.add_argument("--world-size", type=positive_int, default=1)
    _add_config_args(p)
    p.set_defaults(func=cmd_show_config)

    p = sub.add_parser("report-table1", help="write reports/table1.md and .csv from metrics files")
    p.add_argument("--metrics", action="append", required=True, metavar="ROW=PATH")
    p.add_argument("--config-hash", action="append", default=[], metavar="ROW=HASH")
    p.add_argument("--model", default="Qwen2.5-Math-1.5B")
    add_comparison_options(p)
    p.add_argument("--seeds", action="append", default=[], metavar="ROW=S1,S2", help="a row run with several seeds")
    p.add_argument("--averaged", action="append", default=[], metavar="BENCHMARK",
                   help="an averaged column, in order (default: the paper's 6 math benchmarks)")  # fmt: skip
    p.add_argument("--extra", action="append", default=[], metavar="BENCHMARK",
                   help="a column after the average (default with no --averaged: ARC-E, ARC-C)")  # fmt: skip
    add_table_outputs(p)
    p.set_defaults(func=cmd_report_table1)

    p = sub.add_parser("manifest", help="print what produced a metrics.json (versions, device, commit, seeds, data)")
    p.add_argument("metrics", help="a metrics.json written by evaluate (or a run's steps.json: every step's)")
    p.add_argument("--json", action="store_true", help="print JSON instead of one line per field")
    p.set_defaults(func=cmd_manifest)

    p = sub.add_parser("report-testbed", help="write reports/testbed.md and .csv (format, skill, transfer, ...)")
    p.add_argument("--metrics", action="append", required=True, metavar="ROW=PATH", help="as report-table1")
    p.add_argument("--train-log", action="append", default=[], metavar="RUN=PATH", help="collected training log")
    p.add_argument("--dataset", action="append", default=[], metavar="RUN=PATH", help="the run's training set")
    p.add_argument("--base", default="base", help="the row the others are compared with")
    p.add_argument("--md", required=True)
    p.add_argument("--csv", required=True)
    p.set_defaults(func=cmd_report_testbed)

    p = sub.add_parser("report-table3", help="write reports/table3.md and .csv (MATH500 subjects per example)")
    p.add_argument("--metrics", action="append", default=[], metavar="ROW=PATH")
    p.add_argument("--metrics-file", action="append", default=[], help="file of ROW=PATH lines (long sweeps)")
    p.add_argument("--ranking", help="ranking.tsv, to list the DSR-sub indices of each row")
    p.add_argument("--config-hash", action="append", default=[], metavar="ROW=HASH")
    p.add_argument("--model", default="Qwen2.5-Math-1.5B")
    add_table_outputs(p)
    p.set_defaults(func=cmd_report_table3)

    p = sub.add_parser("report-table", help="write reports/table<N>.md and .csv for Tables 4, 5, 9, 13, 14, 16-20")
    p.add_argument("--table", type=int, required=True, help="the paper's table number")
    p.add_argument("--eval-dir", default="results/eval", help="folder of <run>/step<step>/metrics.json")
    p.add_argument("--run", action="append", default=[], metavar="RUN=STEPS", help="a run and its evaluated steps")
    p.add_argument("--config-hash", action="append", default=[], metavar="RUN=HASH")
    add_comparison_options(p)
    add_table_outputs(p)
    p.set_defaults(func=cmd_report_table)

    p = sub.add_parser("reports-readme", help="write reports/README.md: every artefact, its files and inputs")
    p.add_argument(
        "--artefacts", required=True, help='JSON list of {"target", "files", "inputs"} (what each is computed from)'
    )
    p.add_argument("--scale", default="paper", choices=list(SCALES))
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_reports_readme)
    return parser


# Expected failures (bad config, data, paths; every package error subclasses ValueError or RuntimeError) end with
# one line `oneshot-rlvr <command>: error: <message>` and exit code 2; ONESHOT_RLVR_TRACEBACK=1 shows the traceback.
EXPECTED_ERRORS = (ValueError, RuntimeError, OSError, KeyError)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except EXPECTED_ERRORS as error:
        if os.environ.get("ONESHOT_RLVR_TRACEBACK"):
            raise
        message = str(error) if not isinstance(error, KeyError) else f"missing key {error}"
        if isinstance(error, OSError) and error.filename is not None and error.strerror:
            message = f"{error.filename}: {error.strerror}"
        message = " ".join(message.split()) or type(error).__name__
        print(f"oneshot-rlvr {args.command}: error: {message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
