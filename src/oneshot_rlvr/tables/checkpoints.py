"""Which checkpoint a row of the paper's tables reads and the value of one cell: the paper's fixed steps mapped onto
our evaluated steps (`map_step`), the highest-average checkpoint (Table 20), and a cell under the table's metric
(accuracy, mean response length, \\boxed{} share, pass@8)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from oneshot_rlvr.tables.metrics import load_metrics
from oneshot_rlvr.tables.rows import ReportError


def map_step(paper_step: int, steps: Sequence[int], scale: str, span: int = 2000) -> int:
    """Our step for a step the paper reports: the step itself when evaluated; at paper scale else the nearest
    evaluated step; in a miniature, the same fraction of training (paper_step / span of our last step), then the
    nearest evaluated step. Ties go to the earlier step."""
    if not steps:
        raise ReportError("no evaluated steps")
    if paper_step in steps:
        return paper_step
    target = paper_step if scale == "paper" else paper_step / span * max(steps)
    return min(sorted(steps), key=lambda step: abs(step - target))


def pass_k_label(bench: Mapping[str, Any]) -> tuple[str, float] | None:
    """pass@8 when the benchmark drew 8 or more samples, else pass@k with the largest k it has."""
    table = bench.get("pass_at_k") or {}
    if not table:
        return None
    key = "8" if "8" in table else str(max((int(k) for k in table if int(k) <= 8), default=min(map(int, table))))
    return key, float(table[key])


def cell_value(metrics: Mapping[str, Any], column: str, metric: str) -> tuple[float | None, str | None, str | None]:
    """(value, grader, decoding) of one benchmark column of a metrics file under a table's metric."""
    bench = metrics["benchmarks"].get(column, {})
    if bench.get("status") != "ok":
        return None, None, "not run"
    decoding = bench.get("decoding")
    if metric == "accuracy":
        return float(bench["accuracy"]), bench.get("grader"), decoding
    if metric == "response_tokens":
        return float(bench["mean_response_tokens"]), bench.get("grader"), decoding
    if metric == "boxed_rate":
        return float(bench["boxed_rate"]), bench.get("grader"), decoding
    if metric == "pass_at_8":
        found = pass_k_label(bench)
        if found is None:
            return None, bench.get("grader"), decoding
        return found[1], bench.get("grader"), f"pass@{found[0]} of {decoding}"
    raise ReportError(f"unknown table metric {metric!r}")


def row_average(metrics: Mapping[str, Any], columns: Sequence[str], metric: str) -> float | None:
    values = [cell_value(metrics, column, metric)[0] for column in columns]
    return None if any(v is None for v in values) else sum(values) / len(values)  # type: ignore[arg-type]


def highest_checkpoint(files: Sequence[Path], columns: Sequence[str], metric: str) -> tuple[Path, dict[str, Any]]:
    """The checkpoint with the best average of the metric over the columns (Table 20's "highest"); ties: earlier."""
    loaded = sorted(((load_metrics(path), Path(path)) for path in files), key=lambda item: item[0]["step"])
    scored = [(row_average(m, columns, metric), m, p) for m, p in loaded]
    best = max(scored, key=lambda item: -1.0 if item[0] is None else item[0])
    return best[2], best[1]


def checkpoint_at_step(files: Sequence[Path], paper_step: int, scale: str, span: int) -> tuple[Path, dict[str, Any]]:
    loaded = {int(m["step"]): (Path(p), m) for p in files for m in [load_metrics(p)]}
    return loaded[map_step(paper_step, list(loaded), scale, span)]
