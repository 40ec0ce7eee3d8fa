# Example selection: rank DSR-sub by historical variance, then build the duplicated training sets.


rule rank_examples:
    input:
        history=data_file("history"),
    output:
        "results/selection/ranking.tsv",
    params:
        score=config["selection"]["score"],
    log:
        "logs/rank_examples.log",
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    shell:
        "oneshot-rlvr rank --history {input.history} --score {params.score} --out {output} > {log} 2>&1"


rule make_dataset:
    input:
        dsr_sub=data_file("dsr_sub"),
        math_train=data_file("math_train"),
        ranking="results/selection/ranking.tsv",
    output:
        "results/datasets/{dataset}.parquet",
    params:
        batch_size=config["selection"]["batch_size"],
    log:
        "logs/make_dataset/{dataset}.log",
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    shell:
        "oneshot-rlvr make-dataset --name {wildcards.dataset} --data-dir {DATA_DIR} --ranking {input.ranking}"
        " --batch-size {params.batch_size} --out {output} > {log} 2>&1"
