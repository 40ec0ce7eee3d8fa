# Example selection: rank DSR-sub by a historical score, then build the duplicated training sets.
# selection.history: released ranks the authors' acc_step_500.json; recomputed ranks the history that our own
# full-set DSR-sub run (configuration.HISTORY_RUN, trained by train_grpo) recorded at its last saved step (common.smk).


# Cheap steps run in the main Snakemake process, never as cluster jobs.
localrules:
    rank_examples,
    make_dataset,


rule collect_history:
    input:
        done=paths.train_done(configuration.HISTORY_RUN),
    output:
        paths.RECOMPUTED_HISTORY,
    params:
        checkpoints=paths.checkpoints_dir(configuration.HISTORY_RUN),
        step=configuration.history_step(config),
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
        paths.RANKING,
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
        paths.dataset("{dataset}"),
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
        ranking=paths.RANKING,
        history=ranking_history(),
    output:
        png=report(
            paths.figure_file(paths.SCORE_DISTRIBUTION_FIGURE, "png"),
            caption="../report/score_distribution.rst",
            category=report_layout.FIGURES,
            labels=report_layout.labels("figure", report_layout.PNG),
        ),
        pdf=report(
            paths.figure_file(paths.SCORE_DISTRIBUTION_FIGURE, "pdf"),
            caption="../report/score_distribution.rst",
            category=report_layout.FIGURES,
            labels=report_layout.labels("figure", report_layout.PDF),
        ),
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
