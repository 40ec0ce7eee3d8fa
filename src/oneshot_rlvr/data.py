"""Datasets of the paper: where they live, how to fetch them, and how to read them.

Layout of a data folder (the same as the shared offline copy, see ``/work/shared/data/README.md``)::

    dsr_sub/dsr_sub.parquet                DSR-sub, the 1209-example instance pool (verl format)
    dsr_sub/acc_step_500.json              training-accuracy history of the full DSR-sub run
    dsr_sub/pi{1,2,13,1209}_r128.parquet   the authors' 1-shot files (one example repeated to 128 rows)
    dsr_sub/merge_*.parquet                the authors' 2- and 4-shot files
    benchmarks/<name>/test.jsonl           math500, aime24, amc23, minerva_math, olympiadbench, aime25
    arc/ARC-{Easy,Challenge}-test.jsonl    ARC test splits
    math_train/math_train.jsonl            Hendrycks MATH train (7500 problems)

:func:`fetch` puts one of these files into a data folder, either by copying it from a local copy
(``local_data_dir``, e.g. the shared folder) or by downloading it from its public source, and always
checks its SHA-256 before the file becomes visible. The loaders turn the files into the normalised
rows the rest of the pipeline uses; every problem they find is a :class:`DataError` naming the file
together with the key, column or 1-based line at fault.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
import shutil
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from oneshot_rlvr import icl_examples
from oneshot_rlvr.grading import last_boxed
from oneshot_rlvr.io import atomic_write_text, commit, make_parents, remove_empty

# in the paper's column order
MATH_BENCHMARKS = ("math500", "aime24", "amc23", "minerva_math", "olympiadbench", "aime25")
ARC_BENCHMARKS = ("arc_e", "arc_c")
ALL_BENCHMARKS = MATH_BENCHMARKS + ARC_BENCHMARKS
# The benchmark set of the paper's Table 1 (config key `benchmark_set`): the averaged columns, then the others.
PAPER_BENCHMARK_SET = {"averaged": list(MATH_BENCHMARKS), "extra": list(ARC_BENCHMARKS)}
TRAIN_SOURCES = ("dsr_sub", "math_train", "history")  # history = acc_step_500.json
AUTHOR_TRAIN_FILES = (
    "pi1_r128",
    "pi2_r128",
    "pi13_r128",
    "pi1209_r128",
    "merge_pi1_pi13_r128",
    "merge_pi1_pi2_pi13_pi1209_r128",
)
INSTRUCTION_SUFFIX = " Let's think step by step and output the final answer within \\boxed{}."

VERL_COLUMNS = ("data_source", "prompt", "ability", "reward_model", "extra_info")
LOCK_FILENAME = "checksums.lock.json"
DOWNLOAD_TIMEOUT_S = 60.0

_GITHUB_RAW = "https://raw.githubusercontent.com/ypwang61/One-Shot-RLVR/main"
_HF_DATASETS = "https://huggingface.co/datasets"
MATH_SUBJECT_CONFIGS = (
    "algebra",
    "counting_and_probability",
    "geometry",
    "intermediate_algebra",
    "number_theory",
    "prealgebra",
    "precalculus",
)
_ARC_SUBSETS = {"arc_e": "ARC-Easy", "arc_c": "ARC-Challenge"}
# Row counts of the converted downloads; a conversion that does not give them is refused.
_CONVERTED_ROWS = {"arc_e": 2376, "arc_c": 1172, "math_train": 7500, "qwen_icl": icl_examples.ROWS}


class DataError(ValueError):
    """A data file is missing, malformed or fails its checksum; the message names the file and key or row."""


# ----------------------------------------------------------------------------------------------------------
# Names, paths and sources


def _build_relpaths() -> dict[str, str]:
    table = {name: f"benchmarks/{name}/test.jsonl" for name in MATH_BENCHMARKS}
    table.update({name: f"arc/{subset}-test.jsonl" for name, subset in _ARC_SUBSETS.items()})
    table["dsr_sub"] = "dsr_sub/dsr_sub.parquet"
    table["history"] = "dsr_sub/acc_step_500.json"
    table["math_train"] = "math_train/math_train.jsonl"
    table.update({name: f"dsr_sub/{name}.parquet" for name in AUTHOR_TRAIN_FILES})
    table["qwen_icl"] = icl_examples.RELPATH
    return table


RELPATHS: dict[str, str] = _build_relpaths()


def _build_source_urls() -> dict[str, tuple[str, ...]]:
    urls: dict[str, tuple[str, ...]] = {}
    for name in MATH_BENCHMARKS:
        urls[name] = (f"{_GITHUB_RAW}/Qwen2.5-Eval/evaluation/data/{name}/test.jsonl",)
    for name, subset in _ARC_SUBSETS.items():
        urls[name] = (f"{_HF_DATASETS}/allenai/ai2_arc/resolve/main/{subset}/test-00000-of-00001.parquet",)
    urls["dsr_sub"] = (f"{_GITHUB_RAW}/data/train/one_shot_rlvr/dsr_sub.parquet",)
    urls["history"] = (f"{_GITHUB_RAW}/data/acc_step_500.json",)
    urls["math_train"] = tuple(
        f"{_HF_DATASETS}/EleutherAI/hendrycks_math/resolve/main/{config}/train-00000-of-00001.parquet"
        for config in MATH_SUBJECT_CONFIGS
    )
    for name in AUTHOR_TRAIN_FILES:
        urls[name] = (f"{_GITHUB_RAW}/data/train/one_shot_rlvr/{name}.parquet",)
    urls["qwen_icl"] = (f"{_GITHUB_RAW}/Qwen2.5-Eval/evaluation/examples.py",)
    return urls


SOURCE_URLS: dict[str, tuple[str, ...]] = _build_source_urls()
# Downloads that are converted to JSONL here, so that their bytes (and checksum) are ours, not the host's.
CONVERTED_SOURCES = frozenset({"arc_e", "arc_c", "math_train", "qwen_icl"})


def relpath_of(name: str) -> str:
    """Path of dataset ``name`` in a data folder, e.g. ``"math500" -> "benchmarks/math500/test.jsonl"``."""
    try:
        return RELPATHS[name]
    except KeyError:
        raise DataError(f"unknown dataset {name!r}; known: {', '.join(RELPATHS)}") from None


def benchmark_set(settings: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(averaged, extra) benchmark names of a config or an evaluation spec: its `benchmark_set`, else the paper's
    six math benchmarks (averaged) and ARC-E/C. The average of the averaged ones is a checkpoint's `math_average`,
    which picks the best checkpoint of a run; the extra ones are evaluated and reported beside it."""
    chosen = settings.get("benchmark_set") or PAPER_BENCHMARK_SET
    return tuple(chosen.get("averaged") or ()), tuple(chosen.get("extra") or ())


