"""Worker of tests/test_training_distributed.py (2 processes, gloo, CPU): an FSDP2 checkpoint as our trainer writes it.

accelerate enables FSDP only on GPUs, so this applies FSDP2 itself the way accelerate's `fsdp2_prepare_model`
does (fp32 master weights, `fully_shard` per decoder layer and the root, our mixed-precision policy), takes one
optimizer step, then saves the checkpoint through the same calls as our trainer: accelerate's sharded
`save_fsdp_model` (what the Trainer resumes from) and the consolidated Hugging Face model
(`gather_full_state_dict`, then `save_pretrained` as `Trainer._save` does). Rank 0 checks and marks it, and
both ranks load the sharded files back into a fresh model (resume). Results: <out>/result.json.
Usage: torchrun --nproc_per_node 2 fsdp_checkpoint.py MODEL_DIR OUT_DIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch
from accelerate import Accelerator
from accelerate.utils import FullyShardedDataParallelPlugin
from accelerate.utils.fsdp_utils import load_fsdp_model, save_fsdp_model
from torch.distributed.fsdp import fully_shard
from transformers import AutoModelForCausalLM, AutoTokenizer

from oneshot_rlvr.training.checkpoints import write_complete_marker
from oneshot_rlvr.training.consolidation import gather_full_state_dict, record_bf16, verify_hf_model
from oneshot_rlvr.training.grpo_config import POLICY_DTYPE, fsdp_mixed_precision_policy


def sharded_model(model_dir: str):
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=getattr(torch, POLICY_DTYPE))
    policy = fsdp_mixed_precision_policy(2)
    for layer in model.model.layers:
        fully_shard(layer, mp_policy=policy)
    fully_shard(model, mp_policy=policy)
    return model


def main(model_dir: str, out_dir: str) -> None:
    accelerator = Accelerator(cpu=True)
    rank = accelerator.process_index
    torch.manual_seed(rank)
    model = sharded_model(model_dir)
    before = {name: param.full_tensor().clone() for name, param in model.named_parameters()}
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    ids = torch.randint(0, model.config.vocab_size, (2, 12))  # each rank its own data
    model(input_ids=ids, labels=ids).loss.backward()
    grad_dtypes = sorted({str(p.grad.dtype) for p in model.parameters() if p.grad is not None})
    optimizer.step()

    checkpoint = Path(out_dir) / "checkpoint-1"
    plugin = FullyShardedDataParallelPlugin(fsdp_version=2, state_dict_type="SHARDED_STATE_DICT")
    save_fsdp_model(plugin, accelerator, model, str(checkpoint))
    state_dict = gather_full_state_dict(model)
    model.save_pretrained(checkpoint, state_dict=state_dict, is_main_process=rank == 0)
    full = {name: param.full_tensor() for name, param in model.named_parameters()}  # collective
    result = {}
    if rank == 0:
        AutoTokenizer.from_pretrained(model_dir).save_pretrained(checkpoint)
        record_bf16(checkpoint)
        verify_hf_model(checkpoint)
        write_complete_marker(checkpoint, 1)
        from safetensors.torch import load_file

        saved = load_file(checkpoint / "model.safetensors")
        tied = {"lm_head.weight"} if model.config.tie_word_embeddings else set()
        result = {
            "master_dtypes": sorted({str(p.dtype) for p in model.parameters()}),
            "grad_dtypes": grad_dtypes,
            "saved_dtypes": sorted({str(t.dtype) for t in saved.values()}),
            "consolidated_equals_params": all(torch.equal(saved[n], full[n]) for n in full if n not in tied),
            "missing_from_consolidated": sorted(set(full) - set(saved) - tied),
            "changed_by_the_step": sum(not torch.equal(before[n], full[n]) for n in full) / len(full),
            "files": sorted(path.name for path in checkpoint.iterdir()),
        }
    accelerator.wait_for_everyone()
    resumed = sharded_model(model_dir)
    load_fsdp_model(plugin, accelerator, resumed, str(checkpoint))
    same = all(
        torch.equal(a.to_local(), b.to_local())
        for a, b in zip(model.parameters(), resumed.parameters(), strict=True)
    )
    same_everywhere = accelerator.gather(torch.tensor([float(same)])).min().item() == 1.0
    if rank == 0:
        result["resume_restores_the_shards"] = same_everywhere
        (Path(out_dir) / "result.json").write_text(json.dumps(result, indent=2))
    accelerator.wait_for_everyone()


if __name__ == "__main__":
    main(*sys.argv[1:3])
