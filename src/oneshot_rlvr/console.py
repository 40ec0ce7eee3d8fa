"""What the workflow prints at its end: the one useful line of each failed job, and where a target's reports are;
and that line itself, which a command ends with when it fails as expected.

Snakemake reports a failed job as "message: None" and the command's exit status; the reason is in the rule's log,
where `oneshot-rlvr` ends with one line `oneshot-rlvr <command>: error: <message>` (a crash ends with the Python
exception's line). The Snakefile's `onerror` handler prints that line for each failed job; its `onsuccess`
handler lists the report files of the target that was built.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

# Expected failures (bad config, data, paths; every package error subclasses ValueError or RuntimeError): a command
# ends with one line `oneshot-rlvr <command>: error: <message>` (error_message) and exit code 2, not a traceback.
EXPECTED_ERRORS = (ValueError, RuntimeError, OSError, KeyError)
_CLI_ERROR = re.compile(r"^oneshot-rlvr [\w-]+: error: ")
_EXCEPTION = re.compile(r"^([A-Za-z_][\w.]*)?(Error|Exception|Interrupt|Exit)(: |$)")
REPORTS_DIR = "reports"
_LISTED = 12  # report files listed one by one; more are counted per folder


def error_message(error: BaseException) -> str:
    """An expected error as one line: an OSError's file and reason, a KeyError's missing key, whitespace folded."""
    message = str(error) if not isinstance(error, KeyError) else f"missing key {error}"
    if isinstance(error, OSError) and error.filename is not None and error.strerror:
        message = f"{error.filename}: {error.strerror}"
    return " ".join(message.split()) or type(error).__name__


def _lines(text: str) -> list[str]:
    """A log's lines, progress-bar redraws (carriage returns) split apart, blank ones dropped."""
    return [line.strip() for line in re.split(r"[\r\n]+", text) if line.strip()]


def error_line(log: Path) -> str | None:
    """The line of a job's log that says why it failed: our CLI's error line, else the last exception line,
    else the last line that mentions an error; None when the log has none (or does not exist)."""
    try:
        lines = _lines(Path(log).read_text(errors="replace")[-200_000:])
    except OSError:
        return None
    for pattern in (_CLI_ERROR, _EXCEPTION):
        found = [line for line in lines if pattern.match(line)]
        if found:
            return found[-1]
    found = [line for line in lines if "error" in line.lower()]
    return found[-1] if found else None


def failure_lines(jobs: Iterable[tuple[str, Sequence[str]]]) -> list[str]:
    """One line per failed job (rule name, its log files): the reason from its log, and the log to read."""
    lines = []
    for rule, logs in jobs:
        reasons = [(log, error_line(Path(log))) for log in logs]
        found = [(log, reason) for log, reason in reasons if reason]
        if found:
            lines += [f"{rule} failed: {reason}  (log: {log})" for log, reason in found]
        elif logs:
            lines.append(f"{rule} failed with no error line in its log; read {', '.join(logs)}")
        else:
            lines.append(f"{rule} failed (no log file)")
    return lines


def report_lines(outputs: Iterable[str]) -> list[str]:
    """Where a target's tables and figures are: the report files among the DAG's outputs."""
    reports = sorted({str(path) for path in outputs if str(path).startswith(f"{REPORTS_DIR}/")})
    if not reports:
        return []
    lines = [f"Reports of this target ({len(reports)} files; {REPORTS_DIR}/README.md indexes every artefact):"]
    if len(reports) <= _LISTED:
        return lines + [f"  {path}" for path in reports]
    folders: dict[str, list[str]] = {}
    for path in reports:
        folders.setdefault(str(Path(path).parent), []).append(Path(path).name)
    for folder, names in sorted(folders.items()):
        shown = ", ".join(names[:4]) + (", ..." if len(names) > 4 else "")
        lines.append(f"  {folder}/: {len(names)} files ({shown})")
    return lines
