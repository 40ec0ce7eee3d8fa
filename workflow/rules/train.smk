# GRPO training. Checkpoints live outside the declared outputs (params.checkpoints), so a killed or timed-out
# job resumes from its last complete checkpoint when Snakemake runs it again.


rule train_grpo:
    input:
        dataset=run_dataset,
        model=lambda wc: model_inputs(wc.run),
    output:
        done=paths.train_done("{run}"),
    params:
        spec=training_spec_json,
        checkpoints=paths.checkpoints_dir("{run}"),
        launcher=train_launcher,
    log:
        "logs/train_grpo/{run}.log",
    benchmark:
        "benchmarks/rules/train_grpo/{run}.tsv"
    conda:
        "../envs/oneshot-rlvr-gpu.yaml"
    threads: training_threads
    # Each retry resumes from the last complete checkpoint, with a longer wall time (train_runtime). Bad input
    # (exit code 2 from the input checks) is not run again: attempt 1 records it, a retry repeats the recorded
    # error at once and asks for 1 minute, no GPU and little memory (bad_input_attempt, docs/faults.md).
    retries: 2
    resources:
        mem_mb=train_resource("mem_mb", 500),
        runtime=train_runtime,
        gpu=train_resource("gpus", 0),
        attempt=attempt_number,
    shell:
        "OMP_NUM_THREADS={threads} {params.launcher:q} train --run {wildcards.run:q} --spec {params.spec:q}"
        " --dataset {input.dataset:q} --checkpoint-dir {params.checkpoints:q} --done {output.done:q}"
        " --attempt {resources.attempt:q} > {log:q} 2>&1"
