"""Tests of oneshot_rlvr.data against the real data folder (fixture ``shared_data``)."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from oneshot_rlvr import data
from oneshot_rlvr.data import DataError

EXPECTED_ROWS = {
    "math500": 500,
    "aime24": 30,
    "amc23": 40,
    "minerva_math": 272,
    "olympiadbench": 675,
    "aime25": 30,
    "arc_e": 2376,
    "arc_c": 1172,
}


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def _fake_urlopen(payloads: dict[str, bytes], seen: list[str] | None = None):
    def urlopen(request, timeout=None):
        assert timeout is not None and timeout > 0, "downloads must use a timeout"
        url = request.full_url if isinstance(request, urllib.request.Request) else request
        if seen is not None:
            seen.append(url)
        if url not in payloads:
            raise urllib.error.URLError("no route to host")
        return io.BytesIO(payloads[url])

    return urlopen


# ---------------------------------------------------------------------------------------------- constants


def test_constants():
    assert data.MATH_BENCHMARKS == ("math500", "aime24", "amc23", "minerva_math", "olympiadbench", "aime25")
    assert data.ALL_BENCHMARKS == data.MATH_BENCHMARKS + ("arc_e", "arc_c")
    assert data.TRAIN_SOURCES == ("dsr_sub", "math_train", "history")
    assert data.INSTRUCTION_SUFFIX == " Let's think step by step and output the final answer within \\boxed{}."
    assert issubclass(DataError, ValueError)


def test_relpaths_match_shared_layout(shared_data):
    assert data.relpath_of("math500") == "benchmarks/math500/test.jsonl"
    assert data.relpath_of("arc_e") == "arc/ARC-Easy-test.jsonl"
    assert data.relpath_of("arc_c") == "arc/ARC-Challenge-test.jsonl"
    assert data.relpath_of("dsr_sub") == "dsr_sub/dsr_sub.parquet"
    assert data.relpath_of("history") == "dsr_sub/acc_step_500.json"
    assert data.relpath_of("math_train") == "math_train/math_train.jsonl"
    assert data.relpath_of("pi1_r128") == "dsr_sub/pi1_r128.parquet"
    for name in data.RELPATHS:
        assert (shared_data / data.relpath_of(name)).is_file(), name
    with pytest.raises(DataError, match="nope"):
        data.relpath_of("nope")


def test_checksums_cover_every_file_and_match_shared(shared_data):
    checksums = data.known_checksums()
    assert set(checksums) == set(data.RELPATHS.values())
    readme = (shared_data / "README.md").read_text(encoding="utf-8")
    for relpath, digest in checksums.items():
        assert f"{digest}  {relpath}" in readme
    # hashing the small files is cheap; the big ones are covered by the fetch tests
    for name in ("aime24", "amc23", "pi1_r128"):
        assert data.sha256_of(shared_data / data.relpath_of(name)) == checksums[data.relpath_of(name)]


def test_source_url_table_shape():
    assert set(data.SOURCE_URLS) == set(data.RELPATHS)
    raw = "https://raw.githubusercontent.com/ypwang61/One-Shot-RLVR/main/"
    for name, urls in data.SOURCE_URLS.items():
        assert isinstance(urls, tuple) and urls
        assert all(url.startswith("https://") for url in urls)
        if name == "qwen_icl":  # the evaluation's examples.py, converted to JSONL
            assert urls == (raw + "Qwen2.5-Eval/evaluation/examples.py",)
        elif name in data.CONVERTED_SOURCES:
            assert all(url.startswith("https://huggingface.co/datasets/") for url in urls)
            assert all(url.endswith(".parquet") for url in urls)
        else:
            assert len(urls) == 1 and urls[0].startswith(raw)
    assert data.SOURCE_URLS["math500"][0] == raw + "Qwen2.5-Eval/evaluation/data/math500/test.jsonl"
    assert data.SOURCE_URLS["dsr_sub"][0] == raw + "data/train/one_shot_rlvr/dsr_sub.parquet"
    assert data.SOURCE_URLS["history"][0] == raw + "data/acc_step_500.json"
    assert data.SOURCE_URLS["pi13_r128"][0] == raw + "data/train/one_shot_rlvr/pi13_r128.parquet"
    assert "allenai/ai2_arc" in data.SOURCE_URLS["arc_e"][0] and "/ARC-Easy/" in data.SOURCE_URLS["arc_e"][0]
    assert "/ARC-Challenge/" in data.SOURCE_URLS["arc_c"][0]
    math_urls = data.SOURCE_URLS["math_train"]
    assert len(math_urls) == 7 and all("EleutherAI/hendrycks_math" in u and "/train-" in u for u in math_urls)


# ---------------------------------------------------------------------------------------------- benchmarks


@pytest.mark.parametrize("name", list(EXPECTED_ROWS))
def test_benchmark_row_counts_and_shape(shared_data, name):
    rows = data.load_benchmark(name, shared_data)
    assert len(rows) == EXPECTED_ROWS[name]
    for row in rows:
        assert {"id", "question", "answer", "subject", "level"} <= set(row)
        assert isinstance(row["id"], str) and isinstance(row["question"], str) and row["question"]
        assert isinstance(row["answer"], str) and row["answer"]
        assert row["question"] == row["question"].strip()
    assert len({row["id"] for row in rows}) == len(rows)


def test_benchmark_limit(shared_data):
    full = data.load_benchmark("math500", shared_data)
    assert data.load_benchmark("math500", shared_data, limit=7) == full[:7]
    assert data.load_benchmark("aime24", shared_data, limit=0) == []
    assert len(data.load_benchmark("arc_c", shared_data, limit=1000)) == 1000
    with pytest.raises(DataError):
        data.load_benchmark("math500", shared_data, limit=-1)


def test_gold_math500_is_last_boxed_of_solution(shared_data):
    rows = data.load_benchmark("math500", shared_data)
    raw = [json.loads(line) for line in (shared_data / data.relpath_of("math500")).open()]
    assert rows[0]["answer"] == "\\left( 3, \\frac{\\pi}{2} \\right)"
    assert rows[0]["question"] == raw[0]["problem"].strip()
    assert rows[0]["subject"] == "Precalculus" and rows[0]["level"] == "2"
    assert rows[0]["id"] == "test/precalculus/807.json"
    # in this copy the boxed answer and the `answer` field agree on all 500 rows
    assert [row["answer"] for row in rows] == [r["answer"] for r in raw]


def test_gold_other_benchmarks(shared_data):
    amc = data.load_benchmark("amc23", shared_data)
    assert amc[0]["answer"] == "27"
    assert all(not row["answer"].endswith(".0") for row in amc)
    assert "-1" in {row["answer"] for row in amc}
    assert amc[0]["question"].startswith("Cities $A$ and $B$ are $45$ miles apart.")

    olympiad = data.load_benchmark("olympiadbench", shared_data)
    assert olympiad[0]["answer"] == "2" and olympiad[0]["subject"] == "Combinatorics"
    assert olympiad[1]["answer"] == "\\frac{1}{2 n+2}"  # final_answer[0] was "$\frac{1}{2 n+2}$"
    assert not any(row["answer"].startswith("$") or row["answer"].endswith("$") for row in olympiad)

    aime24 = data.load_benchmark("aime24", shared_data)
    assert aime24[0]["answer"] == "204" and aime24[0]["id"] == "60"
    assert data.load_benchmark("aime25", shared_data)[0]["answer"] == "70"

    minerva = data.load_benchmark("minerva_math", shared_data)
    assert [row["answer"] for row in minerva[1:3]] == ["4.5e33", "41.8"]
    assert minerva[0]["subject"].startswith("Introduction to Astronomy")


def test_question_key_priority_and_float_answers(tmp_path):
    rows = [
        {"problem": "P only", "answer": 3.0},
        {"question": "  Q wins  ", "problem": "P loses", "answer": 2.5},
        {"Question": "capital Q", "answer": "True"},
        {"input": "input key", "answer": 12},
    ]
    _write_jsonl(tmp_path / data.relpath_of("aime25"), rows)
    got = data.load_benchmark("aime25", tmp_path)
    assert [row["question"] for row in got] == ["P only", "Q wins", "capital Q (True or False)", "input key"]
    assert [row["answer"] for row in got] == ["3", "2.5", "True", "12"]
    assert [row["id"] for row in got] == ["0", "1", "2", "3"]


def test_arc_numeric_labels_real_row(shared_data):
    rows = data.load_benchmark("arc_e", shared_data)
    row = next(r for r in rows if r["id"] == "NYSEDREGENTS_2015_8_28")  # labels 1-4, answerKey "2"
    assert row["answer"] == "B"
    assert row["choices"] == ["air", "elements", "water", "soil"]
    assert row["question"] == "All living and nonliving material is composed of\nA. air\nB. elements\nC. water\nD. soil"
    for name in data.ARC_BENCHMARKS:
        for r in data.load_benchmark(name, shared_data):
            letters = [chr(ord("A") + i) for i in range(len(r["choices"]))]
            assert r["answer"] in letters
            assert r["question"].splitlines()[-len(letters) :] == [
                f"{letter}. {text}" for letter, text in zip(letters, r["choices"], strict=True)
            ]
    assert {len(r["choices"]) for r in data.load_benchmark("arc_c", shared_data)} == {3, 4, 5}


def test_arc_label_mapping_synthetic(tmp_path):
    rows = [
        {
            "id": "n",
            "question": "Q1",
            "choices": {"text": ["a", "b", "c", "d"], "label": ["1", "2", "3", "4"]},
            "answerKey": "3",
        },
        {
            "id": "e",
            "question": "Q2",
            "choices": {"text": list("abcde"), "label": list("ABCDE")},
            "answerKey": "E",
        },
        {
            "id": "t",
            "question": "Q3",
            "choices": {"text": ["x", "y", "z"], "label": ["1", "2", "3"]},
            "answerKey": "1",
        },
    ]
    _write_jsonl(tmp_path / data.relpath_of("arc_c"), rows)
    got = data.load_benchmark("arc_c", tmp_path)
    assert [row["answer"] for row in got] == ["C", "E", "A"]
    assert got[0]["question"] == "Q1\nA. a\nB. b\nC. c\nD. d"
    assert got[2]["choices"] == ["x", "y", "z"]

    rows[1]["answerKey"] = "F"
    _write_jsonl(tmp_path / data.relpath_of("arc_c"), rows)
    with pytest.raises(DataError, match=r"ARC-Challenge-test\.jsonl:2: answerKey 'F'"):
        data.load_benchmark("arc_c", tmp_path)


def test_benchmark_errors(tmp_path):
    with pytest.raises(DataError, match=r"benchmarks/math500/test\.jsonl: file not found"):
        data.load_benchmark("math500", tmp_path)
    with pytest.raises(DataError, match="unknown benchmark"):
        data.load_benchmark("gsm8k", tmp_path)

    path = _write_jsonl(tmp_path / data.relpath_of("aime24"), [{"problem": "a", "answer": "1"}, {"problem": "b"}])
    with pytest.raises(DataError) as info:
        data.load_benchmark("aime24", tmp_path)
    assert f"{path}:2" in str(info.value) and "'answer'" in str(info.value)

    _write_jsonl(tmp_path / data.relpath_of("math500"), [{"problem": "p", "solution": "no box here"}])
    with pytest.raises(DataError, match=r"test\.jsonl:1: no \\boxed"):
        data.load_benchmark("math500", tmp_path)

    _write_jsonl(tmp_path / data.relpath_of("olympiadbench"), [{"question": "q", "final_answer": []}])
    with pytest.raises(DataError, match=r":1: field 'final_answer'"):
        data.load_benchmark("olympiadbench", tmp_path)

    bad = tmp_path / data.relpath_of("amc23")
    bad.parent.mkdir(parents=True)
    bad.write_text('{"question": "q", "answer": 1.0}\n\n{not json\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"amc23/test\.jsonl:3: malformed JSON line"):
        data.load_benchmark("amc23", tmp_path)

    _write_jsonl(tmp_path / data.relpath_of("aime25"), [{"answer": "5"}])
    with pytest.raises(DataError, match=r"aime25/test\.jsonl:1: missing field 'question'"):
        data.load_benchmark("aime25", tmp_path)


# ---------------------------------------------------------------------------------------------- training data


def test_dsr_sub(shared_data):
    frame = data.load_dsr_sub(shared_data)
    assert len(frame) == 1209
    assert list(frame.columns[:5]) == list(data.VERL_COLUMNS)
    records = data.verl_rows_to_records(frame)
    assert len(records) == 1209
    assert [r["index"] for r in records] == list(range(1209))
    first = records[0]
    assert first["answer"] == "\\frac{3}{7}"
    assert first["prompt"] == [
        {
            "role": "user",
            "content": "Find the probability that a monkey typing randomly on a typewriter "
            "will type the string 'abc' before 'aaa'." + data.INSTRUCTION_SUFFIX,
        }
    ]
    assert all(r["prompt"][0]["content"].endswith(data.INSTRUCTION_SUFFIX) for r in records)
    json.dumps(records[:3])  # plain Python objects


def test_author_pi_files(shared_data):
    pi1 = data.verl_rows_to_records(data.load_verl_parquet(shared_data / data.relpath_of("pi1_r128")))
    assert len(pi1) == 128 and {r["index"] for r in pi1} == {124} and {r["answer"] for r in pi1} == {"12.8"}
    merged = data.load_verl_parquet(shared_data / data.relpath_of("merge_pi1_pi2_pi13_pi1209_r128"))
    assert "source_file" in merged.columns and len(merged) == 128


def test_math_train(shared_data):
    frame = data.load_math_train(shared_data)
    assert len(frame) == 7500
    assert list(frame.columns) == list(data.VERL_COLUMNS)
    assert set(frame["data_source"]) == {"math_train"}
    raw = json.loads((shared_data / data.relpath_of("math_train")).open().readline())
    row = frame.iloc[0]
    assert row["prompt"] == [{"role": "user", "content": raw["problem"] + data.INSTRUCTION_SUFFIX}]
    assert row["reward_model"] == {"style": "rule", "ground_truth": "0"}
    assert row["extra_info"] == {"index": 0, "split": "train"}
    records = data.verl_rows_to_records(frame)
    assert [r["index"] for r in records] == list(range(7500))
    # two MATH-train solutions end in an empty "\boxed{}" (number_theory 7115 and 7117): kept, empty answer
    empty = [r for r in records if not r["answer"]]
    assert len(empty) == 2


def test_boxed_answer_variants():
    assert data.boxed_answer("so $x = \\boxed{\\frac{1}{2}}$.") == "\\frac{1}{2}"
    assert data.boxed_answer("first \\boxed{1} then \\boxed{{2}+3}") == "{2}+3"
    assert data.boxed_answer("our answer is $\\boxed 2$.") == "2"  # two MATH-train solutions
    assert data.boxed_answer("nothing") is None


def test_verl_errors(tmp_path, shared_data):
    frame = pd.read_parquet(shared_data / data.relpath_of("pi1_r128"))
    target = tmp_path / data.relpath_of("dsr_sub")
    target.parent.mkdir(parents=True)
    frame.drop(columns=["reward_model"]).to_parquet(target)
    with pytest.raises(DataError) as info:
        data.load_dsr_sub(tmp_path)
    assert str(target) in str(info.value) and "reward_model" in str(info.value)

    frame.iloc[:0].to_parquet(target)
    with pytest.raises(DataError, match="empty"):
        data.load_dsr_sub(tmp_path)

    target.write_bytes(b"not parquet")
    with pytest.raises(DataError, match="dsr_sub.parquet"):
        data.load_dsr_sub(tmp_path)

    with pytest.raises(DataError, match="file not found"):
        data.load_dsr_sub(tmp_path / "elsewhere")

    broken = pd.DataFrame(
        {"prompt": [[{"role": "user", "content": "x"}]], "reward_model": [{}], "extra_info": [{"index": 0}]}
    )
    with pytest.raises(DataError, match="row 0: missing reward_model.ground_truth"):
        data.verl_rows_to_records(broken)

    _write_jsonl(tmp_path / data.relpath_of("math_train"), [])
    with pytest.raises(DataError, match="empty"):
        data.load_math_train(tmp_path)
    _write_jsonl(tmp_path / data.relpath_of("math_train"), [{"problem": "p", "solution": "\\boxed{1}"}, {}])
    with pytest.raises(DataError, match=r"math_train\.jsonl:2: missing field 'problem'"):
        data.load_math_train(tmp_path)


# ---------------------------------------------------------------------------------------------- history


def test_history(shared_data):
    history = data.load_history(shared_data / data.relpath_of("history"))
    assert list(history)[:5] == ["1033", "324", "1003", "89", "832"]
    assert len(history) == 1209 and set(history) == {str(i) for i in range(1209)}
    assert sum(len(v) for v in history.values()) == 64000
    assert all(isinstance(x, float) and 0.0 <= x <= 1.0 for v in history.values() for x in v)


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ('{"5": [0.5], "7": 0.25}', "key '7'"),
        ('{"5": [0.5, "x"]}', "key '5', entry 1"),
        ('{"5": [true]}', "key '5', entry 0"),
        ('{"5": [0.5], "5": [1.0]}', "duplicate key '5'"),
        ("[0.5]", "JSON object"),
        ("{}", "empty"),
        ("{oops", "invalid JSON"),
    ],
)
def test_history_errors(tmp_path, text, pattern):
    path = tmp_path / "acc.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=pattern) as info:
        data.load_history(path)
    assert str(path) in str(info.value)


def test_history_keeps_order_of_small_file(tmp_path):
    path = tmp_path / "acc.json"
    path.write_text('{"9": [0, 1], "2": [0.125], "10": []}', encoding="utf-8")
    assert data.load_history(path) == {"9": [0.0, 1.0], "2": [0.125], "10": []}
    assert list(data.load_history(path)) == ["9", "2", "10"]
    with pytest.raises(DataError, match="file not found"):
        data.load_history(tmp_path / "missing.json")


# ---------------------------------------------------------------------------------------------- fetch


def _no_tmp_files(folder: Path) -> bool:
    return not [p for p in folder.rglob("*.tmp")]


def test_fetch_from_local_copy(tmp_path, shared_data, monkeypatch):
    dest = tmp_path / "data"
    for name in ("aime24", "dsr_sub", "history", "arc_c"):
        path = data.fetch(name, dest, local_data_dir=shared_data)
        assert path == dest / data.relpath_of(name)
        assert data.sha256_of(path) == data.known_checksums()[data.relpath_of(name)]
    assert len(data.load_benchmark("aime24", dest)) == 30
    assert not (dest / data.LOCK_FILENAME).exists()  # all matched the official checksums
    assert _no_tmp_files(dest)

    # a good copy is not fetched again unless forced
    def boom(*args, **kwargs):
        raise AssertionError("should not copy")

    monkeypatch.setattr(data.download.shutil, "copyfile", boom)
    assert data.fetch("aime24", dest, local_data_dir=shared_data) == dest / "benchmarks/aime24/test.jsonl"
    with pytest.raises(AssertionError):
        data.fetch("aime24", dest, local_data_dir=shared_data, force=True)
    assert _no_tmp_files(dest)


def test_fetch_refuses_corrupted_source_and_keeps_good_copy(tmp_path, shared_data):
    relpath = data.relpath_of("amc23")
    bad_src = tmp_path / "bad"
    (bad_src / relpath).parent.mkdir(parents=True)
    good_bytes = (shared_data / relpath).read_bytes()
    (bad_src / relpath).write_bytes(good_bytes.replace(b"27.0", b"28.0", 1))
    bad_hash = data.sha256_of(bad_src / relpath)
    good_hash = data.known_checksums()[relpath]

    dest = tmp_path / "dest"
    # without a previous copy: refused, nothing left behind
    with pytest.raises(DataError) as info:
        data.fetch("amc23", dest, local_data_dir=bad_src)
    message = str(info.value)
    assert relpath in message and good_hash in message and bad_hash in message
    assert not (dest / relpath).exists() and _no_tmp_files(dest)

    # with a previous good copy: refused, previous copy kept byte for byte
    data.fetch("amc23", dest, local_data_dir=shared_data)
    with pytest.raises(DataError, match="kept the previous copy"):
        data.fetch("amc23", dest, local_data_dir=bad_src, force=True)
    assert (dest / relpath).read_bytes() == good_bytes
    assert _no_tmp_files(dest)

    # a damaged destination copy is replaced by a good one
    (dest / relpath).write_bytes(b"damaged")
    data.fetch("amc23", dest, local_data_dir=shared_data)
    assert (dest / relpath).read_bytes() == good_bytes

    with pytest.raises(DataError, match="file not found"):
        data.fetch("aime25", dest, local_data_dir=bad_src)


def test_fetch_offline_gives_clear_error(tmp_path, monkeypatch):
    def unreachable(request, timeout=None):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(urllib.request, "urlopen", unreachable)
    for name in ("math500", "dsr_sub", "arc_e", "math_train"):
        with pytest.raises(DataError) as info:
            data.fetch(name, tmp_path)
        message = str(info.value)
        assert "offline" in message and "local_data_dir" in message and name in message
        assert data.SOURCE_URLS[name][0] in message
    assert not (tmp_path / data.relpath_of("math500")).exists()
    assert _no_tmp_files(tmp_path)


def test_fetch_download_verifies_official_checksum(tmp_path, shared_data, monkeypatch):
    relpath = data.relpath_of("aime25")
    url = data.SOURCE_URLS["aime25"][0]
    good = (shared_data / relpath).read_bytes()
    seen: list[str] = []
    monkeypatch.setattr(urllib.request, "urlopen", _fake_urlopen({url: good}, seen))
    path = data.fetch("aime25", tmp_path)
    assert seen == [url] and path.read_bytes() == good

    monkeypatch.setattr(urllib.request, "urlopen", _fake_urlopen({url: good + b"\n"}))
    with pytest.raises(DataError, match="checksum mismatch for benchmarks/aime25/test.jsonl"):
        data.fetch("aime25", tmp_path, force=True)
    assert path.read_bytes() == good and _no_tmp_files(tmp_path)


def _parquet_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def test_fetch_converted_arc_trust_on_first_use(tmp_path, shared_data, monkeypatch):
    source_rows = [json.loads(line) for line in (shared_data / data.relpath_of("arc_c")).open()]
    url = data.SOURCE_URLS["arc_c"][0]
    payload = _parquet_bytes(pd.DataFrame(source_rows))
    monkeypatch.setattr(urllib.request, "urlopen", _fake_urlopen({url: payload}))

    dest = tmp_path / "dl"
    path = data.fetch("arc_c", dest)
    lock = json.loads((dest / data.LOCK_FILENAME).read_text())
    assert lock == {data.relpath_of("arc_c"): data.sha256_of(path)}
    assert data.load_benchmark("arc_c", dest) == data.load_benchmark("arc_c", shared_data)

    # the same conversion again is accepted
    data.fetch("arc_c", dest, force=True)
    # a changed upstream file is refused, the first copy kept
    source_rows[0]["answerKey"] = "D" if source_rows[0]["answerKey"] != "D" else "A"
    changed = _parquet_bytes(pd.DataFrame(source_rows))
    monkeypatch.setattr(urllib.request, "urlopen", _fake_urlopen({url: changed}))
    before = path.read_bytes()
    with pytest.raises(DataError, match="checksum mismatch for arc/ARC-Challenge-test.jsonl"):
        data.fetch("arc_c", dest, force=True)
    assert path.read_bytes() == before

    # the package's checksum wins over a lock file in local_data_dir: the converted copy is refused there (it is
    # reused as the data folder itself, whose own lock records the download), and nothing is recorded as trusted
    with pytest.raises(DataError, match="cannot override the package's checksum"):
        data.fetch("arc_c", tmp_path / "copy", local_data_dir=dest)
    assert not (tmp_path / "copy").exists()
    assert data.fetch("arc_c", dest).read_bytes() == before


def test_fetch_converted_math_train(tmp_path, shared_data, monkeypatch):
    rows = [json.loads(line) for line in (shared_data / data.relpath_of("math_train")).open()]
    by_type: dict[str, list[dict]] = {}
    for row in rows:
        by_type.setdefault(row["type"], []).append({key: row[key] for key in ("problem", "level", "type", "solution")})
    configs = {
        "Algebra": "algebra",
        "Counting & Probability": "counting_and_probability",
        "Geometry": "geometry",
        "Intermediate Algebra": "intermediate_algebra",
        "Number Theory": "number_theory",
        "Prealgebra": "prealgebra",
        "Precalculus": "precalculus",
    }
    assert set(by_type) == set(configs)
    payloads = {}
    for subject, config in configs.items():
        (url,) = [u for u in data.SOURCE_URLS["math_train"] if f"/{config}/" in u]
        payloads[url] = _parquet_bytes(pd.DataFrame(by_type[subject]))
    monkeypatch.setattr(urllib.request, "urlopen", _fake_urlopen(payloads))
    path = data.fetch("math_train", tmp_path)
    assert (tmp_path / data.LOCK_FILENAME).exists()
    frame = data.load_math_train(tmp_path)
    assert len(frame) == 7500
    assert set(json.loads(path.open().readline())) == {"problem", "level", "type", "solution"}

    # a conversion with the wrong number of rows is refused
    first = data.SOURCE_URLS["math_train"][0]
    payloads[first] = _parquet_bytes(pd.DataFrame(by_type["Algebra"][:-1]))
    with pytest.raises(DataError, match="7499 rows, expected 7500"):
        data.fetch("math_train", tmp_path, force=True)
    assert len(data.load_math_train(tmp_path)) == 7500


def test_fetch_unknown_name(tmp_path):
    with pytest.raises(DataError, match="unknown dataset"):
        data.fetch("imagenet", tmp_path)
