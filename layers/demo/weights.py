"""Weighted draws that stay the same every run: whole numbers in proportion to weights."""

from __future__ import annotations

import math


def largest_remainder(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` into whole numbers proportional to ``weights`` (Hamilton's method);
    ties go to the earlier item, so the split is the same every time.

    >>> largest_remainder(10, [1, 1, 1])
    [4, 3, 3]
    >>> largest_remainder(5, [0, 2, 0])
    [0, 5, 0]
    """
    wsum = sum(weights)
    if total <= 0 or wsum <= 0:
        return [0] * len(weights)
    quotas = [total * w / wsum for w in weights]
    counts = [math.floor(q) for q in quotas]
    order = sorted(range(len(weights)), key=lambda i: (-(quotas[i] - counts[i]), i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def slots(weights: list[float], size: int = 1000) -> list[int]:
    """Indexes 0..len-1 repeated in proportion to weights: ``slots[floor(u * size)]`` then
    draws index i with probability weights[i] / sum(weights).

    >>> slots([1, 3], 4)
    [0, 1, 1, 1]
    """
    out = []
    for i, n in enumerate(largest_remainder(size, weights)):
        out.extend([i] * n)
    return out
