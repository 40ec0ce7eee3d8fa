"""What the training tests share: the miniature's training spec on a given model (the dataset: the `dsr_dataset`
fixture of tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

from oneshot_rlvr import config as oc


def tiny_spec(model: Path, **overrides) -> dict:
    config = oc.load_config([oc.REPO_ROOT / "config" / "tiny.yaml"])
    config["models"]["tiny"]["path"] = str(model)
    spec = oc.training_spec(config, "dsr_sub")
    spec.update({"max_steps": 2, "save_steps": 1, "report_to": "none", **overrides})
    return spec
