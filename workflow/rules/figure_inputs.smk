# Figure inputs (functions only; the rules are in figures.smk). Which runs, metrics files and training logs each
# figure reads is decided by the tested package (oneshot_rlvr.figures.figure_plan) from the `figures:` config.
import json

from oneshot_rlvr import figures

# Target -> the figure files it makes (read by the `paper` target and the reports README via globals()).
FIGURE_ARTEFACTS = {
    target: [path for name in names for path in figures.figure_files(name)]
    for target, names in figures.FIGURE_TARGETS.items()
}
FIGURE_FILES = [path for paths in FIGURE_ARTEFACTS.values() for path in paths]


def figure_plan(wildcards):
    return figures.figure_plan(config, wildcards.figure)


def figure_inputs(wildcards):
    plan = figure_plan(wildcards)
    inputs = {"metrics": plan["metrics"], "logs": plan["logs"]}
    if wildcards.figure == "figure3":
        inputs["problems"] = data_file(plan["spec"].get("benchmark", "math500"))
    return inputs


def figure_spec_json(wildcards):
    return json.dumps(figure_plan(wildcards)["spec"], sort_keys=True)
