"""Configuration: load, merge and validate the workflow config, and resolve per-run specs.

The Snakemake rules and the command-line tool use the same functions, so a run resolved by hand
(`oneshot-rlvr show-config --run pi1`) is exactly the run the workflow trains.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = REPO_ROOT / "workflow" / "schemas" / "config.schema.yaml"
DEFAULT_CONFIG = REPO_ROOT / "config" / "config.yaml"

# The base model's own evaluation is the "base" row (step 0); training runs never use this name.
BASE_RUN = "base"


class ConfigError(ValueError):
    """A config value is missing or invalid; the message names the key."""


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Merge like Snakemake's --configfile: dicts recursively, everything else (lists too) replaced."""
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _parse_override(item: str) -> tuple[list[str], Any]:
    if "=" not in item:
        raise ConfigError(f"override {item!r} is not of the form key.sub=value")
    key, raw = item.split("=", 1)
    return key.split("."), yaml.safe_load(raw)


def load_config(paths: Iterable[str | Path] | None = None, overrides: Iterable[str] = ()) -> dict[str, Any]:
    """Load config/config.yaml, then each file in `paths` merged over it, then `key.sub=value` overrides."""
    files = [DEFAULT_CONFIG, *[Path(p) for p in (paths or [])]]
    config: dict[str, Any] = {}
    for path in files:
        if not Path(path).exists():
            raise ConfigError(f"config file {path} does not exist")
        with open(path) as handle:
            loaded = yaml.safe_load(handle) or {}
        if not isinstance(loaded, dict):
            raise ConfigError(f"config file {path} must hold a mapping at the top level")
        config = deep_merge(config, loaded)
    for item in overrides:
        keys, value = _parse_override(item)
        patch: dict[str, Any] = {keys[-1]: value}
        for key in reversed(keys[:-1]):
            patch = {key: patch}
        config = deep_merge(config, patch)
    validate_config(config)
    return config


def validate_config(config: Mapping[str, Any]) -> None:
    """Validate against the workflow's JSON schema; the error names the offending key."""
    import jsonschema

    with open(SCHEMA_PATH) as handle:
        schema = yaml.safe_load(handle)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(dict(config)), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        key = ".".join(str(part) for part in first.absolute_path) or "<top level>"
        raise ConfigError(f"invalid config key '{key}': {first.message}")
    if config["base_model"] not in config["models"]:
        raise ConfigError(f"invalid config key 'base_model': {config['base_model']!r} is not a key of 'models'")
    for run, spec in config["runs"].items():
        if run == BASE_RUN:
            raise ConfigError(f"invalid config key 'runs.{run}': '{BASE_RUN}' is reserved for the base model")
        model = spec.get("model", config["base_model"])
        if model not in config["models"]:
            raise ConfigError(f"invalid config key 'runs.{run}.model': {model!r} is not a key of 'models'")


def run_names(config: Mapping[str, Any]) -> list[str]:
    return list(config["runs"])


def _require_run(config: Mapping[str, Any], run: str) -> Mapping[str, Any]:
    if run not in config["runs"]:
        known = ", ".join(config["runs"])
        raise ConfigError(f"unknown run {run!r} (config key 'runs'); known runs: {known}")
    return config["runs"][run]


def model_key(config: Mapping[str, Any], run: str) -> str:
    if run == BASE_RUN:
        return config["base_model"]
    return _require_run(config, run).get("model", config["base_model"])


def model_spec(config: Mapping[str, Any], key: str) -> dict[str, Any]:
    spec = dict(config["models"][key])
    spec.pop("evaluation", None)  # per-model evaluation overrides: merged by evaluation_spec, not training
    spec.setdefault("prompt_template", "qwen25-math-cot")
    spec.setdefault("build", False)
    spec["key"] = key
    return spec


def training_spec(config: Mapping[str, Any], run: str) -> dict[str, Any]:
    """Everything `oneshot-rlvr train` needs for one run: the shared settings with the run's overrides."""
    run_cfg = _require_run(config, run)
    settings = deep_merge(config["training"], run_cfg.get("training", {}))
    if settings["save_steps"] > settings["max_steps"]:
        raise ConfigError(
            f"invalid config key 'training.save_steps' for run {run!r}: "
            f"{settings['save_steps']} exceeds max_steps {settings['max_steps']}"
        )
    model = model_spec(config, model_key(config, run))
    return {
        "run": run,
        "dataset": run_cfg["dataset"],
        "model": model,
        "selection_batch_size": config["selection"]["batch_size"],
        **settings,
    }


def saved_steps(settings: Mapping[str, Any]) -> list[int]:
    """Checkpoint steps a run writes: every `save_steps`, and always the last step."""
    steps = list(range(settings["save_steps"], settings["max_steps"] + 1, settings["save_steps"]))
    if not steps or steps[-1] != settings["max_steps"]:
        steps.append(settings["max_steps"])
    return steps


def evaluated_steps(config: Mapping[str, Any], run: str) -> list[int]:
    """The steps evaluated for a run: 0 for the base model, else every saved step (or the configured subset)."""
    if run == BASE_RUN:
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
    model merged over it (e.g. R1-Distill's sampling protocol), and the prompt template from that model."""
    key = model_key(config, run)
    spec = {name: value for name, value in config["evaluation"].items() if name not in ("steps",)}
    spec = deep_merge(spec, config["models"][key].get("evaluation", {}))
    spec["model"] = model_spec(config, key)
    return spec


def spec_hash(spec: Mapping[str, Any]) -> str:
    """Short stable hash of a resolved spec, printed in reports as the run's config hash."""
    payload = json.dumps(spec, sort_keys=True, default=str).encode()
    return hashlib.sha256(payload).hexdigest()[:12]


_RUN_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


def check_name(name: str, what: str) -> str:
    if not _RUN_NAME.match(name):
        raise ConfigError(f"{what} {name!r} may only contain letters, digits, '_', '-' and '.'")
    return name
