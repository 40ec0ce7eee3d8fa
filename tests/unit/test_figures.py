"""The paper's figures: inputs per figure, values and reference lines, every figure file on synthetic metrics and
training logs. `all_figures` end to end: tests/workflow/test_figures_workflow.py."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from helpers.figures import (
    EXPECTED_PANELS,
    MAX_BLANK_ROWS,
    MAX_BLANK_TEXT_PIXELS,
    SUBJECT_LABELS,
    ablation_panels,
    blank_share,
    png_panels,
)
from helpers.metrics import write_fake_metrics
from PIL import Image

from oneshot_rlvr import cli, figures, training
from oneshot_rlvr import config as oc
from oneshot_rlvr.data import ALL_BENCHMARKS, MATH_BENCHMARKS
from oneshot_rlvr.io import atomic_write_json, atomic_write_jsonl

PROBLEM = "test/intermediate_algebra/428.json"
# What the grader extracted at step 0 (unbalanced TeX, which mathtext would reject) and later.
EXTRACTED = {False: "$\\frac{1", True: "3, 5, 7"}
def accuracy_at(run: str, step: int, bench: str) -> float:
    """A distinct, known value per (run, step, benchmark), so tests can check what was drawn."""
    return round(10 + 3 * step + 0.5 * len(run) + 0.25 * ALL_BENCHMARKS.index(bench), 2)


def write_metrics(root: Path, run: str, step: int) -> Path:
    out = root / "results" / "eval" / run / f"step{step}"
    benchmarks = {}
    for bench in ALL_BENCHMARKS:
        accuracy = accuracy_at(run, step, bench)
        benchmarks[bench] = {
            "accuracy": accuracy,
            "boxed_rate": min(100.0, 50 + 10 * step),
            "mean_response_tokens": 100.0 + step,
            "reflection_responses": step * 2,
            "responses_file": f"{bench}.jsonl",
            "subjects": {label: accuracy + i for i, label in enumerate(SUBJECT_LABELS.values())}
            if bench == "math500"
            else {},
        }
    response = f"Step {step}: expand (x-3)^3 ... $x$ so the roots are \\boxed{{3, 5, 7}}" + " more" * 200
    atomic_write_jsonl(
        out / "math500.jsonl",
        [
            {"id": "other", "sample": 0, "response": "x", "correct": False, "extracted": None},
            {"id": PROBLEM, "sample": 0, "response": response, "correct": step > 0, "extracted": EXTRACTED[step > 0]},
        ],
    )
    return write_fake_metrics(out / "metrics.json", run, step, benchmarks)


def write_log(root: Path, run: str, steps: int, objective: str = "verl") -> Path:
    rows = []
    for step in range(1, steps + 1):
        trl = {"completions/mean_length": 20.0 + step, "entropy": 0.5 + 0.01 * step, "kl": 0.0}
        if objective == "verl":
            trl |= {"policy_loss": -0.01 * step, "policy_loss_abs": 0.02 * step}
        rows.append(
            {
                "run": run,
                "step": step,
                "rollouts": 8,
                "accuracy": min(1.0, 0.25 * step),
                "reward": min(1.0, 0.25 * step),
                "trl": trl,
                "samples": [
                    {"index": 124, "label": "12.8", "correct": step > 1, "completion": f"r{step} \\boxed{{12.8}}"}
                ],
            }
        )
    path = root / "results" / "runs" / run / "train_log.jsonl"
    atomic_write_jsonl(path, rows)
    return path


SPECS = {
    "figure1": {"runs": ["pi1", "pi13", "dsr_sub"], "base": "base"},
    "figure2": {"runs": ["pi1", "pi13", "dsr_sub"], "base": "base"},
    "figure3": {"runs": ["pi1"], "base": "base", "steps": [0, 2, 4], "benchmark": "math500", "problem_id": PROBLEM},
    "figure4": {"runs": ["pi1", "pi13"]},
    "figure5": {"runs": ["pi1_abl_pg_wd_kl", "pi1", "pi1_temp1"], "base": "base"},
    "figure6": {"runs": ["pi1", "pi11"], "base": "base"},
    "figure7": {"runs": ["pi1", "dsr_sub"], "base": "base", "model": "Qwen2.5-Math-1.5B"},
    "figure8": {"runs": ["qwen7b_pi1"], "base": "qwen7b_base", "model": "Qwen2.5-Math-7B"},
    "figure9": {"runs": ["llama_pi1"], "base": "llama_base", "model": "Llama-3.2-3B-Instruct"},
    "figure10": {"runs": ["qwen15b_pi1"], "base": "qwen15b_base", "model": "Qwen2.5-1.5B"},
    "figure11": {"runs": ["instruct_pi1"], "base": "instruct_base", "model": "Qwen2.5-Math-1.5B-Instruct"},
    "figure12": {"runs": ["pi1_abl_none", "pi1_abl_pg", "pi1", "pi1_abl_ent"], "base": "base"},
    "figure13": {"runs": ["dsr_sub", "dsr_sub_format_reward", "dsr_sub_format_reward_noent"], "base": "base"},
    "figure14": {"runs": ["pi1", "pi1_abl_pg_wd_kl", "pi1_format_reward", "pi1_format_reward_noent"], "base": "base"},
    "figure15": {"runs": ["pi1"], "base": "base"},
    "figure16": {"runs": ["pi1"]},
}
@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    """Metrics at steps 2 and 4 of every run the figures above name, the base models at step 0, training logs."""
    root = tmp_path_factory.mktemp("synthetic")
    for spec in SPECS.values():
        for run in spec["runs"]:
            for step in (2, 4):
                write_metrics(root, run, step)
            write_log(root, run, 4)
        if spec.get("base"):
            write_metrics(root, spec["base"], 0)
    return root


def inputs_for(root: Path, name: str, scale: str = "paper") -> figures.FigureInputs:
    spec = SPECS[name]
    files = sorted((root / "results" / "eval").glob("*/step*/metrics.json"))
    logs = [root / "results" / "runs" / run / "train_log.jsonl" for run in spec["runs"]]
    return figures.FigureInputs(
        name, {"base": None, **spec}, figures.load_curves(files), figures.load_train_logs(logs), scale
    )


@pytest.mark.parametrize("name", figures.FIGURE_NAMES)
def test_every_figure_is_a_png_and_pdf_with_its_panels_that_uses_its_canvas(synthetic, tmp_path, name):
    png, pdf = tmp_path / f"{name}.png", tmp_path / f"{name}.pdf"
    panels = figures.draw(inputs_for(synthetic, name, "miniature"), png, pdf)
    assert png_panels(png) == panels
    # Constrained layout: few pixel rows are pure background (the fixed tight_layout left 20-68 %); Figure 3's
    # text sits in shaded cells (it was 96 % white).
    rows, pixels = blank_share(png)
    assert rows < MAX_BLANK_ROWS, f"{name}: {rows:.0%} of the pixel rows are blank"
    if name == "figure3":
        assert pixels < MAX_BLANK_TEXT_PIXELS, f"figure3: {pixels:.0%} of the pixels are blank"
    if name == "figure3":
        assert len(panels) == 2 * len(SPECS[name]["steps"])
    elif name == "figure12":
        assert panels == ablation_panels(SPECS[name]["runs"])
    else:
        assert panels == EXPECTED_PANELS[name]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF") and len(data) > 5000
    assert not list(tmp_path.glob(".*tmp*")), "a temporary file was left behind"


def test_the_score_distribution_uses_its_canvas(tmp_path):
    png = tmp_path / "scores.png"
    ranking = pd.DataFrame({"rank": range(1, 201), "index": range(200), "score": [1 / r for r in range(1, 201)]})
    figures.score_distribution(ranking, [1, 2, 13], png, means={i: i / 200 for i in range(200)})
    assert blank_share(png)[0] < MAX_BLANK_ROWS


def test_curves_start_at_the_base_model_and_carry_the_paper_values(synthetic):
    plt = figures.pyplot()
    inputs = inputs_for(synthetic, "figure1")
    fig, ax = plt.subplots()
    styles = figures.run_styles(inputs.runs)
    assert figures.curve_panel(ax, inputs.run_curves(), styles, "math500", "MATH500") == 3
    solid = [line for line in ax.lines if line.get_linestyle() == "-"]
    assert [line.get_label() for line in solid] == ["π1", "π13", "DSR-sub (1209)"]
    for line, run in zip(solid, inputs.runs, strict=True):
        assert list(line.get_xdata()) == [0, 2, 4]
        expected = [accuracy_at("base", 0, "math500"), accuracy_at(run, 2, "math500"), accuracy_at(run, 4, "math500")]
        assert list(line.get_ydata()) == expected
    # The y-range is our data's (12 to 25.5); the paper's best MATH500 per run (Tab. 9: pi1 74.0, pi13 74.4,
    # DSR-sub 75.2) is far above it, so each is written at the panel's edge in the run's colour, not drawn.
    low, high = ax.get_ylim()
    assert 10 < low < 12 and 25.5 < high < 28
    notes = {text.get_text(): text.get_color() for text in ax.texts}
    paper = dict(zip(inputs.runs, ("74.0", "74.4", "75.2"), strict=True))
    assert notes == {f"paper {value} ↑": styles[run].color for run, value in paper.items()}
    assert not [line for line in ax.lines if line.get_linestyle() == "--"]
    plt.close(fig)
    # A paper value near our data widens the range to include it and is drawn dashed in the run's colour.
    fig, ax = plt.subplots()
    near = {run: [{**point, "benchmarks": {"math500": {"status": "ok", "accuracy": 60.0 + 5 * n}}}
                  for n, point in enumerate(points)] for run, points in inputs.run_curves().items()}  # fmt: skip
    figures.curve_panel(ax, near, styles, "math500", "MATH500")
    dashed = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert [line.get_ydata()[0] for line in dashed] == [74.0, 74.4, 75.2]
    assert [line.get_color() for line in dashed] == [styles[run].color for run in inputs.runs]
    assert ax.get_ylim()[1] > 75.2 and not ax.texts
    plt.close(fig)


def test_one_colour_per_run_kind_and_the_papers_labels():
    kinds = {run: figures.run_kind(run) for run in ("pi1", "pi13", "pi1_abl_ent", "pi1_pi13", "pi1_to_pi16",
             "qwen7b_random16", "dsr_sub", "llama_dsr_sub", "math_train", "dsr_sub_format_reward", "base",
             "qwen7b_base")}  # fmt: skip
    assert kinds == {
        "pi1": "1-shot", "pi13": "1-shot", "pi1_abl_ent": "1-shot", "pi1_pi13": "few-shot", "pi1_to_pi16": "few-shot",
        "qwen7b_random16": "few-shot", "dsr_sub": "full set", "llama_dsr_sub": "full set", "math_train": "full set",
        "dsr_sub_format_reward": "format reward", "base": "base", "qwen7b_base": "base",
    }  # fmt: skip
    # The full set is the same colour in every figure (the first run of its kind), whatever else is drawn.
    first = figures.run_styles(["pi1", "pi13", "dsr_sub", "dsr_sub_format_reward"])
    second = figures.run_styles(["dsr_sub", "pi1"])
    assert first["dsr_sub"].color == second["dsr_sub"].color and first["pi1"].color == second["pi1"].color
    assert len({style.color for style in first.values()}) == 4 and first["pi1"].marker != first["pi13"].marker
    labels = {run: figures.run_label(run) for run in ("pi1", "pi1_pi13", "pi1_to_pi16", "dsr_sub", "qwen7b_pi1",
              "dsr_sub_format_reward", "random16")}  # fmt: skip
    assert labels == {"pi1": "π1", "pi1_pi13": "{π1, π13}", "pi1_to_pi16": "{π1, …, π16}", "dsr_sub": "DSR-sub (1209)",
                      "qwen7b_pi1": "π1", "dsr_sub_format_reward": "format reward (DSR-sub)",
                      "random16": "random 16"}  # fmt: skip
    assert figures.plain_text("Find the roots of $(x-3)^3+\\frac{1}{2}=0$.") == "Find the roots of (x-3)^3+(1)/(2)=0."


def test_metric_values_and_paper_references(synthetic):
    curves = figures.load_curves([write_metrics(synthetic, "pi1", 4)])
    point = curves["pi1"][0]
    assert figures.metric_value(point, "avg") == pytest.approx(
        sum(accuracy_at("pi1", 4, b) for b in MATH_BENCHMARKS) / 6
    )
    assert figures.metric_value(point, "subject:geometry") == accuracy_at("pi1", 4, "math500") + 2
    assert figures.metric_value(point, "boxed:amc23") == 90.0
    assert figures.metric_value(point, "reflection") == 6 * 8  # 8 per benchmark at step 4, 6 math benchmarks
    point["benchmarks"]["aime24"]["status"] = "not run"
    assert figures.metric_value(point, "aime24") is None
    with pytest.raises(figures.FigureError, match="unknown metric"):
        figures.metric_value(point, "nonsense:math500")

    assert figures.paper_value("pi1", "avg") == (35.0, "Tab. 9")
    assert figures.paper_value("dsr_sub_format_reward", "math500") == (65.0, "Tab. 1/8")
    assert figures.paper_value("pi1_abl_pg_wd_kl", "math500") == (70.8, "Tab. 5")
    assert figures.paper_value("pi1_abl_pg_wd_kl", "avg") is None
    assert figures.paper_value("pi13", "subject:geometry") == (63.4, "Tab. 3")
    assert figures.paper_value("qwen7b_pi1", "avg") == (40.2, "Tab. 4")
    assert figures.paper_value("llama_base", "math500") == (40.8, "Tab. 4")
    assert figures.paper_value("qwen15b_pi1", "math500") == (43.6, "Tab. 10")  # Figure 10's runs: Table 10
    assert figures.paper_value("instruct_base", "avg") == (35.6, "Tab. 10")
    assert figures.paper_value("qwen7b_pi605", "aime24") == (20.4, "Tab. 10")  # not in Table 4
    # Figures 13 and 14 read Table 14: accuracy and the share of responses with \boxed{}.
    assert figures.paper_value("pi1_format_reward_noent", "math500", (14,)) == (61.6, "Tab. 14")
    assert figures.paper_value("dsr_sub_format_reward", "boxed:avg", (14,)) == (91.0, "Tab. 14")
    assert figures.paper_value("pi1_abl_pg_wd_kl", "boxed:math500", (14,)) == (97.0, "Tab. 14")
    assert figures.paper_value("pi1", "math500", (5,)) == (74.8, "Tab. 5")  # Table 5's row 5 when asked for
    assert figures.paper_value("pi1_temp1", "avg") is None
    assert figures.paper_value("pi11", "math500") == (64.0, "Tab. 3")  # only in Table 3 (best MATH500)


def test_figure3_prints_the_chosen_responses(synthetic, tmp_path):
    inputs = inputs_for(synthetic, "figure3")
    panels = figures.draw(inputs, tmp_path / "f3.png", None)
    assert panels[0] == "step 0: training rollout (pi1, logged step 1, label 12.8: wrong)"
    assert panels[1] == "step 0: math500 response (extracted $\\frac{1: wrong)"
    assert panels[2] == "step 2: training rollout (pi1, logged step 2, label 12.8: correct)"
    assert panels[5] == "step 4: math500 response (extracted 3, 5, 7: correct)"
    text = figures.shorten("line\n" * 40 + "final \\boxed{12.8}")
    assert text.splitlines()[0] == "line" and text.splitlines()[-1] == "final \\boxed{12.8}"
    assert "[... 26 more lines ...]" in text
    # A problem the evaluation did not reach (benchmark limit) is said so, not an error.
    other = figures.FigureInputs("figure3", {**inputs.spec, "problem_id": "nope"}, inputs.curves, inputs.logs)
    assert figures.draw(other, tmp_path / "f3b.png", None)[1] == "step 0: math500 nope"


def test_figure16_without_the_verl_objective_says_not_logged(tmp_path):
    log = write_log(tmp_path, "pi1", 3, objective="trl")
    inputs = figures.FigureInputs("figure16", {"runs": ["pi1"], "base": None}, {}, figures.load_train_logs([log]))
    assert figures.draw(inputs, tmp_path / "f16.png", tmp_path / "f16.pdf") == EXPECTED_PANELS["figure16"]
    with Image.open(tmp_path / "f16.png") as image:
        assert "no policy-gradient loss logged" in image.info["Title"]


def test_the_testbed_shows_no_paper_values(synthetic, tmp_path, monkeypatch):
    """Figure 15 labels Table 15's points at paper scale and draws none in the testbed (its tasks are not the
    paper's)."""
    from oneshot_rlvr.figures import formats

    drawn = {}
    monkeypatch.setattr(formats, "finish", lambda fig, name, png, pdf: drawn.setdefault("fig", fig) and [])
    labels = {}
    for scale in ("miniature", "testbed"):
        drawn.clear()
        formats.figure15(inputs_for(synthetic, "figure15", scale), tmp_path / "f.png")
        labels[scale] = [text.get_text() for ax in drawn["fig"].axes for text in ax.texts]
        figures.pyplot().close(drawn["fig"])
    assert labels["miniature"] == [f"paper, step {step}" for step in (1860, 1300, 500, 60, 20, 0)]
    assert labels["testbed"] == []


