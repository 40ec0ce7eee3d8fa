# The paper's figures: one job per figure, drawn from the evaluated checkpoints of the runs in
# `figures.<name>` and, for Figures 2, 3, 4 and 16, from the runs' training logs. Cheap: run on the login node.


localrules:
    collect_train_log,
    plot_figure,


wildcard_constraints:
    figure="|".join(figures.FIGURE_NAMES),


# A finished run's per-step training log (accuracy, reward, TRL's values, sampled rollouts), gathered from the
# train_log.jsonl of each of its checkpoints and checked against its done file.
rule collect_train_log:
    input:
        done=paths.train_done("{run}"),
    output:
        paths.train_log("{run}"),
    params:
        checkpoints=paths.checkpoints_dir("{run}"),
    log:
        "logs/collect_train_log/{run}.log",
    conda:
        "../envs/oneshot-rlvr.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        "oneshot-rlvr collect-train-log --done {input.done:q} --checkpoint-dir {params.checkpoints:q}"
        " --out {output:q} > {log:q} 2>&1"


rule plot_figure:
    input:
        unpack(figure_inputs),
    output:
        png=report(
            paths.figure_file("{figure}", "png"),
            caption="../report/figures.rst",
            category=report_layout.FIGURES,
            labels=report_layout.labels("figure", report_layout.PNG),
        ),
        pdf=report(
            paths.figure_file("{figure}", "pdf"),
            caption="../report/figures.rst",
            category=report_layout.FIGURES,
            labels=report_layout.labels("figure", report_layout.PDF),
        ),
    params:
        spec=figure_spec_json,
        scale=config["report"]["scale"],
        data_dir=DATA_DIR,
    log:
        "logs/plot_figure/{figure}.log",
    conda:
        "../envs/oneshot-rlvr.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    shell:
        "MPLBACKEND=Agg oneshot-rlvr plot-figure --figure {wildcards.figure:q} --spec {params.spec:q}"
        " --metrics {input.metrics:q} --train-log {input.logs:q} --data-dir {params.data_dir:q} --scale {params.scale:q}"
        " --png {output.png:q} --pdf {output.pdf:q} > {log:q} 2>&1"

