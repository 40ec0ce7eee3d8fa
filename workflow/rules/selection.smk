# Example selection: rank DSR-sub by a historical score, then build the duplicated training sets.
# selection.history: released ranks the authors' acc_step_500.json; recomputed ranks the history that our own
# full-set DSR-sub run (oc.HISTORY_RUN, trained by the ordinary train_grpo rule) recorded at its last saved step.
import re

from oneshot_rlvr import selection as osel

RECOMPUTED_HISTORY = "results/selection/history_recomputed.json"
# The runs of the example sweep (sweep_examples; rule report_table3 in sweep.smk).
SWEEP = oc.sweep_runs(config)


def ranking_history():
    """The history the ranking (and the score figure) is computed from."""
    if config["selection"]["history"] == "recomputed":
        return RECOMPUTED_HISTORY
    return data_file("history")


def make_dataset_inputs(wildcards):
    inputs = {"dsr_sub": data_file("dsr_sub"), "math_train": data_file("math_train")}
    # Only sets chosen by rank wait for the ranking, so the history run's dsr_sub set does not depend on it.
    if osel.needs_ranking(wildcards.dataset):
        inputs["ranking"] = "results/selection/ranking.tsv"
    return inputs


def ranking_arg(wildcards, input):
    return f"--ranking {input.ranking}" if "ranking" in input.keys() else ""


def figure_marks():
    """The paper's named examples, and the single-example runs of the sweep when there are few of them."""
    ranks = set(osel.PAPER_NAMED)
    singles = [name for name in SWEEP if re.fullmatch(r"pi\d+", name)]
    if len(singles) <= 30:
        ranks |= {int(name[2:]) for name in singles}
    return " ".join(f"--mark pi{rank}" for rank in sorted(ranks))


rule collect_history:
    input:
        done=f"results/runs/{oc.HISTORY_RUN}/train_done.json",
    output:
        RECOMPUTED_HISTORY,
    params:
        checkpoints=f"results/runs/{oc.HISTORY_RUN}/checkpoints",
        step=oc.history_step(config),
    log:
        "logs/collect_history.log",
    conda:
        "../envs/oneshot-rlvr.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        "oneshot-rlvr collect-history --done {input.done} --checkpoint-dir {params.checkpoints}"
        " --step {params.step} --out {output} > {log} 2>&1"


rule rank_examples:
    input:
        history=ranking_history(),
    output:
        "results/selection/ranking.tsv",
    params:
        score=config["selection"]["score"],
        seed=config["selection"]["seed"],
    log:
        "logs/rank_examples.log",
    conda:
        "../envs/oneshot-rlvr.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    shell:
        "oneshot-rlvr rank --history {input.history} --score {params.score} --seed {params.seed}"
        " --out {output} > {log} 2>&1"


rule make_dataset:
    input:
        unpack(make_dataset_inputs),
    output:
        "results/datasets/{dataset}.parquet",
    params:
        batch_size=config["selection"]["batch_size"],
        seed=config["selection"]["seed"],
        ranking=ranking_arg,
    log:
        "logs/make_dataset/{dataset}.log",
    conda:
        "../envs/oneshot-rlvr.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    shell:
        "oneshot-rlvr make-dataset --name {wildcards.dataset} --data-dir {DATA_DIR} {params.ranking}"
        " --batch-size {params.batch_size} --seed {params.seed} --out {output} > {log} 2>&1"


rule plot_score_distribution:
    input:
        ranking="results/selection/ranking.tsv",
        history=ranking_history(),
    output:
        png="reports/figures/score_distribution.png",
        pdf="reports/figures/score_distribution.pdf",
    params:
        score=config["selection"]["score"],
        source=config["selection"]["history"],
        marks=figure_marks(),
    log:
        "logs/plot_score_distribution.log",
    conda:
        "../envs/oneshot-rlvr.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    shell:
        "MPLBACKEND=Agg oneshot-rlvr plot-scores --ranking {input.ranking} --history {input.history}"
        " --score {params.score} --source {params.source} {params.marks}"
        " --png {output.png} --pdf {output.pdf} > {log} 2>&1"
