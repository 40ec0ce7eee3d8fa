# The targets: rules with inputs only, one per artefact of the paper (a table, a figure, the sweep) and `paper` for
# all of them. They run in the main Snakemake process, never as cluster jobs. Their files come from
# oneshot_rlvr.paths and from the helpers of common.smk, figure_inputs.smk and paper_inputs.smk.


localrules:
    reproduce_table1,
    reproduce_table2,
    reproduce_table3,
    reproduce_table4,
    reproduce_table5,
    reproduce_table6,
    reproduce_table7,
    reproduce_table9,
    reproduce_table10,
    reproduce_table11,
    reproduce_table12,
    reproduce_table13,
    reproduce_table14,
    reproduce_table15,
    reproduce_table16,
    reproduce_table17,
    reproduce_table18,
    reproduce_table19,
    reproduce_table20,
    sweep_1shot,
    figure1,
    figure2,
    figure3,
    figure4,
    figure5,
    figure6,
    figures7_11,
    figure12,
    figure13,
    figure14,
    figure15,
    figure16,
    all_figures,
    paper,


# With data_source: testbed also the testbed's report (decomposition, transfer, post-saturation) and Figures 1-2.
rule reproduce_table1:
    input:
        paths.table_files(1),
        TESTBED_REPORTS,


# Table 2 and Tables 21-42: a card per named example (no training).
rule reproduce_table2:
    input:
        paths.table_files(2),


# Table 3: 1-shot RLVR for each example of sweep_examples (default the paper's Table 3 set, or a range such as
# pi1..pi1209), MATH500 by subject, and the selection-score figure with the named examples marked.
rule sweep_1shot:
    input:
        paths.table_files(3),
        paths.figure_files(paths.SCORE_DISTRIBUTION_FIGURE),


# Table 3 under the paper's numbering (sweep_1shot stays).
rule reproduce_table3:
    input:
        rules.sweep_1shot.input,


rule reproduce_table4:
    input:
        paths.table_files(4),


# Table 5 with its "train converges" column, from the training logs of its runs.
rule reproduce_table5:
    input:
        paths.table_files(5),
        TABLE5_CONVERGENCE_FILES,


# Table 6: the summary of Table 13 (its rows; MATH500 and the 6-benchmark average).
rule reproduce_table6:
    input:
        paths.table_files(6),


# Table 7: each base model evaluated as loaded (bf16) and in fp32 (runs <base>_fp32, `evaluation.dtype`).
rule reproduce_table7:
    input:
        paths.table_files(7),


rule reproduce_table9:
    input:
        paths.table_files(9),


# Table 10: more models (Qwen2.5-1.5B, Qwen2.5-Math-1.5B-Instruct) and more single examples on the 7B model.
rule reproduce_table10:
    input:
        paths.table_files(10),


# Table 11: best value per benchmark of Table 4's 7B and Llama runs (PPO rows: not run, docs/fidelity.md).
rule reproduce_table11:
    input:
        paths.table_files(11),


# Table 12: R1-Distill's checkpoints evaluated at 8k (Table 4's runs) and 32k (runs r1distill_<set>_eval32k).
rule reproduce_table12:
    input:
        paths.table_files(12),


rule reproduce_table13:
    input:
        paths.table_files(13),


rule reproduce_table14:
    input:
        paths.table_files(14),


# Table 15: the pi1 run's MATH500 responses at the paper's steps: \boxed{} share, any-format and strict accuracy.
rule reproduce_table15:
    input:
        paths.table_files(15),


rule reproduce_table16:
    input:
        paths.table_files(16),


rule reproduce_table17:
    input:
        paths.table_files(17),


rule reproduce_table18:
    input:
        paths.table_files(18),


rule reproduce_table19:
    input:
        paths.table_files(19),


rule reproduce_table20:
    input:
        paths.table_files(20),


# The paper's figures (reports/figures/<name>.png and .pdf; runs per figure: config key `figures`).
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


# The format analyses (Table 14's runs over training): outcome vs format reward for the full set and for pi1.
rule figure13:
    input:
        FIGURE_ARTEFACTS["figure13"],


rule figure14:
    input:
        FIGURE_ARTEFACTS["figure14"],


rule figure15:
    input:
        FIGURE_ARTEFACTS["figure15"],


rule figure16:
    input:
        FIGURE_ARTEFACTS["figure16"],


rule all_figures:
    input:
        FIGURE_FILES,


# Everything: every table, every figure (PAPER_FIGURE_FILES, from the figures' files) and the index.
rule paper:
    input:
        rules.reproduce_table1.input,
        paths.table_files(2),
        rules.reproduce_table3.input,
        [paths.table_files(number) for number in PAPER_TABLE_NUMBERS],
        TABLE5_CONVERGENCE_FILES,
        PAPER_FIGURE_FILES,
        paths.REPORTS_INDEX,
        paths.REPORTS_INDEX_PAGE,
