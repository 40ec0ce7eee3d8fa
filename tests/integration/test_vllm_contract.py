"""Every vLLM call of the project (and of TRL's colocated rollouts) against the pinned vLLM's own source.

No GPU and no import of vLLM: the pinned version's Python files are parsed. They come from the installed
package when it is that version, else from its wheel, downloaded once with `pip download --no-deps` (pip's
cache keeps the wheel) and the files read unpacked into pytest's cache folder (.pytest_cache/d/vllm-<version>/;
~/.cache/oneshot-rlvr/ when pytest's cache is off). Without
network and without a cached copy the test fails naming the fix (ONESHOT_RLVR_VLLM_WHEEL=<wheel file>); it
never skips, so a vLLM API change cannot pass CI unnoticed. Checked:

* `LLM(...)` keywords (ours: evaluation, the GPU benchmark; TRL's colocate engine): each a named parameter
  of `LLM.__init__` or a field of `EngineArgs`, which receives the rest;
* `SamplingParams(...)` keywords (ours, and TRL's colocate `generation_kwargs`): each a field;
  our `top_k=-1` ("all tokens") is still accepted;
* methods called on the engine (`generate`, `get_tokenizer`, `sleep`, `wake_up`, `reset_prefix_cache`) bind
  to their signatures with the same positional and keyword arguments;
* what we and TRL read from the results (`outputs`, `prompt_token_ids`, `text`, `token_ids`, `finish_reason`);
* the chain TRL's colocate weight sync walks (`llm.llm_engine.model_executor.driver_worker`), which exists
  only in-process: `external_launcher` must keep switching vLLM's multiprocessing off;
* the pin is inside TRL's supported vLLM range.
"""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import inspect
import os
import re
import subprocess
import sys
import tempfile
import warnings
import zipfile
from pathlib import Path

import pytest

# Trains or downloads for tens of seconds: outside the fast unit loop (`-m 'not slow'`).
pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
# The files of vLLM that the checks read.
VLLM_FILES = (
    "vllm/__init__.py",
    "vllm/entrypoints/llm.py",
    "vllm/engine/arg_utils.py",
    "vllm/sampling_params.py",
    "vllm/outputs.py",
    "vllm/inputs/__init__.py",
    "vllm/v1/engine/llm_engine.py",
    "vllm/v1/executor/uniproc_executor.py",
    "vllm/config/parallel.py",
)
# The wheel is pure Python where these files are concerned; one platform's wheel serves every runner.
WHEEL_PLATFORM = "manylinux_2_28_x86_64"


def pinned_vllm() -> str:
    match = re.search(r'"vllm==([0-9][^"]*)"', (REPO / "pyproject.toml").read_text())
    assert match, "pyproject.toml pins no vllm version in the gpu extra"
    return match.group(1)


def unpack(wheel: Path, destination: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        for name in VLLM_FILES:
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(name))


@pytest.fixture(scope="session")
def vllm_source(request) -> Path:
    """A folder holding vllm/<...>.py of the pinned version."""
    version = pinned_vllm()
    try:
        if importlib.metadata.version("vllm") == version:
            return Path(importlib.util.find_spec("vllm").submodule_search_locations[0]).parent
    except importlib.metadata.PackageNotFoundError:
        pass
    if getattr(request.config, "cache", None) is not None:  # no attribute at all under -p no:cacheprovider
        cache = request.config.cache.mkdir(f"vllm-{version}")
    else:  # pytest's cache is off (-p no:cacheprovider): the user's cache folder
        cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "oneshot-rlvr" / f"vllm-{version}"
    if all((cache / name).is_file() for name in VLLM_FILES):
        return cache
    wheel = os.environ.get("ONESHOT_RLVR_VLLM_WHEEL")
    if wheel:
        unpack(Path(wheel), cache)
        return cache
    with tempfile.TemporaryDirectory() as folder:
        command = [
            sys.executable, "-m", "pip", "download", f"vllm=={version}", "--no-deps", "--only-binary=:all:",
            "--platform", WHEEL_PLATFORM, "--implementation", "cp", "--python-version", "3.11", "--dest", folder,
        ]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True, timeout=900)
        wheels = list(Path(folder).glob("vllm-*.whl"))
        if result.returncode != 0 or not wheels:
            pytest.fail(
                f"could not download vllm=={version} to check our vLLM calls against its source "
                f"({(result.stderr or result.stdout).strip().splitlines()[-1:]}); "
                "give a local copy with ONESHOT_RLVR_VLLM_WHEEL=<path to the .whl>"
            )
        unpack(wheels[0], cache)
    return cache


