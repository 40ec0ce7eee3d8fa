# The example sweep (config key sweep_examples, target sweep_1shot in targets.smk): every listed example set is a
# run of its own name (configuration.derived_run; no `runs:` entry needed), trained by train_grpo and evaluated at
# every saved step by one evaluate_run job per run (evaluation.jobs: auto; the configured runs and the base model get
# one job per evaluation.checkpoints_per_job checkpoints). The full range pi1..pi1209 at paper scale is 3,832 jobs
# (`snakemake sweep_1shot -n --config 'sweep_examples=pi1..pi1209'`). Table 3 takes, per run, the checkpoint with
# the best MATH500 (its subject breakdown and MATH500) and the one with the best AIME24, beside the paper's numbers.
# The rows, inputs and config hashes come from common.smk (TABLE3_ROWS, table3_inputs).


localrules:
    table3_manifest,
    report_table3,


# ROW=PATH per metrics file: a 1209-example sweep has too many for the report's command line. printf is a shell
# builtin, so the list never passes through exec's argument limit (Snakemake runs a long command from a script).
rule table3_manifest:
    output:
        paths.TABLE3_MANIFEST,
    params:
        entries=table3_manifest_entries,
    log:
        "logs/table3_manifest.log",
    conda:
        "../envs/oneshot-rlvr.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        "printf '%s\\n' {params.entries:q} > {output:q} 2> {log:q}"


rule report_table3:
    input:
        unpack(table3_inputs),
    output:
        md=report(
            paths.table_file(3, "md"),
            caption="../report/table.rst",
            category=report_layout.TABLE_FILES,
            labels=report_layout.labels("table", report_layout.MARKDOWN),
        ),
        csv=report(
            paths.table_file(3, "csv"),
            caption="../report/table.rst",
            category=report_layout.TABLE_FILES,
            labels=report_layout.labels("table", report_layout.CSV),
        ),
    params:
        ranking=ranking_arg,
        hashes=table3_hash_args,
        seeds=table3_seed_args,
        grader=config["report"].get("paper_grader", "qwen_eval"),
        model=config["report"]["table1"]["model"],
        scale=config["report"]["scale"],
    log:
        "logs/report_table3.log",
    conda:
        "../envs/oneshot-rlvr.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    shell:
        "oneshot-rlvr report-table3 --metrics-file {input.manifest:q} {params.ranking:q} {params.hashes:q}"
        " {params.seeds:q} --grader {params.grader:q}"
        " --model {params.model:q} --scale {params.scale:q} --md {output.md:q} --csv {output.csv:q} > {log:q} 2>&1"
