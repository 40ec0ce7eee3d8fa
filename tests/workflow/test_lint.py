"""`snakemake --lint` at paper scale and on the miniature config, and the rules' software environments."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml
from helpers.workflow import copy_workflow

from oneshot_rlvr.config import REPO_ROOT


def lints(output: str) -> set[tuple[str, str]]:
    """(where, title) of every lint in `snakemake --lint` output, for a readable failure message."""
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


def test_lints_are_parsed():
    output = (
        "Lints for snakefile /x/workflow/rules/sweep.smk:\n    * Mixed rules and functions in same snakefile.:\n"
        "      Small one-liner functions...\n"
        "Lints for rule fetch_data (line 4, /x/workflow/rules/data.smk):\n"
        "    * Shell command directly uses variable DATA_DIR from outside of the rule:\n"
    )
    assert lints(output) == {
        ("snakefile sweep.smk", "Mixed rules and functions in same snakefile"),
        ("rule fetch_data", "Shell command directly uses variable DATA_DIR from outside of the rule"),
    }


@pytest.mark.parametrize("configfiles", [[], ["config/tiny.yaml"]], ids=["paper", "miniature"])
def test_snakemake_lint_passes(tmp_path, configfiles):
    """No lint at all, at paper scale and in the miniature: every rule has a log and a conda env, no `run:`
    blocks, no globals in shell commands, and functions only in common.smk."""
    workdir = copy_workflow(tmp_path / "wf")
    args = ["--configfile", *configfiles] if configfiles else []
    result = subprocess.run(["snakemake", "--lint", *args], cwd=workdir, capture_output=True, text=True)
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output[-4000:]
    assert not lints(output), f"snakemake --lint found: {sorted(lints(output))}"
    assert result.returncode == 0, f"snakemake --lint failed:\n{output[-4000:]}"


def test_reports_run_as_local_rules():
    """The report steps and the Table 3 manifest are cheap: the main process runs them, not a cluster job.
    (fetch_data and generate_testbed_data are declared local in data.smk, inside the branch that defines them.)"""
    snakefile = (REPO_ROOT / "Snakefile").read_text()
    rules = "\n".join(p.read_text() for p in (REPO_ROOT / "workflow" / "rules").glob("*.smk"))
    blocks = re.findall(r"^( *)localrules:\n((?:\1    .*\n)+)", snakefile + "\n" + rules, re.M)
    assert blocks, "no localrules block"
    local = {name.strip() for _, block in blocks for name in block.replace("\n", "").split(",") if name.strip()}
    assert {"report_table1", "report_table3", "table3_manifest", "fetch_data", "generate_testbed_data"} <= local
    defined = set(re.findall(r"^ *rule (\w+):", rules + snakefile, re.M))
    assert local <= defined, f"localrules names unknown rules: {sorted(local - defined)}"


def conda_envs() -> dict[str, set[str]]:
    """Every `conda:` file the rules name, relative to the rule file, with the rules that name it."""
    envs: dict[str, set[str]] = {}
    for path in sorted((REPO_ROOT / "workflow" / "rules").glob("*.smk")):
        rule = None
        lines = path.read_text().splitlines()
        for i, line in enumerate(lines):
            header = re.match(r"^ *rule (\w+):", line)
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
    assert {"train_grpo", "evaluate_checkpoint", "fetch_data", "report_table1", "report_table3"} <= named


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
