"""Reports: the paper's tables and figures, the testbed report and reports/README.md."""

from __future__ import annotations

import argparse
from pathlib import Path

from oneshot_rlvr import (
    artefacts,
    comparison,
    convergence,
    figures,
    paths,
    selection,
    table_html,
)
from oneshot_rlvr.cli.arguments import (
    add_comparison_options,
    add_table_outputs,
    command,
    grouped_pairs,
    json_object,
    key_value_pairs,
    non_negative_ints,
    pairs,
    seed_lists,
)
from oneshot_rlvr.data import ARC_BENCHMARKS, MATH_BENCHMARKS
from oneshot_rlvr.tables import builder, registry, table1, table3
from oneshot_rlvr.tables.format import SCALES
from oneshot_rlvr.tables.metrics import metrics_files
from oneshot_rlvr.testbed import report


def _metrics_rows(items: list[str], option: str) -> dict[str, list[Path]]:
    """`ROW=PATH` items as row -> metrics files (a run's steps.json stands for every step's)."""
    grouped = grouped_pairs(items, option, "ROW=PATH")
    return {row: metrics_files([Path(path) for path in paths]) for row, paths in grouped.items()}


def cmd_report_table1(args: argparse.Namespace) -> None:
    rows = _metrics_rows(args.metrics, "--metrics")
    hashes = key_value_pairs(args.config_hash, "--config-hash")
    bootstrap = comparison.Bootstrap(resamples=args.resamples, seed=args.bootstrap_seed)
    seeds = seed_lists(args.seeds)
    averaged = args.averaged or list(MATH_BENCHMARKS)
    extra = args.extra if args.averaged else list(ARC_BENCHMARKS)
    records = table1.table1(
        rows, args.model, args.scale, hashes, args.grader, bootstrap, seeds=seeds, averaged=averaged, extra=extra
    )
    table1.write_table1(records, args.model, args.scale, Path(args.md), Path(args.csv))
    print(f"wrote {args.md} and {args.csv} ({len(rows)} rows)")


def cmd_report_table3(args: argparse.Namespace) -> None:
    items = list(args.metrics)
    for listing in args.metrics_file:
        items += [line.strip() for line in Path(listing).read_text().splitlines() if line.strip()]
    rows = _metrics_rows(items, "metrics entry")
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
    records = table3.table3(
        rows, args.model, args.scale, sizes, examples, hashes, args.grader, seed_lists(args.seeds)
    )
    table3.write_table3(records, args.model, args.scale, Path(args.md), Path(args.csv))
    print(f"wrote {args.md} and {args.csv} ({len(rows)} rows)")


def cmd_report_table(args: argparse.Namespace) -> None:
    runs: dict[str, list[Path]] = {}
    for run, steps in pairs(args.run, "--run", "RUN=STEP[,STEP...]"):
        numbers = non_negative_ints(steps, f"--run {run}={steps}: steps must be integers, each 0 or more")
        runs[run] = [Path(paths.metrics(run, step, args.eval_dir)) for step in numbers]
    hashes = key_value_pairs(args.config_hash, "--config-hash")
    bootstrap = comparison.Bootstrap(resamples=args.resamples, seed=args.bootstrap_seed)
    seeds = seed_lists(args.seeds)
    records = builder.build_table(args.table, runs, args.scale, hashes, args.grader, bootstrap, seeds)
    builder.write_table(records, args.table, args.scale, Path(args.md), Path(args.csv))
    print(f"wrote {args.md} and {args.csv} (table {args.table}, {len(runs)} runs)")


def cmd_table5_convergence(args: argparse.Namespace) -> None:
    logs = figures.load_train_logs([Path(path) for path in args.log])
    try:
        records = convergence.table5_convergence(logs)
    except convergence.ConvergenceError as error:
        raise convergence.ConvergenceError(f"{', '.join(args.log)}: {error}") from None
    convergence.write_convergence(records, args.scale, Path(args.md), Path(args.csv))
    judged = [r for r in records if r["converges"] is not None]
    print(f"Table 5 train converges: {sum(r['converges'] for r in judged)} of {len(judged)} runs")


def cmd_report_testbed(args: argparse.Namespace) -> None:
    rows = _metrics_rows(args.metrics, "--metrics")
    logs = {run: Path(paths[0]) for run, paths in grouped_pairs(args.train_log, "--train-log", "RUN=PATH").items()}
    datasets = {run: Path(paths[0]) for run, paths in grouped_pairs(args.dataset, "--dataset", "RUN=PATH").items()}
    records = report.testbed_report(rows, logs, datasets, base=args.base)
    report.write_report(records, Path(args.md), Path(args.csv))
    print(f"wrote {args.md} and {args.csv} ({len(rows)} rows, {len(records)} records)")


