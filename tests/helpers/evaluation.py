"""Evaluation specs the tests share: the miniature's protocol cut to a few problems per benchmark, and a metrics.json
without what differs between two runs of the same evaluation."""

from __future__ import annotations

from oneshot_rlvr import config as oc

TINY = oc.REPO_ROOT / "config" / "tiny.yaml"


def tiny_eval_spec(model_path) -> dict:
    config = oc.load_config([TINY])
    spec = oc.evaluation_spec(config, oc.BASE_RUN)
    for name in spec["benchmarks"]:
        spec["benchmarks"][name]["limit"] = 2
    spec["benchmarks"]["arc_c"]["enabled"] = False
    return spec


def small_eval_spec(limit: int) -> dict:
    """The miniature's protocol on a few problems, 2 prompts per batch (so a benchmark takes several batches)."""
    config = oc.load_config([TINY])
    spec = oc.evaluation_spec(config, oc.BASE_RUN)
    for name in spec["benchmarks"]:
        spec["benchmarks"][name].update(limit=2, enabled=name in ("math500", "aime24", "minerva_math"))
    spec["benchmarks"]["math500"]["limit"] = limit
    spec["benchmarks"]["aime24"]["limit"] = limit // 2  # sampled: avg@2 at T = 0.6, seeded per batch
    spec["batch_size"] = 2
    return spec


def comparable(metrics: dict) -> dict:
    """A metrics.json without what legitimately differs between two runs: the wall times (its own, its manifest's)."""
    kept = {key: value for key, value in metrics.items() if key != "wall_time_s"}
    if "manifest" in kept:
        kept["manifest"] = {key: value for key, value in kept["manifest"].items() if key != "wall_time_s"}
    return kept
