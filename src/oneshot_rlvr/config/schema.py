"""Validation against the workflow's JSON schema (workflow/schemas/config.schema.yaml) and the cross-key rules
the schema cannot say; errors name the key and what it allows. Also the schema's typing of Snakemake's nested
`--config` values."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Any

import yaml

from oneshot_rlvr.config.errors import SCHEMA_PATH, ConfigError, short
from oneshot_rlvr.config.names import BASE_RUN, check_name, seed_run_name
from oneshot_rlvr.config.runs import model_key, run_seeds
from oneshot_rlvr.config.values import check_config_values
from oneshot_rlvr.data import ALL_BENCHMARKS, benchmark_set


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
    import jsonschema  # lazy: 180 ms of imports that only validation needs, not every command-line start

    check_config_values(config)
    if isinstance(config.get("runs"), dict):  # before the schema, for a message that says what a name may hold
        for run in config["runs"]:
            check_name(run, f"invalid config key 'runs.{short(run, 60)}': run name")
    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(validator.iter_errors(dict(config)), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        key, message = _schema_error(errors[0])
        raise ConfigError(f"invalid config key '{short(key, 120)}': {message}")
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
        return ".".join(path) or "<top level>", f"{short(repr(error.instance), 80)} is not allowed; expected {allowed}"
    return ".".join(path) or "<top level>", short(error.message)

