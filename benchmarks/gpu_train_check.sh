#!/usr/bin/env bash
# The training path on a GPU, in one run of about 5 minutes (budget 8) on one H200. From the repository root:
#   bash benchmarks/gpu_train_check.sh DATA_DIR [OUT_DIR]
#   1. fp32 master weights on CUDA: one lr-1e-6 step of the tiny model with bf16 on, through `oneshot-rlvr
#      train`; the checkpoint's weights and AdamW state are fp32, nearly every weight moved, config says bf16;
#   2. FSDP with one process through workflow/accelerate/fsdp.yaml: the log names verl's mixed precision
#      (params bf16, reduce fp32), every checkpoint holds the consolidated model, our evaluation loads it, and a
#      second run resumes from the sharded files;
#   3. the policy update of one paper step (1,024 completions of 1,024 tokens after a 256-token prompt,
#      Qwen2.5-Math-1.5B shape) with fp32 master weights, and with the policy in bf16 for comparison.
# Each part prints SUMMARY lines for benchmarks/RESULTS.md. GPU_CHECK_CPU_SMOKE=1 runs parts 1 and 3 (small
# shape) on the CPU to check the script itself; part 2 needs CUDA (accelerate enables FSDP on GPUs only).
set -uo pipefail
DATA_DIR=${1:?data folder}
OUT=${2:-/tmp/gpu_train_check}
WORK=$OUT/work
mkdir -p "$WORK"
# shellcheck source=benchmarks/gpu_setup.sh
source benchmarks/gpu_setup.sh
SMOKE=${GPU_CHECK_CPU_SMOKE:-0}
if [ "$SMOKE" != 1 ]; then
  python3 -c "import torch; assert torch.cuda.is_available(), 'no CUDA GPU visible'" || exit 1
fi

oneshot-rlvr fetch-data --name dsr_sub --name history --name math_train --name math500 --dest-dir "$WORK/data" \
  --local-data-dir "$DATA_DIR" >/dev/null || exit 1
oneshot-rlvr build-tiny-model --data-dir "$WORK/data" --out "$WORK/model" --config config/tiny.yaml \
  >"$WORK/build.log" 2>&1 || { tail -5 "$WORK/build.log"; exit 1; }
oneshot-rlvr make-dataset --name dsr_sub --data-dir "$WORK/data" --out "$WORK/dsr_sub.parquet" >/dev/null || exit 1
common=(--run dsr_sub --config config/tiny.yaml --set "models.tiny.path=$WORK/model" --set training.bf16=true
        --set training.prompts_per_step=8 --set training.num_generations=8 --set training.micro_batch_size=16
        --set training.max_completion_length=64 --dataset "$WORK/dsr_sub.parquet")

echo "== 1. fp32 master weights on CUDA"
timeout 150 oneshot-rlvr train "${common[@]}" --set training.max_steps=1 --set training.save_steps=1 \
  --set training.learning_rate=1.0e-6 --set training.first_update_lr_zero=false \
  --checkpoint-dir "$WORK/ck-fp32" --done "$WORK/done-fp32.json" >"$OUT/fp32.log" 2>&1 \
  || { echo "fp32 run FAILED:"; tail -20 "$OUT/fp32.log"; }
python3 - "$WORK/model" "$WORK/ck-fp32/checkpoint-1" <<'PY'
import json, sys
from pathlib import Path
import torch
from safetensors.torch import load_file
base, checkpoint = Path(sys.argv[1]), Path(sys.argv[2])
before, after = load_file(base / "model.safetensors"), load_file(checkpoint / "model.safetensors")
changed = sum(int((after[n] != before[n]).sum()) for n in before) / sum(t.numel() for t in before.values())
optimizer = torch.load(checkpoint / "optimizer.pt", map_location="cpu", weights_only=False)
state_dtypes = sorted({str(v.dtype) for s in optimizer["state"].values() for v in s.values() if v.dim() > 0})
config = json.loads((checkpoint / "config.json").read_text())
ok = {str(t.dtype) for t in after.values()} == {"torch.float32"} and state_dtypes == ["torch.float32"] and changed > 0.5  # bf16 weights: about 0.02
print(f"SUMMARY gpu_check part=fp32_master device={torch.cuda.get_device_name(0).replace(' ', '_') if torch.cuda.is_available() else 'cpu'} "
      f"weights={sorted({str(t.dtype) for t in after.values()})} adam_state={state_dtypes} changed_by_one_lr1e-6_step={changed:.4f} "
      f"config_dtype={config.get('dtype')} ok={ok}")
