"""The package's dependencies are visible: imports at module top, no import cycles, every module importable in a
fresh interpreter, and no module over the size the next engineer can read in one sitting."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import oneshot_rlvr

PACKAGE = Path(oneshot_rlvr.__file__).parent
# Third-party modules that may be imported inside functions: heavy, and needed only where a model is built, trained
# or drawn (jsonschema: 180 ms that only config validation needs; sympy and math_verify: loaded by grading workers;
# pandas and pyarrow, its parquet engine: 0.7 s of a command-line start's 1.2 s, and each Snakemake job is a fresh one).
LAZY = {
    "torch", "transformers", "trl", "vllm", "matplotlib", "tensorboard", "accelerate", "datasets", "tokenizers",
    "jsonschema", "sympy", "math_verify", "latex2sympy2_extended", "pandas", "pyarrow",
}  # fmt: skip
# Modules rewritten separately; they join these checks once their own imports are at the top.
NOT_YET: set[str] = set()
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if parts[-1] != "__main__":
            found[name] = path
    return found


def _checked(path: Path) -> bool:
    relative = path.relative_to(PACKAGE).parts
    return relative[0] not in NOT_YET


def _top_level_imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package's modules that run when `name` is first imported: what it imports at module level and their
    parent packages, less its own parent packages (those are being initialised already)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            targets.add(base)
            targets.update(f"{base}.{alias.name}" for alias in node.names)
    for target in list(targets):
        parts = target.split(".")
        targets.update(".".join(parts[:end]) for end in range(2, len(parts)))
    own_parents = {".".join(name.split(".")[:end]) for end in range(1, name.count(".") + 1)}
    return {target for target in targets if target in modules and target != name and target not in own_parents}


def test_no_import_cycles():
    modules = _modules()
    graph = {name: _top_level_imports(name, path, modules) for name, path in modules.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                raise AssertionError(f"import cycle: {' -> '.join([*stack[stack.index(target) :], target])}")
            if target not in state:
                visit(target)
        stack.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)


def _imports_heavy_at_top(path: Path) -> bool:
    """Whether a module imports a LAZY library at its top (the trainer class subclasses TRL's): such a module is
    itself imported where it is needed."""
    for node in ast.parse(path.read_text()).body:
        names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and not node.level:
            names = [node.module or ""]
        if any(name.split(".")[0] in LAZY for name in names):
            return True
    return False


def test_imports_are_at_module_top():
    modules = _modules()
    heavy = {name for name, path in modules.items() if _imports_heavy_at_top(path)}
    late = []
    for name, path in modules.items():
        if not _checked(path):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import):
                    roots = [alias.name.split(".")[0] for alias in inner.names]
                elif isinstance(inner, ast.ImportFrom) and not inner.level:
                    roots = [(inner.module or "").split(".")[0]] if inner.module not in heavy else []
                else:
                    continue
                late += [f"{name}:{inner.lineno} imports {root}" for root in roots if root not in LAZY]
    assert not late, "imports inside functions: " + "; ".join(late)


def test_every_module_imports_in_a_fresh_interpreter():
    """All modules but those that load torch/TRL at their top, imported one after another in a fresh interpreter
    (the static test above finds the cycles that would show only when a particular module is imported first; one
    interpreter per module would cost a minute)."""
    modules = _modules()
    names = sorted(name for name, path in modules.items() if not _imports_heavy_at_top(path))  # torch: trainer tests
    script = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    result = subprocess.run([sys.executable, "-c", script, *names], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]


def test_command_line_start_imports_no_lazy_library():
    """Every Snakemake job starts `oneshot-rlvr` afresh; importing its command line (and the config it reads) loads
    none of the LAZY libraries, so a cheap report job does not pay for pandas or torch."""
    script = (
        "import sys, oneshot_rlvr.cli, oneshot_rlvr.config\n"
        "print(' '.join(sorted({name.split('.')[0] for name in sys.modules} & set(sys.argv[1:]))))\n"
    )
    result = subprocess.run([sys.executable, "-c", script, *LAZY], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == [], f"importing oneshot_rlvr.cli loads {result.stdout.strip()}"


def test_modules_stay_short():
    long = {
        str(path.relative_to(PACKAGE)): count
        for path in _modules().values()
        if _checked(path) and (count := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def _only_reexports(path: Path) -> bool:
    """Whether a module defines nothing: its body is a docstring, imports and `__all__` (a shim keeping old names)."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            continue
        targets = node.targets if isinstance(node, ast.Assign) else []
        if [getattr(target, "id", None) for target in targets] == ["__all__"]:
            continue
        return False
    return True


def test_no_module_only_re_exports_another():
    """Every name has one home: no module that only re-exports others' names (packages' `__init__.py` may gather
    their own modules' public API)."""
    shims = [
        str(path.relative_to(PACKAGE))
        for path in _modules().values()
        if path.name not in ("__init__.py", "__main__.py") and _only_reexports(path)
    ]
    assert not shims, f"modules that only re-export: {shims}"
