# oneshot-rlvr: every experiment of "RL for Reasoning in LLMs with One Training Example" as one Snakemake DAG.
# Paper scale: snakemake --cores all reproduce_table1
# Miniature:   snakemake --cores 2 --configfile config/tiny.yaml reproduce_table1
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/selection.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/report.smk"


localrules:
    all,
    reproduce_table1,


rule reproduce_table1:
    input:
        "reports/table1.md",
        "reports/table1.csv",


rule all:
    default_target: True
    input:
        rules.reproduce_table1.input,