def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def find_class(tree: ast.Module, name: str) -> ast.ClassDef:
    found = [node for node in ast.walk(tree) if isinstance(node, ast.ClassDef) and node.name == name]
    assert found, f"class {name} not found"
    return found[0]


def find_method(cls: ast.ClassDef, name: str) -> ast.FunctionDef:
    found = [node for node in cls.body if isinstance(node, ast.FunctionDef) and node.name == name]
    assert found, f"{cls.name}.{name} not found"
    return found[0]


def annotated_fields(cls: ast.ClassDef) -> set[str]:
    return {
        node.target.id for node in cls.body if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
    }


def self_attributes(function: ast.FunctionDef) -> set[str]:
    """Attributes a method assigns on self."""
    return {
        target.attr
        for node in ast.walk(function)
        for target in (node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)])
        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self"
    }


def signature(function: ast.FunctionDef) -> inspect.Signature:
    """An inspect.Signature with the parameter names, kinds and which have defaults, from the source."""
    args, params = function.args, []
    positional = args.posonlyargs + args.args
    defaults = [False] * (len(positional) - len(args.defaults)) + [True] * len(args.defaults)
    for arg, has_default in zip(positional, defaults, strict=True):
        kind = inspect.Parameter.POSITIONAL_ONLY if arg in args.posonlyargs else inspect.Parameter.POSITIONAL_OR_KEYWORD
        params.append(inspect.Parameter(arg.arg, kind, default=0 if has_default else inspect.Parameter.empty))
    if args.vararg:
        params.append(inspect.Parameter(args.vararg.arg, inspect.Parameter.VAR_POSITIONAL))
    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        default_value = inspect.Parameter.empty if default is None else 0
        params.append(inspect.Parameter(arg.arg, inspect.Parameter.KEYWORD_ONLY, default=default_value))
    if args.kwarg:
        params.append(inspect.Parameter(args.kwarg.arg, inspect.Parameter.VAR_KEYWORD))
    return inspect.Signature(params)


def callee(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def calls(path: Path, name: str) -> list[ast.Call]:
    return [node for node in ast.walk(parse(path)) if isinstance(node, ast.Call) and callee(node) == name]


def keywords(node: ast.Call) -> list[str]:
    return [keyword.arg for keyword in node.keywords if keyword.arg is not None]


def engine_method_calls(path: Path) -> list[tuple[str, ast.Call]]:
    """Calls `<x>.llm.<method>(...)` or `llm.<method>(...)` (the engine object) in a file."""
    found = []
    for node in ast.walk(parse(path)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            if (isinstance(owner, ast.Attribute) and owner.attr == "llm") or (
                isinstance(owner, ast.Name) and owner.id == "llm"
            ):
                found.append((node.func.attr, node))
    return found


OUR_VLLM_FILES = (
    REPO / "src" / "oneshot_rlvr" / "evaluation" / "backends.py",
    REPO / "benchmarks" / "bench_gpu_model.py",
)


def trl_vllm_file() -> Path:
    return Path(importlib.util.find_spec("trl").submodule_search_locations[0]) / "generation" / "vllm_generation.py"


def colocate_generation_kwargs() -> set[str]:
    """The keys of TRL's colocate `generation_kwargs` dict, passed as SamplingParams(**generation_kwargs)."""
    for node in ast.walk(parse(trl_vllm_file())):
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "generation_kwargs" for t in node.targets)
            and isinstance(node.value, ast.Dict)
        ):
            return {key.value for key in node.value.keys}
    raise AssertionError("TRL's colocate generation_kwargs not found")


