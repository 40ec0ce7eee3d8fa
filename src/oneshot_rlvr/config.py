"""Configuration: load, merge and validate the workflow config, and resolve per-run specs.

The Snakemake rules and the command-line tool use the same functions, so a run resolved by hand
(`oneshot-rlvr show-config --run pi1`) is exactly the run the workflow trains.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from oneshot_rlvr import icl_examples, paths
from oneshot_rlvr.data import ALL_BENCHMARKS, PAPER_BENCHMARK_SET, benchmark_set

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = REPO_ROOT / "workflow" / "schemas" / "config.schema.yaml"
DEFAULT_CONFIG = REPO_ROOT / "config" / "config.yaml"

# The base model's own evaluation is the "base" row (step 0); training runs never use this name.
BASE_RUN = "base"


class ConfigError(ValueError):
    """A config value is missing or invalid; the message names the key."""


def _copy_tree(value: Any) -> Any:
    """A deep copy of parsed YAML (dicts, lists, scalars), several times faster than copy.deepcopy: the
    workflow resolves a spec per job, which adds up over the 100k jobs of a paper-scale sweep."""
    if type(value) is dict:
        return {key: _copy_tree(item) for key, item in value.items()}
    if type(value) is list:
        return [_copy_tree(item) for item in value]
    if value is None or type(value) in (str, int, float, bool):
        return value
    return copy.deepcopy(value)


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Merge like Snakemake's --configfile: dicts recursively, everything else (lists too) replaced."""
    merged = _copy_tree(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = _copy_tree(value)
    return merged


def _parse_override(item: str) -> tuple[list[str], Any]:
    if "=" not in item:
        raise ConfigError(f"override {item!r} is not of the form key.sub=value")
    key, raw = item.split("=", 1)
    try:
        return key.split("."), yaml.safe_load(raw)
    except yaml.YAMLError as error:
        raise ConfigError(f"override {item[:60]!r}: not a YAML value ({_yaml_problem(error)})") from None
    except RecursionError:
        raise ConfigError(f"override {item[:60]!r}: nested too deeply to read") from None


def _yaml_problem(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return f"{getattr(error, 'problem', None) or type(error).__name__}{where}"


class _DuplicateKey(Exception):
    pass


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key given twice in one mapping: PyYAML keeps the last silently, so a second
    `training:` block would drop every key of the first without a word."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                duplicate = key in seen
            except TypeError:  # an unhashable key: left to the constructor's own error
                continue
            if duplicate:
                raise _DuplicateKey(f"key {key!r} given twice (line {key_node.start_mark.line + 1})")
            seen.add(key)
        return super().construct_mapping(node, deep)


def check_config_files(files: Iterable[str | Path]) -> None:
    """Read each config file the way `load_config` does (Snakemake has read them already, with PyYAML's loader):
    a duplicated key or a YAML error stops the workflow naming the file."""
    for path in files:
        if Path(path).exists():
            _load_yaml_file(Path(path))


def _load_yaml_file(path: Path) -> Any:
    try:
        with open(path) as handle:
            return yaml.load(handle, Loader=_UniqueKeyLoader) or {}
    except _DuplicateKey as error:
        raise ConfigError(f"config file {path}: {error}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"config file {path}: invalid YAML: {_yaml_problem(error)}") from None
    except RecursionError:
        raise ConfigError(f"config file {path}: nested too deeply to read") from None
    except ValueError as error:  # e.g. an integer past Python's 4,300-digit limit
        raise ConfigError(f"config file {path}: {_short(str(error), 160)}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"config file {path}: unreadable: {error}") from None


# A config is a few hundred values (the paper's: ~530). Nested YAML aliases ("billion laughs") expand a small file
# into billions: the walk below stops at this many values, before anything copies, merges or validates them.
MAX_CONFIG_VALUES = 100_000
MAX_CONFIG_STRING = 100_000
MAX_CONFIG_DEPTH = 32  # the schema's deepest key is 5 levels down; merging and validation recurse per level
# Integers beyond 64 bits are never meaningful here (and overflow numpy, torch and Snakemake resources).
MAX_CONFIG_INT = 2**63 - 1


def check_config_values(config: Any, source: str = "config") -> None:
    """Refuse what the JSON schema cannot say: more than MAX_CONFIG_VALUES values (counting every alias
    expansion, without building it), non-finite numbers (YAML's .nan, 1e400), integers beyond 64 bits,
    non-string keys and huge strings. The error names the key."""
    count = 0
    stack: list[tuple[tuple[str, ...], Any]] = [((), config)]
    while stack:
        path, value = stack.pop()
        count += 1
        key = ".".join(path) or "<top level>"
        if count > MAX_CONFIG_VALUES:
            raise ConfigError(
                f"invalid config key '{'.'.join(path[:2]) or '<top level>'}' ({source}): more than "
                f"{MAX_CONFIG_VALUES:,} values (nested YAML aliases?)"
            )
        if len(path) > MAX_CONFIG_DEPTH:
            raise ConfigError(
                f"invalid config key '{'.'.join(path[:2])}' ({source}): nested more than {MAX_CONFIG_DEPTH} levels deep"
            )
        if isinstance(value, dict):
            for name, item in value.items():
                if not isinstance(name, str):
                    raise ConfigError(f"invalid config key '{key}.{name!r}' ({source}): keys must be strings")
                stack.append(((*path, name), item))
        elif isinstance(value, list):
            stack.extend(((*path, str(position)), item) for position, item in enumerate(value))
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, int):
            if abs(value) > MAX_CONFIG_INT:
                raise ConfigError(f"invalid config key '{key}' ({source}): integer {str(value)[:20]}... is too large")
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise ConfigError(f"invalid config key '{key}' ({source}): {value} is not a finite number")
        elif isinstance(value, str):
            if len(value) > MAX_CONFIG_STRING:
                raise ConfigError(f"invalid config key '{key}' ({source}): a string of {len(value):,} characters")


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def load_config(config_files: Iterable[str | Path] | None = None, overrides: Iterable[str] = ()) -> dict[str, Any]:
    """Load config/config.yaml, then each file in `config_files` merged over it, then `key.sub=value` overrides."""
    files = [DEFAULT_CONFIG, *[Path(p) for p in (config_files or [])]]
    config: dict[str, Any] = {}
    for path in files:
        if not Path(path).exists():
            raise ConfigError(f"config file {path} does not exist")
        loaded = _load_yaml_file(Path(path))
        if not isinstance(loaded, dict):
            raise ConfigError(f"config file {path} must hold a mapping at the top level")
        check_config_values(loaded, source=str(path))
        config = deep_merge(config, loaded)
    for item in overrides:
        keys, value = _parse_override(item)
        patch: dict[str, Any] = {keys[-1]: value}
        for key in reversed(keys[:-1]):
            patch = {key: patch}
        check_config_values(patch, source=f"override {item[:60]!r}")
        config = deep_merge(config, patch)
    validate_config(config)
    return config


def _schema() -> dict[str, Any]:
    with open(SCHEMA_PATH) as handle:
        return yaml.safe_load(handle)


def _schema_branches(node: Any, root: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A schema node and, for oneOf/anyOf, each branch (resolved)."""
    node = _deref(node, root)
    if not isinstance(node, dict):
        return []
    branches = [node]
    for key in ("oneOf", "anyOf"):
        for branch in node.get(key, []):
            branches.extend(_schema_branches(branch, root))
    return branches


def _deref(node: Any, root: Mapping[str, Any]) -> Any:
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 20:
        target: Any = root
        for part in str(node["$ref"]).lstrip("#").strip("/").split("/"):
            target = target[part]
        node, seen = target, seen + 1
    return node


def _child_schema(node: Any, key: str, root: Mapping[str, Any]) -> Any:
    for branch in _schema_branches(node, root):
        if key in branch.get("properties", {}):
            return branch["properties"][key]
        for pattern, sub in branch.get("patternProperties", {}).items():
            if re.search(pattern, key):
                return sub
        if isinstance(branch.get("additionalProperties"), dict):
            return branch["additionalProperties"]
    return None


def _schema_types(node: Any, root: Mapping[str, Any]) -> set[str]:
    types: set[str] = set()
    for branch in _schema_branches(node, root):
        kind = branch.get("type")
        types.update([kind] if isinstance(kind, str) else list(kind or []))
    return types


_YAML_NULL = {"null", "Null", "NULL", "~", ""}
_YAML_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}


def _typed(value: Any, node: Any, root: Mapping[str, Any]) -> Any:
    if node is None:
        return value
    if isinstance(value, dict):
        return {key: _typed(item, _child_schema(node, key, root), root) for key, item in value.items()}
    if isinstance(value, list):
        items = next((b["items"] for b in _schema_branches(node, root) if isinstance(b.get("items"), dict)), None)
        return [_typed(item, items, root) for item in value]
    if not isinstance(value, str):
        return value
    types = _schema_types(node, root)
    if "null" in types and value in _YAML_NULL:
        return None
    if "string" in types or not types:
        return value
    if "boolean" in types and value in _YAML_BOOL:
        return _YAML_BOOL[value]
    if types & {"integer", "number"} and re.fullmatch(r"[-+]?[0-9]{1,30}", value):
        return int(value)
    if "number" in types:
        try:
            return float(value)
        except ValueError:
            return value
    return value


def apply_command_line_types(config: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Type the nested values of Snakemake's `--config` as the schema says, in `config` (in place).

    Snakemake reads a nested override such as `--config 'training={gpus: 4}'` with YAML's base loader, which
    keeps every scalar a string ('4'), so the schema would refuse it. Each such string is typed the way YAML
    would, where the schema wants an integer, number, boolean or null at that key; where it allows a string it
    stays one. Top-level scalars are typed by Snakemake (numbers, booleans) except null: `local_data_dir=null`
    arrives as the string "null", which becomes None where the schema allows null."""
    root = _schema()
    for key, value in overrides.items():
        if isinstance(value, (Mapping, list)) and key in config:
            typed = _typed(_plain(value), _child_schema(root, key, root), root)
            _overlay(config, key, typed)
        elif isinstance(value, str) and key in config and value in _YAML_NULL:
            if "null" in _schema_types(_child_schema(root, key, root), root):
                config[key] = None
    return config


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _overlay(target: dict[str, Any], key: str, value: Any) -> None:
    """Set `value` at `key` the way Snakemake merged it: maps recursively, anything else replaced."""
    if isinstance(value, dict) and isinstance(target.get(key), dict):
        for name, item in value.items():
            _overlay(target[key], name, item)
    else:
        target[key] = value


def validate_config(config: Mapping[str, Any]) -> None:
    """Validate against the workflow's JSON schema; the error names the offending key."""
    import jsonschema

    check_config_values(config)
    if isinstance(config.get("runs"), dict):  # before the schema, for a message that says what a name may hold
        for run in config["runs"]:
            check_name(run, f"invalid config key 'runs.{_short(run, 60)}': run name")
    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(validator.iter_errors(dict(config)), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        key, message = _schema_error(errors[0])
        raise ConfigError(f"invalid config key '{_short(key, 120)}': {message}")
    if config["base_model"] not in config["models"]:
        raise ConfigError(f"invalid config key 'base_model': {config['base_model']!r} is not a key of 'models'")
    for run, spec in config["runs"].items():
        if run == BASE_RUN:
            raise ConfigError(f"invalid config key 'runs.{run}': '{BASE_RUN}' is reserved for the base model")
        model = spec.get("model", config["base_model"])
        if model not in config["models"]:
            raise ConfigError(f"invalid config key 'runs.{run}.model': {model!r} is not a key of 'models'")
        if "checkpoints_of" in spec:
            _validate_checkpoints_of(config, run, spec)
            continue
        if "dataset" not in spec and "model" not in spec and "icl" not in spec:
            raise ConfigError(
                f"invalid config key 'runs.{run}': a run needs a 'dataset' (trained) or, evaluated only, "
                "a 'model' and/or 'icl'"
            )
        if "dataset" in spec and "icl" in spec:
            raise ConfigError(
                f"invalid config key 'runs.{run}.icl': in-context demonstrations are for evaluation-only runs "
                "(no 'dataset')"
            )
        if "dataset" not in spec and "training" in spec:
            raise ConfigError(f"invalid config key 'runs.{run}.training': run {run!r} is evaluation-only (no dataset)")
        if "seeds" in spec:
            if "dataset" not in spec:
                raise ConfigError(f"invalid config key 'runs.{run}.seeds': run {run!r} is evaluation-only (no dataset)")
            for seed in spec["seeds"][1:]:
                name = seed_run_name(run, seed)
                if name in config["runs"]:
                    raise ConfigError(f"invalid config key 'runs.{name}': the name of seed {seed} of run {run!r}")
    _validate_data_source(config)


def _validate_checkpoints_of(config: Mapping[str, Any], run: str, spec: Mapping[str, Any]) -> None:
    """A run that evaluates another run's checkpoints names a trained configured run of one seed and the same model,
    and has nothing of its own but `evaluation` (and `model`)."""
    parent = spec["checkpoints_of"]
    key = f"invalid config key 'runs.{run}.checkpoints_of'"
    if parent not in config["runs"] or "dataset" not in config["runs"][parent]:
        raise ConfigError(f"{key}: {parent!r} is not a trained run of 'runs'")
    if "checkpoints_of" in config["runs"][parent] or len(run_seeds(config, parent)) > 1:
        raise ConfigError(f"{key}: {parent!r} evaluates another run's checkpoints or has several seeds")
    extra = sorted(set(spec) - {"checkpoints_of", "evaluation", "model"})
    if extra:
        raise ConfigError(f"{key}: a run evaluating {parent!r}'s checkpoints trains nothing; remove {extra}")
    if spec.get("model", model_key(config, parent)) != model_key(config, parent):
        raise ConfigError(f"invalid config key 'runs.{run}.model': {parent!r}'s checkpoints are of another model")


def checkpoints_of(config: Mapping[str, Any], run: str) -> str | None:
    """The trained run whose checkpoints `run` evaluates (`runs.<name>.checkpoints_of`: a second evaluation setting
    of the same checkpoints, e.g. Table 12's 32k evaluation), or None."""
    if run == BASE_RUN or run not in config["runs"]:
        return None
    return config["runs"][run].get("checkpoints_of")


def _validate_data_source(config: Mapping[str, Any]) -> None:
    """The benchmark set and the data source agree: the paper's data has the paper's benchmarks, the testbed's one
    benchmark per generated task type; per-benchmark settings name a benchmark of either."""
    averaged, extra = benchmark_set(config)
    names = [*averaged, *extra]
    if not averaged or len(set(names)) != len(names):
        raise ConfigError("invalid config key 'benchmark_set': `averaged` needs at least one name, and no name twice")
    source = config.get("data_source", "paper")
    if source == "paper":
        unknown = [name for name in names if name not in ALL_BENCHMARKS]
        if unknown:
            raise ConfigError(
                f"invalid config key 'benchmark_set': {unknown} are not benchmarks of the paper's data "
                f"({', '.join(ALL_BENCHMARKS)}); generated benchmarks need data_source: testbed"
            )
    else:
        if "testbed" not in config:
            raise ConfigError("invalid config key 'testbed': data_source: testbed needs the generator's settings")
        unknown = [name for name in names if name not in config["testbed"]["types"]]
        if unknown:
            raise ConfigError(
                f"invalid config key 'benchmark_set': {unknown} are not task types of testbed.types "
                f"({', '.join(config['testbed']['types'])}), the testbed's benchmarks"
            )
        if config["selection"]["history"] != "recomputed":
            raise ConfigError(
                "invalid config key 'selection.history': the testbed has no released history; use recomputed"
            )
    known = {*ALL_BENCHMARKS, *names}
    for key in config["evaluation"].get("benchmarks", {}):
        if key not in known:
            raise ConfigError(f"invalid config key 'evaluation.benchmarks.{key}': not a benchmark of benchmark_set")


def _schema_error(error) -> tuple[str, str]:
    """The key a schema error is about and what it allows: an unknown key is named itself with the keys allowed
    beside it; a value that fits no alternative gets each alternative's description; never the schema itself."""
    path = [str(part) for part in error.absolute_path]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = list(error.schema.get("properties", {}))
        unknown = [key for key in error.instance if key not in allowed]
        if unknown:
            key = ".".join([*path, str(unknown[0])])
            close = difflib.get_close_matches(str(unknown[0]), allowed, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            return key, f"unknown key; {hint}allowed here: {', '.join(allowed)}"
    if error.validator in ("oneOf", "anyOf"):
        branches = [branch for branch in error.validator_value if isinstance(branch, dict)]
        described = error.schema.get("description")
        kinds = sorted({str(branch.get("type", "value")) for branch in branches})
        allowed = described or " or ".join(kinds)
        return ".".join(path) or "<top level>", f"{_short(repr(error.instance), 80)} is not allowed; expected {allowed}"
    return ".".join(path) or "<top level>", _short(error.message)


def run_names(config: Mapping[str, Any]) -> list[str]:
    """The configured runs and the further seeds of each run listing several (`seed_runs`)."""
    return [name for run in config["runs"] for name in seed_runs(config, run)]


# Several seeds of one run (`runs.<name>.seeds: [1, 2, 3]`): the first seed keeps the run's name (so a figure or
# table naming the run, and its results, stay as they were), every further seed is its own run <name>.seed<seed>
# with its own folders and jobs.
SEED_SUFFIX = ".seed"


def seed_run_name(run: str, seed: int) -> str:
    return f"{run}{SEED_SUFFIX}{int(seed)}"


def run_seeds(config: Mapping[str, Any], run: str) -> list[int]:
    """The seeds a configured run lists (`runs.<name>.seeds`), or [] (one run with `training.seed`)."""
    entry = config["runs"].get(run) if run != BASE_RUN else None
    return list((entry or {}).get("seeds") or [])


def seed_runs(config: Mapping[str, Any], run: str) -> list[str]:
    """The runs of every seed of a run: [run] for one seed, else [run, run.seed<s2>, run.seed<s3>, ...]."""
    seeds = run_seeds(config, run)
    return [run, *(seed_run_name(run, seed) for seed in seeds[1:])]


def _seed_entry(config: Mapping[str, Any], run: str) -> dict[str, Any] | None:
    """The entry of a further seed's run <name>.seed<s>: the run's entry with training.seed s."""
    parent, sep, seed = run.rpartition(SEED_SUFFIX)
    if not sep or not seed.isdigit() or parent not in config["runs"]:
        return None
    if int(seed) not in run_seeds(config, parent)[1:] or seed_run_name(parent, int(seed)) != run:
        return None
    return _with_seed(config["runs"][parent], int(seed))


def _with_seed(entry: Mapping[str, Any], seed: int) -> dict[str, Any]:
    resolved = {key: value for key, value in entry.items() if key != "seeds"}
    resolved["training"] = {**entry.get("training", {}), "seed": seed}
    return resolved


def _require_run(config: Mapping[str, Any], run: str) -> Mapping[str, Any]:
    if run not in config["runs"]:
        derived = derived_run(config, run) or _seed_entry(config, run)
        if derived is not None:
            return derived
        known = ", ".join(config["runs"])
        raise ConfigError(f"unknown run {run!r} (config key 'runs'); known runs: {known}")
    parent = config["runs"][run].get("checkpoints_of")
    if parent is not None:  # the trained run's entry (its dataset, model, training), with this run's evaluation
        return {**_require_run(config, parent), "evaluation": config["runs"][run].get("evaluation", {})}
    seeds = run_seeds(config, run)
    return _with_seed(config["runs"][run], seeds[0]) if seeds else config["runs"][run]


def model_key(config: Mapping[str, Any], run: str) -> str:
    if run == BASE_RUN:
        return config["base_model"]
    return _require_run(config, run).get("model", config["base_model"])


def is_evaluation_only(config: Mapping[str, Any], run: str) -> bool:
    """Runs evaluated at step 0 on their model, never trained: `base`, and `runs:` entries without a `dataset`
    (another model's base row such as `qwen7b_base`, or in-context-learning runs with `icl`)."""
    return run == BASE_RUN or "dataset" not in _require_run(config, run)


def icl_demonstrations(config: Mapping[str, Any], run: str) -> str | None:
    """The in-context demonstrations of an evaluation-only run (`runs.<name>.icl`), or None."""
    if run == BASE_RUN:
        return None
    return _require_run(config, run).get("icl")


# `icl` values whose demonstration question is an example set's (the response is generated by the model itself).
ICL_SELF = {"pi1_self": "pi1"}


def icl_inputs(config: Mapping[str, Any], run: str) -> list[str]:
    """Files an ICL run's evaluation reads: the example set of a self-generated demonstration, the data folder's
    Qwen demonstrations, or a JSONL file."""
    icl = icl_demonstrations(config, run)
    if icl is None:
        return []
    if icl in ICL_SELF:
        return [paths.dataset(ICL_SELF[icl])]
    if icl in icl_examples.DEMONSTRATIONS:
        return [f"{config['data_dir']}/{icl_examples.RELPATH}"]
    if icl.endswith(".jsonl"):
        return [icl]
    return []


def model_spec(config: Mapping[str, Any], key: str) -> dict[str, Any]:
    spec = dict(config["models"][key])
    spec.pop("evaluation", None)  # per-model evaluation overrides: merged by evaluation_spec, not training
    spec.pop("training", None)  # per-model training overrides: merged by training_spec
    spec.setdefault("prompt_template", "qwen25-math-cot")
    spec.setdefault("build", False)
    spec["key"] = key
    return spec


def training_spec(config: Mapping[str, Any], run: str) -> dict[str, Any]:
    """Everything `oneshot-rlvr train` needs for one run: shared settings < the model's < the run's overrides."""
    run_cfg = _require_run(config, run)
    if run == BASE_RUN or "dataset" not in run_cfg:
        raise ConfigError(
            f"run {run!r} is evaluation-only (config key 'runs.{run}' has no 'dataset'): nothing to train"
        )
    model_overrides = config["models"][model_key(config, run)].get("training", {})
    settings = deep_merge(deep_merge(config["training"], model_overrides), run_cfg.get("training", {}))
    if settings["save_steps"] > settings["max_steps"]:
        raise ConfigError(
            f"invalid config key 'training.save_steps' for run {run!r}: "
            f"{settings['save_steps']} exceeds max_steps {settings['max_steps']}"
        )
    settings.pop("keep_checkpoints", None)  # what evaluation leaves on disk, not how the run trains
    model = model_spec(config, model_key(config, run))
    return {
        "run": run,
        "dataset": run_cfg["dataset"],
        "model": model,
        "selection_batch_size": config["selection"]["batch_size"],
        **settings,
    }


def keeps_checkpoints(config: Mapping[str, Any], run: str) -> bool:
    """`training.keep_checkpoints` of a trained run (model and run overrides applied); evaluation-only runs
    have no checkpoints to delete."""
    if is_evaluation_only(config, run) or checkpoints_of(config, run) is not None:
        return True  # evaluation-only runs have no checkpoints; a second evaluation never deletes another's
    if any(entry.get("checkpoints_of") == run for entry in config["runs"].values()):
        return True  # another run evaluates these checkpoints too
    run_cfg = _require_run(config, run)
    model_overrides = config["models"][model_key(config, run)].get("training", {})
    merged = deep_merge(deep_merge(config["training"], model_overrides), run_cfg.get("training", {}))
    return bool(merged.get("keep_checkpoints", True))


def saved_steps(settings: Mapping[str, Any]) -> list[int]:
    """Checkpoint steps a run writes: every `save_steps`, and always the last step."""
    steps = list(range(settings["save_steps"], settings["max_steps"] + 1, settings["save_steps"]))
    if not steps or steps[-1] != settings["max_steps"]:
        steps.append(settings["max_steps"])
    return steps


def evaluated_steps(config: Mapping[str, Any], run: str) -> list[int]:
    """The steps evaluated for a run: 0 for the base model, else every saved step (or the configured subset)."""
    if is_evaluation_only(config, run):
        return [0]
    steps = saved_steps(training_spec(config, run))
    wanted = config["evaluation"].get("steps")
    if wanted is None:
        return steps
    missing = sorted(set(wanted) - set(steps))
    if missing:
        raise ConfigError(f"invalid config key 'evaluation.steps': {missing} are not saved steps of run {run!r}")
    return [step for step in steps if step in wanted]


def evaluation_spec(config: Mapping[str, Any], run: str) -> dict[str, Any]:
    """The evaluation settings for one run's checkpoints: `evaluation` with the `evaluation` block of the run's
    model merged over it (e.g. R1-Distill's sampling protocol), then the run's own `evaluation` block, and the
    prompt template from that model."""
    key = model_key(config, run)
    # `steps` and `jobs` say which checkpoints and how they are scheduled, not how one is evaluated: keeping them
    # out keeps the spec (and every finished benchmark's fingerprint) unchanged when they change.
    spec = {name: value for name, value in config["evaluation"].items() if name not in ("steps", "jobs")}
    spec = deep_merge(spec, config["models"][key].get("evaluation", {}))
    if run != BASE_RUN:  # the run's own evaluation settings (e.g. Table 7's fp32, Table 12's 32k) last
        spec = deep_merge(spec, _require_run(config, run).get("evaluation", {}))
    spec["model"] = model_spec(config, key)
    icl = icl_demonstrations(config, run)
    if icl is not None:  # only ICL runs carry the key, so other runs' fingerprints are unchanged
        spec["icl"] = {"demonstrations": icl, "files": icl_inputs(config, run)}
    averaged, extra = benchmark_set(config)
    if {"averaged": list(averaged), "extra": list(extra)} != PAPER_BENCHMARK_SET:
        # only another benchmark set is written into the spec, so the paper's fingerprints are unchanged
        spec["benchmark_set"] = {"averaged": list(averaged), "extra": list(extra)}
    return spec


# Where evaluations go (oneshot_rlvr.paths): the names below stay for the modules that still import them here.
EVAL_DIR = paths.EVAL_DIR
RUN_INDEX = paths.RUN_INDEX_FILE
step_metrics_path = paths.metrics
run_index_path = paths.run_index


def evaluation_jobs(config: Mapping[str, Any], run: str) -> str:
    """How a run's checkpoints are scheduled (`evaluation.jobs`): "checkpoint" (one job each, parallel on a
    cluster) or "run" (one job evaluating them in turn). `auto` gives the runs without a `runs:` entry (the
    sweep's example-set runs, the history run) one job per run, which keeps a 1,209-run sweep at ~1.2k evaluation
    jobs instead of 123k, and the few configured runs and the base models one job per checkpoint."""
    mode = config["evaluation"].get("jobs", "auto")
    if run != BASE_RUN:
        _require_run(config, run)  # an unknown run stops here, naming the `runs` key
    if mode != "auto":
        return mode
    configured = run in config["runs"] or _seed_entry(config, run) is not None
    return "checkpoint" if run == BASE_RUN or configured else "run"


def evaluation_targets(config: Mapping[str, Any], run: str) -> list[str]:
    """The files that stand for a run's finished evaluation in the DAG: each step's metrics.json, or the run's
    steps.json when one job evaluates the whole run (its step files exist once the index does)."""
    if evaluation_jobs(config, run) == "run":
        return [paths.run_index(run)]
    return [paths.metrics(run, step) for step in evaluated_steps(config, run)]


def run_config_hash(config: Mapping[str, Any], run: str) -> str:
    """The config hash printed beside a run in the reports: of its training spec, or of its evaluation spec for
    evaluation-only runs."""
    if is_evaluation_only(config, run):
        return spec_hash(evaluation_spec(config, run))
    return spec_hash(training_spec(config, run))


def spec_hash(spec: Mapping[str, Any]) -> str:
    """Short stable hash of a resolved spec, printed in reports as the run's config hash."""
    payload = json.dumps(spec, sort_keys=True, default=str).encode()
    return hashlib.sha256(payload).hexdigest()[:12]


# Run names become folder names and command-line words (results/runs/<run>/, --run <run>): letters, digits, '_',
# '.' and '-', starting with a letter or digit, no '..', at most 100 characters. No '/', space or shell
# metacharacter, so a name can neither leave results/ ('../..') nor break a command line. The schema's `runs`
# keys, `report.table1.rows` and `figures.<name>.runs` use the same pattern.
RUN_NAME_PATTERN = r"(?!.*[.][.])[A-Za-z0-9][A-Za-z0-9_.-]{0,99}"
_RUN_NAME = re.compile(rf"^{RUN_NAME_PATTERN}$")


def check_name(name: str, what: str = "run name") -> str:
    if not isinstance(name, str) or not _RUN_NAME.match(name):
        raise ConfigError(
            f"{what} {_short(repr(name), 60)} may only contain letters, digits, '_', '.' and '-' "
            "(starting with a letter or digit, no '..', at most 100 characters)"
        )
    return name


# ----------------------------------------------------------------------------------------------------------
# Example-set names, derived runs (the history run, sweep runs) and sweeps over examples
# ----------------------------------------------------------------------------------------------------------

# Example-set names: pi<i> (rank i), unions pi1_pi13, rank ranges pi1_to_pi16, random<k> (k seeded random DSR-sub
# examples), and the full sets. The Snakemake `dataset` wildcard and the schema's `runs.<name>.dataset` use it too.
# Ranks have at most 5 digits and no leading zeros (selection.MAX_RANK), so a name like pi1_to_pi300000000 or
# pi01 never matches and no range is built from it; the schema's patterns say the same.
_RANK = r"[1-9][0-9]{0,4}"
EXAMPLE_SET_PATTERN = rf"dsr_sub|math_train|pi1_simplified|pi{_RANK}(_pi{_RANK})*|pi{_RANK}_to_pi{_RANK}|random{_RANK}"
_EXAMPLE_SET = re.compile(rf"^(?:{EXAMPLE_SET_PATTERN})$")
_SWEEP_RANGE = re.compile(rf"^pi({_RANK})\.\.pi({_RANK})$")

# The full-set DSR-sub run whose recorded training-accuracy history ranks the examples when
# `selection.history: recomputed` (the paper: 500 steps). It needs no `runs:` entry.
HISTORY_RUN = "history_dsr_sub"

# The examples of the paper's Table 3 (the default of `sweep_examples`).
TABLE3_EXAMPLES = (
    "pi1", "pi2", "pi4", "pi7", "pi11", "pi13", "pi16", "pi17", "pi605", "pi606", "pi1201", "pi1207", "pi1208", "pi1209"
)  # fmt: skip


def is_example_set(name: str) -> bool:
    return bool(_EXAMPLE_SET.match(name))


def derived_run(config: Mapping[str, Any], run: str) -> dict[str, Any] | None:
    """Runs that need no `runs:` entry (an entry of the same name wins): the history run, and one run per
    example-set name (`pi605` trains on the example set `pi605`), which is how sweeps make their runs."""
    if run == HISTORY_RUN:
        steps = config["selection"]["history_steps"]
        save = min(steps, int(config["training"]["save_steps"]))
        return {"dataset": "dsr_sub", "training": {"max_steps": steps, "save_steps": save}}
    if is_example_set(run):
        return {"dataset": run}
    return None


def history_step(config: Mapping[str, Any]) -> int:
    """The step whose recorded history ranks the examples (`selection.history: recomputed`)."""
    return saved_steps(training_spec(config, HISTORY_RUN))[-1]


def parse_sweep(value: str | Iterable[str]) -> list[str]:
    """`sweep_examples` as run names: a list of example-set names and/or ranges `pi<a>..pi<b>` (ranks a to b,
    one 1-shot run each), or one such string. Order is kept; repeats are dropped."""
    items = [value] if isinstance(value, str) else list(value)
    names: list[str] = []
    for item in items:
        item = str(item).strip()
        match = _SWEEP_RANGE.match(item)
        if match:
            first, last = int(match.group(1)), int(match.group(2))
            if first < 1 or last < first:
                raise ConfigError(f"invalid config key 'sweep_examples': range {item!r} must run from pi1 upwards")
            names.extend(f"pi{rank}" for rank in range(first, last + 1))
        elif is_example_set(item):
            names.append(item)
        else:
            raise ConfigError(
                f"invalid config key 'sweep_examples': {_short(repr(item), 60)} is neither an example-set name "
                "(pi<i>, pi1_pi13, pi1_to_pi16, random16, dsr_sub, math_train; ranks 1..99999 without leading "
                "zeros) nor a range like pi1..pi1209"
            )
    return list(dict.fromkeys(names))


def sweep_runs(config: Mapping[str, Any]) -> list[str]:
    """The runs of the example sweep (`sweep_examples`, default the paper's Table 3 set)."""
    names = parse_sweep(config.get("sweep_examples", list(TABLE3_EXAMPLES)))
    for name in names:
        if name in config["runs"] and config["runs"][name].get("dataset") != name:
            raise ConfigError(
                f"invalid config key 'runs.{name}.dataset': the sweep trains example set {name!r} as run {name!r}, "
                f"but that run is configured with dataset {config['runs'][name].get('dataset')!r}"
            )
    return names
