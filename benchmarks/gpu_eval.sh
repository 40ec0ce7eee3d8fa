#!/usr/bin/env bash
# GPU check of the evaluation backends: evaluate one model with transformers and with vLLM on the same
# benchmarks, prompts, stop strings, sampling settings and grader, then compare accuracies and responses.
#
# Needs a CUDA GPU and vLLM (pip install -e '.[gpu]'); it cannot run on the CPU-only development machine,
# where tests/unit/test_evaluation.py::test_vllm_backend_contract_with_fake_vllm checks what our code asks vLLM for.
#
#   benchmarks/gpu_eval.sh [MODEL] [LIMIT]
#     MODEL  model folder or hub id (default results/models/tiny, built here with config/tiny.yaml if missing;
#            e.g. Qwen/Qwen2.5-Math-1.5B for the paper's model)
#     LIMIT  problems per benchmark (default 20)
#   env: DATA (data folder, default ../shared/data if present else resources/data), OUT (default
#        results/gpu_eval), CONFIG (default config/tiny.yaml), TOL (points, default 5)
#
# Output: OUT/<backend>/ (responses and metrics of each backend) and a table per benchmark: accuracy under both
# backends, their difference, and for greedy benchmarks the share of identical responses. Exit status 1 when a
# greedy benchmark's accuracies differ by more than TOL points. Expect small differences: vLLM runs in the
# model's half precision ("auto"; an fp32 tiny model is run in bf16/fp16) and uses other kernels, so greedy
# paths can diverge after a near-tie; sampled benchmarks use different random streams by construction.
# If vLLM rejects the tiny model's head size (16), pass a real model as MODEL.
set -euo pipefail
cd "$(dirname "$0")/.."

MODEL=${1:-results/models/tiny}
LIMIT=${2:-20}
CONFIG=${CONFIG:-config/tiny.yaml}
OUT=${OUT:-results/gpu_eval}
TOL=${TOL:-5}
if [ -z "${DATA:-}" ]; then
    if [ -d ../shared/data/benchmarks ]; then DATA=../shared/data; else DATA=resources/data; fi
fi

python - <<'EOF'
import sys

import torch

try:
    import vllm
except ImportError:
    sys.exit("gpu_eval.sh: vLLM is not installed (pip install -e '.[gpu]')")
if not torch.cuda.is_available():
    sys.exit("gpu_eval.sh: no CUDA GPU")
print(f"torch {torch.__version__}, vllm {vllm.__version__}, {torch.cuda.get_device_name(0)}")
EOF

if [ "$MODEL" = results/models/tiny ] && [ ! -f "$MODEL/config.json" ]; then
    oneshot-rlvr build-tiny-model --data-dir "$DATA" --out "$MODEL" --config "$CONFIG"
fi

sets=(--set evaluation.gpus=1 --set evaluation.tensor_parallel_size=1)
for bench in math500 aime24 amc23 minerva_math olympiadbench aime25 arc_e arc_c; do
    sets+=(--set "evaluation.benchmarks.$bench.limit=$LIMIT")
done
for backend in transformers vllm; do
    echo "== $backend"
    time oneshot-rlvr evaluate --run base --step 0 --model "$MODEL" \
        --data-dir "$DATA" --out-dir "$OUT/$backend" --config "$CONFIG" --set "evaluation.backend=$backend" "${sets[@]}"
done

python - "$OUT" "$TOL" <<'EOF'
import json
import sys
from pathlib import Path

out, tol = Path(sys.argv[1]), float(sys.argv[2])
hf = json.loads((out / "transformers" / "metrics.json").read_text())["benchmarks"]
vl = json.loads((out / "vllm" / "metrics.json").read_text())["benchmarks"]
failed = []
print(f"{'benchmark':14s} {'decoding':22s} {'transformers':>12s} {'vllm':>8s} {'diff':>7s} {'same responses':>15s}")
for name, a in hf.items():
    b = vl.get(name, {})
    if a.get("status") != "ok" or b.get("status") != "ok":
        print(f"{name:14s} not run")
        continue
    same = ""
    if a["decoding"] == "greedy":
        ra = [json.loads(line)["response"] for line in (out / "transformers" / f"{name}.jsonl").open()]
        rb = [json.loads(line)["response"] for line in (out / "vllm" / f"{name}.jsonl").open()]
        same = f"{100.0 * sum(x == y for x, y in zip(ra, rb)) / max(len(ra), 1):.0f}%"
        if abs(a["accuracy"] - b["accuracy"]) > tol:
            failed.append(name)
    diff = b["accuracy"] - a["accuracy"]
    print(f"{name:14s} {a['decoding']:22s} {a['accuracy']:12.1f} {b['accuracy']:8.1f} {diff:+7.1f} {same:>15s}")
print("greedy accuracies within", tol, "points" if not failed else f"points except {failed}")
sys.exit(1 if failed else 0)
EOF
