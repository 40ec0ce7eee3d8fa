#!/usr/bin/env bash
# Miniature GRPO training on CUDA: steps/s of the tiny model with transformers rollouts, and (when vLLM is
# installed) with vLLM colocated rollouts. Run on a GPU machine from the repository root:
#   bash benchmarks/gpu_train.sh [DATA_DIR]
# Prints one summary line per variant; paste the lines into benchmarks/RESULTS.md with the machine and versions.
set -euo pipefail
DATA_DIR=${1:-../shared/data}
WORK=$(mktemp -d)
python3 -c "import torch; assert torch.cuda.is_available(), 'no CUDA GPU visible'"
oneshot-rlvr fetch-data --name dsr_sub --name history --name math_train --dest-dir "$WORK/data" --local-data-dir "$DATA_DIR" >/dev/null
oneshot-rlvr build-tiny-model --data-dir "$WORK/data" --out "$WORK/model" --config config/tiny.yaml >/dev/null 2>&1
oneshot-rlvr make-dataset --name dsr_sub --data-dir "$WORK/data" --out "$WORK/dsr_sub.parquet" >/dev/null
variants=("transformers:false")
python3 -c "import vllm" 2>/dev/null && variants+=("vllm:true")
for variant in "${variants[@]}"; do
  name=${variant%%:*}; use_vllm=${variant##*:}
  start=$(date +%s.%N)
  oneshot-rlvr train --run dsr_sub --config config/tiny.yaml --set "models.tiny.path=$WORK/model" \
    --set training.max_steps=20 --set training.save_steps=20 --set training.prompts_per_step=16 \
    --set training.num_generations=8 --set training.micro_batch_size=32 --set training.max_completion_length=256 \
    --set training.bf16=true --set "training.use_vllm=$use_vllm" --set training.report_to=none \
    --dataset "$WORK/dsr_sub.parquet" --checkpoint-dir "$WORK/ck-$name" --done "$WORK/done-$name.json" > "$WORK/$name.log" 2>&1
  end=$(date +%s.%N)
  python3 - "$name" "$start" "$end" <<'PY'
import sys, torch
name, start, end = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
print(f"SUMMARY gpu_train backend={name} device={torch.cuda.get_device_name(0)} steps=20 "
      f"wall_s={end - start:.1f} steps_per_s={20 / (end - start):.3f} (16 prompts x 8 rollouts x <=256 tokens)")
PY
done
