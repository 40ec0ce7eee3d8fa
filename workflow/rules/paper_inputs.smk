# Helpers of the paper's tables (rules in workflow/rules/paper.smk): constants and functions only, no rules, so
# that snakemake --lint accepts the rule file. The tables' rows, runs and selection rules live in the tested package
# (oneshot_rlvr.tables.registry); this file turns them into input files and command-line arguments.
# Include it after the figures' functions-only file (it reads FIGURE_ARTEFACTS when that exists).
import json

from oneshot_rlvr.tables import registry as paper_registry

# Tables built by rule report_paper_table (Tables 1 and 3 have their own rules).
PAPER_TABLE_NUMBERS = list(paper_registry.TABLES)
# Figure targets (target name -> output files) from the figures helpers file; empty until that is included.
FIGURE_ARTEFACT_MAP = dict(globals().get("FIGURE_ARTEFACTS", {}))
# Every figure file of `paper`: those of FIGURE_ARTEFACTS, and a FIGURE_FILES list if the figures file defines one.
PAPER_FIGURE_FILES = list(
    dict.fromkeys(
        [path for files in FIGURE_ARTEFACT_MAP.values() for path in files] + list(globals().get("FIGURE_FILES", []))
    )
)


def _configured(run):
    """A run the config defines or derives; rows of other runs are reported as not run."""
    try:
        configuration.evaluated_steps(config, run)
    except configuration.ConfigError:
        return False
    return True


def paper_table_runs(number):
    """The runs of a table that the config defines, each followed by its further seeds (`runs.<name>.seeds`)."""
    return [
        name
        for run in paper_registry.table_runs(int(number))
        if _configured(run)
        for name in configuration.seed_runs(config, run)
    ]


def paper_table_seed_args(wildcards):
    """--seeds RUN=S1,S2,... per run of the table listing several seeds."""
    words = []
    for run in paper_registry.table_runs(int(wildcards.number)):
        seeds = configuration.run_seeds(config, run) if _configured(run) else []
        if len(seeds) > 1:
            words += ["--seeds", f"{run}={','.join(map(str, seeds))}"]
    return words


def table5_train_logs():
    """The collected training logs of Table 5's runs (its "train converges" column)."""
    return [paths.train_log(run) for run, _, _ in paper_registry.TABLE5_ROWS if _configured(run)]


TABLE5_CONVERGENCE_FILES = paths.report_files(paths.TABLE5_CONVERGENCE_REPORT)


def paper_table_inputs(wildcards):
    return [path for run in paper_table_runs(wildcards.number) for path in run_metrics(run)]


def paper_table_run_args(wildcards):
    """--run RUN=STEP,STEP,... per run: the report reads paths.metrics(RUN, STEP) (command-line words,
    quoted one by one in the rule)."""
    return [
        word
        for run in paper_table_runs(wildcards.number)
        for word in ("--run", f"{run}=" + ",".join(str(step) for step in configuration.evaluated_steps(config, run)))
    ]


def paper_table_hash_args(wildcards):
    return [
        word
        for run in paper_table_runs(wildcards.number)
        for word in ("--config-hash", f"{run}={configuration.run_config_hash(config, run)}")
    ]


def _runs_text(runs):
    runs = list(runs)
    shown = ", ".join(runs[:12]) + (f", … ({len(runs)} runs)" if len(runs) > 12 else "")
    return f"runs {shown}" if runs else "–"


def artefact_entries():
    """Every artefact of `paper`: target, files, what it is computed from (reports/README.md)."""
    entries = [
        {
            "target": "reproduce_table1",
            "files": paths.table_files(1),
            "inputs": _runs_text(config["report"]["table1"]["rows"]),
        },
        {
            "target": "reproduce_table2",
            "files": paths.table_files(2),
            "inputs": f"DSR-sub; {paths.RANKING} and its history",
        },
        {
            "target": "reproduce_table3",
            "files": paths.table_files(3) + paths.figure_files(paths.SCORE_DISTRIBUTION_FIGURE),
            "inputs": _runs_text(["base", *SWEEP]) + f"; {paths.RANKING}",
        },
    ]
    for number in PAPER_TABLE_NUMBERS:
        entries.append(
            {
                "target": f"reproduce_table{number}",
                "files": paths.table_files(number) + (TABLE5_CONVERGENCE_FILES if number == 5 else []),
                "inputs": _runs_text(paper_table_runs(number)),
            }
        )
    for target, files in FIGURE_ARTEFACT_MAP.items():
        entries.append({"target": target, "files": list(files), "inputs": "see its rule in workflow/rules/"})
    return entries


def artefact_files():
    return [path for entry in artefact_entries() for path in entry["files"]]


def artefacts_json():
    return json.dumps(artefact_entries())
