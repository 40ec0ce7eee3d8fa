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
include: "workflow/rules/sweep.smk"


# Targets and cheap steps run in the main Snakemake process, never as cluster jobs (fetch_data needs the
# internet, which compute nodes often lack).
localrules:
    all,
    reproduce_table1,
    fetch_data,
    rank_examples,
    make_dataset,
    report_table1,
    sweep_1shot,


rule reproduce_table1:
    input:
        "reports/table1.md",
        "reports/table1.csv",


# Table 3: 1-shot RLVR for each example of sweep_examples (default the paper's Table 3 set, or a range such as
# pi1..pi1209), MATH500 by subject, and the selection-score figure with the named examples marked.
rule sweep_1shot:
    input:
        "reports/table3.md",
        "reports/table3.csv",
        "reports/figures/score_distribution.png",
        "reports/figures/score_distribution.pdf",


rule all:
    default_target: True
    input:
        rules.reproduce_table1.input,


# The paper's other tables, reports/README.md and the `paper` target (after the targets they reuse).
include: "workflow/rules/paper_inputs.smk"
include: "workflow/rules/paper.smk"
