"""Limits on config values that the JSON schema cannot express (sizes, depth, non-finite numbers)."""

from __future__ import annotations

import math
from typing import Any

from oneshot_rlvr.config.errors import ConfigError

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