# Benchmarks other than the paper's (e.g. the testbed's task types, `benchmark_set` in the config) live at
# benchmarks/<name>/test.jsonl with one {"question", "answer"} object per line.
_BENCHMARK_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def benchmark_relpath(name: str) -> str:
    """Path of a benchmark in a data folder: the paper's own layout for its benchmarks, else
    ``benchmarks/<name>/test.jsonl``."""
    if name in ALL_BENCHMARKS:
        return RELPATHS[name]
    if not _BENCHMARK_NAME.match(name):
        raise DataError(f"benchmark name {name!r} may only contain lowercase letters, digits and '_'")
    return f"benchmarks/{name}/test.jsonl"


def known_checksums() -> dict[str, str]:
    """The SHA-256 of every file of the reference data folder, keyed by relpath (resources/checksums.json)."""
    text = resources.files("oneshot_rlvr").joinpath("resources/checksums.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# ----------------------------------------------------------------------------------------------------------
# Fetching


def _read_lock(folder: Path | None) -> dict[str, str]:
    if folder is None:
        return {}
    path = Path(folder) / LOCK_FILENAME
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DataError(f"{path}: unreadable checksum lock file: {exc}") from exc
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise DataError(f"{path}: checksum lock file must map relpaths to hex SHA-256 strings")
    return data


def _write_lock_entry(folder: Path, relpath: str, digest: str) -> None:
    lock = _read_lock(folder)
    lock[relpath] = digest
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(folder / LOCK_FILENAME, json.dumps(dict(sorted(lock.items())), indent=2) + "\n")


def _offline_hint(name: str) -> str:
    return (
        f"could not download dataset {name!r}; are you offline? Pass local_data_dir (config key "
        "`local_data_dir`) pointing at a copy of the data folder instead"
    )


def _open_url(url: str, name: str):
    request = urllib.request.Request(url, headers={"User-Agent": "oneshot-rlvr data fetcher"})
    try:
        return urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT_S)
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise DataError(f"{_offline_hint(name)}: {url}: {reason}") from exc