def test_engine_construction_keywords(vllm_source):
    llm = find_class(parse(vllm_source / "vllm/entrypoints/llm.py"), "LLM")
    named = set(signature(find_method(llm, "__init__")).parameters)
    engine_args = annotated_fields(find_class(parse(vllm_source / "vllm/engine/arg_utils.py"), "EngineArgs"))
    sites = [(path, node) for path in (*OUR_VLLM_FILES, trl_vllm_file()) for node in calls(path, "LLM")]
    assert len(sites) >= 3  # evaluation, the GPU benchmark, TRL's colocate engine
    for path, node in sites:
        unknown = [key for key in keywords(node) if key not in named and key not in engine_args]
        assert not unknown, f"{path.name}:{node.lineno}: LLM() does not take {unknown}"
    exports = (vllm_source / "vllm/__init__.py").read_text()
    for name in ("LLM", "SamplingParams"):
        assert f'"{name}":' in exports, f"vllm no longer exports {name}"
    assert "TokensPrompt" in (vllm_source / "vllm/inputs/__init__.py").read_text()  # the GPU benchmark's prompts


def test_sampling_params_fields(vllm_source):
    tree = parse(vllm_source / "vllm/sampling_params.py")
    fields = annotated_fields(find_class(tree, "SamplingParams"))
    sites = [(path, node) for path in OUR_VLLM_FILES for node in calls(path, "SamplingParams")]
    assert len(sites) >= 2
    for path, node in sites:
        unknown = set(keywords(node)) - fields
        assert not unknown, f"{path.name}:{node.lineno}: SamplingParams has no field {sorted(unknown)}"
    assert not colocate_generation_kwargs() - fields, "TRL's colocate sampling fields"
    # Our greedy and sampled requests pass top_k=-1 ("consider all tokens"): still accepted.
    verify = ast.unparse(find_method(find_class(tree, "SamplingParams"), "_verify_args"))
    assert "self.top_k < -1" in verify


def test_engine_methods_bind(vllm_source):
    llm = find_class(parse(vllm_source / "vllm/entrypoints/llm.py"), "LLM")
    seen = set()
    for path in (*OUR_VLLM_FILES, trl_vllm_file()):
        for method, node in engine_method_calls(path):
            sig = signature(find_method(llm, method))
            try:
                sig.bind("self", *node.args, **dict.fromkeys(keywords(node)))
            except TypeError as error:
                raise AssertionError(f"{path.name}:{node.lineno}: LLM.{method}{sig}: {error}") from None
            seen.add(method)
    assert {"generate", "get_tokenizer", "sleep", "wake_up", "reset_prefix_cache"} <= seen


def test_results_and_the_colocate_weight_sync_chain(vllm_source):
    outputs = parse(vllm_source / "vllm/outputs.py")
    completion = annotated_fields(find_class(outputs, "CompletionOutput"))
    assert {"text", "token_ids", "finish_reason"} <= completion
    request = self_attributes(find_method(find_class(outputs, "RequestOutput"), "__init__"))
    assert {"outputs", "prompt_token_ids"} <= request
    # TRL's colocate sync: llm.llm_engine.model_executor.driver_worker...load_weights, in-process only.
    llm_init = find_method(find_class(parse(vllm_source / "vllm/entrypoints/llm.py"), "LLM"), "__init__")
    assert "llm_engine" in self_attributes(llm_init)
    engine = find_class(parse(vllm_source / "vllm/v1/engine/llm_engine.py"), "LLMEngine")
    assert "model_executor" in self_attributes(find_method(engine, "__init__"))
    executor = find_class(parse(vllm_source / "vllm/v1/executor/uniproc_executor.py"), "UniProcExecutor")
    assert any("driver_worker" in self_attributes(node) for node in executor.body if isinstance(node, ast.FunctionDef))
    parallel = (vllm_source / "vllm/config/parallel.py").read_text()
    assert 'os.environ["VLLM_ENABLE_V1_MULTIPROCESSING"] = "0"' in parallel
    trl_engines = calls(trl_vllm_file(), "LLM")
    assert any("distributed_executor_backend" in keywords(node) for node in trl_engines)


def test_pin_is_in_trls_supported_range(monkeypatch):
    import trl.import_utils as trl_imports

    version = pinned_vllm()
    monkeypatch.setattr(trl_imports, "_is_package_available", lambda name, return_version=False: (True, version))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # TRL warns about a vLLM outside its range
        assert trl_imports.is_vllm_available()
