#!/usr/bin/env bash
# GRPO training through our real TRL trainer on CUDA: steps/s, and checks of what the checkpoints carry.
# Run on a GPU machine from the repository root:
#   bash benchmarks/gpu_train.sh [DATA_DIR]
# Variants (one SUMMARY line each; paste them into benchmarks/RESULTS.md with the machine and versions):
#   tiny         the miniature's tiny model, bf16, transformers rollouts: 20 steps of 16 prompts x 8 rollouts
#   tiny-vllm    the same with vLLM colocated rollouts (only where vLLM is installed)
#   qwen15-shape a randomly initialised model of Qwen2.5-Math-1.5B's shape (28 layers, hidden 1536, 12/2 heads)
#                with the tiny tokenizer's vocabulary, bf16 + gradient checkpointing: 3 steps of 16 prompts x 8
#                rollouts of 512 tokens. Rewards are ~0 (random text); it measures the cost of a real step.
# After each variant the last checkpoint is checked: config.json records bfloat16 (Table 7's pitfall), the
# tokenizer, generation config and history.json are there.
# GPU_TRAIN_CPU_SMOKE=1 runs a few steps on the CPU instead (checks the script itself, no timing meaning).
set -euo pipefail
DATA_DIR=${1:-../shared/data}
WORK=${WORK:-$(mktemp -d)}
SMOKE=${GPU_TRAIN_CPU_SMOKE:-0}
if [ "$SMOKE" = 1 ]; then
  STEPS=2; BIG_STEPS=1; BF16=false; BIG_LAYERS=2; BIG_HIDDEN=128; BIG_INTER=256; BIG_HEADS=4; BIG_LEN=16
else
  python3 -c "import torch; assert torch.cuda.is_available(), 'no CUDA GPU visible'"
  STEPS=20; BIG_STEPS=3; BF16=true; BIG_LAYERS=28; BIG_HIDDEN=1536; BIG_INTER=8960; BIG_HEADS=12; BIG_LEN=512
fi
oneshot-rlvr fetch-data --name dsr_sub --name history --name math_train --dest-dir "$WORK/data" --local-data-dir "$DATA_DIR" >/dev/null
oneshot-rlvr build-tiny-model --data-dir "$WORK/data" --out "$WORK/model" --config config/tiny.yaml > "$WORK/build.log" 2>&1
oneshot-rlvr make-dataset --name dsr_sub --data-dir "$WORK/data" --out "$WORK/dsr_sub.parquet" >/dev/null
python3 - "$WORK/model" "$WORK/model15" "$BIG_LAYERS" "$BIG_HIDDEN" "$BIG_INTER" "$BIG_HEADS" <<'PY'
import shutil, sys
import torch
from transformers import AutoConfig, AutoModelForCausalLM
src, dst, layers, hidden, inter, heads = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:])
config = AutoConfig.from_pretrained(src)
config.update(dict(num_hidden_layers=layers, hidden_size=hidden, intermediate_size=inter, num_attention_heads=heads,
                   num_key_value_heads=2, tie_word_embeddings=True, layer_types=["full_attention"] * layers))
torch.manual_seed(0)
model = AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
model.save_pretrained(dst)
for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json",
             "chat_template.jinja"):
    try:
        shutil.copy(f"{src}/{name}", f"{dst}/{name}")
    except FileNotFoundError:
        pass
print(f"qwen15-shape model: {sum(p.numel() for p in model.parameters()) / 1e9:.2f}B parameters")
PY

variants=("tiny:false:$WORK/model:$STEPS:256:16")
python3 -c "import vllm" 2>/dev/null && variants+=("tiny-vllm:true:$WORK/model:$STEPS:256:16")
variants+=("qwen15-shape:false:$WORK/model15:$BIG_STEPS:$BIG_LEN:16")
for variant in "${variants[@]}"; do
  IFS=: read -r name use_vllm model steps length micro <<<"$variant"
  gc=false; [ "$name" = qwen15-shape ] && gc=true
  start=$(date +%s.%N)
  status=ok
  oneshot-rlvr train --run dsr_sub --config config/tiny.yaml --set "models.tiny.path=$model" \
    --set "training.max_steps=$steps" --set "training.save_steps=$steps" --set training.prompts_per_step=16 \
    --set training.num_generations=8 --set "training.micro_batch_size=$micro" \
    --set "training.max_completion_length=$length" --set training.learning_rate=1.0e-6 \
    --set "training.bf16=$BF16" --set "training.gradient_checkpointing=$gc" --set "training.use_vllm=$use_vllm" \
    --set training.report_to=tensorboard \
    --dataset "$WORK/dsr_sub.parquet" --checkpoint-dir "$WORK/ck-$name" --done "$WORK/done-$name.json" \
    > "$WORK/$name.log" 2>&1 || status=failed
  end=$(date +%s.%N)
  [ "$status" = ok ] || { echo "variant $name FAILED; last lines of its log:"; tail -25 "$WORK/$name.log"; continue; }
  python3 - "$name" "$start" "$end" "$steps" "$length" "$WORK/ck-$name/checkpoint-$steps" <<'PY'
import json, os, sys
import torch
name, start, end, steps, length, checkpoint = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
config = json.load(open(os.path.join(checkpoint, "config.json")))
dtype = config.get("dtype", config.get("torch_dtype"))
files = set(os.listdir(checkpoint))
has = {key: key in files for key in ("tokenizer.json", "generation_config.json", "history.json")}
state = json.load(open(os.path.join(checkpoint, "trainer_state.json")))
logs = [entry for entry in state["log_history"] if "reward" in entry]
step_times = [entry["step_time"] for entry in logs if "step_time" in entry]
device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"
wall = end - start
print(f"SUMMARY gpu_train variant={name} device={device.replace(' ', '_')} steps={steps} rollout=16x8x<={length}tok "
      f"wall_s={wall:.1f} steps_per_s={steps / wall:.3f} "
      f"mean_logged_step_time_s={(sum(step_times) / len(step_times)) if step_times else float('nan'):.2f} "
      f"checkpoint_dtype={dtype} files_ok={all(has.values())} last_reward={logs[-1]['reward'] if logs else None}")
PY
done
echo "work folder: $WORK"
