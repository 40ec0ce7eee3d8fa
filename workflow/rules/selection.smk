# Example selection: rank DSR-sub by a historical score, then build the duplicated training sets.
# selection.history: released ranks the authors' acc_step_500.json; recomputed ranks the history that our own
# full-set DSR-sub run (oc.HISTORY_RUN, trained by train_grpo) recorded at its last saved step (common.smk).


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
        "oneshot-rlvr collect-history --done {input.done:q} --checkpoint-dir {params.checkpoints:q}"
        " --step {params.step:q} --out {output:q} > {log:q} 2>&1"


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
        "oneshot-rlvr rank --history {input.history:q} --score {params.score:q} --seed {params.seed:q}"
        " --out {output:q} > {log:q} 2>&1"


rule make_dataset:
    input:
        unpack(make_dataset_inputs),
    output:
        "results/datasets/{dataset}.parquet",
    params:
        batch_size=config["selection"]["batch_size"],
        seed=config["selection"]["seed"],
        ranking=ranking_arg,
        data_dir=data_dir_param,
    log:
        "logs/make_dataset/{dataset}.log",
    conda:
        "../envs/oneshot-rlvr.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    shell:
        "oneshot-rlvr make-dataset --name {wildcards.dataset:q} --data-dir {params.data_dir:q} {params.ranking:q}"
        " --batch-size {params.batch_size:q} --seed {params.seed:q} --out {output:q} > {log:q} 2>&1"


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
        "MPLBACKEND=Agg oneshot-rlvr plot-scores --ranking {input.ranking:q} --history {input.history:q}"
        " --score {params.score:q} --source {params.source:q} {params.marks:q}"
        " --png {output.png:q} --pdf {output.pdf:q} > {log:q} 2>&1"
