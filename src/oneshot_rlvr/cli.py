"""The `oneshot-rlvr` command line: every workflow step runs by hand with the same code the rules call."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from oneshot_rlvr import paths, table_html
from oneshot_rlvr.tables.format import SCALES


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


def cmd_plan(args: argparse.Namespace) -> None:
    from oneshot_rlvr import config as cfg
    from oneshot_rlvr import disk

    loaded = cfg.load_config(args.config, args.set)
    runs = args.run or disk.target_runs(args.target, loaded)
    label = "the given runs" if args.run else args.target
    print("\n".join(disk.plan_lines(label, [disk.run_disk(loaded, run) for run in runs])))


def cmd_evaluate(args: argparse.Namespace) -> None:
    from oneshot_rlvr.evaluation import evaluate_checkpoint

    spec = _spec_from(args, "evaluation")
    result = evaluate_checkpoint(args.model, spec, Path(args.data_dir), Path(args.out_dir), args.run, args.step)
    scores = {name: round(b["accuracy"], 1) for name, b in result["benchmarks"].items() if b.get("status") == "ok"}
    print(json.dumps({"run": args.run, "step": args.step, "accuracy": scores}))
    if args.release_weights:
        _release_weights([Path(args.model)])


def _release_weights(models: list[Path]) -> None:
    """`training.keep_checkpoints: false`: the evaluated checkpoints' weights go (never a run's newest)."""
    from oneshot_rlvr.training.checkpoints import release_weights

    for model in models:
        removed = release_weights(model)
        print(f"{model}: " + (f"deleted {', '.join(removed)} (evaluated)" if removed else "weights kept"), flush=True)


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
    if args.release_weights:
        _release_weights([Path(args.model_template.replace("{step}", str(step))) for step in steps])


def cmd_grade(args: argparse.Namespace) -> None:
    from oneshot_rlvr.grading import grade_jsonl

    print(json.dumps(grade_jsonl(args.input, args.output, mode=args.mode, workers=args.workers)))


def cmd_show_config(args: argparse.Namespace) -> None:
    from oneshot_rlvr.training import resolved_training_config

    spec = _spec_from(args, "training")
    print(json.dumps(resolved_training_config(spec, args.world_size), indent=2))


def seed_lists(items: list[str]) -> dict[str, list[int]]:
    """`--seeds ROW=S1,S2,...` options as row -> seeds (a row run with several seeds)."""
    seeds = {}
    for row, listed in key_value_pairs(items, "--seeds").items():
        try:
            seeds[row] = [non_negative_int(seed) for seed in listed.split(",")]
        except argparse.ArgumentTypeError:
            raise ValueError(f"--seeds {row}={listed}: comma-separated integers, each 0 or more") from None
    return seeds


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
    seeds = seed_lists(args.seeds)
    averaged = args.averaged or list(reporting.MATH_BENCHMARKS)
    extra = args.extra if args.averaged else list(reporting.ARC_BENCHMARKS)
    records = reporting.table1(
        rows, args.model, args.scale, hashes, args.grader, bootstrap, seeds=seeds, averaged=averaged, extra=extra
    )
    reporting.write_table1(records, args.model, args.scale, Path(args.md), Path(args.csv))
    print(f"wrote {args.md} and {args.csv} ({len(rows)} rows)")


def cmd_manifest(args: argparse.Namespace) -> None:
    from oneshot_rlvr import manifest, reporting

    files = reporting.metrics_files([Path(args.metrics)])
    blocks = []
    for path in files:
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

    rows = {row: reporting.metrics_files(files) for row, files in _pairs(args.metrics, "--metrics").items()}
    logs = {run: files[0] for run, files in _pairs(args.train_log, "--train-log").items()}
    datasets = {run: files[0] for run, files in _pairs(args.dataset, "--dataset").items()}
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
    records = reporting.table3(
        rows, args.model, args.scale, sizes, examples, hashes, args.grader, seed_lists(args.seeds)
    )
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
        runs[run] = [Path(paths.metrics(run, step, args.eval_dir)) for step in numbers]
    hashes = key_value_pairs(args.config_hash, "--config-hash")
    bootstrap = comparison.Bootstrap(resamples=args.resamples, seed=args.bootstrap_seed)
    seeds = seed_lists(args.seeds)
    records = paper_tables.build_table(args.table, runs, args.scale, hashes, args.grader, bootstrap, seeds)
    paper_tables.write_table(records, args.table, args.scale, Path(args.md), Path(args.csv))
    print(f"wrote {args.md} and {args.csv} (table {args.table}, {len(runs)} runs)")


def cmd_reports_readme(args: argparse.Namespace) -> None:
    from oneshot_rlvr import artefacts

    entries = artefacts.parse_artefacts(args.artefacts)
    artefacts.write_readme(entries, args.scale, Path(args.out))
    print(f"wrote {args.out} ({len(entries)} artefacts)")


def cmd_table_html(args: argparse.Namespace) -> None:
    source = Path(args.md or args.csv)
    rows = table_html.write_page(source, Path(args.out), args.title)
    print(f"wrote {args.out} ({rows} table rows from {source})")


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


def _command(sub, name: str, summary: str, func, details: str = "") -> argparse.ArgumentParser:
    """A subcommand whose --help starts with what it does (the one line `oneshot-rlvr --help` lists)."""
    parser = sub.add_parser(name, help=summary, description=summary[0].upper() + summary[1:] + "." + details)
    parser.set_defaults(func=func)
    return parser


def build_parser() -> argparse.ArgumentParser:
    from oneshot_rlvr import data, figures, grading, paper_tables, selection

    parser = OneLineParser(prog="oneshot-rlvr", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser, metavar="COMMAND")
    datasets = ", ".join(data.RELPATHS)

    p = _command(sub, "fetch-data", "download (or copy from --local-data-dir) and verify data files", cmd_fetch_data,
                 " Every file is checked against its SHA-256.")  # fmt: skip
    p.add_argument("--name", action="append", required=True, metavar="NAME", help=f"dataset (repeatable): {datasets}")
    p.add_argument("--dest-dir", required=True, help="the data folder to fill (resources/data in the workflow)")
    p.add_argument("--local-data-dir", help="copy from this folder (same layout) instead of downloading")
    p.add_argument("--force", action="store_true", help="fetch again even where a verified copy is there")

    p = _command(sub, "build-tiny-model", "build the miniature's random Qwen2-architecture model", cmd_build_tiny_model,
                 " Tokenizer trained on the local text, random weights, a short supervised warm start.")  # fmt: skip
    p.add_argument("--data-dir", required=True, help="the data folder (DSR-sub and MATH-train are read)")
    p.add_argument("--out", required=True, help="the model folder to write")
    p.add_argument("--settings", help="tiny_model settings as a JSON object (default: from the config)")
    _add_config_args(p)

    p = _command(sub, "generate-testbed-data", "write the testbed's pool, benchmarks and warm-start corpus",
                 cmd_generate_testbed_data, " Seeded and deterministic (docs/testbed.md).")  # fmt: skip
    p.add_argument("--out-dir", required=True, help="the data folder (config key data_dir)")
    p.add_argument("--settings", help="the `testbed` settings as a JSON object (default: from the config)")
    _add_config_args(p)

    p = _command(sub, "build-testbed-model", "build and warm-start the testbed's character-level model",
                 cmd_build_testbed_model, " The warm start is TRL's SFTTrainer on the generated corpus.")  # fmt: skip
    p.add_argument("--data-dir", required=True, help="the testbed data folder (its warm-start corpus)")
    p.add_argument("--out", required=True, help="the model folder to write")
    p.add_argument("--settings", help="the `testbed.model` settings as a JSON object (default: from the config)")
    _add_config_args(p)

    p = _command(sub, "rank", "rank DSR-sub examples by a historical-accuracy score", cmd_rank,
                 " Writes a TSV of rank, index and score, highest score first (pi1 is rank 1).")  # fmt: skip
    p.add_argument("--history", required=True, help="the training-accuracy history (acc_step_500.json layout)")
    p.add_argument("--out", required=True, help="the ranking TSV to write")
    p.add_argument("--score", default="std", choices=selection.SCORES, help="ranking score (default: std, the paper)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random score (default: 0)")

    p = _command(sub, "make-dataset", "build a duplicated 1/few-shot (or full) training parquet", cmd_make_dataset)
    p.add_argument(
        "--name", required=True, help="example set: pi<i>, unions pi1_pi13, ranges pi1_to_pi16, random<k>, dsr_sub, "
        "math_train, pi1_simplified"
    )  # fmt: skip
    p.add_argument("--data-dir", required=True, help="the data folder")
    p.add_argument("--ranking", help="ranking TSV (needed for pi<i> sets)")
    p.add_argument("--batch-size", type=positive_int, default=128, help="rows of a duplicated set (default: 128)")
    p.add_argument("--seed", type=int, default=0, help="selection seed (draws the random<k> sets; default: 0)")
    p.add_argument("--out", required=True, help="the parquet file to write")

    p = _command(sub, "collect-history", "our own history: the one a DSR-sub run recorded at a saved step",
                 cmd_collect_history)  # fmt: skip
    p.add_argument("--done", required=True, help="the run's train_done.json")
    p.add_argument("--checkpoint-dir", required=True, help="the run's checkpoints folder")
    p.add_argument("--step", type=non_negative_int, required=True, help="a saved step of the run")
    p.add_argument("--out", required=True, help="the history JSON to write")

    p = _command(sub, "table5-convergence", 'Table 5\'s "train converges" column from the training logs',
                 cmd_table5_convergence)  # fmt: skip
    p.add_argument("--log", action="append", default=[], help="a collected train_log.jsonl (collect-train-log)")
    add_table_outputs(p)

    p = _command(sub, "example-cards", "Table 2 and Tables 21-42: a card per named example from the ranking",
                 cmd_example_cards)  # fmt: skip
    p.add_argument("--data-dir", required=True, help="the data folder")
    p.add_argument("--ranking", required=True, help="ranking TSV (oneshot-rlvr rank)")
    p.add_argument("--history", required=True, help="the history the ranking was computed from")
    p.add_argument("--score", default="std", help="the score the ranking used (printed in the table)")
    add_table_outputs(p)

    p = _command(sub, "plot-scores", "figure of the selection-score distribution with named examples marked",
                 cmd_plot_scores)  # fmt: skip
    p.add_argument("--ranking", required=True, help="ranking TSV (oneshot-rlvr rank)")
    p.add_argument("--history", help="the history the ranking came from (adds score against mean accuracy)")
    p.add_argument("--score", default="std", choices=selection.SCORES, help="the ranking's score (default: std)")
    p.add_argument("--source", default="", help="history label for the title (released / recomputed)")
    p.add_argument("--mark", action="append", default=[], help="pi<i> or rank to mark (default: the paper's)")
    p.add_argument("--png", required=True, help="the PNG to write")
    p.add_argument("--pdf", help="also a PDF")

    p = _command(sub, "collect-train-log", "a finished run's per-step training log, from its checkpoints",
                 cmd_collect_train_log)  # fmt: skip
    p.add_argument("--done", required=True, help="the run's train_done.json")
    p.add_argument("--checkpoint-dir", required=True, help="the run's checkpoints folder")
    p.add_argument("--out", required=True, help="the JSONL to write")

    p = _command(sub, "plot-figure", "draw one of the paper's figures (PNG and PDF) from metrics and logs",
                 cmd_plot_figure)  # fmt: skip
    p.add_argument("--figure", required=True, choices=figures.FIGURE_NAMES, metavar="FIGURE",
                   help=f"one of {', '.join(figures.FIGURE_NAMES)}")  # fmt: skip
    p.add_argument("--spec", required=True, help='the figure\'s config as JSON, e.g. {"runs": ["pi1"], "base": "base"}')
    p.add_argument("--metrics", nargs="*", default=[], help="metrics.json files (grouped by their run)")
    p.add_argument("--train-log", nargs="*", default=[], help="collected training logs (collect-train-log)")
    p.add_argument("--data-dir", help="data folder (Figure 3 prints the test problem's text)")
    p.add_argument("--scale", default="paper", choices=list(SCALES), help="stated in the title")
    p.add_argument("--png", required=True, help="the PNG to write")
    p.add_argument("--pdf", help="also a PDF")

    p = _command(sub, "train", "GRPO training of one run (resumes from its last checkpoint)", cmd_train,
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
    _add_config_args(p)

    release = "delete the checkpoint's model weights once its metrics are written (training.keep_checkpoints: false); "
    release += "a run's newest checkpoint and folders that are no training checkpoint are never touched"
    p = _command(sub, "evaluate", "evaluate one checkpoint on every enabled benchmark", cmd_evaluate,
                 " Finished benchmarks are kept and reused on a re-run.")  # fmt: skip
    p.add_argument("--run", required=True, help="run name")
    p.add_argument("--step", type=non_negative_int, required=True, help="the checkpoint's step (0: the base model)")
    p.add_argument("--model", required=True, help="model folder (e.g. ck/checkpoint-4) or hub id")
    p.add_argument("--data-dir", required=True, help="the data folder")
    p.add_argument("--out-dir", required=True, help="folder of <bench>.jsonl, <bench>.metrics.json, metrics.json")
    p.add_argument("--spec", help="resolved evaluation spec as JSON (the workflow passes this; else from --config)")
    p.add_argument("--release-weights", action="store_true", help=release)
    _add_config_args(p)

    p = _command(sub, "evaluate-run", "evaluate a run's checkpoints one after another, then write its steps.json",
                 cmd_evaluate_run)  # fmt: skip
    p.add_argument("--run", required=True, help="run name")
    p.add_argument("--steps", required=True, help="comma-separated steps, e.g. 20,40,60")
    p.add_argument("--model-template", required=True, help="checkpoint path with {step}, e.g. ck/checkpoint-{step}")
    p.add_argument("--data-dir", required=True, help="the data folder")
    p.add_argument("--eval-dir", required=True, help="the run's folder: step<step>/ goes under it")
    p.add_argument("--index", required=True, help="the steps.json written when every step is evaluated")
    p.add_argument("--spec", help="resolved evaluation spec as JSON (the workflow passes this; else from --config)")
    p.add_argument("--release-weights", action="store_true", help=release.replace("checkpoint's", "checkpoints'"))
    _add_config_args(p)

    p = _command(sub, "grade", "grade a JSONL of responses (keys response, answer)", cmd_grade)
    p.add_argument("--input", required=True, help="JSONL with response and answer per line")
    p.add_argument("--output", required=True, help="the graded JSONL to write")
    p.add_argument("--mode", default="default", choices=grading.GRADER_MODES, help="grader (default: default)")
    p.add_argument("--workers", type=positive_int, default=2, help="grading processes (default: 2)")

    p = _command(sub, "show-config", "print the resolved TRL training configuration of a run", cmd_show_config)
    p.add_argument("--run", required=True, help="run name")
    p.add_argument("--spec", help="resolved training spec as JSON (else from --config)")
    p.add_argument("--world-size", type=positive_int, default=1, help="GPUs the batch is split over (default: 1)")
    _add_config_args(p)

    p = _command(sub, "plan", "expected disk use of a target's training runs", cmd_plan,
                 " Checkpoint weights (fp32) of every saved step plus one optimizer state per run; the runs are "
                 "the train_grpo jobs of `snakemake <target> --summary`.")  # fmt: skip
    p.add_argument("target", nargs="?", default="reproduce_table1",
                   help="Snakemake target: reproduce_table1 (default), reproduce_table<N>, sweep_1shot, figure<N>, "
                   "all_figures, paper")  # fmt: skip
    p.add_argument("--run", action="append", default=[], help="these runs instead of the target's (repeatable)")
    _add_config_args(p)

    p = _command(sub, "report-table1", "write reports/table1.md and .csv from metrics files", cmd_report_table1)
    p.add_argument("--metrics", action="append", required=True, metavar="ROW=PATH", help="a row's metrics.json")
    p.add_argument("--config-hash", action="append", default=[], metavar="ROW=HASH", help="a row's config hash")
    p.add_argument("--model", default="Qwen2.5-Math-1.5B", help="model named in the title")
    add_comparison_options(p)
    p.add_argument("--seeds", action="append", default=[], metavar="ROW=S1,S2", help="a row run with several seeds")
    p.add_argument("--averaged", action="append", default=[], metavar="BENCHMARK",
                   help="an averaged column, in order (default: the paper's 6 math benchmarks)")  # fmt: skip
    p.add_argument("--extra", action="append", default=[], metavar="BENCHMARK",
                   help="a column after the average (default with no --averaged: ARC-E, ARC-C)")  # fmt: skip
    add_table_outputs(p)

    p = _command(sub, "manifest", "print what produced a metrics.json (versions, device, commit, seeds, data)",
                 cmd_manifest)  # fmt: skip
    p.add_argument("metrics", help="a metrics.json written by evaluate (or a run's steps.json: every step's)")
    p.add_argument("--json", action="store_true", help="print JSON instead of one line per field")

    p = _command(sub, "report-testbed", "write reports/testbed.md and .csv (format, skill, transfer, post-saturation)",
                 cmd_report_testbed)  # fmt: skip
    p.add_argument("--metrics", action="append", required=True, metavar="ROW=PATH", help="as report-table1")
    p.add_argument("--train-log", action="append", default=[], metavar="RUN=PATH", help="collected training log")
    p.add_argument("--dataset", action="append", default=[], metavar="RUN=PATH", help="the run's training set")
    p.add_argument("--base", default="base", help="the row the others are compared with")
    p.add_argument("--md", required=True, help="the Markdown report to write")
    p.add_argument("--csv", required=True, help="the CSV report to write")

    p = _command(sub, "report-table3", "write reports/table3.md and .csv (MATH500 subjects per example)",
                 cmd_report_table3)  # fmt: skip
    p.add_argument("--metrics", action="append", default=[], metavar="ROW=PATH", help="a row's metrics.json")
    p.add_argument("--metrics-file", action="append", default=[], help="file of ROW=PATH lines (long sweeps)")
    p.add_argument("--ranking", help="ranking.tsv, to list the DSR-sub indices of each row")
    p.add_argument("--config-hash", action="append", default=[], metavar="ROW=HASH", help="a row's config hash")
    p.add_argument("--model", default="Qwen2.5-Math-1.5B", help="model named in the title")
    add_comparison_options(p)
    p.add_argument("--seeds", action="append", default=[], metavar="ROW=S1,S2", help="a row run with several seeds")
    add_table_outputs(p)

    numbers = [str(number) for number in paper_tables.TABLES]
    p = _command(sub, "report-table", "write reports/table<N>.md and .csv for one of the paper's other tables",
                 cmd_report_table)  # fmt: skip
    p.add_argument("--table", type=int, required=True, choices=list(paper_tables.TABLES), metavar="N",
                   help=f"the paper's table number: {', '.join(numbers)}")  # fmt: skip
    p.add_argument("--eval-dir", default=paths.EVAL_DIR, help="folder of <run>/step<step>/metrics.json")
    p.add_argument("--run", action="append", default=[], metavar="RUN=STEPS", help="a run and its evaluated steps")
    p.add_argument("--config-hash", action="append", default=[], metavar="RUN=HASH", help="a run's config hash")
    add_comparison_options(p)
    p.add_argument("--seeds", action="append", default=[], metavar="RUN=S1,S2", help="a run with several seeds")
    add_table_outputs(p)

    p = _command(sub, "reports-readme", "write reports/README.md: every artefact, its files and inputs",
                 cmd_reports_readme)  # fmt: skip
    p.add_argument(
        "--artefacts", required=True, help='JSON list of {"target", "files", "inputs"} (what each is computed from)'
    )
    p.add_argument("--scale", default="paper", choices=list(SCALES), help="stated in the README")
    p.add_argument("--out", required=True, help="the README to write")

    p = _command(sub, "table-html", "render a table's Markdown (or CSV) as a standalone HTML page for the report",
                 cmd_table_html, " The page keeps the Markdown's notes as paragraphs and loads nothing from "
                 "elsewhere; the Snakemake report shows it in a frame (a .md or .csv it only offers to "
                 "download).")  # fmt: skip
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--md", help="the table's Markdown (reports/<table>.md)")
    source.add_argument("--csv", help="the table's CSV, for a table without Markdown (header row first)")
    p.add_argument("--title", help="the page title (default: the Markdown's first heading, or the CSV's name)")
    p.add_argument("--out", required=True, help=f"the HTML page to write ({paths.REPORT_PAGES_DIR}/<table>.html)")
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
