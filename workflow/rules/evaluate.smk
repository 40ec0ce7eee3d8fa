# Evaluation: one job per checkpoint (all benchmarks in it); finished benchmarks are kept on a re-run.
# The job's resources come from the run's resolved evaluation spec (evaluation_resource in common.smk).


rule evaluate_checkpoint:
    input:
        evaluation_inputs,
    output:
        "results/eval/{run}/step{step}/metrics.json",
    params:
        spec=evaluation_spec_json,
        model=checkpoint_model,
        data_dir=data_dir_param,
        out_dir="results/eval/{run}/step{step}",
    log:
        "logs/evaluate_checkpoint/{run}/step{step}.log",
    benchmark:
        "benchmarks/rules/evaluate_checkpoint/{run}/step{step}.tsv"
    conda:
        "../envs/oneshot-rlvr-gpu.yaml"
    threads: 1
    resources:
        mem_mb=evaluation_resource("mem_mb"),
        runtime=evaluation_resource("runtime_min"),
        gpu=evaluation_resource("gpus"),
    shell:
        "OMP_NUM_THREADS={threads} oneshot-rlvr evaluate --run {wildcards.run} --step {wildcards.step}"
        " --model {params.model} --data-dir {params.data_dir} --out-dir {params.out_dir} --spec {params.spec:q}"
        " > {log} 2>&1"
