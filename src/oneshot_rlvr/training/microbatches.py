"""verl's loss aggregation: token-budgeted, length-balanced micro-batches, each weighted by its sequence share.

verl (dp_actor with `use_dynamic_bsz`) splits a GPU's B sequences of a step into M = ceil(total tokens / budget)
micro-batches balanced by length (Karmarkar-Karp), takes the token mean of the loss in each and weights it by
B_mb / B. The step's loss is therefore  sum_mb (B_mb / B) * (1 / T_mb) * sum_{tokens t in mb} l_t,  with T_mb the
micro-batch's response tokens: a per-token weight (B_mb / B) / T_mb that depends on which sequences share a
micro-batch. TRL walks the batch in fixed micro-batches of `micro_batch_size`; giving every sequence its verl
weight and summing weighted token losses reproduces verl's loss and gradient exactly, however TRL slices the
batch (a sum does not care), at no extra compute.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence


def micro_batch_count(lengths: Sequence[int], max_tokens: int) -> int:
    """verl's M: enough micro-batches for the token budget, at most one per sequence."""
    return max(1, min(len(lengths), math.ceil(sum(lengths) / max_tokens)))


def balanced_partitions(lengths: Sequence[int], parts: int) -> list[list[int]]:
    """Karmarkar-Karp (largest differencing) k-way partition of sequence indices by length, as verl balances
    its micro-batches (`equal_size=False`). Every part is non-empty when parts <= len(lengths)."""
    if not 1 <= parts <= len(lengths):
        raise ValueError(f"cannot split {len(lengths)} sequences into {parts} micro-batches")
    # A state is k subsets sorted by descending sum; its key is the spread between the largest and smallest.
    heap: list[tuple[int, int, list[tuple[int, list[int]]]]] = []
    for order, (length, index) in enumerate(sorted((length, index) for index, length in enumerate(lengths))):
        subsets = [(length, [index])] + [(0, []) for _ in range(parts - 1)]
        heapq.heappush(heap, (-length, order, subsets))
    counter = len(lengths)
    while len(heap) > 1:
        _, _, first = heapq.heappop(heap)
        _, _, second = heapq.heappop(heap)
        # Pair the largest subset of one state with the smallest of the other: the difference shrinks.
        merged = [(a[0] + b[0], a[1] + b[1]) for a, b in zip(first, reversed(second), strict=True)]
        merged.sort(key=lambda subset: (-subset[0], subset[1]))
        heapq.heappush(heap, (-(merged[0][0] - merged[-1][0]), counter, merged))
        counter += 1
    return [sorted(indices) for _, indices in heap[0][2]]


def verl_sequence_weights(
    lengths: Sequence[int], response_tokens: Sequence[int], max_tokens: int, parts: int | None = None
) -> list[float]:
    """Per-sequence token weights (B_mb / B) / T_mb of verl's aggregation, in the input order.

    lengths: each sequence's valid tokens (prompt + response), what verl balances and budgets;
    response_tokens: each sequence's loss tokens; parts: M when the caller already agreed on it across ranks
    (verl takes the maximum over data-parallel ranks), else computed from the budget.
    """
    count = len(lengths)
    parts = micro_batch_count(lengths, max_tokens) if parts is None else min(parts, count)
    weights = [0.0] * count
    for micro_batch in balanced_partitions(lengths, parts):
        tokens = sum(response_tokens[index] for index in micro_batch)
        for index in micro_batch:
            weights[index] = (len(micro_batch) / count) / max(tokens, 1)
    return weights
