"""The Snakemake report of the suite's miniature of `paper`, opened in a real headless Chromium
(scripts/check_report.py): every table an HTML page in a frame, every figure (the score distribution too) with
PNG as the default view, tables then figures, each in the paper's numeric order. Skipped without Chromium."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from helpers.workflow import snakemake

from oneshot_rlvr import figures, report_layout
from oneshot_rlvr.config import REPO_ROOT
from oneshot_rlvr.tables import registry

CHROMIUM = next((shutil.which(name) for name in ("chromium", "chromium-browser") if shutil.which(name)), None)


@pytest.mark.slow
@pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install -y chromium); the check needs it"
)
def test_the_paper_report_in_a_browser(miniature, tmp_path):
    workdir = miniature.workdir
    report = workdir / "reports" / "browser_check.html"
    snakemake(workdir, *miniature.args("paper", "--report", str(report.relative_to(workdir))))
    shots = tmp_path / "screenshots"
    checked = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "check_report.py"), str(report), "--out", str(shots)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    views = json.loads((shots / "views.json").read_text())

    # Every table and figure of `paper` is listed, in the paper's order.
    tables = [1, 2, 3, *registry.TABLES]
    expected_tables = sorted(
        [report_layout.entry_label(f"table{n}") for n in tables]
        + [report_layout.entry_label(name) for name in ("table5_convergence", "README")]
    )
    assert [row[0] for row in views["tables"]["rows"]] == expected_tables
    assert [row[0] for row in views["tables"]["rows"] if row[0].startswith("Table")][:4] == [
        "Table 01", "Table 02", "Table 03", "Table 04"]  # fmt: skip
    figure_labels = [row[0] for row in views["figures"]["rows"]]
    assert figure_labels == [report_layout.entry_label(n) for n in [*figures.FIGURE_NAMES, "score_distribution"]]
    # A table's page is drawn in a frame, a figure as a PNG image (the PDF behind the toggle), Table 3 too.
    assert views["table3"]["clicked"] == "Table 03" and views["table3"]["shown"]["mime"] == "text/html"
    assert views["score_distribution"]["shown"] == {"kind": "image", "mime": "image/png"}
    assert {toggle["checked"] for toggle in views["figures"]["toggles"]} == {report_layout.PNG}
    # The Markdown and CSV of every table stay downloadable.
    files = {tuple(row) for row in views["table_files"]["rows"]}
    assert len(files) >= len(tables) and all(shot.stat().st_size > 10_000 for shot in shots.glob("*.png"))
