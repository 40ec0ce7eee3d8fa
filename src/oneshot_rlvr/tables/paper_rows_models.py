"""The paper's tables of models and training sets (Tables 4, 9, 10, 11, 12): which run is which paper row, how
each table picks its checkpoints. Part of the registry (tables/registry.py)."""

from __future__ import annotations

from oneshot_rlvr.tables.rows import (
    LLAMA,
    MATH_COLUMNS,
    PPO_NOT_RUN,
    Q7,
    Q15,
    QWEN15_BASE,
    QWEN15_INSTRUCT,
    R1,
    Row,
    Table,
    model_rows,
    set_label,
    set_size,
)

# The evaluation setting of Tables 4's and 12's 32k rows: the same checkpoints as the 8k runs r1distill_<set>.
EVAL_32K_SUFFIX = "_eval32k"


def _ppo_rows(group: str) -> list[Row]:
    """The PPO rows (DSR-sub and {π1}): not run, beside the paper's numbers (docs/fidelity.md)."""
    return [
        Row(f"ppo_{d}", group, set_label(d), None, (Q15, "ppo", d), not_run=PPO_NOT_RUN, size=set_size(d))
        for d in ("dsr_sub", "pi1")
    ]


def _table4() -> Table:
    rows = model_rows(
        "qwen7b_",
        "Qwen2.5-Math-7B + GRPO",
        Q7,
        ["base", "dsr_sub", "dsr_sub_format_reward", "pi1", "pi1_pi13", "pi1_pi2_pi13_pi1209", "random16"]
        + ["pi1_to_pi16"],
    )
    rows += model_rows(
        "llama_", "Llama-3.2-3B-Instruct + GRPO", LLAMA, ["base", "dsr_sub", "pi1", "pi1_pi13", "pi1_pi2_pi13_pi1209"]
    )
    ppo = "Qwen2.5-Math-1.5B + PPO"
    rows += [
        Row("ppo_base", ppo, "NA", "base", (Q15, "ppo", "base"), size="–"),
        *_ppo_rows(ppo),
    ]
    # The paper's R1-Distill rows are at 32k evaluation length: our runs r1distill_<set>_eval32k (Table 12).
    rows += [
        Row(f"r1distill_{d}", "DeepSeek-R1-Distill-Qwen-1.5B + GRPO (eval 32k)", set_label(d),
            f"r1distill_{d}{EVAL_32K_SUFFIX}", (R1, "grpo", d), size=set_size(d))
        for d in ("base", "dsr_sub", "pi1", "pi1_pi2_pi13_pi1209", "pi1_to_pi16")
    ]  # fmt: skip
    return Table(
        4,
        "Other models and algorithms",
        (*MATH_COLUMNS, "avg"),
        "best_avg",
        "accuracy",
        tuple(rows),
        (
            "R1-Distill rows: evaluated at 32k response length as the paper's (runs r1distill_<set>_eval32k, the "
            "checkpoints of the 8k-trained runs r1distill_<set>; Table 12 has both lengths).",
            "The PPO row NA is the base model (run `base`).",
        ),
    )


def _table9() -> Table:
    datasets = ["base", "math_train", "dsr_sub", "pi1", "pi2", "pi13", "pi1201", "pi1209", "pi1_pi13"]
    datasets += ["pi1_pi2_pi13_pi1209"]
    rows = tuple(model_rows("", Q15, Q15, datasets))
    return Table(
        9,
        "Best value per benchmark",
        (*MATH_COLUMNS, "avg", "best_avg_step"),
        "best_per_benchmark",
        "accuracy",
        rows,
        ("Avg is the best average (Table 8's checkpoint); Best Avg Step is its step.",),
    )