def _download_to(url: str, name: str, out: Path) -> None:
    with _open_url(url, name) as response, open(out, "wb") as handle:
        try:
            shutil.copyfileobj(response, handle, 1 << 20)
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise DataError(f"{_offline_hint(name)}: {url}: transfer failed: {exc}") from exc


def _download_parquet(url: str, name: str) -> pd.DataFrame:
    with _open_url(url, name) as response:
        try:
            payload = response.read()
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise DataError(f"{_offline_hint(name)}: {url}: transfer failed: {exc}") from exc
    try:
        return pd.read_parquet(io.BytesIO(payload))
    except Exception as exc:  # pyarrow raises several types for a bad payload
        raise DataError(f"{url}: not a readable parquet file: {exc}") from exc


def _as_list(value: Any) -> list:
    return [] if value is None else list(value)


def _convert_arc(name: str, out: Path) -> None:
    (url,) = SOURCE_URLS[name]
    frame = _download_parquet(url, name)
    lines = []
    for position, row in enumerate(frame.to_dict("records")):
        try:
            choices = row["choices"]
            record = {
                "id": str(row["id"]),
                "question": str(row["question"]),
                "choices": {
                    "text": [str(t) for t in _as_list(choices["text"])],
                    "label": [str(t) for t in _as_list(choices["label"])],
                },
                "answerKey": str(row["answerKey"]),
            }
        except (KeyError, TypeError) as exc:
            raise DataError(f"{url}: row {position}: missing field {exc}") from exc
        lines.append(json.dumps(record, separators=(",", ":")))
    _write_lines(out, lines, name, url)


def _convert_math_train(name: str, out: Path) -> None:
    lines = []
    for url in SOURCE_URLS[name]:
        frame = _download_parquet(url, name)
        for position, row in enumerate(frame.to_dict("records")):
            try:
                record = {key: str(row[key]) for key in ("problem", "level", "type", "solution")}
            except KeyError as exc:
                raise DataError(f"{url}: row {position}: missing field {exc}") from exc
            lines.append(json.dumps(record))
    _write_lines(out, lines, name, ", ".join(SOURCE_URLS[name]))


def _write_lines(out: Path, lines: list[str], name: str, source: str) -> None:
    expected = _CONVERTED_ROWS.get(name)
    if expected is not None and len(lines) != expected:
        raise DataError(f"{source}: converted {name!r} has {len(lines)} rows, expected {expected}")
    out.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def _convert_qwen_icl(name: str, out: Path) -> None:
    (url,) = SOURCE_URLS[name]
    with _open_url(url, name) as response:
        try:
            text = response.read().decode("utf-8")
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise DataError(f"{_offline_hint(name)}: {url}: transfer failed: {exc}") from exc
        except UnicodeDecodeError as exc:
            raise DataError(f"{url}: not UTF-8 text ({exc})") from None
    try:
        lines = icl_examples.convert_examples_source(text, url)
    except icl_examples.ExamplesError as exc:
        raise DataError(str(exc)) from None
    _write_lines(out, lines, name, url)


_CONVERTERS: dict[str, Callable[[str, Path], None]] = {
    "arc_e": _convert_arc,
    "arc_c": _convert_arc,
    "math_train": _convert_math_train,
    "qwen_icl": _convert_qwen_icl,
}


