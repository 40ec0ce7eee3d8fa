"""Rollout and training-step cost of a Qwen2.5-Math-1.5B-shaped model, randomly initialised (no download).

Run by benchmarks/gpu.sh on a CUDA machine. Two measurements, each printed as one SUMMARY line:

* rollout: transformers `generate` (bf16, SDPA, KV cache) at several batch sizes, every sequence forced to its
  full length (min_new_tokens), so tokens/s counts generated tokens only;
* train: one GRPO micro-batch as the paper's recipe computes it (policy forward+backward with gradient
  checkpointing, reference forward, our verl objective, the AdamW step), timed and extrapolated to the paper's
  rollout batch of 128 prompts x 8 completions. The policy has fp32 master weights and AdamW state under bf16
  autocast, as our trainer and verl train it (`--master-weights bf16`: the earlier all-bf16 measurement);
  the reference model is bf16, as verl's.

Without CUDA it runs a small shape on the CPU (--small), which only checks that the script works.
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import torch
from transformers import Qwen2Config, Qwen2ForCausalLM

from oneshot_rlvr.objective import grpo_advantages, verl_objective

# The published Qwen2.5-Math-1.5B architecture (its config.json), not its weights.
QWEN25_MATH_15B = dict(
    vocab_size=151936,
    hidden_size=1536,
    intermediate_size=8960,
    num_hidden_layers=28,
    num_attention_heads=12,
    num_key_value_heads=2,
    max_position_embeddings=4096,
    rope_theta=10000.0,
    rms_norm_eps=1e-6,
    tie_word_embeddings=True,
)
SMALL = dict(
    QWEN25_MATH_15B,
    vocab_size=4096,
    hidden_size=128,
    intermediate_size=256,
    num_hidden_layers=2,
    num_attention_heads=4,
    num_key_value_heads=2,
)


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def build_model(shape: dict, device: torch.device, dtype: torch.dtype) -> Qwen2ForCausalLM:
    torch.manual_seed(0)
    config = Qwen2Config(**shape, attn_implementation="sdpa")
    return Qwen2ForCausalLM(config).to(device=device, dtype=dtype)


def bench_rollout(model, device, batch_sizes, prompt_len, new_tokens) -> dict[int, float]:
    model.eval()
    vocab = model.config.vocab_size
    rates = {}
    for batch in batch_sizes:
        prompts = torch.randint(0, vocab, (batch, prompt_len), device=device)
        kwargs = dict(
            max_new_tokens=new_tokens,
            min_new_tokens=new_tokens,
            do_sample=True,
            temperature=0.6,
            top_p=1.0,
            pad_token_id=0,
            eos_token_id=None,
        )
        with torch.no_grad():
            model.generate(prompts[:, :8], **dict(kwargs, max_new_tokens=8, min_new_tokens=8))  # warm-up
            sync(device)
            start = time.perf_counter()
            out = model.generate(prompts, **kwargs)
            sync(device)
        elapsed = time.perf_counter() - start
        generated = (out.shape[1] - prompt_len) * batch
        rates[batch] = generated / elapsed
        print(
            f"rollout batch={batch} new_tokens={new_tokens} {generated} tokens in {elapsed:.2f} s "
            f"= {rates[batch]:.0f} tokens/s",
            flush=True,
        )
    return rates


def token_logprobs_and_entropy(model, ids, attention, response_len):
    logits = model(input_ids=ids, attention_mask=attention).logits[:, -response_len - 1 : -1].float() / 0.6
    logp_all = torch.log_softmax(logits, dim=-1)
    targets = ids[:, -response_len:]
    logp = logp_all.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    entropy = -(logp_all.exp() * logp_all).sum(-1)
    return logp, entropy


def bench_train(
    model, ref, device, micro_batch, prompt_len, response_len, micro_batches, autocast: bool
) -> dict[str, float]:
    model.train()
    getattr(model, "activation_checkpointing_enable", model.gradient_checkpointing_enable)()
    model.config.use_cache = False
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=1e-6, betas=(0.9, 0.999), weight_decay=0.01, fused=device.type == "cuda"
    )
    vocab = model.config.vocab_size
    seq = prompt_len + response_len
    times = []
    for step in range(micro_batches + 1):  # the first one warms up kernels and the allocator
        ids = torch.randint(0, vocab, (micro_batch, seq), device=device)
        attention = torch.ones_like(ids)
        mask = torch.ones(micro_batch, response_len, device=device)
        rewards = (torch.rand(micro_batch, device=device) > 0.5).float()
        sync(device)
        start = time.perf_counter()
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=autocast):
            with torch.no_grad():
                ref_logp, _ = token_logprobs_and_entropy(ref, ids, attention, response_len)
            logp, entropy = token_logprobs_and_entropy(model, ids, attention, response_len)
            terms = verl_objective(logp, logp.detach(), ref_logp, entropy, grpo_advantages(rewards, 8), mask)
        terms.loss.backward()
        sync(device)
        if step > 0:
            times.append(time.perf_counter() - start)
    sync(device)
    start = time.perf_counter()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    sync(device)
    optimizer_s = time.perf_counter() - start
    micro_s = sum(times) / len(times)
    tokens = micro_batch * seq
    paper_micro_batches = 128 * 8 // micro_batch
    result = {
        "master_weights": str(next(model.parameters()).dtype).removeprefix("torch."),
        "micro_batch": micro_batch,
        "seq_len": seq,
        "micro_batch_s": micro_s,
        "train_tokens_per_s": tokens / micro_s,
        "optimizer_step_s": optimizer_s,
        "paper_step_update_s": paper_micro_batches * micro_s + optimizer_s,
        "peak_mem_gib": torch.cuda.max_memory_allocated() / 2**30 if device.type == "cuda" else 0.0,
    }
    print(
        f"train micro_batch={micro_batch} seq={seq}: {micro_s:.3f} s per micro-batch "
        f"({result['train_tokens_per_s']:.0f} tokens/s), optimizer step {optimizer_s:.3f} s; paper batch "
        f"(1024 completions) update {result['paper_step_update_s']:.1f} s",
        flush=True,
    )
    return result


def bench_vllm_rollout(shape: dict, batch_sizes, prompt_len, new_tokens) -> dict[int, float]:
    """vLLM generation with dummy (random) weights from the same config, tokens in and out (no tokenizer)."""
    import tempfile

    from vllm import LLM, SamplingParams
    from vllm.inputs import TokensPrompt

    folder = tempfile.mkdtemp()
    Qwen2Config(**shape, architectures=["Qwen2ForCausalLM"], torch_dtype="bfloat16").save_pretrained(folder)
    llm = LLM(
        model=folder,
        load_format="dummy",
        skip_tokenizer_init=True,
        dtype="bfloat16",
        gpu_memory_utilization=0.5,
        max_model_len=prompt_len + new_tokens,
        seed=0,
    )
    params = SamplingParams(
        max_tokens=new_tokens, min_tokens=new_tokens, temperature=0.6, top_p=1.0, ignore_eos=True, detokenize=False
    )
    generator = torch.Generator().manual_seed(0)
    rates = {}
    llm.generate([TokensPrompt(prompt_token_ids=[1] * prompt_len)], params, use_tqdm=False)  # warm-up
    for batch in batch_sizes:
        prompts = [
            TokensPrompt(
                prompt_token_ids=torch.randint(0, shape["vocab_size"], (prompt_len,), generator=generator).tolist()
            )
            for _ in range(batch)
        ]
        start = time.perf_counter()
        outputs = llm.generate(prompts, params, use_tqdm=False)
        elapsed = time.perf_counter() - start
        generated = sum(len(out.outputs[0].token_ids) for out in outputs)
        rates[batch] = generated / elapsed
        print(
            f"vllm rollout batch={batch} {generated} tokens in {elapsed:.2f} s = {rates[batch]:.0f} tokens/s",
            flush=True,
        )
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="tiny shape (CPU smoke run)")
    parser.add_argument("--batch-sizes", default="8,64,256")
    parser.add_argument("--prompt-len", type=int, default=256)
    parser.add_argument("--new-tokens", type=int, default=512)
    parser.add_argument("--micro-batch", type=int, default=16)
    parser.add_argument("--response-len", type=int, default=1024)
    parser.add_argument("--micro-batches", type=int, default=3)
    parser.add_argument("--json", default=None, help="also write the figures here")
    parser.add_argument("--vllm", action="store_true", help="also measure vLLM rollouts (needs vllm and CUDA)")
    parser.add_argument(
        "--master-weights", choices=["fp32", "bf16"], default="fp32", help="policy weights (fp32: bf16 autocast)"
    )
    parser.add_argument("--train-only", action="store_true", help="skip the rollout measurements")
    args = parser.parse_args()

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    small = args.small or device.type == "cpu"
    shape = SMALL if small else QWEN25_MATH_15B
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    # fp32 master weights with bf16 autocast (the trainer's precision) or the policy itself in bf16.
    master = torch.float32 if args.master_weights == "fp32" else dtype
    autocast = master == torch.float32 and dtype == torch.bfloat16
    name = torch.cuda.get_device_name(0) if device.type == "cuda" else platform.processor() or "cpu"
    import transformers

    print(
        f"device {name}, torch {torch.__version__}, transformers {transformers.__version__}, "
        f"shape {'small' if small else 'Qwen2.5-Math-1.5B'}, compute dtype {dtype}, master weights {master}",
        flush=True,
    )
    ref = build_model(shape, device, dtype).eval()
    params = sum(p.numel() for p in ref.parameters())
    batch_sizes = [int(b) for b in args.batch_sizes.split(",")]
    rates = {} if args.train_only else bench_rollout(ref, device, batch_sizes, args.prompt_len, args.new_tokens)
    ref.eval()
    model = build_model(shape, device, master)
    train = bench_train(
        model, ref, device, args.micro_batch, args.prompt_len, args.response_len, args.micro_batches, autocast
    )
    rollout_line = " ".join(f"bs{b}={r:.0f}tok/s" for b, r in rates.items())
    vllm_rates: dict[int, float] = {}
    if args.vllm:
        del model, ref
        torch.cuda.empty_cache()
        try:
            vllm_rates = bench_vllm_rollout(shape, batch_sizes, args.prompt_len, args.new_tokens)
        except ImportError as error:
            print(f"vllm rollout skipped: {error}", flush=True)
    if vllm_rates:
        rollout_line += " vllm " + " ".join(f"bs{b}={r:.0f}tok/s" for b, r in vllm_rates.items())
    print(
        f"SUMMARY gpu_model device={name.replace(' ', '_')} params={params / 1e9:.2f}B rollout[transformers "
        f"{rollout_line}] train[master={train['master_weights']} micro_batch={train['micro_batch']}x{train['seq_len']} "
        f"{train['micro_batch_s']:.3f}s {train['train_tokens_per_s']:.0f}tok/s "
        f"optimizer={train['optimizer_step_s']:.3f}s "
        f"paper_update={train['paper_step_update_s']:.1f}s peak={train['peak_mem_gib']:.1f}GiB]",
        flush=True,
    )
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(
                {
                    "device": name,
                    "params": params,
                    "rollout_tokens_per_s": rates,
                    "vllm_rollout_tokens_per_s": vllm_rates,
                    "train": train,
                },
                handle,
                indent=1,
            )


if __name__ == "__main__":
    main()
