# The paper's tables beyond Tables 1 and 3 (issue 6): one target per table, each regenerating reports/table<N>.md
# and .csv from the runs it needs. Runs are shared by name (pi1 is in seven tables): the same run is never trained
# twice. Helpers: workflow/rules/paper_inputs.smk; rows, runs and selection rules: oneshot_rlvr.paper_tables.


localrules:
    report_paper_table,
    reports_readme,
    reproduce_table3,
    reproduce_table4,
    reproduce_table5,
    reproduce_table9,
    reproduce_table13,
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
        " {params.hashes:q} --scale {params.scale:q} --md {output.md:q} --csv {output.csv:q} > {log:q} 2>&1"


# Table 3 under the paper's numbering (sweep_1shot stays).
rule reproduce_table3:
    input:
        rules.sweep_1shot.input,


rule reproduce_table4:
    input:
        table_files(4),


rule reproduce_table5:
    input:
        table_files(5),


rule reproduce_table9:
    input:
        table_files(9),


rule reproduce_table13:
    input:
        table_files(13),


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
        rules.reproduce_table3.input,
        [table_files(number) for number in PAPER_TABLE_NUMBERS],
        PAPER_FIGURE_FILES,
        "reports/README.md",
