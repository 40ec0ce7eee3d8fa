"""The command line as the tests drive it: `oneshot-rlvr` in a subprocess (`cli`: the console script, its exit code
end to end) or in this process (`cli_here`: the same `main()`, without an interpreter start and the imports, about
1 CPU-s each), the check that it refused with one line, and the arguments of `train` and `evaluate` on the
miniature's settings."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
from pathlib import Path

from oneshot_rlvr import cli as oneshot_cli
from oneshot_rlvr import config as oc

TINY = str(oc.REPO_ROOT / "config" / "tiny.yaml")


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["oneshot-rlvr", *args], capture_output=True, text=True, cwd=cwd, timeout=600)


def cli_here(*args: str | Path) -> subprocess.CompletedProcess:
    """`oneshot-rlvr ARGS` through `main()` in this process, its stdout, stderr and exit code as `cli` returns them
    (argparse's usage errors exit through SystemExit)."""
    argv = [str(arg) for arg in args]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = oneshot_cli.main(argv)
        except SystemExit as exit:  # as the interpreter ends: None is 0, a message goes to stderr and is 1
            code = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
            if not isinstance(exit.code, int | None):
                print(exit.code, file=err)
    return subprocess.CompletedProcess(["oneshot-rlvr", *argv], code, out.getvalue(), err.getvalue())


def assert_refused(result: subprocess.CompletedProcess, *fragments: str) -> None:
    """Exit code 2 and exactly one line on stderr, naming every fragment."""
    assert result.returncode == 2, (result.returncode, result.stderr[-3000:])
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr[-3000:]
    assert "error:" in lines[0]
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def no_temp_files(folder: Path) -> bool:
    return not [path for path in folder.rglob(".*") if path.is_file()]


def train_args(tmp_path: Path, dataset: Path, *extra: str, model: Path | None = None) -> list[str]:
    args = ["train", "--run", "pi1", "--config", TINY, "--dataset", str(dataset)]
    args += ["--checkpoint-dir", str(tmp_path / "ck"), "--done", str(tmp_path / "out" / "done.json")]
    if model is not None:
        args += ["--set", f"models.tiny.path={model}"]
    return args + list(extra)


def evaluate_args(model: Path, data_dir: Path, out_dir: Path, spec: dict) -> list[str]:
    return [
        "evaluate", "--run", "base", "--step", "0", "--model", str(model), "--data-dir", str(data_dir),
        "--out-dir", str(out_dir), "--spec", json.dumps(spec),
    ]  # fmt: skip
