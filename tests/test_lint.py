"""`snakemake --lint` on the miniature config, and the rules' software environments (workflow/envs/)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from oneshot_rlvr.config import REPO_ROOT

# Lints that are known and accepted for now, as (where, lint title). Every other lint fails the test, and the
# two this project always wants fixed (a software environment and a log file per rule) are never accepted.
ACCEPTED = {
    # Helper functions next to the rules that use them (evaluation resources, selection and sweep inputs).
    ("snakefile selection.smk", "Mixed rules and functions in same snakefile."),
    ("snakefile evaluate.smk", "Mixed rules and functions in same snakefile."),
    ("snakefile sweep.smk", "Mixed rules and functions in same snakefile."),
    # The data folder is a config value, not a file; passing it through `params:` is the fix.
    ("rule fetch_data", "Shell command directly uses variable DATA_DIR from outside of the rule"),
    ("rule build_tiny_model", "Shell command directly uses variable DATA_DIR from outside of the rule"),
    ("rule make_dataset", "Shell command directly uses variable DATA_DIR from outside of the rule"),
    ("rule evaluate_checkpoint", "Shell command directly uses variable DATA_DIR from outside of the rule"),
    # report_table3 writes its metrics manifest in a `run:` block before calling the CLI.
    ("rule report_table3", "Migrate long run directives into scripts or notebooks"),
}
NEVER_ACCEPTED = ("Specify a conda environment or container", "No log directive defined")


def lints(output: str) -> set[tuple[str, str]]:
    found, where = set(), None
    for line in output.splitlines():
        header = re.match(r"^Lints for (rule \w+|snakefile \S+?)(?: \(line.*\))?:$", line)
        if header:
            where = header.group(1)
            if where.startswith("snakefile "):
                where = f"snakefile {Path(where.split(' ', 1)[1]).name}"
        elif where and line.startswith("    * "):
            found.add((where, line[6:].rstrip(":").rstrip(".")))
    return found


def test_snakemake_lint_on_the_miniature_config(tmp_path):
    workdir = tmp_path / "wf"
    workdir.mkdir()
    shutil.copy(REPO_ROOT / "Snakefile", workdir / "Snakefile")
    shutil.copytree(REPO_ROOT / "workflow", workdir / "workflow", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO_ROOT / "config", workdir / "config")
    result = subprocess.run(
        ["snakemake", "--lint", "--configfile", "config/tiny.yaml"], cwd=workdir, capture_output=True, text=True
    )
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output[-4000:]
    found = lints(output)
    if result.returncode != 0:
        assert found, f"snakemake --lint failed without lints:\n{output[-4000:]}"
    for where, title in found:
        assert not title.startswith(NEVER_ACCEPTED), f"{where}: {title}"
    accepted = {(where, title.rstrip(".")) for where, title in ACCEPTED}
    unexpected = sorted(found - accepted)
    assert not unexpected, f"new lints (fix them, or accept them in ACCEPTED with a reason): {unexpected}"


def conda_envs() -> dict[str, set[str]]:
    """Every `conda:` file the rules name, relative to the rule file, with the rules that name it."""
    envs: dict[str, set[str]] = {}
    for path in sorted((REPO_ROOT / "workflow" / "rules").glob("*.smk")):
        rule = None
        lines = path.read_text().splitlines()
        for i, line in enumerate(lines):
            header = re.match(r"^rule (\w+):", line)
            if header:
                rule = header.group(1)
            if line.strip() == "conda:":
                env = (path.parent / lines[i + 1].strip().strip("\"'")).resolve()
                envs.setdefault(str(env), set()).add(rule)
    return envs


def test_every_shell_rule_names_an_existing_environment():
    envs = conda_envs()
    assert envs, "no rule names a conda environment"
    for env in envs:
        assert Path(env).exists(), f"{env} (named by {sorted(envs[env])}) does not exist"
    named = {rule for rules in envs.values() for rule in rules}
    assert {"train_grpo", "evaluate_checkpoint", "fetch_data", "report_table1"} <= named


def pip_requirements(env_file: Path) -> list[str]:
    env = yaml.safe_load(env_file.read_text())
    pip = [item for item in env["dependencies"] if isinstance(item, dict) and "pip" in item]
    assert len(pip) == 1, f"{env_file}: expected one pip section"
    return pip[0]["pip"]


def test_environments_mirror_pyproject():
    try:
        import tomllib
    except ImportError:  # Python 3.10
        tomllib = pytest.importorskip("tomli")
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    envs = REPO_ROOT / "workflow" / "envs"
    assert pip_requirements(envs / "oneshot-rlvr.yaml") == project["dependencies"]
    assert pip_requirements(envs / "oneshot-rlvr-gpu.yaml") == [
        *project["dependencies"],
        *project["optional-dependencies"]["gpu"],
    ]
