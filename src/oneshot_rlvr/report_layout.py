"""Where each table and figure sits in the Snakemake report (`snakemake paper --report reports/report.html`), and
in which order: the paper's (Tables 1..20, then Figures 1..16).

How Snakemake 9.27's HTML report orders and shows entries (snakemake/report/html_reporter/template/components):
- categories in the side menu, and the subcategories of a category, are sorted by their names with
  `localeCompare` (text order), so the category names start with their position ("1. Tables", "2. Figures");
- the entries of a category are sorted by their label values, first label first, again as text, so the first
  label carries the number zero-padded ("Table 02" before "Table 13"; "Table 2" would sort after "Table 13");
- of the other labels, one with exactly two values each on half the entries becomes a toggle instead of a column,
  preselected on its alphabetically first value (or on "yes"): the figures' format toggle is named so that the
  PNG comes first ("PNG" before "vector PDF"); a PDF would otherwise be the default view;
- a click on an entry shows a .png/.svg/.jpeg as an image and a .html or .pdf in a frame; any other file
  (.md, .csv) is only offered for download. Hence the HTML page of every table (oneshot_rlvr.table_html).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import PurePath

TABLES = "1. Tables"
FIGURES = "2. Figures"
TABLE_FILES = "3. Table files (Markdown, CSV)"

PNG = "PNG"
PDF = "vector PDF"
MARKDOWN = "Markdown"
CSV = "CSV"

# Report entries that are no numbered table or figure of the paper, with the label they are listed under (each
# sorts after the numbered ones of its category: "Testbed" after "Table ..", "Selection scores" after "Figure ..").
NAMED_ENTRIES = {
    "testbed": "Testbed (CPU)",
    "score_distribution": "Selection scores",
    "README": "Index of artefacts",
}
_NUMBERED = re.compile(r"^(?P<kind>table|figure)(?P<number>\d+)(?P<rest>(_[a-z0-9]+)*)$")


class ReportLayoutError(ValueError):
    """A report entry this module does not know how to place."""


def entry_label(name: str) -> str:
    """The label an entry is listed (and sorted) under: table13 -> "Table 13", figure7 -> "Figure 07",
    table5_convergence -> "Table 05, convergence", testbed -> "Testbed (CPU)"."""
    match = _NUMBERED.match(name)
    if match:
        label = f"{match.group('kind').capitalize()} {int(match.group('number')):02d}"
        rest = match.group("rest").replace("_", " ").strip()
        return f"{label}, {rest}" if rest else label
    if name in NAMED_ENTRIES:
        return NAMED_ENTRIES[name]
    raise ReportLayoutError(
        f"no report label for {name!r}: expected table<N>, figure<N> or one of {list(NAMED_ENTRIES)}"
    )


def name_of(path: str | PurePath) -> str:
    return PurePath(path).stem


def labels(key: str, file_format: str | None = None) -> Callable[..., dict[str, str]]:
    """report(labels=...) for a rule's output: {key: the entry's label} plus {"format": file_format} when given.
    Snakemake takes a callable for the whole dict (not for single values) and passes it the job's outputs; a
    rule's outputs share one name (reports/figures/figure7.png and .pdf), so the first one names the entry."""

    def of_job(wildcards, output) -> dict[str, str]:
        values = {key: entry_label(name_of(output[0]))}
        if file_format is not None:
            values["format"] = file_format
        return values

    return of_job
