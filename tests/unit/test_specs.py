"""Typed run specs: a misspelt, missing or mistyped key fails when the spec is parsed, in one line naming the key;
a parsed spec is frozen and gives back exactly the document (and hash) it came from."""

from __future__ import annotations

import dataclasses
import json

import pytest

from oneshot_rlvr import cli
from oneshot_rlvr import config as oc
from oneshot_rlvr.specs import EvaluationSpec, SpecError, TrainingSpec, spec_hash


@pytest.fixture(scope="module")
def tiny():
    return oc.load_config([oc.REPO_ROOT / "config" / "tiny.yaml"])


@pytest.mark.parametrize(
    ("command", "kind", "good", "typo"),
    [("train", "training", "max_steps", "max_stepz"), ("evaluate", "evaluation", "max_new_tokens", "max_new_tokenz")],
)
def test_misspelt_spec_key_fails_at_parse_in_one_line(tiny, tmp_path, capsys, command, kind, good, typo):
    """The workflow's --spec with a misspelt key stops before anything is loaded or written."""
    resolve = oc.training_spec if command == "train" else oc.evaluation_spec
    document = resolve(tiny, "pi1")
    document[typo] = document.pop(good)
    args = [command, "--run", "pi1", "--spec", json.dumps(document)]
    if command == "train":
        args += ["--dataset", str(tmp_path / "pi1.parquet"), "--checkpoint-dir", str(tmp_path / "ck")]
        args += ["--done", str(tmp_path / "done.json")]
    else:
        args += ["--step", "0", "--model", str(tmp_path / "model"), "--data-dir", str(tmp_path)]
        args += ["--out-dir", str(tmp_path / "eval")]
    assert cli.main(args) == 2
    error = capsys.readouterr().err
    assert error == (
        f"oneshot-rlvr {command}: error: --spec: unknown key '{typo}' in the {kind} spec; did you mean '{good}'?\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_missing_and_mistyped_keys_name_the_key(tiny):
    document = oc.training_spec(tiny, "pi1")
    with pytest.raises(SpecError, match=r"^run pi1: the training spec lacks key 'save_steps'$"):
        TrainingSpec.parse({k: v for k, v in document.items() if k != "save_steps"}, "run pi1")
    with pytest.raises(SpecError, match=r"^--spec: key 'max_steps' of the training spec must be int, got '4'$"):
        TrainingSpec.parse({**document, "max_steps": "4"}, "--spec")
    with pytest.raises(SpecError, match="must be float | None, got True"):
        TrainingSpec.parse({**document, "kl_clamp": True})
    with pytest.raises(SpecError, match="must be a JSON object, got list"):
        EvaluationSpec.parse([1, 2])  # type: ignore[arg-type]


@pytest.mark.parametrize("files", [[], ["config/tiny.yaml"]], ids=["paper", "tiny"])
def test_typed_specs_round_trip_every_run_with_unchanged_hashes(files, tmp_path):
    """Every configured run's resolved documents parse, and the typed spec hashes like its document, so config
    hashes and evaluation fingerprints of finished work stay valid."""
    config = oc.load_config([oc.REPO_ROOT / name for name in files])
    for run in ["base", *oc.run_names(config)]:
        document = oc.evaluation_spec(config, run)
        typed = EvaluationSpec.parse(document, f"run {run}")
        assert typed.to_dict() == document and json.loads(typed.to_json()) == document
        assert spec_hash(typed) == spec_hash(document)
        assert sorted(typed) == sorted(document) and ("icl" in typed) == ("icl" in document)
        if not oc.is_evaluation_only(config, run):
            document = oc.training_spec(config, run)
            typed = TrainingSpec.parse(document, f"run {run}")
            assert typed.to_dict() == document and spec_hash(typed) == spec_hash(document)
            assert typed.max_steps == typed["max_steps"] == document["max_steps"]


def test_specs_are_frozen(tiny):
    spec = TrainingSpec.parse(oc.training_spec(tiny, "pi1"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.max_steps = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        spec.model["path"] = "elsewhere"  # type: ignore[index]
    assert TrainingSpec.parse(spec) is spec
