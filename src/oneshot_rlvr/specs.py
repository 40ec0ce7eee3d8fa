"""Typed, frozen run specs: what one training run and one run's evaluation need, resolved from the config.

The workflow passes a spec as JSON (`--spec`); `TrainingSpec.parse` / `EvaluationSpec.parse` turn that document
(or the dict `config.training_spec` / `config.evaluation_spec` resolved) into a frozen dataclass, so a misspelt,
missing or mistyped key fails there, in one line naming the key, not hours later on a GPU node. A spec reads
like the read-only mapping it replaces (`spec["max_steps"]`, `spec.get("icl")`, `{**spec}`) as well as by
attribute, and `to_dict()` gives back exactly the document it was parsed from, so spec hashes and the evaluation
fingerprints are unchanged.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import typing
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any, ClassVar, TypeVar

# An optional key that the spec does not hold (not the same as a key holding null).
ABSENT: Any = type("Absent", (), {"__repr__": lambda self: "ABSENT", "__bool__": lambda self: False})()

SpecT = TypeVar("SpecT", bound="_Spec")


class SpecError(ValueError):
    """A spec document has an unknown, missing or mistyped key; the message names it."""


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return MappingProxyType({key: _freeze(item) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_freeze(item) for item in value)
    return value


def _thaw(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _thaw(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return [_thaw(item) for item in value]
    return value


def _json_default(value: Any) -> Any:
    return _thaw(value) if isinstance(value, Mapping | tuple) else str(value)


def spec_hash(spec: Mapping[str, Any]) -> str:
    """Short stable hash of a resolved spec (a typed spec hashes like its document), printed in reports as the
    run's config hash and part of every evaluation fingerprint."""
    payload = json.dumps(spec, sort_keys=True, default=_json_default).encode()
    return hashlib.sha256(payload).hexdigest()[:12]


_CHECKS: dict[str, tuple[type, ...]] = {
    "int": (int,),
    "float": (int, float),
    "str": (str,),
    "bool": (bool,),
    "Mapping[str, Any]": (Mapping,),
}


def _fits(value: Any, annotation: str) -> bool:
    for part in (piece.strip() for piece in annotation.split("|")):
        if part == "None" and value is None:
            return True
        kinds = _CHECKS.get(part)
        if kinds is None:
            continue
        if isinstance(value, bool) and bool not in kinds:
            continue  # true is no number here
        if isinstance(value, kinds):
            return True
    return False


class _Spec(Mapping[str, Any]):
    """The mapping view and the parser every spec shares."""

    KIND: ClassVar[str] = "spec"

    @classmethod
    def _fields(cls) -> dict[str, dataclasses.Field]:
        return {field.name: field for field in dataclasses.fields(cls)}  # type: ignore[arg-type]

    @classmethod
    def parse(cls: type[SpecT], document: Mapping[str, Any], source: str = "spec") -> SpecT:
        """The typed spec of a document; an unknown key (with the closest known one), a missing key or a value
        of the wrong type is a SpecError naming `source` and the key."""
        if isinstance(document, cls):
            return document
        if not isinstance(document, Mapping):
            raise SpecError(f"{source}: the {cls.KIND} spec must be a JSON object, got {type(document).__name__}")
        fields = cls._fields()
        for key in document:
            if key not in fields:
                close = difflib.get_close_matches(str(key), list(fields), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                raise SpecError(f"{source}: unknown key {str(key)[:60]!r} in the {cls.KIND} spec{hint}")
        values = {}
        for name, field in fields.items():
            if name not in document:
                if field.default is ABSENT:
                    values[name] = ABSENT
                    continue
                raise SpecError(f"{source}: the {cls.KIND} spec lacks key '{name}'")
            value = document[name]
            if not _fits(value, str(field.type)):
                raise SpecError(
                    f"{source}: key '{name}' of the {cls.KIND} spec must be {field.type}, got {str(value)[:40]!r}"
                )
            values[name] = _freeze(value)
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """The spec as the JSON document it came from (lists and dicts, absent keys left out)."""
        return {key: _thaw(value) for key, value in self.items()}

    def to_json(self) -> str:
        """The document as the workflow passes it to `--spec` (keys sorted)."""
        return json.dumps(self.to_dict(), sort_keys=True)

    def __getitem__(self, key: str) -> Any:
        if key not in self._fields():
            raise KeyError(key)
        value = getattr(self, key)
        if value is ABSENT:
            raise KeyError(key)
        return value

    def __iter__(self) -> Iterator[str]:
        return (name for name in self._fields() if getattr(self, name) is not ABSENT)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def get(self, key: str, default: Any = None) -> Any:
        value = getattr(self, key, ABSENT) if key in self._fields() else ABSENT
        return default if value is ABSENT else value


@dataclasses.dataclass(frozen=True, eq=True)
class TrainingSpec(_Spec):
    """One training run (`config.training_spec`): the run, its example set and model, and every `training` key
    with the model's and the run's overrides applied (config/README.md documents each)."""

    KIND: ClassVar[str] = "training"

    run: str
    dataset: str
    model: Mapping[str, Any]
    selection_batch_size: int
    seed: int
    max_steps: int
    save_steps: int
    prompts_per_step: int
    num_generations: int
    micro_batch_size: int
    learning_rate: float
    lr_scheduler_type: str
    warmup_steps: int
    adam_beta1: float
    adam_beta2: float
    weight_decay: float
    max_grad_norm: float
    epsilon: float
    beta: float
    entropy_coef: float
    policy_loss: bool
    objective: str
    advantage_epsilon: float | None
    kl_clamp: float | None
    first_update_lr_zero: bool
    decay_all_params: bool
    loss_aggregation: str
    micro_batch_max_tokens: int
    label_override: str | None
    wrong_label_fraction: float
    wrong_label_seed: int
    temperature: float
    top_p: float
    max_prompt_length: int
    max_completion_length: int
    reward: str
    grader: str
    reward_timeout_s: float
    loss_type: str
    bf16: bool
    gradient_checkpointing: bool
    use_vllm: bool
    vllm_mode: str
    vllm_gpu_memory_utilization: float
    gpus: int
    distributed: str
    runtime_min: int
    mem_mb: int
    report_to: str


@dataclasses.dataclass(frozen=True, eq=True)
class EvaluationSpec(_Spec):
    """How one run's checkpoints are evaluated (`config.evaluation_spec`): the `evaluation` keys (less `steps` and
    `jobs`, which schedule rather than evaluate) with the model's overrides, the model, and for in-context runs
    and other benchmark sets the keys that only they carry."""

    KIND: ClassVar[str] = "evaluation"

    backend: str
    grader: str
    max_new_tokens: int
    max_model_len: int | None
    top_p: float
    tensor_parallel_size: int | None
    grade_after_think: bool
    batch_size: int
    seed: int
    gpus: int
    runtime_min: int
    mem_mb: int
    benchmarks: Mapping[str, Any]
    model: Mapping[str, Any]
    icl: Mapping[str, Any] | None = ABSENT
    benchmark_set: Mapping[str, Any] | None = ABSENT
    dtype: str = ABSENT  # a run's `evaluation.dtype` (Table 7's fp32 rows); absent: the backend's "auto"


def field_names(spec_type: type[_Spec]) -> list[str]:
    """The keys a spec type holds, in declaration order (documentation and tests)."""
    return list(typing.cast(Any, spec_type)._fields())
