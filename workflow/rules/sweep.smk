# The example sweep (config key sweep_examples, target sweep_1shot): every listed example set is a run of its own
# name (oc.derived_run; no `runs:` entry needed), trained by train_grpo and evaluated by evaluate_checkpoint at
# every saved step -- one job per run and checkpoint. Table 3 takes, per run, the checkpoint with the best MATH500
# (its subject breakdown and MATH500) and the one with the best AIME24, beside the paper's numbers.
# The rows, inputs and config hashes come from common.smk (TABLE3_ROWS, table3_inputs).


# ROW=PATH per metrics file: a 1209-example sweep has too many for the report's command line. printf is a shell
# builtin, so the list never passes through exec's argument limit (Snakemake runs a long command from a script).
rule table3_manifest:
    output:
        TABLE3_MANIFEST,
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
        md=report("reports/table3.md", caption="../report/table3.rst", category="Tables"),
        csv=report("reports/table3.csv", caption="../report/table3.rst", category="Tables"),
    params:
        ranking=ranking_arg,
        hashes=table3_hash_args,
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
        " --model {params.model:q} --scale {params.scale:q} --md {output.md:q} --csv {output.csv:q} > {log:q} 2>&1"
