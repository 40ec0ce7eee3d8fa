"""Reading config files: YAML without duplicated keys, merged like Snakemake's --configfile, with `key=value`
overrides, then validated."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from oneshot_rlvr.config.errors import DEFAULT_CONFIG, ConfigError, short
from oneshot_rlvr.config.merge import deep_merge
from oneshot_rlvr.config.schema import validate_config
from oneshot_rlvr.config.values import check_config_values


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
        raise ConfigError(f"config file {path}: {short(str(error), 160)}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"config file {path}: unreadable: {error}") from None


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
