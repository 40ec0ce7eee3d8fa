"""Table 16's "Qwen official" demonstrations: shipped like the other data, read back in order, joined as the
Qwen2.5-Math evaluation joins them."""

from __future__ import annotations

import io
import json

import pytest

from oneshot_rlvr import config as oc
from oneshot_rlvr import data, evaluation, icl_examples, prompts


def shipped_rows(shared_data):
    return [json.loads(line) for line in (shared_data / icl_examples.RELPATH).read_text().splitlines()]


def examples_source(rows) -> str:
    """An examples.py in the evaluation's shape (sets assigned into a dict inside get_examples) holding `rows`,
    with sets the data file does not keep around them."""
    sets: dict[str, list] = {}
    for row in rows:
        sets.setdefault(row["set"], []).append((row["question"], row["response"]))
    body = ["def get_examples():", "    examples = {}", '    examples["gsm8k"] = [("q", "a")]']
    body += [f"    examples[{name!r}] = {pairs!r}" for name, pairs in reversed(sets.items())]
    body += ['    examples["math_pal"] = [("q", "```python\\nx\\n```")]', "    return examples", ""]
    return "\n".join(body)


def test_conversion_of_the_evaluation_source_gives_the_shipped_file(shared_data, tmp_path, monkeypatch):
    rows = shipped_rows(shared_data)
    assert [(r["set"], r["position"]) for r in rows][:5] == [("math", i) for i in range(5)] and len(rows) == 11
    source = examples_source(rows).encode()
    # The download itself needs the internet: the converter gets the source text from here instead.
    monkeypatch.setattr(data.download, "_open_url", lambda url, name: io.BytesIO(source))
    fetched = data.fetch("qwen_icl", tmp_path / "dl")
    assert fetched.read_bytes() == (shared_data / icl_examples.RELPATH).read_bytes()
    assert data.sha256_of(fetched) == data.known_checksums()[icl_examples.RELPATH]
    assert not (tmp_path / "dl" / data.LOCK_FILENAME).exists()  # matched the package's checksum, nothing trusted
    with pytest.raises(icl_examples.ExamplesError, match=r"x.py: no examples\['aime24'\] list"):
        icl_examples.convert_examples_source(examples_source(rows[:-1]), "x.py")
    with pytest.raises(icl_examples.ExamplesError, match="not a literal list"):
        icl_examples.convert_examples_source('examples["math"] = make()\n', "x.py")


def test_offline_copy_is_verified(shared_data, tmp_path):
    copied = data.fetch("qwen_icl", tmp_path / "data", local_data_dir=shared_data)
    assert copied == tmp_path / "data" / "icl" / "qwen_eval_examples.jsonl"
    bad = tmp_path / "bad"
    (bad / "icl").mkdir(parents=True)
    (bad / icl_examples.RELPATH).write_text((shared_data / icl_examples.RELPATH).read_text().replace("Kevin", "Kev"))
    with pytest.raises(data.DataError, match="checksum mismatch for icl/qwen_eval_examples.jsonl"):
        data.fetch("qwen_icl", tmp_path / "other", local_data_dir=bad)


def test_icl_runs_read_the_first_math_demonstrations_joined_in_one_user_turn(shared_data):
    config = oc.load_config()
    path = f"{config['data_dir']}/{icl_examples.RELPATH}"
    assert oc.evaluation_spec(config, "icl_qwen4")["icl"] == {"demonstrations": "qwen_math4", "files": [path]}
    assert oc.evaluation_spec(config, "qwen7b_icl_qwen1")["icl"]["demonstrations"] == "qwen_math1"
    math_rows = [(r["question"], r["response"]) for r in shipped_rows(shared_data) if r["set"] == "math"]
    file = str(shared_data / icl_examples.RELPATH)
    four = evaluation.resolve_demonstrations({"demonstrations": "qwen_math4", "files": [file]}, None, "", [], 1, 0)
    one = evaluation.resolve_demonstrations({"demonstrations": "qwen_math1", "files": [file]}, None, "", [], 1, 0)
    assert four == math_rows[:4] and one == math_rows[:1]
    assert four[0][0].startswith("Kevin Kangaroo")
    prompt = prompts.eval_prompt("What is 2+3?", "qwen25-math-cot", demonstrations=four)
    user = prompt.split("<|im_start|>user\n")[1].split("<|im_end|>")[0]
    assert user == "\n\n\n".join([*(f"{q}\n{a}" for q, a in four), "What is 2+3?"])
    assert prompt.count("<|im_start|>user") == 1
    with pytest.raises(evaluation.EvaluationError, match="icl qwen_math4 needs icl/qwen_eval_examples.jsonl"):
        evaluation.resolve_demonstrations({"demonstrations": "qwen_math4", "files": []}, None, "", [], 1, 0)
