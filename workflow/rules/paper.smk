# The paper's tables beyond Tables 1 and 3: one job per table, each regenerating reports/table<N>.md and .csv from
# the runs it needs (targets reproduce_table<N> in targets.smk). Runs are shared by name (pi1 is in seven tables):
# the same run is never trained twice. Helpers: workflow/rules/paper_inputs.smk; rows, runs and selection rules:
# oneshot_rlvr.tables.registry.


localrules:
    report_paper_table,
    report_example_cards,
    report_table5_convergence,
    reports_readme,


rule report_paper_table:
    input:
        paper_table_inputs,
    output:
        md=report(
            paths.table_file("{number}", "md"),
            caption="../report/table.rst",
            category=report_layout.TABLE_FILES,
            labels=report_layout.labels("table", report_layout.MARKDOWN),
        ),
        csv=report(
            paths.table_file("{number}", "csv"),
            caption="../report/table.rst",
            category=report_layout.TABLE_FILES,
            labels=report_layout.labels("table", report_layout.CSV),
        ),
    wildcard_constraints:
        number="|".join(str(number) for number in PAPER_TABLE_NUMBERS),
    params:
        runs=paper_table_run_args,
        hashes=paper_table_hash_args,
        seeds=paper_table_seed_args,
        eval_dir=paths.EVAL_DIR,
        scale=config["report"]["scale"],
        grader=config["report"].get("paper_grader", "qwen_eval"),
        resamples=config["report"].get("bootstrap_resamples", 10000),
    log:
        "logs/report_paper_table/table{number}.log",
    conda:
        "../envs/oneshot-rlvr.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    shell:
        "oneshot-rlvr report-table --table {wildcards.number:q} --eval-dir {params.eval_dir:q} {params.runs:q}"
        " {params.hashes:q} {params.seeds:q} --grader {params.grader:q} --resamples {params.resamples:q}"
        " --scale {params.scale:q} --md {output.md:q} --csv {output.csv:q} > {log:q} 2>&1"


# Table 2 and Tables 21-42: one card per named example, from DSR-sub and the ranking (oneshot_rlvr.paper_cards).
rule report_example_cards:
    input:
        dsr_sub=data_file("dsr_sub"),
        ranking=paths.RANKING,
        history=ranking_history(),
    output:
        md=report(
            paths.table_file(2, "md"),
            caption="../report/table.rst",
            category=report_layout.TABLE_FILES,
            labels=report_layout.labels("table", report_layout.MARKDOWN),
        ),
        csv=report(
            paths.table_file(2, "csv"),
            caption="../report/table.rst",
            category=report_layout.TABLE_FILES,
            labels=report_layout.labels("table", report_layout.CSV),
        ),
    params:
        data_dir=data_dir_param,
        score=config["selection"]["score"],
        scale=config["report"]["scale"],
    log:
        "logs/report_example_cards.log",
    conda:
        "../envs/oneshot-rlvr.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    shell:
        "oneshot-rlvr example-cards --data-dir {params.data_dir:q} --ranking {input.ranking:q}"
        " --history {input.history:q} --score {params.score:q} --scale {params.scale:q}"
        " --md {output.md:q} --csv {output.csv:q} > {log:q} 2>&1"


# Table 5's "train converges" column, from the training logs of its runs (oneshot_rlvr.convergence).
rule report_table5_convergence:
    input:
        logs=table5_train_logs(),
    output:
        md=report(
            paths.report_file(paths.TABLE5_CONVERGENCE_REPORT, "md"),
            caption="../report/table.rst",
            category=report_layout.TABLE_FILES,
            labels=report_layout.labels("table", report_layout.MARKDOWN),
        ),
        csv=report(
            paths.report_file(paths.TABLE5_CONVERGENCE_REPORT, "csv"),
            caption="../report/table.rst",
            category=report_layout.TABLE_FILES,
            labels=report_layout.labels("table", report_layout.CSV),
        ),
    params:
        logs=lambda wildcards, input: [word for path in input.logs for word in ("--log", path)],
        scale=config["report"]["scale"],
    log:
        "logs/report_table5_convergence.log",
    conda:
        "../envs/oneshot-rlvr.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    shell:
        "oneshot-rlvr table5-convergence {params.logs:q} --scale {params.scale:q}"
        " --md {output.md:q} --csv {output.csv:q} > {log:q} 2>&1"


# reports/README.md: every artefact with its files, inputs, last regeneration and scale.
rule reports_readme:
    input:
        artefact_files(),
    output:
        report(
            paths.REPORTS_INDEX,
            caption="../report/table.rst",
            category=report_layout.TABLE_FILES,
            labels=report_layout.labels("table", report_layout.MARKDOWN),
        ),
    params:
        artefacts=artefacts_json(),
        scale=config["report"]["scale"],
    log:
        "logs/reports_readme.log",
    conda:
        "../envs/oneshot-rlvr.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    shell:
        "oneshot-rlvr reports-readme --artefacts {params.artefacts:q} --scale {params.scale:q} --out {output:q} > {log:q} 2>&1"


