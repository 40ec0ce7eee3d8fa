"""The paper's facts the figures show: its reported numbers (every lookup goes through `paper_number`, the one
place that reads the registry of the paper's numbers), which paper row each run is, its legend labels, and the
per-step values and texts of Table 15 and Figure 3."""

from __future__ import annotations

import functools

from oneshot_rlvr.paper_tables import paper_rows

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
# Table 5's rows (loss and label ablations on pi1) by run name; row 5 is pi1 itself.
TABLE5_DATASETS = {
    "pi1_abl_none": "pi1[loss=none;label=12.8]",
    "pi1_abl_pg": "pi1[loss=pg;label=12.8]",
    "pi1_abl_pg_wd": "pi1[loss=pg+wd;label=12.8]",
    "pi1_abl_pg_wd_kl": "pi1[loss=pg+wd+kl;label=12.8]",
    "pi1_ent003": "pi1[loss=pg+wd+kl+ent0.003;label=12.8]",
    "pi1_abl_pg_ent": "pi1[loss=pg+ent;label=12.8]",
    "pi1_abl_wd_kl": "pi1[loss=wd+kl;label=12.8]",
    "pi1_abl_wd_kl_ent": "pi1[loss=wd+kl+ent;label=12.8]",
    "pi1_abl_ent": "pi1[loss=ent;label=12.8]",
    "pi1_label_12_7": "pi1[loss=pg+wd+kl+ent;label=12.7]",
    "pi1_label_4": "pi1[loss=pg+wd+kl+ent;label=4]",
    "pi1_label_9292725": "pi1[loss=pg+wd+kl+ent;label=9292725]",
}
TABLE5_PI1 = "pi1[loss=pg+wd+kl+ent;label=12.8]"  # row 5, the pi1 run (read when Table 5 is asked for)
# Table 14's rows (format vs outcome reward, with and without the entropy loss) by run name.
TABLE14_DATASETS = {
    "base": "base",
    "dsr_sub": "dsr_sub",
    "dsr_sub_format_reward": "dsr_sub[format;ent]",
    "dsr_sub_format_reward_noent": "dsr_sub[format;noent]",
    "pi1": "pi1",
    "pi1_abl_pg_wd_kl": "pi1[outcome;noent]",
    "pi1_format_reward": "pi1[format;ent]",
    "pi1_format_reward_noent": "pi1[format;noent]",
}
# [P Tab. 15]: the pi1 run on MATH500, share of responses with \boxed{} (%) and accuracy (Qwen-Eval) by step.
PAPER_TABLE15 = {
    "step": (0, 20, 60, 500, 1300, 1860),
    "boxed": (59.6, 83.6, 97.4, 96.6, 96.6, 94.2),
    "accuracy": (36.0, 53.8, 69.8, 70.4, 72.2, 74.0),
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


@functools.cache
def paper_number(table: int, model: str, dataset: str, metric: str) -> float | None:
    """One number the paper reports: Table `table`, the row of `model` and `dataset`, column `metric`, or None.
    The figures' only read of the registry of the paper's numbers."""
    return paper_rows(table).get((model, "grpo", dataset), {}).get(metric)


def split_model(run: str) -> tuple[str, str]:
    """(the paper's model name, the run without its model prefix): qwen7b_pi1 -> (Qwen2.5-Math-7B, pi1)."""
    for prefix, model in MODEL_PREFIXES.items():
        if run.startswith(prefix):
            return model, run[len(prefix) :]
    return BASE_MODEL_NAME, run


def paper_value(run: str, metric: str, tables: tuple[int, ...] | None = None) -> tuple[float, str] | None:
    """The paper's reported value of a run on a metric and the table it is from, or None. By default ablation
    runs use Table 5 (best per benchmark); Qwen2.5-Math-1.5B runs Table 9 (best per benchmark), then Table 1
    (best average), then Table 3; runs of the other models (name prefixes) Table 4, then Table 10 (best average).
    `tables` names the tables to read instead, in order (Figures 13 and 14: Table 14, with its \\boxed{} shares
    as `boxed:<benchmark>`)."""
    model, dataset = split_model(run)
    if tables is None:
        if run in TABLE5_DATASETS:
            tables = (5,)
        elif model != BASE_MODEL_NAME or run.startswith("ppo_"):
            tables = (4, 10)
        elif metric.startswith("subject:"):
            tables = (3,)
        else:
            tables = (9, 1, 3)
    for table in tables:
        row, column = dataset, metric
        if table == 5:
            row = {**TABLE5_DATASETS, "pi1": TABLE5_PI1}.get(run, "")
        elif table == 14:
            row = TABLE14_DATASETS.get(run, "")
            kind, _, benchmark = metric.rpartition(":")
            row, column = (f"{row}:boxed", benchmark) if kind == "boxed" else (row, metric)
        elif table == 3 and metric.startswith("subject:"):
            column = metric.split(":", 1)[1]
        value = paper_number(table, model, row, column)
        if value is not None:
            return value, {1: "Tab. 1/8"}.get(table, f"Tab. {table}")
    return None


def paper_series(key: str) -> tuple[tuple[int, ...], tuple[float, ...]]:
    """Table 15's steps and one of its rows (`boxed`, `accuracy`) for the pi1 run on MATH500."""
    return PAPER_TABLE15["step"], PAPER_TABLE15[key]
