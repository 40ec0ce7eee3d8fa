# Config validation and the helpers every rule file uses. The resolution logic lives in the tested package
# (oneshot_rlvr.config), so the workflow and `oneshot-rlvr show-config` agree on every value.
import json

from snakemake.utils import validate

from oneshot_rlvr import config as oc
from oneshot_rlvr import data as od

validate(config, schema="../schemas/config.schema.yaml")
oc.validate_config(config)

DATA_DIR = config["data_dir"]
RUNS = oc.run_names(config)
BASE = oc.BASE_RUN


wildcard_constraints:
    # configured runs, and the derived ones (oc.derived_run): the history run and one run per example-set name
    run="|".join([BASE, *RUNS, oc.HISTORY_RUN, oc.EXAMPLE_SET_PATTERN]),
    step=r"\d+",
    dataset=oc.EXAMPLE_SET_PATTERN,


def data_file(name):
    return f"{DATA_DIR}/{od.relpath_of(name)}"


def enabled_benchmarks():
    benchmarks = config["evaluation"]["benchmarks"]
    return [name for name in od.ALL_BENCHMARKS if benchmarks.get(name, {}).get("enabled", True)]


def fetched_names():
    return ["dsr_sub", "history", "math_train", *enabled_benchmarks()]


def model_path(run):
    return oc.model_spec(config, oc.model_key(config, run))["path"]


def model_inputs(run):
    """The built model's folder when the run's model is built by the workflow (the tiny model)."""
    spec = oc.model_spec(config, oc.model_key(config, run))
    return [spec["path"]] if spec["build"] else []


def training_spec_json(wildcards):
    return json.dumps(oc.training_spec(config, wildcards.run), sort_keys=True)


def evaluation_spec_json(wildcards):
    return json.dumps(oc.evaluation_spec(config, wildcards.run), sort_keys=True)


def run_dataset(wildcards):
    return f"results/datasets/{oc.training_spec(config, wildcards.run)['dataset']}.parquet"


def checkpoint_model(wildcards):
    if oc.is_evaluation_only(config, wildcards.run):
        return model_path(wildcards.run)
    return f"results/runs/{wildcards.run}/checkpoints/checkpoint-{wildcards.step}"


def evaluation_inputs(wildcards):
    inputs = [data_file(name) for name in enabled_benchmarks()]
    if oc.is_evaluation_only(config, wildcards.run):
        return inputs + model_inputs(wildcards.run) + oc.icl_inputs(config, wildcards.run)
    return inputs + [f"results/runs/{wildcards.run}/train_done.json"]


def run_metrics(run):
    return [f"results/eval/{run}/step{step}/metrics.json" for step in oc.evaluated_steps(config, run)]


def table1_metrics_args(wildcards):
    rows = config["report"]["table1"]["rows"]
    return " ".join(f"--metrics {row}={path}" for row in rows for path in run_metrics(row))


def table1_inputs(wildcards):
    return [path for row in config["report"]["table1"]["rows"] for path in run_metrics(row)]


def table1_hash_args(wildcards):
    hashes = []
    for row in config["report"]["table1"]["rows"]:
        spec = oc.evaluation_spec(config, row) if row == BASE else oc.training_spec(config, row)
        hashes.append(f"--config-hash {row}={oc.spec_hash(spec)}")
    return " ".join(hashes)


def train_launcher(wildcards):
    """`oneshot-rlvr` for one process; `accelerate launch` with the configured strategy across the job's GPUs."""
    spec = oc.training_spec(config, wildcards.run)
    if spec["gpus"] <= 1:
        return "oneshot-rlvr"
    accelerate_config = f"{workflow.basedir}/workflow/accelerate/{spec['distributed']}.yaml"
    return f"accelerate launch --config_file {accelerate_config} --num_processes {spec['gpus']} -m oneshot_rlvr.cli"


def train_runtime(wildcards, attempt):
    return oc.training_spec(config, wildcards.run)["runtime_min"] * attempt
