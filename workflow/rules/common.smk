# Config validation and every helper the rule files use. Functions only, since `snakemake --lint` wants no
# function definitions in a file with rules. The resolution logic lives in the tested package
# (oneshot_rlvr.config), so the workflow and `oneshot-rlvr show-config` agree on every value, and every path under
# results/ and reports/ comes from oneshot_rlvr.paths, which the package's commands read too. Package modules
# keep their own names here; oneshot_rlvr.config is `configuration`, since `config` is Snakemake's config dict.
import functools
import json
import re
import sys
from pathlib import PurePosixPath

from snakemake.utils import validate

from oneshot_rlvr import config as configuration
from oneshot_rlvr import console, data, paths, report_layout, selection
from oneshot_rlvr.testbed import files as testbed_files
from oneshot_rlvr.training import bad_input

# The config files re-read refusing duplicated keys, the config bounded (nested YAML aliases, non-finite numbers),
# `--config 'training={gpus: 4}'` typed as the schema says (Snakemake keeps nested command-line values strings),
# then validated with one message naming the key.
configuration.check_config_files(workflow.configfiles)
configuration.check_config_values(config)
configuration.apply_command_line_types(config, workflow.config_settings.config)
configuration.validate_config(config)
validate(config, schema="../schemas/config.schema.yaml")

DATA_DIR = config["data_dir"]
RUNS = configuration.run_names(config)
BASE = configuration.BASE_RUN


wildcard_constraints:
    # configured runs, and the derived ones (configuration.derived_run): the history run and one run per
    # example-set name
    run="|".join(
        [
            *(re.escape(name) for name in [BASE, *RUNS, configuration.HISTORY_RUN]),
            configuration.EXAMPLE_SET_PATTERN,
        ]
    ),
    step=r"\d+",
    first=r"\d+",
    last=r"\d+",
    dataset=configuration.EXAMPLE_SET_PATTERN,


# The benchmark set (config key benchmark_set; the paper's 6 + 2 by default): evaluated at every checkpoint, the
# columns of Table 1.
AVERAGED_BENCHMARKS, EXTRA_BENCHMARKS = data.benchmark_set(config)
BENCHMARKS = [*AVERAGED_BENCHMARKS, *EXTRA_BENCHMARKS]

# data_source: testbed -- the files that generate_testbed_data writes into the data folder, from `testbed` without
# its `model` part (a change to the model rebuilds the model, not the data).
TESTBED = config["data_source"] == "testbed"
TESTBED_DATA_SETTINGS = {key: value for key, value in config.get("testbed", {}).items() if key != "model"}
TESTBED_FILES = testbed_files.testbed_relpaths(TESTBED_DATA_SETTINGS) if TESTBED else []
TESTBED_CORPUS = testbed_files.WARM_START_FILE


def data_file(name):
    relpath = data.relpath_of(name) if name in data.RELPATHS else data.benchmark_relpath(name)
    return f"{DATA_DIR}/{relpath}"


def data_dir_param(wildcards, input, output):
    """The data folder as read off the job's own data files, not the DATA_DIR global, so the command gets the
    folder Snakemake resolved (a storage prefix included), as the linter asks of folder params."""
    known = [*data.RELPATHS.values(), *(data.benchmark_relpath(name) for name in BENCHMARKS), *TESTBED_FILES]
    for path in [*input, *output]:
        parts = PurePosixPath(path).parts
        for relpath in known:
            rel = PurePosixPath(relpath).parts
            if parts[-len(rel) :] == rel:
                return str(PurePosixPath(*parts[: len(parts) - len(rel)]))
    raise ValueError(f"no file of the data folder {DATA_DIR!r} among the job's inputs and outputs")


def enabled_benchmarks():
    benchmarks = config["evaluation"]["benchmarks"]
    return [name for name in BENCHMARKS if benchmarks.get(name, {}).get("enabled", True)]


def fetched_names():
    return ["dsr_sub", "history", "math_train", *enabled_benchmarks()]


def model_path(run):
    return configuration.model_spec(config, configuration.model_key(config, run))["path"]


def model_inputs(run):
    """The built model's folder when the run's model is built by the workflow (the tiny model)."""
    spec = configuration.model_spec(config, configuration.model_key(config, run))
    return [spec["path"]] if spec["build"] else []


# A run's resolved specs, once per run and Snakemake invocation (every job of a run asks for them several times: its
# params and each resource). Read-only: callers never change the returned dicts.
@functools.cache
def run_training_spec(run):
    return configuration.training_spec(config, run)