def _table10() -> Table:
    rows = model_rows("qwen15b_", QWEN15_BASE, QWEN15_BASE,
                      ["base", "dsr_sub", "pi1", "pi1_pi2_pi13_pi1209", "pi1_to_pi16"])  # fmt: skip
    rows += model_rows("instruct_", QWEN15_INSTRUCT, QWEN15_INSTRUCT, ["base", "dsr_sub", "pi1"])
    rows += model_rows("qwen7b_", Q7, Q7, ["base", "dsr_sub", "pi1", "pi605", "pi1209", "pi1_to_pi16"])
    return Table(
        10,
        "More models and more single examples",
        (*MATH_COLUMNS, "avg"),
        "best_avg",
        "accuracy",
        tuple(rows),
        ("The 7B rows reuse Table 4's runs; {π605} and {π1209} on the 7B model are runs of their own.",),
    )


def _table11() -> Table:
    rows = model_rows("qwen7b_", "Qwen2.5-Math-7B + GRPO", Q7,
                      ["dsr_sub", "pi1", "pi1_pi13", "pi1_pi2_pi13_pi1209", "random16", "pi1_to_pi16"])  # fmt: skip
    rows += model_rows("llama_", "Llama-3.2-3B-Instruct + GRPO", LLAMA,
                       ["dsr_sub", "pi1", "pi1_pi13", "pi1_pi2_pi13_pi1209"])  # fmt: skip
    rows += _ppo_rows("Qwen2.5-Math-1.5B + PPO")
    return Table(
        11,
        "Best value per benchmark for 7B, Llama and PPO",
        (*MATH_COLUMNS, "avg"),
        "best_per_benchmark",
        "accuracy",
        tuple(rows),
        (
            "Avg is the best average (Table 4's checkpoint), as in the paper. The paper prints AIME25 11.7 for "
            "Llama DSR-sub, probably a typo for 1.7, and Size 1 for {π1,π13}; both as printed in the CSV.",
            "The PPO rows are not run: TRL has no PPO trainer with a verifiable reward (docs/fidelity.md, PPO rows); "
            "the paper's numbers stand alone there.",
        ),
    )


# DeepScaleR-1.5B-Preview: the paper's reference model (trained by others on 40k problems with 8k->16k->24k),
# evaluated as released (runs deepscaler_eval8k and deepscaler_eval32k, evaluation only).
DEEPSCALER_RUN = "deepscaler_eval"


def _table12() -> Table:
    rows = []
    for length, suffix in (("8k", ""), ("32k", EVAL_32K_SUFFIX)):
        group = f"eval {length}"
        for dataset in ("base", "dsr_sub", "deepscaler_preview", "pi1", "pi1_pi2_pi13_pi1209", "pi1_to_pi16"):
            key = (R1, "grpo", f"{dataset}[eval={length}]")
            if dataset == "deepscaler_preview":
                label = "DeepScaleR-1.5B-Preview (40k DSR, 8k→16k→24k)"
                run = f"{DEEPSCALER_RUN}{length}"
                rows.append(Row(run, group, label, run, key, size="40k"))
                continue
            run = f"r1distill_{dataset}{suffix}"
            rows.append(Row(run, group, set_label(dataset), run, key, size=set_size(dataset)))
    return Table(
        12,
        "DeepSeek-R1-Distill-Qwen-1.5B at 8k and 32k evaluation length",
        (*MATH_COLUMNS, "avg"),
        "best_avg",
        "accuracy",
        tuple(rows),
        (
            "Trained at 8k (every row). 8k rows: Table 4's runs r1distill_<set> with the model's `evaluation` block; "
            "32k rows: the same checkpoints evaluated again with max_new_tokens 32768 (runs r1distill_<set>_eval32k, "
            "`checkpoints_of` the 8k run). Each 32k row takes its own best-average checkpoint. DeepScaleR-1.5B-Preview "
            "is the released model, evaluated only (runs deepscaler_eval8k and deepscaler_eval32k) with R1-Distill's "
            "protocol.",
        ),
    )


MODEL_TABLES = (_table4(), _table9(), _table10(), _table11(), _table12())
