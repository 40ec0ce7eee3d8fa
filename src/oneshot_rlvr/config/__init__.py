"""Configuration: load, merge and validate the workflow config, and resolve per-run specs.

The Snakemake rules and the command-line tool use the same functions, so a run resolved by hand
(`oneshot-rlvr show-config --run pi1`) is exactly the run the workflow trains. Modules: `files` (reading and
merging), `schema` and `values` (validation), `names` (run names), `runs` (run resolution and specs), `targets`
(how a run's evaluation is scheduled); example-set names are parsed by `oneshot_rlvr.example_sets`.
"""

from __future__ import annotations

from oneshot_rlvr.config.errors import DEFAULT_CONFIG, REPO_ROOT, SCHEMA_PATH, ConfigError
from oneshot_rlvr.config.files import check_config_files, load_config
from oneshot_rlvr.config.merge import deep_merge
from oneshot_rlvr.config.names import (
    BASE_RUN,
    HISTORY_RUN,
    RUN_NAME_PATTERN,
    SEED_SUFFIX,
    check_name,
    seed_run_name,
)
from oneshot_rlvr.config.runs import (
    ICL_SELF,
    checkpoints_of,
    derived_run,
    evaluated_steps,
    evaluation_spec,
    history_step,
    icl_demonstrations,
    icl_inputs,
    is_evaluation_only,
    keeps_checkpoints,
    model_key,
    model_spec,
    parse_sweep,
    run_config_hash,
    run_names,
    run_seeds,
    saved_steps,
    seed_runs,
    sweep_runs,
    training_spec,
    training_threads,
)
from oneshot_rlvr.config.schema import apply_command_line_types, validate_config
from oneshot_rlvr.config.targets import (
    EVAL_DIR,
    RUN_INDEX,
    checkpoints_per_job,
    chunk_steps,
    evaluation_chunks,
    evaluation_jobs,
    evaluation_targets,
    run_index_path,
    step_metrics_path,
    step_targets,
)
from oneshot_rlvr.config.values import MAX_CONFIG_VALUES, check_config_values
from oneshot_rlvr.example_sets import EXAMPLE_SET_PATTERN, TABLE3_EXAMPLES, is_example_set
from oneshot_rlvr.specs import spec_hash

__all__ = [
    "BASE_RUN",
    "DEFAULT_CONFIG",
    "EVAL_DIR",
    "EXAMPLE_SET_PATTERN",
    "HISTORY_RUN",
    "ICL_SELF",
    "MAX_CONFIG_VALUES",
    "REPO_ROOT",
    "RUN_INDEX",
    "RUN_NAME_PATTERN",
    "SCHEMA_PATH",
    "SEED_SUFFIX",
    "TABLE3_EXAMPLES",
    "ConfigError",
    "apply_command_line_types",
    "check_config_files",
    "check_config_values",
    "check_name",
    "deep_merge",
    "checkpoints_of",
    "checkpoints_per_job",
    "chunk_steps",
    "derived_run",
    "evaluated_steps",
    "evaluation_chunks",
    "evaluation_jobs",
    "evaluation_spec",
    "evaluation_targets",
    "history_step",
    "icl_demonstrations",
    "icl_inputs",
    "is_evaluation_only",
    "is_example_set",
    "keeps_checkpoints",
    "load_config",
    "model_key",
    "model_spec",
    "parse_sweep",
    "run_config_hash",
    "run_index_path",
    "run_names",
    "run_seeds",
    "saved_steps",
    "seed_run_name",
    "seed_runs",
    "spec_hash",
    "step_metrics_path",
    "step_targets",
    "sweep_runs",
    "training_spec",
    "training_threads",
    "validate_config",
]
