# GRPO training. Checkpoints live outside the declared outputs (params.checkpoints), so a killed or timed-out
# job resumes from its last complete checkpoint when Snakemake runs it again.


rule train_grpo:
    input:
        dataset=run_dataset,
        model=lambda wc: model_inputs(wc.run),
    output:
        done="results/runs/{run}/train_done.json",
    params:
        spec=training_spec_json,
        checkpoints="results/runs/{run}/checkpoints",
        launcher=train_launcher,
    log:
        "logs/train_grpo/{run}.log",
    benchmark:
        "benchmarks/rules/train_grpo/{run}.tsv"
    conda:
        "../envs/oneshot-rlvr-gpu.yaml"
    threads: 2
    # Each retry resumes from the last complete checkpoint, with a longer wall time (train_runtime).
    retries: 2
    resources:
        mem_mb=lambda wc: oc.training_spec(config, wc.run)["mem_mb"],
        runtime=train_runtime,
        gpu=lambda wc: oc.training_spec(config, wc.run)["gpus"],
    shell:
        "OMP_NUM_THREADS={threads} {params.launcher:q} train --run {wildcards.run:q} --spec {params.spec:q}"
        " --dataset {input.dataset:q} --checkpoint-dir {params.checkpoints:q} --done {output.done:q} > {log:q} 2>&1"