def fetch(name: str, dest_dir: Path, local_data_dir: Path | None = None, force: bool = False) -> Path:
    """Put dataset ``name`` at ``dest_dir / relpath_of(name)`` with a verified SHA-256 and return that path.

    Source: with ``local_data_dir`` the file is copied from that folder (same layout as ``dest_dir``);
    without it, it is downloaded (``urllib``, ``DOWNLOAD_TIMEOUT_S`` per request) from ``SOURCE_URLS``:
    the One-Shot-RLVR GitHub repository for DSR-sub, the history, the authors' pi files and the six math
    benchmarks; the Hugging Face datasets ``allenai/ai2_arc`` (test split) and ``EleutherAI/hendrycks_math``
    (train split of the 7 subject configs) for ARC and MATH train, whose parquet files are converted here
    to the JSONL layout of the data folder. No network, or an unreachable host, gives a DataError saying so.

    Checksums: the file is written to a temporary file inside the destination folder, its SHA-256 is
    checked, and only then is it moved into place with ``os.replace``; a mismatch raises a DataError
    naming the file and both hashes and leaves any previous copy untouched. The expected hashes are
    those of ``resources/checksums.json`` (the reference data folder). The ARC and MATH-train conversions
    of the canonical Hugging Face files cannot match those (the reference copies come from public
    exports), so for them trust on first use applies: the first successful *download* records its hash
    in ``dest_dir/checksums.lock.json`` and later fetches must reproduce it (delete the entry to accept a
    new upstream version). The package's recorded checksums always win: a ``checksums.lock.json`` (in
    ``dest_dir`` or ``local_data_dir``) only adds files the package has no checksum for, so a corrupted copy
    shipped with a lock file that vouches for it is refused, and nothing refused is ever recorded as trusted.
    A folder filled by an earlier download of ARC or MATH train is reused as ``dest_dir`` (its own lock),
    not as ``local_data_dir``.

    Nothing is done when the destination already has an accepted hash, unless ``force``. A refused fetch
    leaves no folder behind that it created.
    """
    relpath = relpath_of(name)
    dest_dir = Path(dest_dir)
    target = dest_dir / relpath
    official = known_checksums().get(relpath)
    dest_lock = _read_lock(dest_dir).get(relpath)
    if official is None:
        # A file the package does not know: the locks may vouch for it.
        accepted = {h for h in (dest_lock,) if h}
        if local_data_dir is not None:
            source_lock = _read_lock(Path(local_data_dir)).get(relpath)
            if source_lock:
                accepted.add(source_lock)
    else:
        # The package's checksum wins; only our own trust-on-first-use record of a converted download adds to it.
        accepted = {official}
        if name in CONVERTED_SOURCES and dest_lock:
            accepted.add(dest_lock)

    if target.exists() and not force and sha256_of(target) in accepted:
        return target
    if local_data_dir is not None:
        source = Path(local_data_dir) / relpath
        if not source.is_file():
            raise DataError(f"{source}: file not found (dataset {name!r}, local_data_dir {local_data_dir})")

    created = make_parents(target)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if local_data_dir is not None:
            shutil.copyfile(source, tmp)
            origin = str(source)
        elif name in _CONVERTERS:
            _CONVERTERS[name](name, tmp)
            origin = ", ".join(SOURCE_URLS[name])
        else:
            (url,) = SOURCE_URLS[name]
            _download_to(url, name, tmp)
            origin = url

        digest = sha256_of(tmp)
        trust_first_use = local_data_dir is None and name in CONVERTED_SOURCES and dest_lock is None
        if digest not in accepted and not (trust_first_use or not accepted):
            expected = " or ".join(sorted(accepted))
            kept = f"; kept the previous copy at {target}" if target.exists() else ""
            vouched = ""
            if local_data_dir is not None and _read_lock(Path(local_data_dir)).get(relpath) == digest:
                vouched = f" ({Path(local_data_dir) / LOCK_FILENAME} cannot override the package's checksum)"
            raise DataError(
                f"checksum mismatch for {relpath} (from {origin}): expected sha256 {expected}, got {digest}"
                f"{vouched}{kept}"
            )
        commit(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        remove_empty(created)
        raise
    if digest != official and digest != dest_lock:
        _write_lock_entry(dest_dir, relpath, digest)
    return target


# ----------------------------------------------------------------------------------------------------------
# Benchmarks


def _read_jsonl(path: Path) -> Iterable[tuple[int, dict]]:
    """Yield (1-based line number, object) for each non-blank line."""
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"{path}:{number}: invalid JSON: {exc}") from exc
            if not isinstance(obj, dict):
                raise DataError(f"{path}:{number}: expected a JSON object, got {type(obj).__name__}")
            yield number, obj


def _field(row: Mapping, key: str, path: Path, line: int) -> Any:
    value = row.get(key)
    if value is None:
        raise DataError(f"{path}:{line}: missing field {key!r}")
    return value


