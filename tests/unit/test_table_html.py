"""The tables' HTML pages for the Snakemake report (oneshot_rlvr.table_html) and where the report lists them
(oneshot_rlvr.report_layout): escaping, alignment, notes kept as paragraphs, bad input named, the paper's order."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest

from oneshot_rlvr import artefacts, cli, figures, paths, report_layout, table_html
from oneshot_rlvr.tables import registry


class Cells(HTMLParser):
    """Text and class of every <th>/<td>, the <p> texts, and whether anything is loaded from elsewhere."""

    def __init__(self):
        super().__init__()
        self.cells: list[tuple[str, str, str]] = []  # (tag, class, text)
        self.paragraphs: list[str] = []
        self.external: list[str] = []
        self._open: list[str] | None = None
        self._tag = self._class = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("td", "th", "p"):
            self._open, self._tag, self._class = [], tag, attrs.get("class") or ""
        if tag in ("script", "link", "img", "iframe") or (tag != "a" and attrs.get("src")):
            self.external.append(tag)

    def handle_endtag(self, tag):
        if tag == self._tag and self._open is not None:
            text = "".join(self._open)
            if tag == "p":
                self.paragraphs.append(text)
            else:
                self.cells.append((tag, self._class, text))
            self._open = None

    def handle_data(self, data):
        if self._open is not None:
            self._open.append(data)


def parsed(document: str) -> Cells:
    cells = Cells()
    cells.feed(document)
    return cells


def render(markdown: str, tmp_path, name: str = "table9.md") -> str:
    source = tmp_path / name
    source.write_text(markdown)
    out = tmp_path / "html" / "page.html"
    table_html.write_page(source, out)
    return out.read_text()


NOTED_TABLE = """# Table 9: best value per benchmark (MINIATURE)

Each cell is ours (paper, difference). The `metrics_file` column of table9.csv names each number's source.
A second line of the same note.

| row | step | MATH500 | AIME24 | note |
|---|---|---|---|---|
| pi1 | 2 | 12.5 ±3.1 (74.0, -61.5) | – | best **MATH500** |
| base | 0 | 3.0 (36.0, -33.0) | 0.0 (6.7, -6.7) | step 0 |

- ns: the paper's number lies inside our interval.
- *: differs from the base row.