def test_missing_inputs_are_named(synthetic, tmp_path):
    inputs = inputs_for(synthetic, "figure1")
    inputs.spec["runs"] = ["pi1", "pi2"]
    with pytest.raises(figures.FigureError, match=r"figure1: no metrics files of run\(s\) \['pi2'\]"):
        figures.draw(inputs, tmp_path / "x.png")
    inputs = inputs_for(synthetic, "figure2")
    inputs.logs.pop("pi13")
    with pytest.raises(figures.FigureError, match="no training log of run 'pi13'"):
        figures.draw(inputs, tmp_path / "x.png")
    with pytest.raises(figures.FigureError, match="does not exist"):
        figures.load_curves([tmp_path / "nope.json"])
    assert not (tmp_path / "x.png").exists()


def figure_config(**figure_overrides) -> dict:
    """config/tiny.yaml with one evaluation job per checkpoint (its own chunks of 2 are set where a test reads
    chunks), and these figure settings."""
    config = oc.load_config([oc.REPO_ROOT / "config" / "tiny.yaml"])
    config["evaluation"]["checkpoints_per_job"] = 1
    config["figures"] = {**config["figures"], **figure_overrides}
    return config


def test_figure_plan_lists_each_runs_metrics_and_logs():
    config = figure_config(figure2={"runs": ["pi1", "dsr_sub"], "base": "base"})
    plan = figures.figure_plan(config, "figure2")
    steps = oc.evaluated_steps(config, "pi1")
    assert plan["metrics"] == [figures.metrics_path(run, s) for run in ("pi1", "dsr_sub") for s in steps] + [
        "results/eval/base/step0/metrics.json"
    ]
    assert plan["logs"] == ["results/runs/pi1/train_log.jsonl", "results/runs/dsr_sub/train_log.jsonl"]
    assert figures.figure_plan(config, "figure1")["logs"] == []
    # Figure 3 reads only its chosen steps; step 0 is the base model.
    config = figure_config(figure3={"runs": ["pi1"], "base": "base", "steps": [0, steps[-1]], "problem_id": "p"})
    assert figures.figure_plan(config, "figure3")["metrics"] == [
        "results/eval/base/step0/metrics.json",
        figures.metrics_path("pi1", steps[-1]),
    ]
    # A run evaluated by one job per run (evaluation.jobs; auto: example sets without a `runs:` entry such as
    # pi11) is read from its steps.json index, for Figure 3 too.
    config = figure_config(figure6={"runs": ["pi1", "pi11"], "base": "base"})
    assert figures.figure_plan(config, "figure6")["metrics"] == [figures.metrics_path("pi1", s) for s in steps] + [
        "results/eval/pi11/steps.json",
        "results/eval/base/step0/metrics.json",
    ]
    config = figure_config(figure3={"runs": ["pi11"], "base": "base", "steps": [0, steps[0], steps[-1]]})
    assert figures.figure_plan(config, "figure3")["metrics"] == [
        "results/eval/base/step0/metrics.json",
        "results/eval/pi11/steps.json",
    ]
    # Runs evaluated in chunks (evaluation.checkpoints_per_job) are read from the chunks holding the steps.
    config = figure_config(figure3={"runs": ["pi1"], "base": "base", "steps": [0, steps[-1]], "problem_id": "p"})
    config["evaluation"]["checkpoints_per_job"] = 2
    assert figures.figure_plan(config, "figure3")["metrics"] == [
        "results/eval/base/steps0-0.json",
        f"results/eval/pi1/steps{steps[0]}-{steps[1]}.json",
    ]


