# Evaluation, scheduled per `evaluation.jobs` (configuration.evaluation_jobs): one job per checkpoint
# (evaluate_checkpoint, all benchmarks in it), or per chunk of `evaluation.checkpoints_per_job` checkpoints
# (evaluate_chunk), or one job per run (evaluate_run) that evaluates its steps in turn
# into the same step<step>/ folders and then writes steps.json -- what keeps a 1,209-run sweep at ~1.2k evaluation
# jobs. Finished benchmarks (and, in evaluate_run, finished steps) are kept on a re-run. Resources come from the
# run's resolved evaluation spec (evaluation_resource in common.smk). With training.keep_checkpoints: false the
# command deletes each evaluated checkpoint's weights once its metrics are written (never a run's newest).


rule evaluate_checkpoint:
    input:
        checkpoint_evaluation_inputs,
    output:
        paths.metrics("{run}", "{step}"),
    params:
        spec=evaluation_spec_json,
        model=checkpoint_model,
        data_dir=data_dir_param,
        out_dir=paths.step_eval_dir("{run}", "{step}"),
        release=release_weights_arg,
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
        "OMP_NUM_THREADS={threads} oneshot-rlvr evaluate --run {wildcards.run:q} --step {wildcards.step:q}"
        " --model {params.model:q} --data-dir {params.data_dir:q} --out-dir {params.out_dir:q} --spec {params.spec:q}"
        " {params.release:q} > {log:q} 2>&1"


rule evaluate_run:
    input:
        evaluation_inputs,
    output:
        paths.run_index("{run}"),
    params:
        spec=evaluation_spec_json,
        steps=evaluated_steps_arg,
        models=run_checkpoint_template,
        data_dir=data_dir_param,
        eval_dir=paths.run_eval_dir("{run}"),
        release=release_weights_arg,
    log:
        "logs/evaluate_run/{run}.log",
    benchmark:
        "benchmarks/rules/evaluate_run/{run}.tsv"
    conda:
        "../envs/oneshot-rlvr-gpu.yaml"
    threads: 1
    resources:
        mem_mb=evaluation_resource("mem_mb"),
        runtime=run_evaluation_runtime,
        gpu=evaluation_resource("gpus"),
    shell:
        "OMP_NUM_THREADS={threads} oneshot-rlvr evaluate-run --run {wildcards.run:q} --steps {params.steps:q}"
        " --model-template {params.models:q} --data-dir {params.data_dir:q} --eval-dir {params.eval_dir:q}"
        " --index {output:q} --spec {params.spec:q} {params.release:q} > {log:q} 2>&1"


# evaluation.checkpoints_per_job > 1: one job per chunk of that many consecutive checkpoints of a run (the runs that
# evaluate_checkpoint would evaluate one job each), written like evaluate_run's steps (the same command) and
# indexed by results/eval/<run>/steps<first>-<last>.json.
rule evaluate_chunk:
    input:
        chunk_evaluation_inputs,
    output:
        paths.chunk_index("{run}", "{first}", "{last}"),
    params:
        spec=evaluation_spec_json,
        steps=chunk_steps_arg,
        models=run_checkpoint_template,
        data_dir=data_dir_param,
        eval_dir=paths.run_eval_dir("{run}"),
        release=release_weights_arg,
    log:
        "logs/evaluate_chunk/{run}/steps{first}-{last}.log",
    benchmark:
        "benchmarks/rules/evaluate_chunk/{run}/steps{first}-{last}.tsv"
    conda:
        "../envs/oneshot-rlvr-gpu.yaml"
    threads: 1
    resources:
        mem_mb=evaluation_resource("mem_mb"),
        runtime=chunk_evaluation_runtime,
        gpu=evaluation_resource("gpus"),
    shell:
        "OMP_NUM_THREADS={threads} oneshot-rlvr evaluate-run --run {wildcards.run:q} --steps {params.steps:q}"
        " --model-template {params.models:q} --data-dir {params.data_dir:q} --eval-dir {params.eval_dir:q}"
        " --index {output:q} --spec {params.spec:q} {params.release:q} > {log:q} 2>&1"