Graders: qwen_eval.
"""


def test_notes_stay_paragraphs_and_cells_keep_ours_paper_and_difference(tmp_path):
    document = render(NOTED_TABLE, tmp_path)
    page = parsed(document)
    assert "<title>Table 9: best value per benchmark (MINIATURE)</title>" in document
    assert "<h1>Table 9: best value per benchmark (MINIATURE)</h1>" in document
    assert page.paragraphs == [
        "Each cell is ours (paper, difference). The metrics_file column of table9.csv names each number's source. "
        "A second line of the same note.",
        "Graders: qwen_eval.",
    ]
    assert "<li>ns: the paper&#x27;s number lies inside our interval.</li>" in document
    body = [text for tag, _, text in page.cells if tag == "td"]
    assert body == ["pi1", "2", "12.5 ±3.1 (74.0, -61.5)", "–", "best MATH500", "base", "0", "3.0 (36.0, -33.0)",
                    "0.0 (6.7, -6.7)", "step 0"]  # fmt: skip
    # our number stands out, the paper's and the difference are muted beside it
    assert '12.5 ±3.1 <span class="ref">(74.0, -61.5)</span>' in document
    assert table_html.cell_html("n/a (31.6)") == 'n/a <span class="ref">(31.6)</span>'
    assert table_html.cell_html("0.0 (6.7) [1]") == '0.0 <span class="ref">(6.7)</span> [1]'
    assert table_html.cell_html("pi1 (Table 2)") == "pi1 (Table 2)"
    assert "<strong>MATH500</strong>" in document
    assert page.external == [], "the page must load nothing from elsewhere"


def test_a_quoted_problem_keeps_its_line_breaks(tmp_path):
    markdown = (
        "| a |\n|---|\n| 1 |\n\n## π13\n\n> Circle $C$ passes through $P(0,-4)$.  \n> $(1)$ Find <C>.\n> same line\n"
    )
    document = render(markdown, tmp_path)
    assert "<h2>π13</h2>" in document
    assert (
        "<blockquote>Circle $C$ passes through $P(0,-4)$.<br>$(1)$ Find &lt;C&gt;. same line</blockquote>" in document
    )


def test_every_text_is_escaped(tmp_path):
    markdown = (
        '# <b>Table</b> & co\n\nA note with <script>alert(1)</script> and `a<b>&c` and "quotes".\n\n'
        "| example | label |\n|---|---|\n| <img src=x onerror=alert(1)> | `\\frac{1}{2} < 1 \\| 2` |\n"
    )
    document = render(markdown, tmp_path)
    assert "<script>" not in document and "<img" not in document and "<b>" not in document
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in document
    assert "<code>a&lt;b&gt;&amp;c</code>" in document
    assert "&lt;b&gt;Table&lt;/b&gt; &amp; co" in document
    page = parsed(document)
    # `\|` is a literal pipe inside the cell, not a column break
    assert [text for tag, _, text in page.cells if tag == "td"] == [
        "<img src=x onerror=alert(1)>",
        "\\frac{1}{2} < 1 | 2",
    ]
    assert page.external == []


def test_alignment_row_wins_and_numbers_are_right_aligned_otherwise(tmp_path):
    markdown = (
        "| name | left | centre | right | numbers | text |\n"
        "|---|:---|:---:|---:|---|---|\n"
        "| a | 1.0 | x | y | 12.5 (74.0, -61.5) | pi1 |\n"
        "| b | 2.0 | y | z | – | 3 runs |\n"
        "| c | 3.0 | z | w | -4 | n/a |\n"
    )
    page = parsed(render(markdown, tmp_path))
    header = [cls.removesuffix(" nw") for tag, cls, _ in page.cells if tag == "th"]
    assert header == ["left", "left", "center", "right", "right", "left"]
    first_row = [cls.removesuffix(" nw") for tag, cls, _ in page.cells if tag == "td"][:6]
    assert first_row == header
    # short columns stay on one line, a column of long text wraps
    wide = parsed(render(f"| a | prompt |\n|---|---|\n| pi1 | {'word ' * 20}|\n", tmp_path))
    assert [cls for tag, cls, _ in wide.cells if tag == "td"] == ["left nw", "left"]


def test_short_rows_are_padded_and_long_rows_are_refused_naming_file_and_line(tmp_path):
    page = parsed(render("| a | b | c |\n|---|---|---|\n| 1 | 2 |\n", tmp_path))
    assert [text for tag, _, text in page.cells if tag == "td"] == ["1", "2", ""]
    source = tmp_path / "table4.md"
    source.write_text("# T\n\n| a | b |\n|---|---|\n| 1 | 2 |\n| 1 | 2 | 3 |\n")
    with pytest.raises(table_html.TableHtmlError, match=r"table4\.md:6: a table row has 3 cells, its header 2"):
        table_html.write_page(source, tmp_path / "out.html")
    assert not (tmp_path / "out.html").exists()


def test_the_command_line_writes_the_page_and_names_bad_input_in_one_line(tmp_path, capsys):
    good, bad, empty = tmp_path / "table9.md", tmp_path / "notable.md", tmp_path / "empty.md"
    good.write_text(NOTED_TABLE)
    bad.write_text("# Just notes\n\nNo table here.\n")
    empty.write_text("\n")
    assert cli.main(["table-html", "--md", str(good), "--out", str(tmp_path / "t.html")]) == 0
    assert "(2 table rows from" in capsys.readouterr().out
    assert (tmp_path / "t.html").read_text().startswith("<!DOCTYPE html>")
    for source, reason in ((bad, "no table"), (empty, "the file is empty"), (tmp_path / "missing.md", "No such")):
        assert cli.main(["table-html", "--md", str(source), "--out", str(tmp_path / "x.html")]) == 2
        error = capsys.readouterr().err
        assert error.startswith("oneshot-rlvr table-html: error: ") and error.count("\n") == 1
        assert source.name in error and reason in error
        assert not (tmp_path / "x.html").exists()


def test_a_csv_becomes_one_table_with_its_header(tmp_path):
    source = tmp_path / "table1.csv"
    source.write_text('row,column,ours,paper\npi1,math500,12.5,74.0\nbase,"a,b",3.0,\n')
    out = tmp_path / "table1.html"
    assert table_html.write_page(source, out, title="Table 1") == 2
    page = parsed(out.read_text())
    assert [text for tag, _, text in page.cells if tag == "th"] == ["row", "column", "ours", "paper"]
    assert [cls for tag, cls, _ in page.cells if tag == "td"][:4] == ["left nw", "left nw", "right nw", "right nw"]
    assert [text for tag, _, text in page.cells if tag == "td"][4:6] == ["base", "a,b"]
    source.write_text("a,b\n1,2,3\n")
    with pytest.raises(table_html.TableHtmlError, match=r"table1\.csv:2: a row has 3 fields, the header 2"):
        table_html.write_page(source, out)


def test_a_table_writer_s_markdown_round_trips(tmp_path):
    """The index of artefacts as its writer makes it: every cell's text on the page is the Markdown cell's text."""
    entries = [
        {"target": "reproduce_table1", "files": ["reports/table1.md", "reports/table1.csv"], "inputs": "runs pi1, pi13"}
    ]
    markdown = artefacts.readme_markdown(entries, "miniature", tmp_path)
    document = render(markdown, tmp_path, "README.md")
    blocks = table_html.parse_markdown(markdown)
    tables = [block for block in blocks if isinstance(block, table_html.Table)]
    assert tables and all(len(row) == len(t.header) for t in tables for row in t.rows)
    # Markdown marks removed; a link to a repository path (not http) shown as its text
    expected = [
        re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", cell).replace("`", "").replace("**", "")
        for t in tables
        for row in t.rows
        for cell in row
    ]
    assert [text for tag, _, text in parsed(document).cells if tag == "td"] == [html.unescape(c) for c in expected]


def test_a_table_target_makes_its_markdown_csv_and_page():
    assert paths.report_page("table13") == "reports/html/table13.html"
    assert paths.table_files(13) == ["reports/table13.md", "reports/table13.csv", "reports/html/table13.html"]


def test_the_report_lists_tables_then_figures_in_the_paper_s_numeric_order():
    tables = ["table1", "table2", "table3", *(f"table{n}" for n in registry.TABLES), "table5_convergence"]
    names = [*tables, "testbed", "README", *figures.FIGURE_NAMES, "score_distribution"]
    labels = {name: report_layout.entry_label(name) for name in names}
    assert labels["table13"] == "Table 13" and labels["figure7"] == "Figure 07"
    assert labels["table5_convergence"] == "Table 05, convergence"
    # The report sorts entries by label text, so numbers must sort as numbers: 2 before 13, 9 before 10.
    numbered = [name for name in names if name.startswith(("table", "figure")) and name != "table5_convergence"]
    number = {name: int(name.removeprefix("table").removeprefix("figure")) for name in numbered}
    table_order = [label for name, label in labels.items() if name in number and name.startswith("table")]
    assert sorted(table_order) == [labels[n] for n in sorted((n for n in number if n.startswith("table")),
                                                             key=number.get)]  # fmt: skip
    figure_order = sorted(label for name, label in labels.items() if name.startswith("figure"))
    assert figure_order == [labels[n] for n in sorted(figures.FIGURE_NAMES, key=number.get)]
    # The extra entries sort after the numbered ones of their category; categories in the paper's order.
    assert sorted([labels["testbed"], *table_order])[-1] == labels["testbed"]
    assert sorted([labels["score_distribution"], *figure_order])[-1] == labels["score_distribution"]
    assert sorted([labels["table5"], labels["table5_convergence"], labels["table9"]]) == [
        "Table 05", "Table 05, convergence", "Table 09"]  # fmt: skip
    categories = [report_layout.TABLES, report_layout.FIGURES, report_layout.TABLE_FILES]
    assert sorted(categories) == categories
    # The figures' format toggle starts on the PNG: the report preselects the alphabetically first value.
    assert sorted([report_layout.PDF, report_layout.PNG])[0] == report_layout.PNG
    with pytest.raises(report_layout.ReportLayoutError, match="no report label for 'plot'"):
        report_layout.entry_label("plot")


def test_report_labels_come_from_the_job_s_first_output():
    of_job = report_layout.labels("figure", report_layout.PNG)
    assert of_job({}, ["reports/figures/figure12.png", "reports/figures/figure12.pdf"]) == {
        "figure": "Figure 12",
        "format": "PNG",
    }
    assert report_layout.labels("table")({}, ["reports/html/table4.html"]) == {"table": "Table 04"}