def test_figure_plan_errors_name_the_config_key():
    with pytest.raises(figures.FigureError, match=r"'figures.figure8'.*'qwen7b_nonexistent'"):
        figures.figure_plan(figure_config(figure8={"runs": ["qwen7b_nonexistent"]}), "figure8")
    with pytest.raises(figures.FigureError, match="figures.figure3.steps': 7 is not an evaluated step"):
        figures.figure_plan(figure_config(figure3={"runs": ["pi1"], "steps": [7]}), "figure3")
    with pytest.raises(figures.FigureError, match="figures.figure16.runs': figure16 is drawn for exactly one run"):
        figures.figure_plan(figure_config(figure16={"runs": ["pi1", "pi13"]}), "figure16")
    with pytest.raises(figures.FigureError, match="unknown figure 'figure17'"):
        figures.figure_plan(figure_config(), "figure17")


def test_targets_cover_every_figure_once():
    drawn = [name for names in figures.FIGURE_TARGETS.values() for name in names]
    assert sorted(drawn) == sorted(figures.FIGURE_NAMES)
    assert figures.FIGURE_TARGETS["figures7_11"] == ("figure7", "figure8", "figure9", "figure10", "figure11")
    assert figures.figure_files("figure1") == ["reports/figures/figure1.png", "reports/figures/figure1.pdf"]


