# The paper's tables beyond Tables 1 and 3 (issue 6): one target per table, each regenerating reports/table<N>.md
# and .csv from the runs it needs. Runs are shared by name (pi1 is in seven tables): the same run is never trained
# twice. Helpers: workflow/rules/paper_inputs.smk; rows, runs and selection rules: oneshot_rlvr.paper_tables.


localrules:
    report_paper_table,
    report_example_cards,
    report_table5_convergence,
    reports_readme,
    reproduce_table2,
    reproduce_table3,
    reproduce_table4,
    reproduce_table5,
    reproduce_table9,
    reproduce_table13,
    reproduce_table14,
    reproduce_table16,
    reproduce_table17,
    reproduce_table18,
    reproduce_table19,
    reproduce_table20,
    paper,


rule report_paper_table:
    input:
        paper_table_inputs,
    output:
        md=report("reports/table{number}.md", caption="../report/paper_table.rst", category="Tables"),
        csv=report("reports/table{number}.csv", caption="../report/paper_table.rst", category="Tables"),
    wildcard_constraints:
        number="|".join(str(number) for number in PAPER_TABLE_NUMBERS),
    params:
        runs=paper_table_run_args,
        hashes=paper_table_hash_args,
        eval_dir=EVAL_DIR,
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
        " {params.hashes:q} --grader {params.grader:q} --resamples {params.resamples:q}"
        " --scale {params.scale:q} --md {output.md:q} --csv {output.csv:q} > {log:q} 2>&1"


# Table 2 and Tables 21-42: one card per named example, from DSR-sub and the ranking (oneshot_rlvr.paper_cards).
rule report_example_cards:
    input:
        dsr_sub=data_file("dsr_sub"),
        ranking="results/selection/ranking.tsv",
        history=ranking_history(),
    output:
        md=report("reports/table2.md", caption="../report/table2.rst", category="Tables"),
        csv=report("reports/table2.csv", caption="../report/table2.rst", category="Tables"),
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


rule reproduce_table2:
    input:
        table_files(2),


# Table 3 under the paper's numbering (sweep_1shot stays).
rule reproduce_table3:
    input:
        rules.sweep_1shot.input,


rule reproduce_table4:
    input:
        table_files(4),


# Table 5's "train converges" column, from the training logs of its runs (oneshot_rlvr.convergence).
rule report_table5_convergence:
    input:
        logs=table5_train_logs(),
    output:
        md=report(TABLE5_CONVERGENCE_FILES[0], caption="../report/table5_convergence.rst", category="Tables"),
        csv=report(TABLE5_CONVERGENCE_FILES[1], caption="../report/table5_convergence.rst", category="Tables"),
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


rule reproduce_table5:
    input:
        table_files(5),
        TABLE5_CONVERGENCE_FILES,


rule reproduce_table9:
    input:
        table_files(9),


rule reproduce_table13:
    input:
        table_files(13),


rule reproduce_table14:
    input:
        table_files(14),


rule reproduce_table16:
    input:
        table_files(16),


rule reproduce_table17:
    input:
        table_files(17),


rule reproduce_table18:
    input:
        table_files(18),


rule reproduce_table19:
    input:
        table_files(19),


rule reproduce_table20:
    input:
        table_files(20),


# reports/README.md: every artefact with its files, inputs, last regeneration and scale.
rule reports_readme:
    input:
        artefact_files(),
    output:
        report("reports/README.md", caption="../report/reports_readme.rst", category="Index"),
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


# Everything: every table, every figure (PAPER_FIGURE_FILES, from the figures' files) and the index.
rule paper:
    input:
        rules.reproduce_table1.input,
        table_files(2),
        rules.reproduce_table3.input,
        [table_files(number) for number in PAPER_TABLE_NUMBERS],
        TABLE5_CONVERGENCE_FILES,
        PAPER_FIGURE_FILES,
        "reports/README.md",
