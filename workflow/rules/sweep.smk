# The example sweep (config key sweep_examples, target sweep_1shot): every listed example set is a run of its own
# name (oc.derived_run; no `runs:` entry needed), trained by train_grpo and evaluated by evaluate_checkpoint at
# every saved step -- one job per run and checkpoint. Table 3 takes, per run, the checkpoint with the best MATH500
# (its subject breakdown and MATH500) and the one with the best AIME24, beside the paper's numbers.
from pathlib import Path

TABLE3_ROWS = [BASE, *[run for run in SWEEP if run != BASE]]
TABLE3_METRICS = {row: run_metrics(row) for row in TABLE3_ROWS}


def table3_inputs(wildcards):
    inputs = {"metrics": [path for paths in TABLE3_METRICS.values() for path in paths]}
    if any(osel.needs_ranking(row) for row in SWEEP):
        inputs["ranking"] = "results/selection/ranking.tsv"
    return inputs


def table3_hash_args(wildcards):
    hashes = []
    for row in TABLE3_ROWS:
        spec = oc.evaluation_spec(config, row) if row == BASE else oc.training_spec(config, row)
        hashes.append(f"--config-hash {row}={oc.spec_hash(spec)}")
    return " ".join(hashes)


rule report_table3:
    input:
        unpack(table3_inputs),
    output:
        md="reports/table3.md",
        csv="reports/table3.csv",
        # ROW=PATH per metrics file: a 1209-example sweep has too many to pass on a command line
        manifest="results/sweep/table3_metrics.txt",
    params:
        hashes=table3_hash_args,
        model=config["report"]["table1"]["model"],
        scale=config["report"]["scale"],
    log:
        "logs/report_table3.log",
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    run:
        lines = [f"{row}={path}" for row, paths in TABLE3_METRICS.items() for path in paths]
        Path(output.manifest).parent.mkdir(parents=True, exist_ok=True)
        Path(output.manifest).write_text("\n".join(lines) + "\n")
        ranking = f"--ranking {input.ranking}" if "ranking" in input.keys() else ""
        shell(
            "oneshot-rlvr report-table3 --metrics-file {output.manifest} {ranking} {params.hashes}"
            " --model {params.model:q} --scale {params.scale} --md {output.md} --csv {output.csv} > {log} 2>&1"
        )
