#!/usr/bin/env bash
# Every GPU check of the project in one run (the lent GPU machine has a 15-minute budget and no internet):
#   1. gpu_train.sh: real TRL GRPO training on CUDA (tiny model; a Qwen2.5-Math-1.5B-shaped random model),
#      bf16 checkpoints, vLLM colocate where vLLM is installed;
#   2. evaluation on CUDA with the transformers backend against the same evaluation on the CPU (greedy agreement);
#   3. gpu.sh: rollout tokens/s and GRPO step time of a Qwen2.5-Math-1.5B-shaped model.
# Usage on the device machine, from the repository root:
#   bash benchmarks/gpu_session.sh DATA_DIR [OUT_DIR]
# Missing Python packages can be carried as wheels in .whl/ (benchmarks/gpu_setup.sh installs them).
# The training path's own check (fp32 master weights, FSDP checkpoints, the fp32 paper step): gpu_train_check.sh.
set -uo pipefail
DATA_DIR=${1:?data folder}
RESULTS=${2:-/tmp/gpu_session}
mkdir -p "$RESULTS"
# shellcheck source=benchmarks/gpu_setup.sh
source benchmarks/gpu_setup.sh

echo "== 1. training on CUDA"
# shellcheck disable=SC2015
WORK=/tmp/gpu_train timeout 300 bash benchmarks/gpu_train.sh "$DATA_DIR" 2>&1 | tee "$RESULTS/gpu_train.log"

echo "== 2. evaluation: CUDA vs CPU, tiny model, transformers backend"
sets=(--set evaluation.backend=transformers --set evaluation.gpus=1)
for bench in math500 minerva_math olympiadbench; do sets+=(--set "evaluation.benchmarks.$bench.limit=40"); done
for bench in aime24 amc23 aime25 arc_e arc_c; do sets+=(--set "evaluation.benchmarks.$bench.enabled=false"); done
model=/tmp/gpu_train/model
if [ -f "$model/config.json" ]; then
  for where in cuda cpu; do
    visible=""; [ "$where" = cpu ] && visible=none
    start=$(date +%s.%N)
    CUDA_VISIBLE_DEVICES=${visible:-0} timeout 60 oneshot-rlvr evaluate --run base --step 0 --model "$model" \
      --data-dir "$DATA_DIR" --out-dir "/tmp/gpu_eval/$where" --config config/tiny.yaml "${sets[@]}" \
      >"$RESULTS/eval_$where.log" 2>&1 || echo "evaluation on $where failed: $(tail -3 "$RESULTS/eval_$where.log")"
    echo "evaluation on $where: $(python3 -c "import time,sys;print(f'{time.time()-float(sys.argv[1]):.1f} s')" "$start")"
  done
  python3 - <<'PY' | tee "$RESULTS/eval_compare.txt"
import json
from pathlib import Path
root = Path("/tmp/gpu_eval")
metrics = {where: json.loads((root / where / "metrics.json").read_text())["benchmarks"] for where in ("cuda", "cpu")}
for name, gpu in metrics["cuda"].items():
    if gpu.get("status") != "ok":
        continue
    cpu = metrics["cpu"][name]
    ra = [json.loads(line)["response"] for line in (root / "cuda" / f"{name}.jsonl").open()]
    rb = [json.loads(line)["response"] for line in (root / "cpu" / f"{name}.jsonl").open()]
    same = sum(a == b for a, b in zip(ra, rb))
    print(f"SUMMARY gpu_eval benchmark={name} cuda_acc={gpu['accuracy']:.1f} cpu_acc={cpu['accuracy']:.1f} "
          f"identical_greedy_responses={same}/{len(ra)}")
PY
fi

[ "${SKIP_MODEL_BENCH:-0}" = 1 ] && exit 0
echo "== 3. Qwen2.5-Math-1.5B-shaped model: rollout and training step"
timeout 170 bash benchmarks/gpu.sh --json "$RESULTS/gpu_model.json" 2>&1 | tee "$RESULTS/gpu_model.log"
