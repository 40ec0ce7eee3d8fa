#!/usr/bin/env python3
"""Look at a Snakemake report the way a reader does: in a real (headless) Chromium, with screenshots.

    python scripts/check_report.py reports/report.html --out reports/report-check

The report is one self-contained HTML file whose pages are drawn by JavaScript (React), so a static parse cannot
tell what a reader sees. For each view below this script writes a copy of the report with a small script appended
that opens the view as clicks would (a category in the menu, then the eye button of one entry), takes a
screenshot with `chromium --headless --screenshot` and logs what the rendered page shows to the console:

- the entries listed in each category, in the order the report shows them;
- which entry is shown (a table's page in a frame, a figure as an image) and the format toggle's choice.

It prints one line per view, writes <out>/<view>.png and <out>/views.json, and exits 1 when the report is not
as intended: tables before figures, tables and figures in the paper's numeric order (Table 2 before Table 13),
every table an HTML page in a frame, PNG the default view of a figure. Exit 2: no Chromium or no report.
Chromium: `apt-get install -y chromium` (Debian); any other binary via --chromium.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

TABLES, FIGURES, TABLE_FILES = "1. Tables", "2. Figures", "3. Table files (Markdown, CSV)"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
WINDOW = "1440,1000"


@dataclass(frozen=True)
class View:
    name: str
    category: str | None = None  # the menu entry to open
    entry: str | None = None  # the label of the entry whose eye button to click


# What a reader opens first: the landing page, each category, a table, a wide table, a figure.
VIEWS = (
    View("landing"),
    View("tables", TABLES, "Table 01"),
    View("table3", TABLES, "Table 03"),
    View("table_files", TABLE_FILES),
    View("figures", FIGURES, "Figure 01"),
    View("score_distribution", FIGURES, "Selection scores"),
)
# Table pages also shot on their own, full width (reports/html/<table>.html beside the report), when present.
PAGES = ("table1", "table3", "table9")

# Appended to the report: open the view, then log what is on screen (`REPORT-CHECK {json}` on the console).
# `app`, `categories` and `results` are the report's own globals (snakemake/report/html_reporter/template).
VIEW_SCRIPT = """
<script>
(function () {
  const view = %s;
  const later = (ms, f) => setTimeout(f, ms);
  function navRows() {
    return [...document.querySelectorAll("nav table tbody tr")].map(
      (tr) => [...tr.querySelectorAll("td")].slice(0, -1).map((td) => td.textContent));
  }
  function record(clicked) {
    const frame = document.querySelector("iframe");
    const image = [...document.querySelectorAll("img")].find((img) => !img.closest("nav"));
    const shown = frame ? {kind: "frame", mime: frame.src.slice(5, frame.src.indexOf(";"))}
      : image ? {kind: "image", mime: image.src.slice(5, image.src.indexOf(";"))} : null;
    const toggles = [...document.querySelectorAll("nav fieldset")].map((set) => ({
      label: set.querySelector("span").textContent,
      values: [...set.querySelectorAll("input")].map((input) => input.value),
      checked: (set.querySelector("input:checked") || {}).value || null,
    }));
    console.log("REPORT-CHECK " + JSON.stringify({
      view: view.name, menu: [...document.querySelectorAll("nav li")].map((li) => li.textContent),
      rows: navRows(), clicked: clicked, shown: shown,
      toggles: toggles, header: [...document.querySelectorAll("nav table thead th")].map((th) => th.textContent),
    }));
  }
  window.addEventListener("load", () => later(200, () => {
    if (view.category) app.showCategory(view.category);
    later(400, () => {
      let clicked = null;
      const rows = [...document.querySelectorAll("nav table tbody tr")];
      if (view.entry && rows.length) {
        // the named entry, else the first one (a report of fewer targets), as a reader's click on its eye button
        const row = rows.find((tr) => tr.querySelector("td").textContent === view.entry) || rows[0];
        row.querySelector("td:last-child a").click();
        clicked = row.querySelector("td").textContent;
      }
      later(800, () => record(clicked));
    });
  }));
})();
</script>
"""


def find_chromium(given: str | None) -> str | None:
    if given:
        return given if shutil.which(given) or Path(given).is_file() else None
    return next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)


def chromium(binary: str, page: Path, *mode: str, timeout: float = 180) -> subprocess.CompletedProcess:
    """One headless Chromium run on `page` (a file), with time enough for the report's scripts to render."""
    command = [
        binary, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--mute-audio",
        "--no-first-run", "--disable-dev-shm-usage", f"--window-size={WINDOW}", "--virtual-time-budget=15000",
        *mode, page.resolve().as_uri(),
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


def open_view(binary: str, report: str, view: View, out: Path, scratch: Path) -> dict:
    """Screenshot and rendered state of one view (one Chromium run: the state comes back as a console message)."""
    page = scratch / f"{view.name}.html"
    script = VIEW_SCRIPT % json.dumps({"name": view.name, "category": view.category, "entry": view.entry})
    # before the report's own closing </body>, the last one (its scripts contain the string "</body>" too)
    head, closing, tail = report.rpartition("</body>")
    page.write_text(head + script + closing + tail if closing else report + script)
    shot = out / f"{view.name}.png"
    done = chromium(binary, page, "--enable-logging=stderr", "--v=0", f"--screenshot={shot}")
    if done.returncode != 0 or not shot.exists():
        raise RuntimeError(f"chromium made no screenshot of {view.name}: {done.stderr.strip()[-500:]}")
    logged = re.findall(r'REPORT-CHECK (.*)", source: ', done.stderr)
    if not logged:
        raise RuntimeError(f"the report did not render view {view.name}: {done.stderr.strip()[-500:]}")
    state = json.loads(logged[-1])
    state["screenshot"] = str(shot)
    return state


def label_number(label: str) -> tuple[int, str]:
    match = re.match(r"^(?:Table|Figure) (\d+)", label)
    return (int(match.group(1)), label) if match else (10**6, label)


def problems(states: dict[str, dict]) -> list[str]:
    """What is not as intended, one line each (empty: the report is fine)."""
    found = []
    shown_categories = [item for item in states["landing"]["menu"] if re.match(r"^\d+\. ", item)]
    if shown_categories[:2] != [TABLES, FIGURES]:
        found.append(f"the menu does not list tables, then figures: {states['landing']['menu']}")
    for name, kind in (("tables", "Table"), ("figures", "Figure")):
        labels = [row[0] for row in states[name]["rows"]]
        numbered = [label for label in labels if label.startswith(kind)]
        if not numbered:
            found.append(f"{name}: no entry labelled '{kind} ..': {labels}")
        if numbered != sorted(numbered, key=label_number):
            found.append(f"{name}: entries not in numeric order: {labels}")
    shown = states["tables"]["shown"]
    if states["tables"]["clicked"] != "Table 01" or shown != {"kind": "frame", "mime": "text/html"}:
        found.append(
            f"Table 01 is not shown as an HTML page in a frame: clicked {states['tables']['clicked']}, {shown}"
        )
    figure = states["figures"]
    if figure["clicked"] != "Figure 01" or figure["shown"] != {"kind": "image", "mime": "image/png"}:
        found.append(f"Figure 01 is not shown as a PNG image: clicked {figure['clicked']}, {figure['shown']}")
    formats = [toggle for toggle in figure["toggles"] if toggle["label"] == "format"]
    if not formats or formats[0]["checked"] != "PNG":
        found.append(f"the figures' format toggle does not start on PNG: {figure['toggles']}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("report", help="the report (snakemake <target> --report reports/report.html)")
    parser.add_argument("--out", default="reports/report-check", help="folder of the screenshots and views.json")
    parser.add_argument("--chromium", help="the browser binary (default: chromium or google-chrome on PATH)")
    args = parser.parse_args(argv)
    binary = find_chromium(args.chromium)
    if binary is None:
        print(
            "check_report: no Chromium found (Debian: apt-get install -y chromium; or --chromium PATH)", file=sys.stderr
        )
        return 2
    report_path = Path(args.report)
    if not report_path.is_file():
        print(f"check_report: {report_path}: no such report (snakemake paper --report {report_path})", file=sys.stderr)
        return 2
    report = report_path.read_text(encoding="utf-8")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    states = {}
    with tempfile.TemporaryDirectory(prefix="report-check-") as scratch:
        for view in VIEWS:
            state = open_view(binary, report, view, out, Path(scratch))
            states[view.name] = state
            rows = [" | ".join(row) for row in state["rows"]]
            shown, shot = state["shown"], state["screenshot"]
            print(f"{view.name}: {len(rows)} entries {rows[:40]}; shown {shown}; screenshot {shot}")
        for name in PAGES:
            page = report_path.parent / "html" / f"{name}.html"
            if page.is_file():
                shot = out / f"page_{name}.png"
                chromium(binary, page, f"--screenshot={shot}")
                print(f"page {page}: screenshot {shot}")
    (out / "views.json").write_text(json.dumps(states, indent=1) + "\n")
    found = problems(states)
    for line in found:
        print(f"PROBLEM: {line}")
    print(f"{'OK' if not found else 'NOT OK'}: {len(VIEWS)} views of {report_path} checked in {binary}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
