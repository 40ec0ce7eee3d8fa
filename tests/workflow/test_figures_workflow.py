"""`all_figures` end to end: every figure of the suite's miniature (its `paper` draws them all) as a PNG with its
panels and a PDF, Figure 3's chosen problem at every step, and the Snakemake report's captions."""

from __future__ import annotations

import json

import pytest
from helpers.figures import EXPECTED_PANELS, MAX_BLANK_ROWS, ablation_panels, blank_share, png_panels
from helpers.miniature import FIGURE3_PROBLEM
from helpers.workflow import snakemake
from PIL import Image

from oneshot_rlvr import figures


@pytest.mark.slow
def test_all_figures_on_the_miniature(miniature):
    workdir = miniature.workdir
    outputs = sorted((workdir / "reports" / "figures").glob("figure*"))
    expected = {f"{name}.{ext}" for name in figures.FIGURE_NAMES for ext in ("png", "pdf")}
    assert {path.name for path in outputs} == expected
    for path in outputs:
        if path.suffix == ".png":
            panels = png_panels(path)
            assert panels, path
            if path.stem in EXPECTED_PANELS and path.stem not in ("figure2", "figure16"):
                assert panels == EXPECTED_PANELS[path.stem], path
            assert blank_share(path)[0] < MAX_BLANK_ROWS, path
        else:
            assert path.read_bytes().startswith(b"%PDF-")
    figure12 = png_panels(workdir / "reports" / "figures" / "figure12.png")
    assert figure12 == ablation_panels(miniature.config()["figures"]["figure12"]["runs"])
    with Image.open(workdir / "reports" / "figures" / "figure1.png") as image:
        assert "MINIATURE" in image.info["Title"]
    # The evaluated problem of Figure 3 (FIGURE3_PROBLEM, within the benchmark limit) is shown at every step.
    assert miniature.config()["figures"]["figure3"]["problem_id"] == FIGURE3_PROBLEM
    figure3 = png_panels(workdir / "reports" / "figures" / "figure3.png")
    assert [title.split(":")[0] for title in figure3] == ["step 0", "step 0", "step 1", "step 1", "step 2", "step 2"]
    assert all("response (extracted" in title for title in figure3[1::2]), figure3
    log = [json.loads(line) for line in (workdir / "results/runs/pi1/train_log.jsonl").read_text().splitlines()]
    assert [row["step"] for row in log] == [1, 2] and all(row["run"] == "pi1" for row in log)

    # The report has a caption for every figure.
    snakemake(workdir, *miniature.args("all_figures", "--report", "reports/report.html"))
    report = (workdir / "reports" / "report.html").read_text()
    for name in figures.FIGURE_NAMES:
        assert f"{name}.png" in report
    again = snakemake(workdir, *miniature.args("all_figures", "-n"))
    assert "Nothing to be done" in again.stdout + again.stderr
