"""Every table and figure of the paper's reference has a Snakemake target or a docs/fidelity.md row saying why not."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from oneshot_rlvr import config as oc
from oneshot_rlvr.config import REPO_ROOT

REFERENCE = REPO_ROOT.parent / "shared" / "reference" / "paper.md"
FIDELITY = REPO_ROOT / "docs" / "fidelity.md"


def numbers(text: str) -> list[int]:
    """ "3" -> [3]; "6–11" -> [6, ..., 11]."""
    first, _, last = re.sub(r"[–-]", "-", text).partition("-")
    return list(range(int(first), int(last or first) + 1))


def paper_items(reference: str) -> set[tuple[str, int]]:
    """("table", 2), ("figure", 13), ... from the reference's headings (### Table 5: ..., ### Figures 13–14: ...)."""
    items = set()
    for kind, span in re.findall(r'^### "?(Tables?|Figures?) (\d+(?:[–-]\d+)?)', reference, flags=re.M):
        items |= {(kind.rstrip("s").lower(), number) for number in numbers(span)}
    return items


def target_items(rules: list[str]) -> set[tuple[str, int]]:
    """reproduce_table5 -> ("table", 5); figure12 -> ("figure", 12); figures7_11 -> figures 7 to 11."""
    items = set()
    for rule in rules:
        if match := re.fullmatch(r"reproduce_table(\d+)", rule):
            items.add(("table", int(match[1])))
        elif match := re.fullmatch(r"figures?(\d+)(?:_(\d+))?", rule):
            items |= {("figure", n) for n in range(int(match[1]), int(match[2] or match[1]) + 1)}
    return items


def documented_items(fidelity: str) -> set[tuple[str, int]]:
    """The first cells of the table under "Paper tables and figures without a target of their own"."""
    section = fidelity.split("## Paper tables and figures without a target of their own", 1)[1].split("\n## ", 1)[0]
    items = set()
    for kind, span in re.findall(r"^\| (Tables?|Figures?) (\d+(?:[–-]\d+)?) \|", section, flags=re.M):
        items |= {(kind.rstrip("s").lower(), number) for number in numbers(span)}
    return items


def test_every_paper_table_and_figure_has_a_target_or_a_reason():
    if not REFERENCE.is_file():
        pytest.skip(f"the paper's reference {REFERENCE} is not next to this checkout")
    reference = REFERENCE.read_text(encoding="utf-8")
    items = paper_items(reference)
    assert ("table", 2) in items and ("figure", 14) in items and ("table", 42) in items and len(items) > 50
    listed = subprocess.run(
        [sys.executable, "-m", "snakemake", "--list-target-rules"], cwd=oc.REPO_ROOT, capture_output=True, text=True
    )
    assert listed.returncode == 0, listed.stderr[-2000:]
    targets = target_items(listed.stdout.split())
    assert ("table", 5) in targets and ("figure", 9) in targets
    documented = documented_items(FIDELITY.read_text(encoding="utf-8"))
    missing = sorted(items - targets - documented)
    assert not missing, f"tables/figures with neither a target nor a docs/fidelity.md row: {missing}"
    # A row for something that now has a target is stale.
    assert not sorted(documented & targets), "docs/fidelity.md lists as untargeted what has a target"


def test_parsers_read_ranges_and_aliases():
    text = '### "Table 1" as requested\n### Figures 13–14: x\n### Tables 21–42\n### Figure 15\n'
    assert paper_items(text) == {("table", 1), ("figure", 13), ("figure", 14), ("figure", 15)} | {
        ("table", n) for n in range(21, 43)
    }
    assert target_items(["figures7_11", "reproduce_table3", "figure1", "paper"]) == {
        ("table", 3),
        ("figure", 1),
        *(("figure", n) for n in range(7, 12)),
    }
