"""What a researcher reads on the console: a failed job's one useful line, where a target's reports are, and
every subcommand's --help."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from oneshot_rlvr import cli, console


def test_error_line_prefers_our_cli_line_then_the_exception(tmp_path):
    log = tmp_path / "job.log"
    log.write_text(
        "loading\rgenerate:  50%|#####     | 1/2\rgenerate: 100%\n"
        'Traceback (most recent call last):\n  File "x.py", line 1\nValueError: inner detail\n'
        "oneshot-rlvr evaluate: error: data folder d does not exist (--data-dir)\n"
        "[rank1]: torch.distributed.elastic.multiprocessing.errors.ChildFailedError: rank 1 failed\n"
    )
    assert console.error_line(log) == "oneshot-rlvr evaluate: error: data folder d does not exist (--data-dir)"
    log.write_text("Traceback (most recent call last):\nKeyError: 'x'\nwarning: something\n")
    assert console.error_line(log) == "KeyError: 'x'"
    log.write_text("step 1\nslurmstepd: error: *** JOB 7 CANCELLED AT 2026-12-01 DUE TO TIME LIMIT ***\n")
    assert console.error_line(log).startswith("slurmstepd: error: *** JOB 7 CANCELLED")
    log.write_text("step 1\nstep 2\n")
    assert console.error_line(log) is None and console.error_line(tmp_path / "absent.log") is None
    assert console.failure_lines([("train_grpo", [str(log)]), ("report_table1", [])]) == [
        f"train_grpo failed with no error line in its log; read {log}",
        "report_table1 failed (no log file)",
    ]


def test_report_lines_list_a_targets_tables_and_count_many_figures():
    outputs = ["results/eval/pi1/step2/metrics.json", "reports/table1.csv", "reports/table1.md"]
    assert console.report_lines(outputs) == [
        "Reports of this target (2 files; reports/README.md indexes every artefact):",
        "  reports/table1.csv",
        "  reports/table1.md",
    ]
    many = [f"reports/figures/figure{i}.{ext}" for i in range(1, 9) for ext in ("png", "pdf")] + outputs
    lines = console.report_lines(many)
    assert lines[1] == "  reports/: 2 files (table1.csv, table1.md)"
    assert lines[2] == "  reports/figures/: 16 files (figure1.pdf, figure1.png, figure2.pdf, figure2.png, ...)"
    assert console.report_lines(["results/x.json"]) == []


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = cli.build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("name", sorted(subcommands()))
def test_every_subcommand_help_describes_it_and_its_options(name, capsys):
    """`oneshot-rlvr <command> --help`: a description, a help text for every option, and the allowed values of
    every option that has fixed choices."""
    parser = subcommands()[name]
    assert parser.description and len(parser.description) > 20, name
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        assert action.help, f"{name} {action.option_strings or action.dest}: no help"
    with pytest.raises(SystemExit) as done:
        cli.main([name, "--help"])
    assert done.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert " ".join(parser.description.split()) in text
    for action in parser._actions:
        for choice in action.choices or []:
            assert str(choice) in text, f"{name} {action.option_strings}: {choice!r} not shown"


def test_help_shows_the_allowed_values():
    text = {name: parser.format_help() for name, parser in subcommands().items()}
    assert "std,var,mean,random,lim" in text["rank"] and "default,qwen_eval,deepscaler" in text["grade"]
    assert "figure16" in text["plot-figure"] and "20" in text["report-table"] and "arc_c" in text["fetch-data"]
    assert "--release-weights" in text["evaluate"] and "keep_checkpoints" in text["evaluate"]


def test_ctrl_c_ends_a_command_even_when_a_library_thread_would_never_end(tmp_path):
    """Ctrl-C during a command whose libraries left a non-daemon thread that never ends (transformers' weight
    loading, interrupted while starting its pool's thread): the command exits at once with status 130 instead of
    waiting for the thread at interpreter exit, which would hang the job and the Snakemake waiting for it."""
    script = (
        "import sys, threading\n"
        "from oneshot_rlvr import cli\n"
        "def stuck(args):\n"
        "    threading.Thread(target=threading.Event().wait).start()\n"
        "    raise KeyboardInterrupt\n"
        "cli.report_commands.cmd_table_html = stuck\n"
        f"sys.exit(cli.main(['table-html', '--md', {str(tmp_path / 'table.md')!r}, '--out', 'table.html']))\n"
    )
    try:
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("the interrupted command waited for its stuck thread")
    assert done.returncode == cli.INTERRUPTED_STATUS, done.stderr[-2000:]
    assert done.stderr.strip().splitlines()[-1] == "oneshot-rlvr table-html: interrupted"
