"""The paper's facts the figures show: its reported numbers and which paper row each run is (read from the
registry of the paper's facts, `oneshot_rlvr.tables.registry`, by `paper_number` and `paper_series` only), the
paper's legend labels, and what the paper's Figure 3 shows at each step."""

from __future__ import annotations

import functools
import re

from oneshot_rlvr.tables import registry

BASE_MODEL_NAME = "Qwen2.5-Math-1.5B"
# Run-name prefixes of the other models -> the model name of the paper's tables.
MODEL_PREFIXES = {
    "qwen7b_": "Qwen2.5-Math-7B",
    "llama_": "Llama-3.2-3B-Instruct",
    "r1distill_": "DeepSeek-R1-Distill-Qwen-1.5B",
    "qwen15b_": "Qwen2.5-1.5B",
    "instruct_": "Qwen2.5-Math-1.5B-Instruct",
    "ppo_": "Qwen2.5-Math-1.5B",
}
# [P Fig. 3]: what the paper shows at each step (the text panel prints it beside ours).
PAPER_FIGURE3 = {
    0: ("boxed 12.88 (wrong)", 'repeated ".Highlight", no final answer'),
    500: ("correct, 12.8", "outputs only 5 (wrong)"),
    1300: ("longer solutions in different styles", "correct: 3, 5, 7"),
    1860: ("multilingual gibberish mixed with the correct derivation, boxed 12.8", "Rational Root Theorem; correct"),
}

# The paper's legend labels of its runs (model prefixes are stripped first; the model is in the figure's title).
RUN_LABELS = {
    "base": "base model",
    "dsr_sub": "DSR-sub (1209)",
    "math_train": "MATH train (7500)",
    "full_pool": "full pool",
    "dsr_sub_format_reward": "format reward (DSR-sub)",
    "dsr_sub_format_reward_noent": "format reward, no Ent (DSR-sub)",
    "full_pool_format_reward": "format reward (full pool)",
    "pi1_format_reward": "format reward (π1)",
    "pi1_format_reward_noent": "format reward, no Ent (π1)",
    "dsr_sub_wrong60": "DSR-sub, 60 % wrong labels",
    "dsr_sub_wrong90": "DSR-sub, 90 % wrong labels",
    "pi1_simplified": "simplified π′1",
}
# Table 5's loss terms of each ablation run (Figure 12's panels): PG policy gradient, WD weight decay, KL, Ent
# entropy loss; pi1 is the full loss.
LOSS_LABELS = {
    "pi1_abl_none": "no loss term",
    "pi1_abl_pg": "PG",
    "pi1_abl_pg_wd": "PG+WD",
    "pi1_abl_pg_wd_kl": "PG+WD+KL",
    "pi1": "PG+WD+KL+Ent (π1 run)",
    "pi1_ent003": "PG+WD+KL+Ent (coef. 0.003)",
    "pi1_abl_pg_ent": "PG+Ent",
    "pi1_abl_wd_kl": "WD+KL",
    "pi1_abl_wd_kl_ent": "WD+KL+Ent",
    "pi1_abl_ent": "Ent only",
    "pi1_temp1": "PG+WD+KL+Ent, t=1.0",
    "pi1_label_12_7": "label 12.7",
    "pi1_label_4": "label 4",
    "pi1_label_9292725": "label 9292725",
}
# The exploration variants of pi1 (Figure 5's legend): with / without the entropy loss, rollout temperature t.
EXPLORATION_LABELS = {
    "pi1_abl_pg_wd_kl": "π1, no Ent",
    "pi1": "π1, +Ent",
    "pi1_ent003": "π1, +Ent (0.003)",
    "pi1_temp1": "π1, +Ent, t=1.0",
}
# Table 14's row labels (Figures 13 and 14): reward and entropy loss of each run.
REWARD_LABELS = {
    "dsr_sub": "DSR-sub: outcome, +Ent",
    "dsr_sub_format_reward": "DSR-sub: format, +Ent",
    "dsr_sub_format_reward_noent": "DSR-sub: format, no Ent",
    "pi1": "π1: outcome, +Ent",
    "pi1_abl_pg_wd_kl": "π1: outcome, no Ent",
    "pi1_format_reward": "π1: format, +Ent",
    "pi1_format_reward_noent": "π1: format, no Ent",
}


def paper_number(table: int, run: str, metric: str) -> float | None:
    """The paper's number of one of our runs in Table `table` on a metric (`math500`, `avg`, `subject:algebra`
    in Table 3, `boxed:<benchmark>` in Table 14), or None: the row of the run in the registry, at the table's own
    checkpoint selection."""
    if table in (1, 3):  # Tables 1 and 3 name their rows by run
        column = metric.split(":", 1)[1] if table == 3 and metric.startswith("subject:") else metric
        return registry.paper_numbers(f"table{table}", BASE_MODEL_NAME).get((run, column))
    kind, _, column = metric.rpartition(":")
    if table not in registry.TABLES or kind not in ("", "boxed"):
        return None
    row_metric = "boxed_rate" if kind == "boxed" else None
    for row in registry.TABLES[table].rows:
        if row.run == run and row.metric == row_metric and row.step is None and not row.highest:
            return registry.paper_rows(table).get(row.paper, {}).get(column)
    return None


@functools.cache
def _runs_of(table: int) -> frozenset[str]:
    return frozenset(row.run for row in registry.TABLES[table].rows if row.run)


def split_model(run: str) -> tuple[str, str]:
    """(the paper's model name, the run without its model prefix): qwen7b_pi1 -> (Qwen2.5-Math-7B, pi1)."""
    for prefix, model in MODEL_PREFIXES.items():
        if run.startswith(prefix):
            return model, run[len(prefix) :]
    return BASE_MODEL_NAME, run


def paper_value(run: str, metric: str, tables: tuple[int, ...] | None = None) -> tuple[float, str] | None:
    """The paper's reported value of a run on a metric and the table it is from, or None. By default Table 5's
    ablation runs use Table 5 (best per benchmark); Qwen2.5-Math-1.5B runs Table 9 (best per benchmark), then
    Table 1 (best average), then Table 3; runs of the other models Table 4, then Table 10 (best average). A curve's
    best point should approach the best-per-benchmark value. `tables` names the tables to read instead, in order
    (Figures 12: Table 5; 13 and 14: Table 14, with its \\boxed{} shares as `boxed:<benchmark>`)."""
    if tables is None:
        model, _ = split_model(run)
        if run in _runs_of(5) and run not in _runs_of(9):
            tables = (5,)
        elif model != BASE_MODEL_NAME or run.startswith("ppo_"):
            tables = (4, 10)
        elif metric.startswith("subject:"):
            tables = (3,)
        else:
            tables = (9, 1, 3)
    for table in tables:
        value = paper_number(table, run, metric)
        if value is not None:
            return value, {1: "Tab. 1/8"}.get(table, f"Tab. {table}")
    return None


def paper_series(key: str) -> tuple[tuple[int, ...], tuple[float, ...]]:
    """Table 15 (the pi1 run on MATH500 by step): its steps and one of its rows, `boxed` (share of responses with
    \\boxed{}, %) or `accuracy` (Qwen-Eval, any format)."""
    column = {"boxed": "boxed", "accuracy": "any_format"}[key]
    points = sorted(
        (int(match[1]), values[column])
        for (_, _, dataset), values in registry.paper_rows(15).items()
        if (match := re.fullmatch(r"pi1\[step=(\d+)\]", dataset)) and column in values
    )
    return tuple(step for step, _ in points), tuple(value for _, value in points)