PY

if [ "$SMOKE" != 1 ]; then
  echo "== 2. FSDP (1 process): consolidated checkpoints, evaluation, resume"
  fsdp=(accelerate launch --config_file workflow/accelerate/fsdp.yaml --num_processes 1 -m oneshot_rlvr.cli train)
  timeout 150 "${fsdp[@]}" "${common[@]}" --set training.max_steps=2 --set training.save_steps=1 \
    --checkpoint-dir "$WORK/ck-fsdp" --done "$WORK/done-fsdp.json" >"$OUT/fsdp.log" 2>&1 \
    || { echo "FSDP run FAILED:"; tail -30 "$OUT/fsdp.log"; }
  limits=(--set evaluation.backend=transformers --set evaluation.gpus=1)
  for bench in math500 minerva_math olympiadbench aime24 amc23 aime25 arc_e arc_c; do
    limits+=(--set "evaluation.benchmarks.$bench.enabled=false")
  done
  timeout 90 oneshot-rlvr evaluate --run dsr_sub --step 2 --model "$WORK/ck-fsdp/checkpoint-2" --data-dir "$WORK/data" \
    --out-dir "$WORK/eval-fsdp" --config config/tiny.yaml "${limits[@]}" \
    --set evaluation.benchmarks.math500.enabled=true --set evaluation.benchmarks.math500.limit=8 \
    >"$OUT/fsdp_eval.log" 2>&1 || { echo "evaluation of the FSDP checkpoint FAILED:"; tail -20 "$OUT/fsdp_eval.log"; }
  timeout 150 "${fsdp[@]}" "${common[@]}" --set training.max_steps=3 --set training.save_steps=1 \
    --checkpoint-dir "$WORK/ck-fsdp" --done "$WORK/done-fsdp.json" >"$OUT/fsdp_resume.log" 2>&1 \
    || { echo "FSDP resume FAILED:"; tail -30 "$OUT/fsdp_resume.log"; }
  python3 - "$WORK/ck-fsdp" "$OUT" "$WORK/eval-fsdp/metrics.json" <<'PY'
import json, sys
from pathlib import Path
folder, out, metrics = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
needed = ("model.safetensors", "config.json", "tokenizer.json", "generation_config.json", "oneshot_rlvr_complete.json")
complete = {c.name: all((c / n).exists() for n in needed) and (c / "pytorch_model_fsdp_0").is_dir()
            for c in sorted(folder.glob("checkpoint-*"))}
def lines(name):
    return (out / name).read_text().splitlines() if (out / name).exists() else []
policy = [l for l in lines("fsdp.log") if l.startswith("FSDP mixed precision")]
resumed = any("resuming run dsr_sub from" in l and l.endswith("checkpoint-2") for l in lines("fsdp_resume.log"))
evaluated = metrics.exists() and json.loads(metrics.read_text())["benchmarks"]["math500"].get("status") == "ok"
ok = complete == {"checkpoint-1": True, "checkpoint-2": True, "checkpoint-3": True} and resumed and evaluated and bool(policy)
print(f"SUMMARY gpu_check part=fsdp_1process checkpoints={complete} policy={policy[:1]} evaluated={evaluated} "
      f"resumed_from_sharded={resumed} ok={ok}")
PY
fi

echo "== 3. one paper step's policy update with fp32 master weights (and bf16 weights, for comparison)"
small=(); [ "$SMOKE" = 1 ] && small=(--small --micro-batch 8 --prompt-len 16 --response-len 32 --micro-batches 1)
for master in fp32 bf16; do
  timeout 150 python3 benchmarks/bench_gpu_model.py --train-only --master-weights "$master" "${small[@]}" \
    --json "$OUT/paper_step_$master.json" 2>&1 | grep -E "^(train|SUMMARY|device)" || echo "paper step ($master) FAILED"
done
echo "outputs: $OUT"