def test_default_figure_config_names_the_agreed_runs():
    config = oc.load_config()
    assert config["figures"]["figure1"]["runs"] == ["pi1", "pi13", "pi1_pi13", "dsr_sub", "math_train",
                                                     "dsr_sub_format_reward"]  # fmt: skip
    assert config["figures"]["figure5"]["runs"] == ["pi1_abl_pg_wd_kl", "pi1", "pi1_temp1"]
    assert config["figures"]["figure3"]["steps"] == [0, 500, 1300, 1860]
    for name in figures.FIGURE_NAMES:
        figures.figure_spec(config, name)
    # Runs of Table 1 and the example sets need no further config: the figures that use only them plan now.
    for name in ("figure1", "figure2", "figure3", "figure4", "figure6", "figure7", "figure15", "figure16"):
        assert figures.figure_plan(config, name)["metrics"]


def test_collect_train_log_matches_the_done_file(tmp_path):
    checkpoints = tmp_path / "checkpoints"
    for step, steps in ((1, [1]), (2, [2])):
        atomic_write_jsonl(checkpoints / f"checkpoint-{step}" / training.TRAIN_LOG_FILE, [{"step": s} for s in steps])
        (checkpoints / f"checkpoint-{step}" / training.COMPLETE_MARKER).write_text("{}")
    done = tmp_path / "done.json"
    atomic_write_json(done, {"run": "pi1", "steps": [1, 2]})
    assert figures.collect_train_log(done, checkpoints) == [{"run": "pi1", "step": 1}, {"run": "pi1", "step": 2}]
    atomic_write_json(done, {"run": "pi1", "steps": [1, 2, 3]})
    with pytest.raises(figures.FigureError, match="ends at step 2.*at 3"):
        figures.collect_train_log(done, checkpoints)


def test_plot_figure_command(synthetic, tmp_path, capsys):
    files = [str(p) for p in sorted((synthetic / "results" / "eval").glob("*/step*/metrics.json"))]
    args = ["plot-figure", "--figure", "figure16", "--spec", json.dumps(SPECS["figure16"]), "--metrics", *files]
    args += ["--train-log", str(synthetic / "results/runs/pi1/train_log.jsonl"), "--scale", "miniature"]
    assert cli.main([*args, "--png", str(tmp_path / "f.png"), "--pdf", str(tmp_path / "f.pdf")]) == 0
    assert "2 panels" in capsys.readouterr().out
    with Image.open(tmp_path / "f.png") as image:
        assert "MINIATURE" in image.info["Title"]
        # The title states what the log shows (|PG loss| 0.08 at step 4, where training accuracy reaches 100 %).
        title = image.info["Title"]
        assert "from step 4 (training accuracy first at its maximum, 100.0 %): |PG loss| min 0.08" in title
    bad = ["plot-figure", "--figure", "figure2", "--spec", json.dumps(SPECS["figure2"]), "--png", "x.png"]
    assert cli.main(bad) == 2
    assert "figure2: no metrics files" in capsys.readouterr().err
