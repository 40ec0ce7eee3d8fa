# oneshot-rlvr: every experiment of "RL for Reasoning in LLMs with One Training Example" as one Snakemake DAG.
# Paper scale: snakemake --cores all reproduce_table1
# Miniature:   snakemake --cores 2 --configfile config/tiny.yaml reproduce_table1
# Testbed:     snakemake reproduce_table1 --cores 2 --configfile config/testbed.yaml   (docs/testbed.md)
# The rule files follow the pipeline's flow: data -> selection -> training -> evaluation -> tables and figures;
# the targets (reproduce_table<N>, sweep_1shot, figure<N>, paper) are in workflow/rules/targets.smk.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/selection.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/sweep.smk"
include: "workflow/rules/figure_inputs.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/html.smk"
# The paper's other tables and reports/README.md (after the figures' helpers, whose files `paper` lists).
include: "workflow/rules/paper_inputs.smk"
include: "workflow/rules/paper.smk"
include: "workflow/rules/targets.smk"


# `snakemake` without a target: Table 1. In the main Snakefile, since Snakemake keeps no default target set in an
# included file.
localrules:
    all,


rule all:
    default_target: True
    input:
        rules.reproduce_table1.input,


# At the end: the reason each failed job gave in its log (Snakemake itself prints only "message: None" and the
# exit status), or where the target's tables and figures are.
onerror:
    print_failed_jobs()


onsuccess:
    print_report_files()
