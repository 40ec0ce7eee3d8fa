"""Table 14: accuracy and the \\boxed{} share of each run, both at the run's best 6-benchmark-average checkpoint."""

from __future__ import annotations

from pathlib import Path

from helpers.metrics import write_fake_metrics

from oneshot_rlvr.tables import builder, registry
from oneshot_rlvr.tables.rows import MATH_COLUMNS

MATH6 = MATH_COLUMNS


def write_metrics(root: Path, run: str, step: int, accuracy: float, boxed: float) -> Path:
    benchmarks = {
        name: {"accuracy": accuracy + i, "boxed_rate": boxed - i, "grader": "default",
               "decoding": "greedy", "mean_response_tokens": 10.0}
        for i, name in enumerate(MATH6)
    }  # fmt: skip
    return write_fake_metrics(root / run / f"step{step}" / "metrics.json", run, step, benchmarks)


def test_boxed_rows_read_the_boxed_share_at_the_accuracy_rows_checkpoint(tmp_path):
    runs = {
        # step 2 has the best average accuracy but the lower boxed share: the boxed row must still use step 2
        "pi1_format_reward": [write_metrics(tmp_path, "pi1_format_reward", 1, 20.0, 95.0),
                              write_metrics(tmp_path, "pi1_format_reward", 2, 40.0, 80.0)],
        "base": [write_metrics(tmp_path, "base", 0, 10.0, 60.0)],
    }  # fmt: skip
    records = builder.build_table(14, runs, "paper")
    cells = {(r["row"], r["column"]): r for r in records}
    assert cells[("pi1_format_reward", "math500")]["ours"] == 40.0
    boxed = cells[("pi1_format_reward:boxed", "math500")]
    assert (boxed["ours"], boxed["step"], boxed["paper"]) == (80.0, 2, 96.0)  # the paper's 65.4 (96%)
    assert cells[("pi1_format_reward:boxed", "avg")]["ours"] == 80.0 - sum(range(6)) / 6
    assert cells[("base:boxed", "aime24")]["ours"] == 59.0 and cells[("base:boxed", "aime24")]["paper"] == 75.0
    assert cells[("base", "avg")]["paper"] == 17.6 and cells[("dsr_sub", "math500")]["paper"] == 73.6
    assert cells[("dsr_sub:boxed", "math500")]["ours"] is None  # not run
    markdown = builder.table_markdown(records, 14, "paper")
    assert "{π1}, format, + entropy: \\boxed{} share (%)" in markdown
    assert registry.table_runs(14) == [
        "base", "dsr_sub", "dsr_sub_format_reward", "dsr_sub_format_reward_noent", "pi1", "pi1_abl_pg_wd_kl",
        "pi1_format_reward", "pi1_format_reward_noent",
    ]  # fmt: skip
