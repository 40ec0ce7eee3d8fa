# oneshot-rlvr: every experiment of "RL for Reasoning in LLMs with One Training Example" as one Snakemake DAG.
# Paper scale: snakemake --cores all reproduce_table1
# Miniature:   snakemake --cores 2 --configfile config/tiny.yaml reproduce_table1
# Testbed:     snakemake reproduce_table1 --cores 2 --configfile config/testbed.yaml   (docs/testbed.md)
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


# Targets and cheap steps run in the main Snakemake process, never as cluster jobs (fetch_data, a local rule of
# data.smk, needs the internet, which compute nodes often lack).
localrules:
    all,
    reproduce_table1,
    rank_examples,
    make_dataset,
    report_table1,
    sweep_1shot,
    table3_manifest,
    report_table3,


# With data_source: testbed also the testbed's report (decomposition, transfer, post-saturation) and Figures 1-2.
rule reproduce_table1:
    input:
        "reports/table1.md",
        "reports/table1.csv",
        TESTBED_REPORTS,


# Table 3: 1-shot RLVR for each example of sweep_examples (default the paper's Table 3 set, or a range such as
# pi1..pi1209), MATH500 by subject, and the selection-score figure with the named examples marked.
rule sweep_1shot:
    input:
        "reports/table3.md",
        "reports/table3.csv",
        "reports/figures/score_distribution.png",
        "reports/figures/score_distribution.pdf",


# The paper's figures (reports/figures/<name>.png and .pdf; runs per figure: config key `figures`).
localrules:
    figure1,
    figure2,
    figure3,
    figure4,
    figure5,
    figure6,
    figures7_11,
    figure12,
    figure15,
    figure16,
    all_figures,


rule figure1:
    input:
        FIGURE_ARTEFACTS["figure1"],


rule figure2:
    input:
        FIGURE_ARTEFACTS["figure2"],


rule figure3:
    input:
        FIGURE_ARTEFACTS["figure3"],


rule figure4:
    input:
        FIGURE_ARTEFACTS["figure4"],


rule figure5:
    input:
        FIGURE_ARTEFACTS["figure5"],


rule figure6:
    input:
        FIGURE_ARTEFACTS["figure6"],


rule figures7_11:
    input:
        FIGURE_ARTEFACTS["figures7_11"],


rule figure12:
    input:
        FIGURE_ARTEFACTS["figure12"],


rule figure15:
    input:
        FIGURE_ARTEFACTS["figure15"],


rule figure16:
    input:
        FIGURE_ARTEFACTS["figure16"],


rule all_figures:
    input:
        FIGURE_FILES,


rule all:
    default_target: True
    input:
        rules.reproduce_table1.input,


# The paper's other tables, reports/README.md and the `paper` target (after the targets they reuse).
include: "workflow/rules/paper_inputs.smk"
include: "workflow/rules/paper.smk"


# At the end: the reason each failed job gave in its log (Snakemake itself prints only "message: None" and the
# exit status), or where the target's tables and figures are.
onerror:
    print_failed_jobs()


onsuccess:
    print_report_files()
