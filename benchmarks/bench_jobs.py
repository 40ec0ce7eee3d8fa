"""What the jobs of a finished Snakemake run cost, from their `benchmark:` files (target: CPU seconds).

    python benchmarks/bench_jobs.py WORKDIR [WORKDIR ...]

Reads WORKDIR/benchmarks/rules/**/*.tsv (every rule writes one per job) and prints, per rule, the jobs, their
wall seconds and their CPU seconds, then a TOTAL line. CPU seconds barely change with the machine's load, wall
seconds do; on 2 free cores with 2 jobs at a time the run's wall time is about CPU seconds / 2 plus Snakemake's
own time. Used for the suite's miniature (tests/workflow/conftest.py keeps its folder under pytest's basetemp).
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from pathlib import Path


def job_costs(workdir: Path) -> dict[str, list[tuple[float, float]]]:
    """{rule: [(wall s, cpu s) per job]} from the benchmark files under `workdir`."""
    costs: dict[str, list[tuple[float, float]]] = defaultdict(list)
    root = workdir / "benchmarks" / "rules"
    for path in sorted(root.rglob("*.tsv")):
        rule = path.relative_to(root).parts[0].removesuffix(".tsv")
        with path.open() as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))
        if rows:
            costs[rule].append((float(rows[-1]["s"]), float(rows[-1]["cpu_time"])))
    return costs


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    for arg in argv:
        costs = job_costs(Path(arg))
        if not costs:
            print(f"{arg}: no benchmark files under benchmarks/rules", file=sys.stderr)
            return 2
        print(f"{arg}")
        print(f"  {'rule':<24} {'jobs':>5} {'wall s':>9} {'cpu s':>9}")
        for rule, jobs in sorted(costs.items()):
            print(f"  {rule:<24} {len(jobs):>5} {sum(w for w, _ in jobs):>9.1f} {sum(c for _, c in jobs):>9.1f}")
        every = [job for jobs in costs.values() for job in jobs]
        wall, cpu = sum(w for w, _ in every), sum(c for _, c in every)
        print(f"  {'TOTAL':<24} {len(every):>5} {wall:>9.1f} {cpu:>9.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
