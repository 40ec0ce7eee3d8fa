# The HTML page of every table, for the Snakemake report (`snakemake paper --report reports/report.html`): the
# report shows a .html file in a frame but offers a .md or .csv only for download. reports/html/<table>.html is
# rendered from reports/<table>.md by oneshot_rlvr.table_html; the targets that make a table also make its page
# (paths.report_files). Where each entry sits in the report and in which order: oneshot_rlvr.report_layout.


localrules:
    table_html,


rule table_html:
    input:
        paths.report_file("{table}", "md"),
    output:
        report(
            paths.report_page("{table}"),
            caption="../report/table.rst",
            category=report_layout.TABLES,
            labels=report_layout.labels("table"),
        ),
    wildcard_constraints:
        table=r"table\d+(_convergence)?|testbed|README",
    log:
        "logs/table_html/{table}.log",
    conda:
        "../envs/oneshot-rlvr.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    shell:
        "oneshot-rlvr table-html --md {input:q} --out {output:q} > {log:q} 2>&1"
