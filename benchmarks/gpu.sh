#!/usr/bin/env bash
# Rollout tokens/s and GRPO training-step time of a randomly initialised Qwen2.5-Math-1.5B-shaped model (no
# download), with transformers, and with vLLM where it is installed. Run on a CUDA machine from the repo root:
#   bash benchmarks/gpu.sh [extra bench_gpu_model.py arguments]
# Prints a SUMMARY line to paste into benchmarks/RESULTS.md with the machine and versions.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c "import torch; assert torch.cuda.is_available(), 'gpu.sh: no CUDA GPU visible'"
vllm=()
python3 -c "import vllm" 2>/dev/null && vllm=(--vllm) || echo "gpu.sh: vLLM not installed; transformers only"
python3 benchmarks/bench_gpu_model.py "${vllm[@]}" "$@"
