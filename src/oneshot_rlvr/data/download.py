"""Fetching a dataset into a data folder: copied from a local copy or downloaded (and, for ARC, MATH train and the
Qwen demonstrations, converted to JSONL), always checked against its SHA-256 before it becomes visible."""

from __future__ import annotations

import io
import json
import shutil
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from oneshot_rlvr import icl_examples
from oneshot_rlvr.data.checksums import LOCK_FILENAME, known_checksums, read_lock, sha256_of, write_lock_entry
from oneshot_rlvr.data.sources import CONVERTED_SOURCES, SOURCE_URLS, DataError, relpath_of
from oneshot_rlvr.io import atomic_write_bytes_from, make_parents, remove_empty

if TYPE_CHECKING:  # pandas is 0.7 s of a command-line start: the functions that read or build frames import it
    import pandas as pd

DOWNLOAD_TIMEOUT_S = 60.0
# Row counts of the converted downloads; a conversion that does not give them is refused.
_CONVERTED_ROWS = {"arc_e": 2376, "arc_c": 1172, "math_train": 7500, "qwen_icl": icl_examples.ROWS}


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
    import pandas as pd
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
    checked, and only then is it moved into place (``io.atomic_write_bytes_from``); a mismatch raises a DataError
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
    dest_lock = read_lock(dest_dir).get(relpath)
    if official is None:
        # A file the package does not know: the locks may vouch for it.
        accepted = {h for h in (dest_lock,) if h}
        if local_data_dir is not None:
            source_lock = read_lock(Path(local_data_dir)).get(relpath)
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
    digest = ""

    def write_verified(tmp: str) -> None:
        nonlocal digest
        if local_data_dir is not None:
            shutil.copyfile(source, tmp)
            origin = str(source)
        elif name in _CONVERTERS:
            _CONVERTERS[name](name, Path(tmp))
            origin = ", ".join(SOURCE_URLS[name])
        else:
            (url,) = SOURCE_URLS[name]
            _download_to(url, name, Path(tmp))
            origin = url
        digest = sha256_of(Path(tmp))
        trust_first_use = local_data_dir is None and name in CONVERTED_SOURCES and dest_lock is None
        if digest not in accepted and not (trust_first_use or not accepted):
            expected = " or ".join(sorted(accepted))
            kept = f"; kept the previous copy at {target}" if target.exists() else ""
            vouched = ""
            if local_data_dir is not None and read_lock(Path(local_data_dir)).get(relpath) == digest:
                vouched = f" ({Path(local_data_dir) / LOCK_FILENAME} cannot override the package's checksum)"
            raise DataError(
                f"checksum mismatch for {relpath} (from {origin}): expected sha256 {expected}, got {digest}"
                f"{vouched}{kept}"
            )

    try:
        atomic_write_bytes_from(target, write_verified, suffix=".tmp")
    except BaseException:
        remove_empty(created)
        raise
    if digest != official and digest != dest_lock:
        write_lock_entry(dest_dir, relpath, digest)
    return target

