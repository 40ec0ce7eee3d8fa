"""A table's Markdown (or CSV) as a standalone, styled HTML page, so the Snakemake report shows the table itself
instead of offering the raw .md/.csv for download (the report displays .html files in a frame, and only those,
images and PDFs).

Only the Markdown our table writers emit is understood: `#` headings, paragraphs (the notes above and below a
table), `-` lists, `>` quotes, pipe tables with an optional alignment row, and inline `code`, **bold** and
[links](url).
Everything else is shown as text, HTML-escaped. The page carries its own CSS and loads nothing.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from oneshot_rlvr.io import atomic_write_text

# Alignments of a column: from the table's alignment row, or "auto" (numbers right-aligned, text left).
ALIGNMENTS = ("left", "center", "right", "auto")


class TableHtmlError(ValueError):
    """The Markdown or CSV cannot be shown as a table; the message names the file and line."""


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class BulletList:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Quote:
    """A `>` block (a problem's text); a line that ends in two spaces breaks the line, as Markdown does."""

    lines: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    alignments: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


Block = Heading | Paragraph | BulletList | Quote | Table

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_QUOTE = re.compile(r"^\s*>\s?(.*)$")
_DELIMITER_CELL = re.compile(r"^:?-+:?$")
# A cell that starts with a number (or the dash of a missing one): our tables' accuracy, step and count cells.
_NUMERIC = re.compile(r"^[-+−–]?\s*\d|^[-+−–]?\.\d")
_MISSING = frozenset({"", "–", "-", "—", "n/a", "na", "not run", "nan"})
# `ours ±h (paper, difference)`, `n/a (paper)`, `ours (paper) [step]`: the part in round brackets is shown muted,
# so our number stands out.
_WITH_REFERENCE = re.compile(r"^(?P<ours>(?:[-+−]?\d|n/a)[^()]*?)\s+(?P<ref>\([^()]*\))(?P<rest>\s*\[[^\]]*\])?$")


def split_row(line: str) -> list[str]:
    """The cells of a pipe-table line: outer pipes dropped, `\\|` kept as a literal pipe, cells stripped."""
    text = line.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    cells, current, index = [], [], 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and text[index + 1] == "|":
            current.append("|")
            index += 2
            continue
        if char == "|":
            cells.append("".join(current).strip())
            current = []
        else:
            current.append(char)
        index += 1
    cells.append("".join(current).strip())
    return cells


def _alignment(cell: str) -> str | None:
    """The alignment a delimiter cell sets (`:--` left, `--:` right, `:-:` center, `---` auto); None if the cell
    is no delimiter."""
    if not _DELIMITER_CELL.match(cell):
        return None
    left, right = cell.startswith(":"), cell.endswith(":")
    return "center" if left and right else "left" if left else "right" if right else "auto"


def _is_table_start(lines: Sequence[str], index: int) -> bool:
    if index + 1 >= len(lines) or not lines[index].lstrip().startswith("|"):
        return False
    delimiters = split_row(lines[index + 1])
    return lines[index + 1].lstrip().startswith("|") and all(_alignment(cell) for cell in delimiters)


def parse_markdown(text: str, source: str = "<markdown>") -> list[Block]:
    """The blocks of a table writer's Markdown, in order. A table row with more cells than its header raises
    TableHtmlError naming `source` and the line; a shorter row is padded (as GitHub renders it)."""
    lines = text.splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.strip():
            index += 1
            continue
        heading = _HEADING.match(line)
        if heading:
            blocks.append(Heading(len(heading.group(1)), heading.group(2)))
            index += 1
        elif _is_table_start(lines, index):
            header = split_row(lines[index])
            alignments = [_alignment(cell) or "auto" for cell in split_row(lines[index + 1])]
            if len(alignments) != len(header):
                raise TableHtmlError(
                    f"{source}:{index + 2}: the alignment row has {len(alignments)} cells, the header {len(header)}"
                )
            rows = []
            index += 2
            while index < len(lines) and lines[index].lstrip().startswith("|"):
                cells = split_row(lines[index])
                if len(cells) > len(header):
                    raise TableHtmlError(
                        f"{source}:{index + 1}: a table row has {len(cells)} cells, its header {len(header)}"
                    )
                rows.append(tuple(cells + [""] * (len(header) - len(cells))))
                index += 1
            blocks.append(Table(tuple(header), tuple(alignments), tuple(rows)))
        elif _QUOTE.match(line):
            quoted = []
            while index < len(lines) and _QUOTE.match(lines[index]):
                quoted.append(_QUOTE.match(lines[index]).group(1))
                index += 1
            blocks.append(Quote(tuple(quoted)))
        elif _BULLET.match(line):
            items = []
            while index < len(lines) and lines[index].strip():
                bullet = _BULLET.match(lines[index])
                if bullet:
                    items.append(bullet.group(1).strip())
                elif items:  # a continuation line of the item above
                    items[-1] += " " + lines[index].strip()
                index += 1
            blocks.append(BulletList(tuple(items)))
        else:
            paragraph = []
            while (
                index < len(lines)
                and lines[index].strip()
                and not _HEADING.match(lines[index])
                and not _BULLET.match(lines[index])
                and not _QUOTE.match(lines[index])
                and not _is_table_start(lines, index)
            ):
                paragraph.append(lines[index].strip())
                index += 1
            blocks.append(Paragraph(" ".join(paragraph)))
    return blocks


def parse_csv(text: str, source: str = "<csv>") -> Table:
    """A CSV file (header row first) as one table with automatic alignment."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or not rows[0]:
        raise TableHtmlError(f"{source}: no header row")
    header = rows[0]
    body = []
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise TableHtmlError(f"{source}:{number}: a row has {len(row)} fields, the header {len(header)}")
        body.append(tuple(row))
    return Table(tuple(header), ("auto",) * len(header), tuple(body))


def inline(text: str) -> str:
    """Markdown inline text as HTML: everything escaped; `code`, **bold** and [text](url) rendered. A link that is
    not http(s) (a path of this repository) is shown as its text, since the report has no such file."""
    parts = re.split(r"(`[^`]*`)", text)
    out = []
    for part in parts:
        if len(part) >= 2 and part.startswith("`") and part.endswith("`"):
            out.append(f"<code>{html.escape(part[1:-1])}</code>")
            continue
        escaped = html.escape(part)
        escaped = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escaped)

        def link(match: re.Match[str]) -> str:
            label, url = match.group(1), match.group(2)
            if url.startswith(("http://", "https://")):
                return f'<a href="{url}">{label}</a>'
            return label

        out.append(re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)", link, escaped))
    return "".join(out)


def is_numeric(cell: str) -> bool:
    return bool(_NUMERIC.match(cell.strip()))


def column_alignments(table: Table) -> list[str]:
    """Each column's CSS alignment: the alignment row's where it sets one; otherwise right for a column whose
    cells are all numbers or missing (at least one a number), left for text."""
    resolved = []
    for column, alignment in enumerate(table.alignments):
        if alignment != "auto":
            resolved.append(alignment)
            continue
        cells = [row[column].strip() for row in table.rows]
        numbers = [cell for cell in cells if cell.lower() not in _MISSING]
        numeric = bool(numbers) and all(is_numeric(cell) for cell in numbers)
        resolved.append("right" if numeric else "left")
    return resolved


def cell_html(cell: str) -> str:
    """A cell's content: `ours (paper, difference)` with the bracketed reference muted, anything else inline."""
    match = _WITH_REFERENCE.match(cell)
    if match:
        rest = inline(match.group("rest") or "")
        return f'{inline(match.group("ours"))} <span class="ref">{inline(match.group("ref"))}</span>{rest}'
    return inline(cell)


# A column whose cells are all at most this long is kept on one line (a wide table scrolls instead of wrapping
# its labels into towers); longer text (a prompt, a note) wraps.
NOWRAP_CHARS = 40


def column_classes(table: Table) -> list[str]:
    """Each column's CSS classes: its alignment, and `nw` (no wrapping) when every cell is short."""
    classes = []
    for column, alignment in enumerate(column_alignments(table)):
        longest = max((len(row[column]) for row in table.rows), default=0)
        classes.append(alignment + (" nw" if max(longest, len(table.header[column])) <= NOWRAP_CHARS else ""))
    return classes


def table_html(table: Table) -> str:
    alignments = column_classes(table)
    head = "".join(
        f'<th class="{align}">{inline(cell)}</th>' for cell, align in zip(table.header, alignments, strict=True)
    )
    body = "\n".join(
        "<tr>"
        + "".join(f'<td class="{align}">{cell_html(cell)}</td>' for cell, align in zip(row, alignments, strict=True))
        + "</tr>"
        for row in table.rows
    )
    return f'<div class="scroll"><table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table></div>'


def block_html(block: Block) -> str:
    if isinstance(block, Heading):
        return f"<h{block.level}>{inline(block.text)}</h{block.level}>"
    if isinstance(block, Paragraph):
        return f'<p class="note">{inline(block.text)}</p>'
    if isinstance(block, Quote):
        parts = []
        for number, line in enumerate(block.lines):
            parts.append(inline(line.strip()))
            if number < len(block.lines) - 1:
                parts.append("<br>" if line.endswith("  ") else " ")
        return f"<blockquote>{''.join(parts)}</blockquote>"
    if isinstance(block, BulletList):
        return "<ul>" + "".join(f"<li>{inline(item)}</li>" for item in block.items) + "</ul>"
    return table_html(block)


STYLE = """
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1f2328;
       background: #fff; margin: 1.5rem 2rem; }
h1 { font-size: 1.35rem; margin: 0 0 .75rem; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
h3, h4, h5, h6 { font-size: 1rem; margin: 1.25rem 0 .5rem; }
p.note { max-width: 75rem; margin: .4rem 0; color: #424a53; }
ul { max-width: 75rem; color: #424a53; }
blockquote { max-width: 75rem; margin: .5rem 0 1rem; padding: .4rem .9rem; border-left: 3px solid #d0d7de;
             background: #f6f8fa; }
code { font: 12.5px/1.3 ui-monospace, "DejaVu Sans Mono", monospace; background: #f1f3f5; padding: 0 .2em;
       border-radius: 3px; }
.scroll { overflow-x: auto; margin: .75rem 0 1.25rem; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: .3rem .65rem; border-bottom: 1px solid #d0d7de; vertical-align: top; }
th { background: #f6f8fa; border-bottom: 2px solid #afb8c1; position: sticky; top: 0; text-align: left; }
tbody tr:nth-child(even) td { background: #fafbfc; }
tbody tr:hover td { background: #eef4ff; }
td:first-child { font-weight: 600; white-space: nowrap; }
.left { text-align: left; } .right { text-align: right; } .center { text-align: center; } .nw { white-space: nowrap; }
th.right { text-align: right; }
.ref { color: #6e7781; }
"""


def page(blocks: Sequence[Block], title: str) -> str:
    """A standalone HTML document of `blocks` (UTF-8, its CSS inline, nothing loaded from elsewhere)."""
    body = "\n".join(block_html(block) for block in blocks)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def page_title(blocks: Sequence[Block], fallback: str) -> str:
    """The first heading's text (Markdown marks removed), else `fallback`."""
    for block in blocks:
        if isinstance(block, Heading):
            return re.sub(r"[`*]", "", block.text)
    return fallback


def read_blocks(source: Path, title: str | None = None) -> list[Block]:
    """The blocks of a .md or .csv table file (a CSV gets `title`, or its name, as heading)."""
    text = Path(source).read_text(encoding="utf-8")
    if not text.strip():
        raise TableHtmlError(f"{source}: the file is empty")
    if Path(source).suffix == ".csv":
        blocks: list[Block] = [Heading(1, title or Path(source).stem), parse_csv(text, str(source))]
    else:
        blocks = parse_markdown(text, str(source))
    if not any(isinstance(block, Table) for block in blocks):
        raise TableHtmlError(f"{source}: no table (a pipe table with an alignment row, or a CSV header)")
    return blocks


def write_page(source: Path, out: Path, title: str | None = None) -> int:
    """Render `source` (.md or .csv) to the HTML page `out`, atomically; returns the number of table rows shown."""
    blocks = read_blocks(source, title)
    atomic_write_text(Path(out), page(blocks, title or page_title(blocks, Path(source).stem)))
    return sum(len(block.rows) for block in blocks if isinstance(block, Table))