def boxed_answer(solution: str) -> str | None:
    """Final answer of a reference solution: the last ``\\boxed{...}``, also accepting ``\\boxed 9``."""
    start = solution.rfind("\\boxed")
    if start >= 0:
        rest = solution[start + len("\\boxed") :]
        if rest.startswith(" "):  # "\boxed 2$." (two MATH-train solutions are written this way)
            token = rest.lstrip().split("$")[0].strip()
            return token or None
    return last_boxed(solution)


def _number_text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _question_of(row: Mapping, gold: str, path: Path, line: int) -> str:
    for key in ("question", "problem", "Question", "input"):
        value = row.get(key)
        if isinstance(value, str):
            question = value.strip()
            break
    else:
        raise DataError(f"{path}:{line}: missing field 'question' (or 'problem', 'Question', 'input')")
    if gold.lower() in ("true", "false"):
        question += " (True or False)"
    elif gold.lower() in ("yes", "no"):
        question += " (Yes or No)"
    return question


def _gold_of(name: str, row: Mapping, path: Path, line: int) -> str:
    if name in ("math500", "minerva_math"):
        solution = _field(row, "solution", path, line)
        gold = boxed_answer(str(solution))
        if gold is None:
            raise DataError(f"{path}:{line}: no \\boxed{{}} answer in field 'solution'")
        return gold
    if name == "olympiadbench":
        final = _field(row, "final_answer", path, line)
        if not isinstance(final, list) or not final:
            raise DataError(f"{path}:{line}: field 'final_answer' must be a non-empty list")
        return str(final[0]).strip("$")
    return _number_text(_field(row, "answer", path, line))


def _row_id(row: Mapping, fallback: int) -> str:
    for key in ("unique_id", "id", "idx"):
        if row.get(key) is not None:
            return str(row[key])
    return str(fallback)


def _math_row(name: str, row: Mapping, path: Path, line: int, position: int) -> dict:
    gold = _gold_of(name, row, path, line)
    subject = row.get("subject") or row.get("type") or row.get("subfield")
    level = row.get("level")
    return {
        "id": _row_id(row, position),
        "question": _question_of(row, gold, path, line),
        "answer": gold,
        "subject": None if subject is None else str(subject),
        "level": None if level is None else str(level),
    }


def _arc_letter(label: str) -> str:
    label = str(label).strip()
    if label.isdigit() and 1 <= int(label) <= 26:
        return chr(ord("A") + int(label) - 1)
    return label.upper()


def _arc_row(row: Mapping, path: Path, line: int, position: int) -> dict:
    stem = str(_field(row, "question", path, line)).strip()
    choices = _field(row, "choices", path, line)
    if not isinstance(choices, Mapping):
        raise DataError(f"{path}:{line}: field 'choices' must be an object with 'text' and 'label'")
    texts = _field(choices, "text", path, line)
    labels = _field(choices, "label", path, line)
    if len(texts) != len(labels) or not texts:
        raise DataError(f"{path}:{line}: 'choices.text' and 'choices.label' differ in length or are empty")
    letters = [_arc_letter(label) for label in labels]
    if letters != [chr(ord("A") + i) for i in range(len(letters))]:
        raise DataError(f"{path}:{line}: unexpected choice labels {labels}")
    mapping = dict(zip((str(label).strip() for label in labels), letters, strict=True))
    key = str(_field(row, "answerKey", path, line)).strip()
    if key not in mapping:
        raise DataError(f"{path}:{line}: answerKey {key!r} is not one of the labels {labels}")
    texts = [str(text).strip() for text in texts]
    body = "\n".join(f"{letter}. {text}" for letter, text in zip(letters, texts, strict=True))
    return {
        "id": _row_id(row, position),
        "question": f"{stem}\n{body}",
        "answer": mapping[key],
        "subject": None,
        "level": None,
        "choices": texts,
    }


