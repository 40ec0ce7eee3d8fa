"""Generation backends: transformers batched generation (CPU or GPU) and vLLM (GPU). Both take the same prompts,
stop strings and sampling settings and return one `Generation` per prompt.

torch, transformers and vllm are imported when a backend is built, so that planning, grading and the command line
never pay for them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from oneshot_rlvr.evaluation.protocol import EvaluationError, tensor_parallel_size


class Generation(NamedTuple):
    """One generated response: its text (before stop-string cutting), token count and why it ended."""

    text: str
    tokens: int
    finish_reason: str  # "stop" (a stop token or string) or "length" (max_new_tokens reached)



def cut_at_stop(text: str, stops: Sequence[str]) -> str:
    """Cut a response at the first stop string, as the authors' evaluation does."""
    positions = [text.find(stop) for stop in stops if stop in text]
    return text[: min(positions)] if positions else text


class TransformersGenerator:
    """Batched generation with transformers (left padding); greedy at temperature 0, else seeded sampling."""

    def __init__(self, model_path: str, batch_size: int, stop_strings: Sequence[str], dtype: str = "auto"):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.torch = torch
        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        self.tokenizer = AutoTokenizer.from_pretrained(model_path)
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        # `evaluation.dtype`: auto = the checkpoint's own dtype on a GPU, float32 on the CPU
        loaded = getattr(torch, dtype) if dtype != "auto" else ("auto" if self.device == "cuda" else torch.float32)
        self.model = AutoModelForCausalLM.from_pretrained(model_path, dtype=loaded).to(self.device).eval()
        self.batch_size = batch_size
        self.chunk_size = batch_size  # generate_responses saves the responses after every batch
        self.stop_ids = stop_token_ids(self.tokenizer, self.model.generation_config, stop_strings)

    def generate(
        self, prompts: Sequence[str], temperature: float, top_p: float, max_new_tokens: int, seed: int
    ) -> list[Generation]:
        torch = self.torch
        torch.manual_seed(seed)
        outputs: list[Generation] = []
        sampling = {"do_sample": True, "temperature": temperature, "top_p": top_p, "top_k": 0}
        greedy = {"do_sample": False, "temperature": None, "top_p": None, "top_k": None}
        for start in range(0, len(prompts), self.batch_size):  # evaluate_checkpoint's bar counts the responses
            batch = list(prompts[start : start + self.batch_size])
            encoded = self.tokenizer(batch, return_tensors="pt", padding=True, add_special_tokens=False).to(self.device)
            with torch.inference_mode():
                generated = self.model.generate(
                    **encoded,
                    max_new_tokens=max_new_tokens,
                    eos_token_id=self.stop_ids,
                    pad_token_id=self.tokenizer.pad_token_id,
                    **(sampling if temperature > 0 else greedy),
                )
            new_tokens = generated[:, encoded["input_ids"].shape[1] :]
            for row in new_tokens.tolist():
                stop = next((i + 1 for i, token in enumerate(row) if token in self.stop_ids), None)
                length = stop if stop is not None else len(row)
                text = self.tokenizer.decode(row[:length], skip_special_tokens=True)
                outputs.append(Generation(text, length, "stop" if stop is not None else "length"))
        return outputs


class VLLMGenerator:
    """vLLM generation (GPU): one `LLM` per job (tensor parallel, engine seed), explicit `SamplingParams`.

    Sampling layout, as the authors' x8 files: every prompt copy is its own request with `n=1` (the test set
    repeated n_samples times in order). Unlike the authors, who rely on the engine seed alone, each sampled
    request also gets its own seed (`seed + position in the expanded list`), so a response does not depend on
    how vLLM batches requests or on the tensor parallel size. Greedy requests get no seed and top_p 1.
    """

    def __init__(
        self,
        model_path: str,
        tensor_parallel_size: int,
        seed: int,
        stop_strings: Sequence[str],
        max_model_len: int | None = None,
        dtype: str = "auto",
    ):
        try:
            import vllm
        except ImportError as error:
            raise EvaluationError(
                "evaluation.backend is vllm but vLLM is not installed (pip install '.[gpu]')"
            ) from error
        self.vllm = vllm
        self.llm = vllm.LLM(
            model=model_path,
            tensor_parallel_size=max(int(tensor_parallel_size), 1),
            seed=seed,
            max_model_len=max_model_len,
            trust_remote_code=True,
            dtype=dtype,  # `evaluation.dtype` (auto: the checkpoint's config.json torch_dtype)
        )
        self.tokenizer = self.llm.get_tokenizer()
        self.stop_strings = list(stop_strings)
        self.stop_ids = stop_token_ids(self.tokenizer, _generation_config(model_path), self.stop_strings)

    def sampling_params(self, temperature: float, top_p: float, max_new_tokens: int, seed: int | None):
        greedy = temperature == 0
        return self.vllm.SamplingParams(
            n=1,
            temperature=temperature,
            top_p=1.0 if greedy else top_p,
            top_k=-1,
            max_tokens=max_new_tokens,
            seed=None if greedy else seed,
            stop=list(self.stop_strings),
            stop_token_ids=list(self.stop_ids),
            skip_special_tokens=True,
        )

    def generate(
        self, prompts: Sequence[str], temperature: float, top_p: float, max_new_tokens: int, seed: int
    ) -> list[Generation]:
        params = [
            self.sampling_params(temperature, top_p, max_new_tokens, seed + position)
            for position in range(len(prompts))
        ]
        results = self.llm.generate(list(prompts), params, use_tqdm=True)
        outputs = []
        for result in results:
            completion = result.outputs[0]
            finish = "length" if completion.finish_reason == "length" else "stop"
            outputs.append(Generation(completion.text, len(completion.token_ids), finish))
        return outputs


def _generation_config(model_path: str):
    try:
        from transformers import GenerationConfig

        return GenerationConfig.from_pretrained(model_path)
    except Exception:
        return None


def stop_token_ids(tokenizer, generation_config, stop_strings: Sequence[str]) -> list[int]:
    """Token ids that end a response: the stop strings that are single tokens, the tokenizer's EOS and the
    model's generation_config eos ids (the authors pass [151645, 151643] for Qwen2 models)."""
    ids: set[int] = set()
    for token in stop_strings:
        try:
            token_id = tokenizer.convert_tokens_to_ids(token)
        except Exception:
            continue
        if isinstance(token_id, int) and token_id != getattr(tokenizer, "unk_token_id", None) and token_id >= 0:
            ids.add(token_id)
    if getattr(tokenizer, "eos_token_id", None) is not None:
        ids.add(int(tokenizer.eos_token_id))
    eos = getattr(generation_config, "eos_token_id", None) if generation_config is not None else None
    if isinstance(eos, int):
        ids.add(eos)
    elif isinstance(eos, list):
        ids.update(int(x) for x in eos)
    return sorted(ids)



def make_generator(model_path: str, spec: Mapping[str, Any], stops: Sequence[str]):
    """The spec's backend (`evaluation.backend`) for this model."""
    if spec["backend"] == "vllm":
        return VLLMGenerator(
            model_path,
            tensor_parallel_size(spec),
            int(spec["seed"]),
            stops,
            spec.get("max_model_len"),
            spec.get("dtype", "auto"),
        )
    return TransformersGenerator(model_path, int(spec["batch_size"]), stops, spec.get("dtype", "auto"))