def cmd_plot_figure(args: argparse.Namespace) -> None:
    spec = json_object(args.spec, "--spec")
    inputs = figures.FigureInputs(
        name=args.figure,
        spec={"base": None, **spec},
        curves=figures.load_curves(metrics_files([Path(path) for path in args.metrics])),
        logs=figures.load_train_logs([Path(path) for path in args.train_log]),
        scale=args.scale,
        data_dir=Path(args.data_dir) if args.data_dir else None,
    )
    panels = figures.draw(inputs, Path(args.png), Path(args.pdf) if args.pdf else None)
    print(f"wrote {args.png}" + (f" and {args.pdf}" if args.pdf else "") + f": {len(panels)} panels")


def cmd_table_html(args: argparse.Namespace) -> None:
    source = Path(args.md or args.csv)
    rows = table_html.write_page(source, Path(args.out), args.title)
    print(f"wrote {args.out} ({rows} table rows from {source})")


def cmd_reports_readme(args: argparse.Namespace) -> None:
    entries = artefacts.parse_artefacts(args.artefacts)
    artefacts.write_readme(entries, args.scale, Path(args.out))
    print(f"wrote {args.out} ({len(entries)} artefacts)")


def register(sub) -> None:
    """Add these subcommands to the `oneshot-rlvr` parser."""
    p = command(sub, "report-table1", "write reports/table1.md and .csv from metrics files", cmd_report_table1)
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

    p = command(sub, "report-table3", "write reports/table3.md and .csv (MATH500 subjects per example)",
                 cmd_report_table3)  # fmt: skip
    p.add_argument("--metrics", action="append", default=[], metavar="ROW=PATH", help="a row's metrics.json")
    p.add_argument("--metrics-file", action="append", default=[], help="file of ROW=PATH lines (long sweeps)")
    p.add_argument("--ranking", help="ranking.tsv, to list the DSR-sub indices of each row")
    p.add_argument("--config-hash", action="append", default=[], metavar="ROW=HASH", help="a row's config hash")
    p.add_argument("--model", default="Qwen2.5-Math-1.5B", help="model named in the title")
    add_comparison_options(p)
    p.add_argument("--seeds", action="append", default=[], metavar="ROW=S1,S2", help="a row run with several seeds")
    add_table_outputs(p)

    numbers = [str(number) for number in registry.TABLES]

    p = command(sub, "report-table", "write reports/table<N>.md and .csv for one of the paper's other tables",
                 cmd_report_table)  # fmt: skip
    p.add_argument("--table", type=int, required=True, choices=list(registry.TABLES), metavar="N",
                   help=f"the paper's table number: {', '.join(numbers)}")  # fmt: skip
    p.add_argument("--eval-dir", default=paths.EVAL_DIR, help="folder of <run>/step<step>/metrics.json")
    p.add_argument("--run", action="append", default=[], metavar="RUN=STEPS", help="a run and its evaluated steps")
    p.add_argument("--config-hash", action="append", default=[], metavar="RUN=HASH", help="a run's config hash")
    add_comparison_options(p)
    p.add_argument("--seeds", action="append", default=[], metavar="RUN=S1,S2", help="a run with several seeds")
    add_table_outputs(p)

    p = command(sub, "table5-convergence", 'Table 5\'s "train converges" column from the training logs',
                 cmd_table5_convergence)  # fmt: skip
    p.add_argument("--log", action="append", default=[], help="a collected train_log.jsonl (collect-train-log)")
    add_table_outputs(p)

    p = command(sub, "report-testbed", "write reports/testbed.md and .csv (format, skill, transfer, post-saturation)",
                 cmd_report_testbed)  # fmt: skip
    p.add_argument("--metrics", action="append", required=True, metavar="ROW=PATH", help="as report-table1")
    p.add_argument("--train-log", action="append", default=[], metavar="RUN=PATH", help="collected training log")
    p.add_argument("--dataset", action="append", default=[], metavar="RUN=PATH", help="the run's training set")
    p.add_argument("--base", default="base", help="the row the others are compared with")
    p.add_argument("--md", required=True, help="the Markdown report to write")
    p.add_argument("--csv", required=True, help="the CSV report to write")

    p = command(sub, "plot-figure", "draw one of the paper's figures (PNG and PDF) from metrics and logs",
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



    p = command(sub, "reports-readme", "write reports/README.md: every artefact, its files and inputs",
                cmd_reports_readme)  # fmt: skip
    p.add_argument(
        "--artefacts", required=True, help='JSON list of {"target", "files", "inputs"} (what each is computed from)'
    )
    p.add_argument("--scale", default="paper", choices=list(SCALES), help="stated in the README")
    p.add_argument("--out", required=True, help="the README to write")

    p = command(sub, "table-html", "render a table's Markdown (or CSV) as a standalone HTML page for the report",
                cmd_table_html, " The page keeps the Markdown's notes as paragraphs and loads nothing from "
                "elsewhere; the Snakemake report shows it in a frame (a .md or .csv it only offers to "
                "download).")  # fmt: skip
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--md", help="the table's Markdown (reports/<table>.md)")
    source.add_argument("--csv", help="the table's CSV, for a table without Markdown (header row first)")
    p.add_argument("--title", help="the page title (default: the Markdown's first heading, or the CSV's name)")
    p.add_argument("--out", required=True, help=f"the HTML page to write ({paths.REPORT_PAGES_DIR}/<table>.html)")