def load_benchmark(name: str, data_dir: Path, limit: int | None = None) -> list[dict]:
    """Normalised test rows of benchmark ``name`` read from ``data_dir / benchmark_relpath(name)``.

    Each row is ``{"id", "question", "answer", "subject", "level"}`` (strings; subject/level may be None).
    The question is the first present key of question/problem/Question/input, stripped (as Qwen2.5-Eval's
    ``parse_question``; a " (True or False)" / " (Yes or No)" hint is appended for such answers). The gold
    answer follows ``parse_ground_truth``: the last ``\\boxed{}`` of ``solution`` for math500 and
    minerva_math, ``final_answer[0].strip("$")`` for olympiadbench, ``str(answer)`` for aime24/aime25/amc23
    (integer-valued floats such as 27.0 give "27"). It is not yet passed through ``strip_string``.

    ARC rows: the question is the stem followed by one ``"A. text"`` line per choice, the answer is the
    letter of ``answerKey`` (numeric labels 1-4 become A-D, position by position), and ``"choices"`` is
    the list of choice texts in letter order.

    Other benchmarks (``benchmarks/<name>/test.jsonl``, e.g. the testbed's) are read like AIME: ``question`` and
    ``answer``, with ``subject`` and ``level`` when present.

    ``limit`` keeps the first N rows.
    """
    if limit is not None and limit < 0:
        raise DataError(f"limit must be >= 0, got {limit}")
    path = Path(data_dir) / benchmark_relpath(name)
    if name not in ALL_BENCHMARKS and not path.is_file():
        raise DataError(
            f"unknown benchmark {name!r}: not one of the paper's ({', '.join(ALL_BENCHMARKS)}) and no file {path}"
        )
    rows: list[dict] = []
    for line, raw in _read_jsonl(path):
        if limit is not None and len(rows) >= limit:
            break
        if name in ARC_BENCHMARKS:
            rows.append(_arc_row(raw, path, line, len(rows)))
        else:
            rows.append(_math_row(name, raw, path, line, len(rows)))
    if not rows and limit != 0:
        raise DataError(f"{path}: no rows")
    return rows


# ----------------------------------------------------------------------------------------------------------
# Training data (verl format)


