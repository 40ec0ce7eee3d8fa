"""Every path the workflow writes under `results/` and `reports/`, named once.

The rule files (workflow/rules/*.smk) and the package build their paths from these functions, so a rule's output
and the file a command or a report reads can never drift apart. Each function takes the run, step, set or table as
a value or as a Snakemake wildcard: `metrics(run, step)` is one file, `metrics("{run}", "{step}")` the rule's
pattern. Paths are relative to the working directory the workflow runs in (the repository root).
"""

from __future__ import annotations

RESULTS_DIR = "results"
REPORTS_DIR = "reports"

# ---- Models the workflow builds (the miniature's tiny model, the testbed's model).
_MODELS_DIR = f"{RESULTS_DIR}/models"


def built_model(name: str) -> str:
    """The folder of a model the workflow builds itself (config `models.<key>.path` names it)."""
    return f"{_MODELS_DIR}/{name}"


# ---- Example selection: the ranking of DSR-sub and the history it is computed from.
_SELECTION_DIR = f"{RESULTS_DIR}/selection"
RANKING = f"{_SELECTION_DIR}/ranking.tsv"
# The history recorded by our own full-set DSR-sub run (selection.history: recomputed).
RECOMPUTED_HISTORY = f"{_SELECTION_DIR}/history_recomputed.json"

# ---- Training sets: one parquet file per example-set name (pi1, pi1_pi13, dsr_sub, ...).
_DATASETS_DIR = f"{RESULTS_DIR}/datasets"


def dataset(name: str) -> str:
    return f"{_DATASETS_DIR}/{name}.parquet"


# ---- Training runs: the trainer's checkpoints (outside the declared outputs, so a killed job resumes), the done
# marker Snakemake sees, and the run's collected training log.
_RUNS_DIR = f"{RESULTS_DIR}/runs"
_TRAIN_DONE_FILE = "train_done.json"


def _run_dir(run: str) -> str:
    return f"{_RUNS_DIR}/{run}"


def checkpoints_dir(run: str) -> str:
    return f"{_run_dir(run)}/checkpoints"


def checkpoint(run: str, step: int | str) -> str:
    """A trainer checkpoint (Hugging Face format; TRL names it checkpoint-<step>)."""
    return f"{checkpoints_dir(run)}/checkpoint-{step}"


def train_done(run: str) -> str:
    """The run's done marker, written when training reaches max_steps."""
    return f"{_run_dir(run)}/{_TRAIN_DONE_FILE}"


def run_of_train_done(path: str) -> str | None:
    """The run whose done marker `path` is, or None for any other path."""
    prefix = f"{_RUNS_DIR}/"
    suffix = f"/{_TRAIN_DONE_FILE}"
    if not (path.startswith(prefix) and path.endswith(suffix)):
        return None
    run = path[len(prefix) : -len(suffix)]
    return run if run and "/" not in run and not any(char.isspace() for char in run) else None


def train_log(run: str) -> str:
    """The run's per-step training log, gathered from its checkpoints (figures, Table 5's convergence column)."""
    return f"{_run_dir(run)}/train_log.jsonl"


# ---- Evaluation: results/eval/<run>/step<step>/ per evaluated checkpoint (per-benchmark responses and metrics,
# the summary metrics.json), whichever job wrote it, and, for runs evaluated by one job per run, the run's index
# steps.json (written last, naming every step's file), or per chunk of checkpoints evaluated by one job, the
# chunk's index steps<first>-<last>.json.
EVAL_DIR = f"{RESULTS_DIR}/eval"
RUN_INDEX_FILE = "steps.json"


def run_eval_dir(run: str, eval_dir: str = EVAL_DIR) -> str:
    return f"{eval_dir}/{run}"


def step_eval_dir(run: str, step: int | str, eval_dir: str = EVAL_DIR) -> str:
    return f"{run_eval_dir(run, eval_dir)}/step{step}"


def metrics(run: str, step: int | str, eval_dir: str = EVAL_DIR) -> str:
    """The summary metrics.json of one evaluated checkpoint."""
    return f"{step_eval_dir(run, step, eval_dir)}/metrics.json"


def run_index(run: str, eval_dir: str = EVAL_DIR) -> str:
    """The index of a run evaluated whole by one job (rule evaluate_run)."""
    return f"{run_eval_dir(run, eval_dir)}/{RUN_INDEX_FILE}"


def chunk_index(run: str, first: int | str, last: int | str, eval_dir: str = EVAL_DIR) -> str:
    """The index of the run's steps `first` to `last` evaluated by one job (rule evaluate_chunk,
    `evaluation.checkpoints_per_job`): steps<first>-<last>.json, in the format of steps.json."""
    return f"{run_eval_dir(run, eval_dir)}/steps{first}-{last}.json"


def is_evaluation_index(path: str) -> bool:
    """Whether `path` is an index naming step metrics files (a run's steps.json or a chunk's), not one metrics.json."""
    name = str(path).replace("\\", "/").rsplit("/", 1)[-1]
    first, dash, last = name.removeprefix("steps").removesuffix(".json").partition("-")
    chunk = name.startswith("steps") and name.endswith(".json") and dash == "-" and first.isdigit() and last.isdigit()
    return name == RUN_INDEX_FILE or chunk


# ---- The example sweep: ROW=PATH per metrics file of Table 3 (too many for a command line at 1,209 examples).
TABLE3_MANIFEST = f"{RESULTS_DIR}/sweep/table3_metrics.txt"

# ---- Reports: the paper's tables (Markdown and CSV), figures (PNG and PDF), the testbed's report, the index.
FIGURES_DIR = f"{REPORTS_DIR}/figures"
REPORTS_INDEX = f"{REPORTS_DIR}/README.md"
# A table's page for the Snakemake HTML report (which shows .html in a frame, but offers .md and .csv to download).
REPORT_PAGES_DIR = f"{REPORTS_DIR}/html"


def report_file(name: str, extension: str) -> str:
    """A tabular report: reports/<name>.md (what people read) or .csv (what programs read)."""
    return f"{REPORTS_DIR}/{name}.{extension}"


def report_page(name: str) -> str:
    """reports/html/<name>.html: the page of reports/<name>.md in the HTML report (rule table_html)."""
    return f"{REPORT_PAGES_DIR}/{name}.html"


# The index's page (reports/README.md is no table of the paper; `paper` shows it in the report too).
REPORTS_INDEX_PAGE = report_page("README")


def report_files(name: str) -> list[str]:
    """What a target of a tabular report makes: its Markdown, its CSV and its page for the HTML report."""
    return [report_file(name, "md"), report_file(name, "csv"), report_page(name)]


def _table_name(number: int | str) -> str:
    """The report name of the paper's Table <number> (`{number}` for the rule's pattern)."""
    return f"table{number}"


def table_file(number: int | str, extension: str) -> str:
    return report_file(_table_name(number), extension)


def table_files(number: int | str) -> list[str]:
    return report_files(_table_name(number))


# Table 5's "train converges" column, computed from the training logs of its runs.
TABLE5_CONVERGENCE_REPORT = "table5_convergence"
# The testbed's report (data_source: testbed).
TESTBED_REPORT = "testbed"


def figure_file(name: str, extension: str) -> str:
    """reports/figures/<name>.<extension> (the paper's figures, the selection-score figure)."""
    return f"{FIGURES_DIR}/{name}.{extension}"


def figure_files(name: str) -> list[str]:
    """A figure's PNG and PDF."""
    return [figure_file(name, "png"), figure_file(name, "pdf")]


SCORE_DISTRIBUTION_FIGURE = "score_distribution"
