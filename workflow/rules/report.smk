# Reports: the paper's tables with our numbers beside the paper's.


localrules:
    report_table1,


rule report_table1:
    input:
        table1_inputs,
    output:
        md=report(
            paths.table_file(1, "md"),
            caption="../report/table.rst",
            category=report_layout.TABLE_FILES,
            labels=report_layout.labels("table", report_layout.MARKDOWN),
        ),
        csv=report(
            paths.table_file(1, "csv"),
            caption="../report/table.rst",
            category=report_layout.TABLE_FILES,
            labels=report_layout.labels("table", report_layout.CSV),
        ),
    params:
        metrics=table1_metrics_args,
        hashes=table1_hash_args,
        model=config["report"]["table1"]["model"],
        scale=config["report"]["scale"],
        grader=config["report"].get("paper_grader", "qwen_eval"),
        resamples=config["report"].get("bootstrap_resamples", 10000),
        benchmarks=benchmark_set_args(),
    log:
        "logs/report_table1.log",
    conda:
        "../envs/oneshot-rlvr.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        "oneshot-rlvr report-table1 {params.metrics:q} {params.hashes:q} --model {params.model:q} {params.benchmarks:q}"
        " --grader {params.grader:q} --resamples {params.resamples:q}"
        " --scale {params.scale:q} --md {output.md:q} --csv {output.csv:q} > {log:q} 2>&1"


# The testbed (data_source: testbed): per Table 1 row the boxed rate, accuracy in any format and as graded with
# intervals and differences to the base model, transfer to the task types not trained on, post-saturation
# generalisation and the learning verdict (docs/testbed.md).
rule report_testbed:
    input:
        unpack(testbed_report_inputs),
    output:
        md=report(
            paths.report_file(paths.TESTBED_REPORT, "md"),
            caption="../report/table.rst",
            category=report_layout.TABLE_FILES,
            labels=report_layout.labels("table", report_layout.MARKDOWN),
        ),
        csv=report(
            paths.report_file(paths.TESTBED_REPORT, "csv"),
            caption="../report/table.rst",
            category=report_layout.TABLE_FILES,
            labels=report_layout.labels("table", report_layout.CSV),
        ),
    params:
        args=testbed_report_args,
    log:
        "logs/report_testbed.log",
    conda:
        "../envs/oneshot-rlvr.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    shell:
        "oneshot-rlvr report-testbed {params.args:q} --md {output.md:q} --csv {output.csv:q} > {log:q} 2>&1"