@functools.cache
def run_evaluation_spec(run):
    return configuration.evaluation_spec(config, run)


@functools.cache
def run_evaluation_spec_json(run):
    return json.dumps(run_evaluation_spec(run), sort_keys=True)


def training_threads(wildcards):
    return configuration.training_threads(config, wildcards.run)


def training_spec_json(wildcards):
    return json.dumps(run_training_spec(wildcards.run), sort_keys=True)


def evaluation_spec_json(wildcards):
    return run_evaluation_spec_json(wildcards.run)


def dataset_of(run):
    return paths.dataset(run_training_spec(run)["dataset"])


def run_dataset(wildcards):
    return dataset_of(wildcards.run)


def evaluated_model(run, step):
    """The model a run is evaluated with at a step: its checkpoint, or the model itself (evaluation-only runs)."""
    if configuration.is_evaluation_only(config, run):
        return model_path(run)
    return paths.checkpoint(configuration.checkpoints_of(config, run) or run, step)


def checkpoint_model(wildcards):
    return evaluated_model(wildcards.run, wildcards.step)


@functools.cache
def run_evaluation_inputs(run):
    """The files a run's evaluation reads: the benchmarks, and its model (built, or its run's training)."""
    inputs = [data_file(name) for name in enabled_benchmarks()]
    if configuration.is_evaluation_only(config, run):
        return inputs + model_inputs(run) + configuration.icl_inputs(config, run)
    return inputs + [paths.train_done(configuration.checkpoints_of(config, run) or run)]


def evaluation_inputs(wildcards):
    return run_evaluation_inputs(wildcards.run)


def checkpoint_evaluation_inputs(wildcards):
    """evaluate_checkpoint's inputs; a run that one job evaluates whole (evaluation.jobs) or in chunks
    (evaluation.checkpoints_per_job) stops the DAG here, so the same step is never written by two jobs at once."""
    if configuration.evaluation_jobs(config, wildcards.run) == "run":
        raise ValueError(
            f"{paths.metrics(wildcards.run, wildcards.step)}: run {wildcards.run!r} is evaluated "
            f"by one job per run (config key evaluation.jobs: {config['evaluation'].get('jobs', 'auto')}); "
            f"ask for {paths.run_index(wildcards.run)} (rule evaluate_run) instead"
        )
    if configuration.checkpoints_per_job(config) > 1:
        raise ValueError(
            f"{paths.metrics(wildcards.run, wildcards.step)}: run {wildcards.run!r} is evaluated in chunks of "
            f"{configuration.checkpoints_per_job(config)} checkpoints (config key evaluation.checkpoints_per_job); "
            f"ask for one of {configuration.evaluation_targets(config, wildcards.run)[:2]}... "
            "(rule evaluate_chunk) instead"
        )
    return run_evaluation_inputs(wildcards.run)


def chunk_evaluation_inputs(wildcards):
    """evaluate_chunk's inputs: only for the chunks of the config (configuration.chunk_steps names them), and not
    for a run that one job evaluates whole."""
    if configuration.evaluation_jobs(config, wildcards.run) == "run":
        raise ValueError(
            f"{paths.chunk_index(wildcards.run, wildcards.first, wildcards.last)}: run {wildcards.run!r} is "
            f"evaluated by one job per run; ask for {paths.run_index(wildcards.run)} (rule evaluate_run) instead"
        )
    configuration.chunk_steps(config, wildcards.run, wildcards.first, wildcards.last)
    return run_evaluation_inputs(wildcards.run)


def release_weights_arg(wildcards):
    """`--release-weights` where training.keep_checkpoints is false: evaluated checkpoints' weights are deleted."""
    return [] if configuration.keeps_checkpoints(config, wildcards.run) else ["--release-weights"]


def run_checkpoint_template(wildcards):
    """evaluate_run's models, with `{step}` left for the command to fill in."""
    return evaluated_model(wildcards.run, "{step}")


def evaluated_steps_arg(wildcards):
    return ",".join(str(step) for step in configuration.evaluated_steps(config, wildcards.run))


def chunk_steps_arg(wildcards):
    steps = configuration.chunk_steps(config, wildcards.run, wildcards.first, wildcards.last)
    return ",".join(str(step) for step in steps)