def load_verl_parquet(path: Path) -> pd.DataFrame:
    """A verl-format parquet file (DSR-sub or the authors' pi / merge files), with its columns validated."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for a bad file
        raise DataError(f"{path}: not a readable parquet file: {exc}") from exc
    missing = [column for column in VERL_COLUMNS if column not in frame.columns]
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(missing)} (verl needs {list(VERL_COLUMNS)})")
    if frame.empty:
        raise DataError(f"{path}: dataset is empty")
    return frame


def load_dsr_sub(data_dir: Path) -> pd.DataFrame:
    """DSR-sub (``dsr_sub/dsr_sub.parquet``) as a verl-format DataFrame (1209 rows in the paper's copy)."""
    return load_verl_parquet(Path(data_dir) / relpath_of("dsr_sub"))


def load_math_train(data_dir: Path) -> pd.DataFrame:
    """Hendrycks MATH train converted to DSR-sub's verl format.

    prompt = ``[{"role": "user", "content": problem + INSTRUCTION_SUFFIX}]``, reward_model =
    ``{"style": "rule", "ground_truth": last boxed answer of the solution}``, extra_info =
    ``{"index": i, "split": "train"}`` with i the row position, data_source "math_train", ability "math".
    Two solutions of the 7500 (number_theory 7115 and 7117) end in an empty ``\\boxed{}``; they are kept
    with an empty ground truth (row positions stay aligned with the file); filter on it where that matters.
    """
    path = Path(data_dir) / relpath_of("math_train")
    records = []
    for line, row in _read_jsonl(path):
        problem = str(_field(row, "problem", path, line))
        solution = str(_field(row, "solution", path, line))
        gold = boxed_answer(solution)
        if gold is None:
            raise DataError(f"{path}:{line}: no \\boxed{{}} answer in field 'solution'")
        records.append(
            {
                "data_source": "math_train",
                "prompt": [{"role": "user", "content": problem + INSTRUCTION_SUFFIX}],
                "ability": "math",
                "reward_model": {"style": "rule", "ground_truth": gold},
                "extra_info": {"index": len(records), "split": "train"},
            }
        )
    if not records:
        raise DataError(f"{path}: dataset is empty")
    return pd.DataFrame.from_records(records, columns=list(VERL_COLUMNS))


# History keys are DSR-sub indices written as canonical integers ("7", never "007", "7.0" or "+7").
_HISTORY_KEY = re.compile(r"^-?(0|[1-9][0-9]{0,17})$")


def load_history(path: Path) -> dict[str, list[float]]:
    """The training-accuracy history (``acc_step_500.json``): DSR-sub index -> per-step accuracies.

    Key order is the file's (insertion) order, which the std ranking uses to break ties. Keys must be canonical
    integers (so "7" and "007" cannot both stand for example 7) and every accuracy a number in [0, 1]; an empty
    list is kept here (nothing to score: `selection.rank_examples` refuses it).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found")

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise DataError(f"{path}: duplicate key {key!r}")
            out[key] = value
        return out

    try:
        data = json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=no_duplicates)
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: invalid JSON: {exc}") from exc
    except (ValueError, RecursionError) as exc:  # an integer past Python's digit limit, nesting past the stack
        raise DataError(f"{path}: invalid JSON: {' '.join(str(exc).split())[:200]}") from None
    if not isinstance(data, dict):
        raise DataError(f"{path}: expected a JSON object mapping index -> list of accuracies")
    if not data:
        raise DataError(f"{path}: history is empty")
    history: dict[str, list[float]] = {}
    for key, values in data.items():
        if not _HISTORY_KEY.match(key):
            raise DataError(f"{path}: key {key[:40]!r}: not a DSR-sub index (a canonical integer such as '7')")
        if not isinstance(values, list):
            raise DataError(f"{path}: key {key!r}: expected a list of numbers, got {type(values).__name__}")
        for position, value in enumerate(values):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise DataError(f"{path}: key {key!r}, entry {position}: not a finite number: {value!r}")
            if isinstance(value, float) and not math.isfinite(value):
                raise DataError(f"{path}: key {key!r}, entry {position}: not a finite number: {value!r}")
            if not 0 <= value <= 1:  # compared exactly: a 400-digit integer must not reach float()
                shown = repr(value) if len(repr(value)) <= 40 else f"{repr(value)[:20]}... ({len(repr(value))} chars)"
                raise DataError(f"{path}: key {key!r}, entry {position}: accuracy {shown} is outside [0, 1]")
        history[key] = [float(value) for value in values]
    return history


def _plain_messages(prompt: Any, row: int) -> list[dict]:
    if isinstance(prompt, str) or not hasattr(prompt, "__iter__"):
        raise DataError(f"row {row}: 'prompt' must be a list of chat messages, got {type(prompt).__name__}")
    messages = []
    for message in prompt:
        if not isinstance(message, Mapping) or "role" not in message or "content" not in message:
            raise DataError(f"row {row}: each prompt message needs 'role' and 'content'")
        messages.append({"role": str(message["role"]), "content": str(message["content"])})
    if not messages:
        raise DataError(f"row {row}: empty prompt")
    return messages


def verl_rows_to_records(df: pd.DataFrame) -> list[dict]:
    """Flatten verl rows to ``{"prompt": [messages], "answer": ground_truth, "index": extra_info.index}``."""
    missing = [column for column in ("prompt", "reward_model", "extra_info") if column not in df.columns]
    if missing:
        raise DataError(f"missing column(s) {', '.join(missing)}")
    records = []
    for row, (prompt, reward, extra) in enumerate(zip(df["prompt"], df["reward_model"], df["extra_info"], strict=True)):
        if not isinstance(reward, Mapping) or reward.get("ground_truth") is None:
            raise DataError(f"row {row}: missing reward_model.ground_truth")
        if not isinstance(extra, Mapping) or extra.get("index") is None:
            raise DataError(f"row {row}: missing extra_info.index")
        records.append(
            {
                "prompt": _plain_messages(prompt, row),
                "answer": str(reward["ground_truth"]),
                "index": _example_index(extra["index"], row),
            }
        )
    return records


def _example_index(value: Any, row: int) -> int:
    """extra_info.index as an int; 1.5 or "7a" is refused, not truncated to another example's index."""
    try:
        index = int(value)
        exact = float(value) == index if not isinstance(value, str) else str(index) == value.strip()
    except (TypeError, ValueError, OverflowError):
        exact = False
    if isinstance(value, bool) or not exact:
        raise DataError(f"row {row}: extra_info.index {str(value)[:40]!r} is not an integer")
    return index
