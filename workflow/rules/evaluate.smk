# Evaluation: one job per checkpoint (all benchmarks in it); finished benchmarks are kept on a re-run.


rule evaluate_checkpoint:
    input:
        evaluation_inputs,
    output:
        "results/eval/{run}/step{step}/metrics.json",
    params:
        spec=evaluation_spec_json,
        model=checkpoint_model,
        out_dir="results/eval/{run}/step{step}",
    log:
        "logs/evaluate_checkpoint/{run}/step{step}.log",
    benchmark:
        "benchmarks/rules/evaluate_checkpoint/{run}/step{step}.tsv"
    threads: 1
    resources:
        mem_mb=config["evaluation"]["mem_mb"],
        runtime=config["evaluation"]["runtime_min"],
        gpu=config["evaluation"]["gpus"],
    shell:
        "OMP_NUM_THREADS={threads} oneshot-rlvr evaluate --run {wildcards.run} --step {wildcards.step}"
        " --model {params.model} --data-dir {DATA_DIR} --out-dir {params.out_dir} --spec {params.spec:q} > {log} 2>&1"