def run_evaluation_runtime(wildcards):
    """A whole run's evaluation asks for its per-checkpoint wall time once per step."""
    per_checkpoint = run_evaluation_spec(wildcards.run)["runtime_min"]
    return per_checkpoint * len(configuration.evaluated_steps(config, wildcards.run))


def chunk_evaluation_runtime(wildcards):
    """A chunk's evaluation asks for its per-checkpoint wall time once per step of the chunk."""
    steps = configuration.chunk_steps(config, wildcards.run, wildcards.first, wildcards.last)
    return run_evaluation_spec(wildcards.run)["runtime_min"] * len(steps)


def run_metrics(run):
    """The files standing for a run's evaluation (each step's metrics.json, or the run's steps.json index)."""
    return configuration.evaluation_targets(config, run)


# Helpers that build several command-line words return them as a list: the rules write `{params.x:q}`, which
# quotes each word, so no config value is ever parsed by the shell.


def table1_runs():
    """Table 1's runs: each row's run, and the further seeds of a row listing several (`runs.<name>.seeds`)."""
    return [name for row in config["report"]["table1"]["rows"] for name in configuration.seed_runs(config, row)]


def table1_metrics_args(wildcards):
    words = [word for run in table1_runs() for path in run_metrics(run) for word in ("--metrics", f"{run}={path}")]
    for row in config["report"]["table1"]["rows"]:
        seeds = configuration.run_seeds(config, row)
        if len(seeds) > 1:
            words += ["--seeds", f"{row}={','.join(map(str, seeds))}"]
    return words


def table1_inputs(wildcards):
    return [path for run in table1_runs() for path in run_metrics(run)]


def config_hash_args(rows):
    """`--config-hash ROW=HASH` per table row: the resolved spec each row's numbers came from."""
    hashes = []
    for row in rows:
        spec = configuration.evaluation_spec(config, row) if row == BASE else configuration.training_spec(config, row)
        hashes += ["--config-hash", f"{row}={configuration.spec_hash(spec)}"]
    return hashes


def table1_hash_args(wildcards):
    return config_hash_args(table1_runs())


def benchmark_set_args():
    """Table 1's columns: `--averaged NAME` for each averaged benchmark, then `--extra NAME` for the others."""
    return [
        *(word for name in AVERAGED_BENCHMARKS for word in ("--averaged", name)),
        *(word for name in EXTRA_BENCHMARKS for word in ("--extra", name)),
    ]


# ---- The testbed's report (report.smk): the Table 1 rows at their reported checkpoints, every evaluated step of
# the trained rows (post-saturation), their training logs and training sets (the type of the trained example).

TESTBED_REPORTS = (
    [
        *paths.report_files(paths.TESTBED_REPORT),
        paths.figure_file("figure1", "png"),
        paths.figure_file("figure2", "png"),
    ]
    if TESTBED
    else []
)


def testbed_report_inputs(wildcards):
    rows = config["report"]["table1"]["rows"]
    trained = [row for row in rows if not configuration.is_evaluation_only(config, row)]
    return {
        "metrics": table1_inputs(wildcards),
        "logs": [paths.train_log(run) for run in trained],
        "datasets": [dataset_of(run) for run in trained],
    }


def testbed_report_args(wildcards, input):
    rows = config["report"]["table1"]["rows"]
    trained = [row for row in rows if not configuration.is_evaluation_only(config, row)]
    metrics = [word for row in rows for path in run_metrics(row) for word in ("--metrics", f"{row}={path}")]
    logs = [word for run, path in zip(trained, input.logs) for word in ("--train-log", f"{run}={path}")]
    datasets = [word for run, path in zip(trained, input.datasets) for word in ("--dataset", f"{run}={path}")]
    return [*metrics, *logs, *datasets]


def train_launcher(wildcards):
    """`oneshot-rlvr` for one process; `accelerate launch` with the configured strategy across the job's GPUs."""
    spec = run_training_spec(wildcards.run)
    if spec["gpus"] <= 1:
        return ["oneshot-rlvr"]
    accelerate_config = f"{workflow.basedir}/workflow/accelerate/{spec['distributed']}.yaml"
    return ["accelerate", "launch", "--config_file", accelerate_config, "--num_processes", str(spec["gpus"])] + [
        "-m",
        "oneshot_rlvr.cli",
    ]


def bad_input_attempt(wildcards, attempt):
    """A retry after an earlier attempt of this Snakemake run found the run's inputs bad: the command only repeats
    the recorded error (oneshot_rlvr.training.bad_input), so the job asks for almost nothing."""
    return attempt > 1 and bad_input.record_path(paths.train_done(wildcards.run)).is_file()


