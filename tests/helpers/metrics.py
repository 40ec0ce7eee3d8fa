"""The one builder of fake `metrics.json` files (the fields `oneshot-rlvr evaluate` writes that readers use)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def fake_metrics(run: str, step: int, benchmarks: dict[str, dict[str, Any]], **fields: Any) -> dict[str, Any]:
    """A metrics.json payload: run, step, grader and one entry per benchmark ("status": "ok" unless given);
    `fields` add or replace top-level keys (`grader=None` leaves the grader out)."""
    payload: dict[str, Any] = {"run": run, "step": step, "grader": "default"}
    payload["benchmarks"] = {name: {"status": "ok", **entry} for name, entry in benchmarks.items()}
    payload.update(fields)
    return {key: value for key, value in payload.items() if value is not None}


def write_fake_metrics(
    path: Path, run: str, step: int, benchmarks: dict[str, dict[str, Any]], **fields: Any
) -> Path:
    """`fake_metrics(...)` written to `path` (folders made); plain json.dumps, so a NaN stays a bare NaN."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(fake_metrics(run, step, benchmarks, **fields)))
    return path