def train_runtime(wildcards, attempt):
    if bad_input_attempt(wildcards, attempt):
        return 1
    return run_training_spec(wildcards.run)["runtime_min"] * attempt


def train_resource(key, replay_value):
    def resource(wildcards, attempt):
        if bad_input_attempt(wildcards, attempt):
            return replay_value
        return run_training_spec(wildcards.run)[key]

    return resource


def attempt_number(wildcards, attempt):
    return attempt


# ---- Evaluation (evaluate.smk): the job's resources come from the run's resolved evaluation spec, so a model's
# `evaluation` overrides (e.g. R1-Distill's longer runtime, a 7B model's GPUs) reach the scheduler.


def evaluation_resource(key):
    def resource(wildcards):
        return run_evaluation_spec(wildcards.run)[key]

    return resource


# ---- Example selection (selection.smk). selection.history: released ranks the authors' acc_step_500.json;
# recomputed ranks the history that our own full-set DSR-sub run (configuration.HISTORY_RUN, trained by the ordinary
# train_grpo job) recorded at its last saved step.

# The runs of the example sweep (sweep_examples; report_table3 in sweep.smk).
SWEEP = configuration.sweep_runs(config)


def ranking_history():
    """The history the ranking (and the score figure) is computed from."""
    if config["selection"]["history"] == "recomputed":
        return paths.RECOMPUTED_HISTORY
    return data_file("history")


def make_dataset_inputs(wildcards):
    inputs = {"dsr_sub": data_file("dsr_sub")}
    if wildcards.dataset == "math_train":  # the only set drawn from MATH train (the testbed has none)
        inputs["math_train"] = data_file("math_train")
    # Only sets chosen by rank wait for the ranking, so the history run's dsr_sub set does not depend on it.
    if selection.needs_ranking(wildcards.dataset):
        inputs["ranking"] = paths.RANKING
    return inputs


def ranking_arg(wildcards, input):
    return ["--ranking", input.ranking] if "ranking" in input.keys() else []


def figure_marks():
    """The paper's named examples, and the single-example runs of the sweep when there are few of them."""
    ranks = set(selection.PAPER_NAMED)
    singles = [name for name in SWEEP if re.fullmatch(r"pi\d+", name)]
    if len(singles) <= 30:
        ranks |= {int(name[2:]) for name in singles}
    return [word for rank in sorted(ranks) for word in ("--mark", f"pi{rank}")]


# ---- The example sweep and Table 3 (sweep.smk).

TABLE3_ROWS = [BASE, *[name for run in SWEEP if run != BASE for name in configuration.seed_runs(config, run)]]


def table3_manifest_entries(wildcards):
    return [f"{row}={path}" for row in TABLE3_ROWS for path in run_metrics(row)]


def table3_inputs(wildcards):
    inputs = {
        "manifest": paths.TABLE3_MANIFEST,
        "metrics": [path for row in TABLE3_ROWS for path in run_metrics(row)],
    }
    if any(selection.needs_ranking(row) for row in SWEEP):
        inputs["ranking"] = paths.RANKING
    return inputs


def table3_hash_args(wildcards):
    return config_hash_args(TABLE3_ROWS)


def table3_seed_args(wildcards):
    """--seeds ROW=S1,S2,... per Table 3 row run with several seeds (its further seeds are rows of their own)."""
    words = []
    for row in TABLE3_ROWS:
        seeds = configuration.run_seeds(config, row) if row in config["runs"] else []
        if len(seeds) > 1:
            words += ["--seeds", f"{row}={','.join(map(str, seeds))}"]
    return words


def print_failed_jobs():
    """onerror: each failed job's one useful line (from its log), after Snakemake's "message: None" blocks."""
    failed = getattr(getattr(workflow, "scheduler", None), "failed", None) or []
    jobs = [
        (job.rule.name, [str(log) for log in job.log])
        for failed_job in failed
        for job in getattr(failed_job, "jobs", [failed_job])
    ]
    for line in console.failure_lines(jobs):
        print(line, file=sys.stderr, flush=True)


def print_report_files():
    """onsuccess: where the target's tables and figures are."""
    outputs = [str(path) for job in workflow.dag.jobs for path in job.output]
    for line in console.report_lines(outputs):
        print(line, file=sys.stderr, flush=True)
